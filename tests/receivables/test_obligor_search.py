"""Obligor search (issue 3 §5): every notation finds the person, only within the user's scope."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicdesk.audit.models import AccessAction, AccessLogEntry
from civicdesk.core.japanese import normalize_name
from civicdesk.receivables.selectors.obligors import (
    SEARCH_LIMIT,
    SearchKind,
    resolve_kind,
    search_obligors,
)
from tests.conftest import REQUIRED_MESSAGE, sign_in
from tests.factories import MunicipalityFactory, TeamFactory, UserFactory
from tests.registry.factories import AccountFactory, ObligorFactory, PhoneFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def yamada(municipality):
    obligor = ObligorFactory(
        municipality=municipality,
        resident_no="000123456",
        name="山田 太郎",
        name_kana="ヤマダ タロウ",
        address="東京都江東区東陽四丁目11番28号",
    )
    AccountFactory(obligor=obligor, revenue_type="nhi", case_no="2024-000777")
    PhoneFactory(obligor=obligor, display="03-1234-5678")
    return obligor


@pytest.fixture
def suzuki(municipality):
    """Owes resident tax only: outside the NHI team's scope."""
    obligor = ObligorFactory(
        municipality=municipality,
        resident_no="000999001",
        name="鈴木 一郎",
        name_kana="スズキ イチロウ",
        address="東京都江東区大島５－３－１",
    )
    AccountFactory(obligor=obligor, revenue_type="resident_tax", case_no="R-555")
    PhoneFactory(obligor=obligor, display="090-8765-4321")
    return obligor


def found(user, query, kind=None):
    return [o.resident_no for o in search_obligors(user, query, kind).obligors]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("03-1234-5678", SearchKind.PHONE),
        ("０３（１２３４）５６７８", SearchKind.PHONE),
        ("(03) 1234-5678", SearchKind.PHONE),
        ("000123456", SearchKind.NUMBER),
        ("０００１２３４５６", SearchKind.NUMBER),
        ("ﾔﾏﾀﾞ ﾀﾛｳ", SearchKind.KANA),
        ("やまだ", SearchKind.KANA),
        ("ヤマダ　タロウ", SearchKind.KANA),
        ("山田", SearchKind.NAME_OR_ADDRESS),
        ("東陽四丁目", SearchKind.NAME_OR_ADDRESS),
        ("2024-000777", SearchKind.NUMBER),  # digits and hyphens, but no phone number
        ("R-555", SearchKind.NAME_OR_ADDRESS),
    ],
)
def test_automatic_kind_follows_the_shape_of_the_query(query, expected):
    assert resolve_kind(query) == expected


@pytest.mark.parametrize(
    "query",
    ["03-1234-5678", "０３－１２３４－５６７８", "(03)1234-5678", "0312345678", "03 1234 5678"],
)
def test_phone_in_any_notation_finds_the_obligor(operator, yamada, query):
    assert found(operator, query) == ["000123456"]


def test_phone_kind_rejects_text_that_is_no_phone_number(operator, yamada):
    result = search_obligors(operator, "12-34", SearchKind.PHONE)
    assert result.obligors == [] and result.message


@pytest.mark.parametrize("query", ["ﾔﾏﾀﾞ ﾀﾛｳ", "ﾔﾏﾀﾞﾀﾛｳ", "ヤマダ　タロウ", "やまだ", "ヤマダタ"])
def test_kana_half_or_full_width_with_or_without_spaces_matches_by_prefix(operator, yamada, query):
    assert found(operator, query) == ["000123456"]


def test_kana_matches_the_beginning_of_the_reading_only(operator, yamada):
    assert found(operator, "タロウ", SearchKind.KANA) == []


def test_digits_find_resident_no_exactly_not_by_prefix(operator, yamada):
    assert found(operator, "000123456") == ["000123456"]
    assert found(operator, "00012345") == []
    assert found(operator, "00012345", SearchKind.RESIDENT_NO) == []


def test_case_no_finds_the_account_holder(operator, yamada):
    assert found(operator, "2024-000777", SearchKind.CASE_NO) == ["000123456"]
    assert found(operator, "2024-000777") == ["000123456"]


def test_automatic_search_also_tries_case_numbers_with_letters(outsider, suzuki):
    assert found(outsider, "R-555") == ["000999001"]


def test_name_matches_family_or_given_name(operator, yamada):
    assert found(operator, "山田") == ["000123456"]
    assert found(operator, "太郎", SearchKind.NAME) == ["000123456"]
    assert found(operator, "山田　太郎", SearchKind.NAME) == ["000123456"]


def test_address_contains_as_typed_or_in_half_width(supervisor, suzuki):
    assert found(supervisor, "東陽四丁目") == []
    assert found(supervisor, "大島５－３", SearchKind.ADDRESS) == ["000999001"]
    assert found(supervisor, "大島5-3") == ["000999001"]


def test_operator_never_finds_obligors_outside_the_teams_revenue_types(
    operator, outsider, yamada, suzuki
):
    # NHI operator: suzuki owes resident tax only, by any kind of search.
    assert found(operator, "000999001") == []
    assert found(operator, "090-8765-4321") == []
    assert found(operator, "スズキ") == []
    assert found(operator, "R-555", SearchKind.CASE_NO) == []
    # The tax team's operator is the mirror image.
    assert found(outsider, "000999001") == ["000999001"]
    assert found(outsider, "000123456") == []
    assert found(outsider, "03-1234-5678") == []


def test_another_teams_case_no_does_not_find_a_shared_obligor(operator, yamada):
    AccountFactory(obligor=yamada, revenue_type="resident_tax", case_no="R-777")
    assert found(operator, "R-777", SearchKind.CASE_NO) == []
    assert found(operator, "2024-000777", SearchKind.CASE_NO) == ["000123456"]


