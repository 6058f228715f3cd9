"""One field policy everywhere (issue 8 §1): every page, download and API answer, for every role
and team, shows only the fields ``visible_fields(user, revenue_type)`` allows.

The seeded world (tests/test_access_matrix.py ``build_world``) gives every personal field of six
obligors a distinct sentinel. For each user the walker opens every URL of the access matrix's
table, the case, person and hand-over pages of every obligor, the visit stops, the pages of an
inbound call, and a search for every searchable sentinel; then it looks for sentinels

- in the answer: the HTML, a PDF read back as text, an Excel workbook's cells, a CSV;
- in every template context rendered on the way, walked through dicts, lists, tuples,
  dataclasses, namedtuples, plain civicdesk objects and forms (initial, cleaned data, the labels
  of their choices). Model instances and querysets are not walked: a template shows of them only
  what it renders, and the rendered answer is searched.

A sentinel found where ``visible_fields`` does not allow its field, for a revenue type of its
account (a person's own fields: any of the person's revenue types), is a leak.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import io
import re
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import NamedTuple

import openpyxl
import pytest
import time_machine
from django import forms
from django.db import models
from django.http import HttpResponse
from django.template import Context
from django.test.signals import template_rendered
from django.urls import reverse

from civicdesk.accounts.models import Role
from civicdesk.privacy import field_policy
from civicdesk.privacy.field_policy import purpose_for, revenue_types_for, visible_fields
from tests.conftest import built_once, sign_in
from tests.factories import MunicipalityFactory
from tests.pdf import pdftotext
from tests.test_access_matrix import (
    API,
    SCHEMA,
    TABLE,
    Sentinel,
    World,
    appears_in,
    build_world,
)

pytestmark = pytest.mark.django_db

# The walker's users: every role, both teams of operators, visitors of a team whose policy
# differs between calls and visits (late-elderly: name, address and notice only on visits), and
# an operator of another municipality.
USERS = [
    "operator",
    "outsider",
    "foreign",
    "visitor",
    "visitor_elderly",
    "supervisor",
    "staff",
    "inspector",
    "admin",
]
# What the search box is for: a person's name, reading, phone number and address.
SEARCHED_FIELDS = {"name", "name_kana", "phone", "address"}


class Found(NamedTuple):
    sentinel: Sentinel
    where: str  # "body" or the path inside a template context


# --- The walker ------------------------------------------------------------------------------


def may_see(world: World, user, sentinel: Sentinel) -> bool:
    """What the policy allows: the obligor's municipality, and the field for one of the
    revenue types governing the value."""
    if user.municipality_id != world.municipality.pk:
        return False
    return any(sentinel.field in visible_fields(user, rt) for rt in sentinel.revenue_types)


def _choices(field: forms.Field) -> list:
    # The labels a select shows (a ModelChoiceField's are str() of its objects).
    choices = getattr(field, "choices", None)
    return [label for _value, label in choices] if choices is not None else []


def leaves(value, path: str = "", seen: set[int] | None = None) -> Iterator[tuple[str, object]]:
    """(path, value) for every displayable value reachable from ``value``."""
    seen = set() if seen is None else seen
    if isinstance(value, str | int | float | Decimal | dt.date):
        yield path, value
        return
    if value is None or id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, models.Model | models.QuerySet):
        return  # what a template shows of them is in the rendered answer
    if isinstance(value, forms.BaseForm):
        yield from leaves(value.initial, f"{path}.initial", seen)
        yield from leaves(getattr(value, "cleaned_data", {}), f"{path}.cleaned_data", seen)
        for name, field in value.fields.items():
            yield from leaves(field.initial, f"{path}.fields[{name}].initial", seen)
            yield from leaves(_choices(field), f"{path}.fields[{name}].choices", seen)
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from leaves(item, f"{path}[{key!r}]", seen)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            yield from leaves(item, f"{path}[{index}]", seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from leaves(getattr(value, item.name), f"{path}.{item.name}", seen)
    elif type(value).__module__.startswith("civicdesk.") and hasattr(value, "__dict__"):
        for name, item in vars(value).items():
            yield from leaves(item, f"{path}.{name}", seen)


class Finder:
    """The world's sentinels, prepared once: every rendering of each for text, and the dates
    and amounts by value for plain values."""

    def __init__(self, sentinels: list[Sentinel]):
        self.texts = [(text, s) for s in sentinels for text in s.renderings()]
        self.by_value: dict[tuple[str, object], list[Sentinel]] = {}
        for sentinel in sentinels:
            if isinstance(sentinel.value, dt.date | int):
                self.by_value.setdefault(self._key(sentinel.value), []).append(sentinel)

    @staticmethod
    def _key(value) -> tuple[str, object]:
        return ("date" if isinstance(value, dt.date) else "number", value)

    def in_text(self, text: str) -> set[Sentinel]:
        return {sentinel for rendering, sentinel in self.texts if appears_in(rendering, text)}

    def in_value(self, value) -> list[Sentinel]:
        if isinstance(value, bool | dt.datetime):
            return []  # a flag, or a moment (no sentinel is one)
        if isinstance(value, dt.date | int | Decimal):
            return self.by_value.get(self._key(value), [])
        return []


def found_in_contexts(finder: Finder, contexts) -> list[Found]:
    """Every sentinel in the contexts rendered for one answer, with the first path it is at.
    The layers an include shares with its parent are walked once."""
    seen: set[int] = set()
    texts: list[tuple[str, str]] = []
    found = []
    for context in contexts:
        for layer in context.dicts:
            for path, value in leaves(layer, "context", seen):
                if isinstance(value, str):
                    texts.append((path, value))
                else:
                    found += [Found(s, path) for s in finder.in_value(value)]
    candidates = finder.in_text("\n".join(text for _path, text in texts))
    for sentinel in candidates:
        renderings = sentinel.renderings()
        path = next(p for p, text in texts if any(r in text for r in renderings))
        found.append(Found(sentinel, path))
    return found


def answer_text(response) -> str:
    """The answer as text: HTML and CSV decoded, PDF read back, Excel cells joined."""
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "pdf" in content_type:
        return pdftotext(body)
    if "spreadsheetml" in content_type:
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    for encoding in ("utf-8", "cp932"):
        try:
            return body.decode(encoding)
        except UnicodeDecodeError:
            continue
    return body.decode("utf-8", errors="replace")


def found_in_answer(world: World, response, contexts, finder: Finder | None = None) -> list[Found]:
    finder = finder or Finder(world.sentinels)
    found = [Found(s, "body") for s in finder.in_text(answer_text(response))]
    return found + found_in_contexts(finder, contexts)


def leaks(world: World, user, found: list[Found], typed: Sentinel | None = None) -> list[str]:
    """The found sentinels the user may not see (``typed``: what the user searched for)."""
    return sorted(
        {
            f"{item.sentinel.field} of {item.sentinel.obligor_tag} "
            f"({'/'.join(item.sentinel.revenue_types)}) in {item.where}"
            for item in found
            if item.sentinel != typed and not may_see(world, user, item.sentinel)
        }
    )


class Walker:
    """Opens pages as one user and collects every leak with its URL."""

    def __init__(self, client, world: World, user):
        self.client, self.world, self.user = client, world, user
        self.problems: list[str] = []
        self.opened = 0
        self.on_found = None  # a test's look at everything found, allowed or not
        self.finder = Finder(world.sentinels)

    def _request(self, method: str, url: str, data=None, typed=None):
        contexts = []

        def capture(sender, context, **kwargs):
            contexts.append(context)

        template_rendered.connect(capture)
        try:
            response = getattr(self.client, method)(url, data or {})
        finally:
            template_rendered.disconnect(capture)
        self.opened += 1
        if response.status_code >= 500:
            self.problems.append(f"{method.upper()} {url}: {response.status_code}")
        # What the user typed comes back in the search box: not data the page disclosed.
        found = [
            item
            for item in found_in_answer(self.world, response, contexts, self.finder)
            if item.sentinel != typed
        ]
        if self.on_found:
            self.on_found(found)
        found = leaks(self.world, self.user, found)
        self.problems += [
            f"{method.upper()} {url} ({response.status_code}): {leak}" for leak in found
        ]

    def get(self, url: str, data=None):
        self._request("get", url, data)

    def search(self, sentinel: Sentinel):
        data = {"query": str(sentinel.value), "kind": "auto"}
        self._request("post", reverse("registry:search"), data, typed=sentinel)


def walk_everything(walker: Walker, world: World) -> None:
    for url_name, row in sorted(TABLE.items()):
        if row.method == "GET":
            args = world.args[row.world_key] if row.world_key else None
            walker.get(reverse(url_name, args=args))
    for url_name in sorted(API | {SCHEMA}):
        walker.get(reverse(url_name))
    for url_name, args, *query in world.pages:
        walker.get(reverse(url_name, args=args), query[0] if query else None)
    for sentinel in world.sentinels:
        if sentinel.field in SEARCHED_FIELDS:
            walker.search(sentinel)


# --- The tests ---------------------------------------------------------------------------------


WORLD_SETTINGS = {
    "ROSTER_REQUIRED": False,  # the roster rule has its own tests
    # The machine API's credentials set, so that it answers as in production (401), not 503.
    "PBX_API_TOKEN": "p" * 40,
    "SMS_WEBHOOK_SECRET": "s" * 40,
}


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    """The seeded world, built once for the module: the walks only read it, and what a test
    changes (access-log entries, sessions) is rolled back after it."""
    yield from built_once(
        django_db_blocker,
        lambda: build_world(MunicipalityFactory(is_default=True)),
        **WORLD_SETTINGS,
    )


@pytest.fixture
def world(built_world, db, settings):
    world, done = built_world
    for name, value in WORLD_SETTINGS.items():
        setattr(settings, name, value)
    with time_machine.travel(done, tick=True):
        yield copy.deepcopy(world)  # a test may change its objects in memory


@pytest.mark.parametrize("who", USERS)
def test_no_page_download_or_api_answer_shows_a_field_outside_the_users_policy(client, world, who):
    user = world.users[who]
    sign_in(client, user)
    walker = Walker(client, world, user)
    walk_everything(walker, world)
    # Every GET row of the table, the API and the world's extra pages (the POST rows are actions).
    assert walker.opened > sum(1 for row in TABLE.values() if row.method == "GET")
    assert not walker.problems, f"{who}: fields outside the policy:\n" + "\n".join(walker.problems)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("operator", {("unpaid", "丙"), ("contacts", "丙"), ("household_member_name", "己")}),
        ("visitor_elderly", {("name", "丁"), ("address", "丁"), ("address_extra", "己")}),
        ("supervisor", {("insured_no", "丁"), ("alias_name", "己"), ("unpaid", "甲")}),
    ],
)
def test_the_walk_finds_what_the_user_may_see(client, world, who, expected):
    """The walk is not vacuous: it finds sentinels the user may see on the pages it opens (a
    sentinel that is shown is found), beyond what the user typed into the search."""
    user = world.users[who]
    sign_in(client, user)
    walker = Walker(client, world, user)
    found = set()
    walker.on_found = lambda items: found.update(
        (f.sentinel.field, f.sentinel.obligor_tag) for f in items
    )
    walk_everything(walker, world)
    assert expected <= found


def test_the_walker_catches_a_planted_leak_in_a_context_and_in_an_answer(world):
    """Self-check: a late charge (in no policy) in a context, nested in a dataclass inside a
    list, and a late-elderly insured number in a body, are both reported for an operator of
    the NHI team."""

    operator = world.users["operator"]
    late_charge = next(s for s in world.sentinels if s.field == "late_charge")
    insured = next(
        s
        for s in world.sentinels
        if s.field == "insured_no" and s.revenue_types == ("late_elderly",)
    )

    @dataclasses.dataclass
    class Line:
        label: str
        amount: int

    context = Context({"rows": [Line("延滞金", late_charge.value)]})
    found = found_in_answer(world, HttpResponse(f"<td>{insured.value}</td>"), [context])
    reported = leaks(world, operator, found)
    assert any("late_charge" in leak and "context['rows'][0].amount" in leak for leak in reported)
    assert any("insured_no" in leak and "in body" in leak for leak in reported)
    # What the operator may see is not reported.
    name = next(s for s in world.sentinels if s.field == "name" and s.obligor_tag == "丙")
    assert not leaks(world, operator, found_in_answer(world, HttpResponse(name.value), []))


def test_an_amount_inside_a_csrf_token_or_a_hash_is_not_a_leak(client, world):
    """Random runs of letters and digits (the page's CSRF token, a file's SHA-256) spell a
    sentinel amount now and then: one token did in CI. The walker does not report an amount
    inside such a run, and still reports it printed in the real page, in a cell, a CSV field,
    after ¥ or before 円."""

    operator = world.users["operator"]
    sign_in(client, operator)
    page = client.get(reverse("core:home")).content.decode()
    tokens = set(re.findall(r'csrfmiddlewaretoken" value="([A-Za-z0-9]+)"', page))
    assert tokens, "the base page carries a CSRF token"
    late_charge = next(s for s in world.sentinels if s.field == "late_charge")
    amount = str(late_charge.value)
    planted = page
    for token in tokens:
        planted = planted.replace(token, token[:10] + amount + token[10:])
    planted += f"<code>e3b0c4{amount}9afbf4c8996fb92427ae41e4649b934ca495991b7852b855</code>"
    assert amount in planted
    assert not found_in_answer(world, HttpResponse(planted), [])
    for printed in (f"<td>{amount}</td>", f"x,{amount},y", f"¥{amount}", f"延滞金{amount}円"):
        answer = HttpResponse(planted + printed)
        assert leaks(world, operator, found_in_answer(world, answer, [])), printed


def test_the_walker_reports_a_real_page_that_shows_more_than_the_policy(client, world, monkeypatch):
    """Self-check on a real page: with a policy that (for the test) withholds the unpaid amount
    of NHI accounts, the NHI operator's case page is reported for showing it."""
    policy = visible_fields

    def without_unpaid(user, revenue_type):
        return policy(user, revenue_type) - {"unpaid"}

    monkeypatch.setattr(f"{__name__}.visible_fields", without_unpaid)
    user = world.users["operator"]
    sign_in(client, user)
    walker = Walker(client, world, user)
    walker.get(reverse("dunning:case", args=[world.obligors["丙"].pk]))
    assert any("unpaid of 丙 (nhi) in body" in problem for problem in walker.problems)