def test_supervisor_and_staff_find_every_revenue_type(supervisor, staff, yamada, suzuki):
    for user in (supervisor, staff):
        assert found(user, "000999001") == ["000999001"]
        assert found(user, "000123456") == ["000123456"]


def test_other_municipalities_obligors_are_never_found(supervisor, municipality):
    other = MunicipalityFactory(code="131091", name="品川区")
    obligor = ObligorFactory(municipality=other, resident_no="000555555")
    AccountFactory(obligor=obligor, revenue_type="nhi")
    assert found(supervisor, "000555555") == []


def test_inspector_and_admin_find_nothing(inspector, admin_user, yamada):
    assert found(inspector, "000123456") == []
    assert found(admin_user, "000123456") == []


def test_phone_search_needs_a_policy_that_shows_phones(municipality, yamada):
    """Seed 000 別紙1 (3)②: late-elderly visits get name and address only, so no phone search."""
    team = TeamFactory(municipality=municipality, name="後期訪問", revenue_types=["late_elderly"])
    visitor = UserFactory(role="visitor", municipality=municipality, team=team)
    AccountFactory(obligor=yamada, revenue_type="late_elderly")
    assert found(visitor, "03-1234-5678") == []
    assert found(visitor, "ヤマダ") == ["000123456"]


def test_results_are_capped_with_the_full_count(operator, municipality):
    for n in range(SEARCH_LIMIT + 7):
        obligor = ObligorFactory(
            municipality=municipality, name=f"佐藤 {n}", name_kana=f"サトウ {n}"
        )
        AccountFactory(obligor=obligor, revenue_type="nhi")
    result = search_obligors(operator, "さとう")
    assert result.count == SEARCH_LIMIT + 7
    assert len(result.obligors) == SEARCH_LIMIT
    assert result.truncated


def test_results_are_ordered_by_reading(operator, municipality):
    for name, kana in [("渡辺 明", "ワタナベ アキラ"), ("阿部 明", "アベ アキラ")]:
        AccountFactory(
            obligor=ObligorFactory(municipality=municipality, name=name, name_kana=kana),
            revenue_type="nhi",
        )
    result = search_obligors(operator, "明", SearchKind.NAME)
    assert [o.kana_key for o in result.obligors] == [
        normalize_name("アベアキラ"),
        normalize_name("ワタナベアキラ"),
    ]


def _search_queries(user, query):
    with CaptureQueriesContext(connection) as captured:
        result = search_obligors(user, query)
        [list(o.visible_accounts) for o in result.obligors]
    return len(captured), result.count


@pytest.mark.parametrize("query", ["タナカ", "田中", "000777000", "03-5555-0000"])
def test_search_query_count_does_not_grow_with_the_matches(operator, municipality, query):
    def add(start, n):
        for i in range(start, start + n):
            obligor = ObligorFactory(
                municipality=municipality,
                name=f"田中 {i}",
                name_kana=f"タナカ {i}",
                resident_no="000777000" if i == 0 else f"00077{i:04d}",
            )
            AccountFactory(obligor=obligor, revenue_type="nhi")
            AccountFactory(obligor=obligor, revenue_type="ltc")
            if i == 0:
                PhoneFactory(obligor=obligor, display="03-5555-0000")

    add(0, 1)
    few, count_few = _search_queries(operator, query)
    add(1, 30)
    many, _count_many = _search_queries(operator, query)
    assert count_few == 1
    # count + page + visible accounts: three queries, whatever the number of matches
    assert few == many <= 3


def test_search_page_logs_kind_and_count_but_not_the_query(client, operator, yamada):
    sign_in(client, operator)
    before = AccessLogEntry.objects.count()
    response = client.post("/obligors/", {"query": "ﾔﾏﾀﾞ", "kind": "auto"})
    assert response.status_code == 200
    assert "000123456" in response.content.decode()
    entries = list(AccessLogEntry.objects.filter(action=AccessAction.SEARCH))
    assert AccessLogEntry.objects.count() == before + 1
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor == operator
    assert entry.reason == "検索: カナ（1件）"
    assert entry.fields == []
    assert entry.object_id == ""
    for text in (entry.reason, entry.object_type, entry.object_id, str(entry.fields)):
        assert "ﾔﾏﾀﾞ" not in text and "やまだ" not in text


def test_search_page_shows_count_and_links_to_the_obligor(client, operator, yamada):
    sign_in(client, operator)
    page = client.post("/obligors/", {"query": "03-1234-5678", "kind": "auto"}).content.decode()
    assert "該当 1 件" in page
    assert f'href="/obligors/{yamada.pk}/"' in page
    assert "国民健康保険料（2024-000777）" in page


def test_search_text_never_travels_in_the_url(client, operator, yamada):
    """A GET with a query (bookmark, server log) does not search and logs nothing."""
    sign_in(client, operator)
    page = client.get("/obligors/", {"query": "000123456"}).content.decode()
    assert "000123456" not in page
    assert not AccessLogEntry.objects.filter(action=AccessAction.SEARCH).exists()
    assert 'method="post"' in page


def test_empty_query_is_a_form_error_in_japanese(client, operator):
    sign_in(client, operator)
    page = client.post("/obligors/", {"query": "   ", "kind": "auto"}).content.decode()
    assert REQUIRED_MESSAGE in page or "検索語を入力してください。" in page
    assert not AccessLogEntry.objects.filter(action=AccessAction.SEARCH).exists()


def test_search_page_is_forbidden_for_inspector(client, inspector):
    sign_in(client, inspector)
    assert client.post("/obligors/", {"query": "山田", "kind": "auto"}).status_code == 403
    assert not AccessLogEntry.objects.filter(action=AccessAction.SEARCH).exists()