# --- The policy's one entry point ----------------------------------------------------------


def test_the_policy_names_real_roles():

    named = field_policy.TEAM_SCOPED_ROLES | field_policy.ALL_TYPES_ROLES | field_policy.VISIT_ROLES
    assert named <= set(Role.values)
    assert field_policy.VISIT_ROLES <= field_policy.TEAM_SCOPED_ROLES


def test_visible_fields_follow_role_team_and_purpose(world):
    users = world.users
    assert purpose_for(users["visitor_elderly"]) == "visits"
    assert purpose_for(users["operator"]) == "calls"
    assert purpose_for(users["inspector"]) is None and purpose_for(users["admin"]) is None
    # Late-elderly visits: name, address and notice only (seed 000 別紙1 第2条 (3)②).
    elderly_visit = visible_fields(users["visitor_elderly"], "late_elderly")
    assert {"name", "address", "notice"} <= elderly_visit
    assert not {"phone", "unpaid", "birth_date", "insured_no", "contacts"} & elderly_visit
    assert {"phone", "insured_no", "unpaid"} <= visible_fields(users["supervisor"], "late_elderly")
    # Outside the team, and for roles without obligor data: nothing.
    assert visible_fields(users["operator"], "resident_tax") == frozenset()
    assert visible_fields(users["outsider"], "resident_tax") >= {"name", "unpaid"}
    assert visible_fields(users["inspector"], "nhi") == frozenset()
    assert visible_fields(users["admin"], "nhi") == frozenset()
    # No policy anywhere holds a late charge (延滞金 is in no list of seed 000).
    for user in users.values():
        for revenue_type in revenue_types_for(user):
            assert "late_charge" not in visible_fields(user, revenue_type)
