"""The demo-part registry (core.demo_parts) and the demo app that builds the parts in order:
each app registers its own part, a part with nothing to do says so in one line, --rebuild
removes through the parts (the last part first), and the demo app imports no domain app."""

from __future__ import annotations

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from civicdesk.core import demo_parts
from civicdesk.core.demo_parts import DemoContext, DemoPart, Skipped, register_demo_part
from civicdesk.demo.building import build_demo

pytestmark = pytest.mark.django_db

DEMO_APP = Path(demo_parts.__file__).parents[1] / "demo"
# What the demo app may import of civicdesk: the floors' bottom, never a domain app.
ALLOWED = (
    "civicdesk.core.demo_parts",
    "civicdesk.core.models",
    "civicdesk.audit",
    "civicdesk.demo",
)


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def only_these_parts(monkeypatch):
    """Replace the registered parts for one test (the apps' parts come back afterwards)."""
    registry: dict[str, DemoPart] = {}
    monkeypatch.setattr(demo_parts, "_PARTS", registry)
    return registry


def test_every_app_with_demo_data_registers_its_part_in_the_floor_order():
    names = [part.name for part in demo_parts.demo_parts()]
    assert names == [
        "core",
        "accounts",
        "receivables",
        "dunning",
        "sms",
        "counter",
        "cards",
        "reports",
    ]
    removable = [part.name for part in demo_parts.demo_parts() if part.remove]
    assert removable == ["receivables", "dunning", "sms", "counter", "cards"]


def test_a_name_is_registered_once_and_the_same_part_again_changes_nothing(only_these_parts):
    part = DemoPart(name="test", order=1, build=lambda context: None)
    register_demo_part(part)
    register_demo_part(part)  # an app registry set up twice
    assert demo_parts.demo_parts() == [part]
    with pytest.raises(ValueError, match="'test' is registered already"):
        register_demo_part(DemoPart(name="test", order=2, build=lambda context: None))
    assert demo_parts.demo_parts() == [part]


def test_parts_are_built_in_order_and_see_what_earlier_parts_produced(only_these_parts):
    seen = []

    def second(context: DemoContext):
        seen.append(dict(context.produced))
        return "b"

    register_demo_part(DemoPart(name="second", order=20, build=second))
    register_demo_part(DemoPart(name="first", order=10, build=lambda context: "a"))
    context = build_demo(obligors=0, say=lambda line: None)
    assert seen == [{"first": "a"}]
    assert context.produced == {"first": "a", "second": "b"}


def test_a_part_with_nothing_to_do_prints_its_one_line_and_the_next_part_still_runs(
    only_these_parts,
):
    register_demo_part(
        DemoPart(name="idle", order=10, build=lambda context: Skipped("テスト: 対象がありません。"))
    )
    register_demo_part(DemoPart(name="busy", order=20, build=lambda context: context.say("作成")))
    lines: list[str] = []
    context = build_demo(obligors=0, say=lines.append)
    assert lines == ["テスト: 対象がありません。", "作成"]
    assert context.produced["idle"] is None


def test_rebuild_removes_the_last_part_first_just_before_the_first_part_with_a_remove(
    only_these_parts,
):
    events = []

    def part(name, order, removable):
        register_demo_part(
            DemoPart(
                name=name,
                order=order,
                build=lambda context: events.append(f"build {name}"),
                remove=(lambda context: events.append(f"remove {name}")) if removable else None,
            )
        )

    part("people", 10, False)
    part("data", 20, True)
    part("campaigns", 30, True)
    build_demo(obligors=0, rebuild=True, say=lambda line: None)
    assert events == [
        "build people",
        "remove campaigns",
        "remove data",
        "build data",
        "build campaigns",
    ]
    events.clear()
    build_demo(obligors=0, say=lambda line: None)
    assert events == ["build people", "build data", "build campaigns"]


def test_a_fresh_demo_without_obligors_says_once_per_part_that_it_made_nothing(var_dir):
    out = StringIO()
    # No history (the counters' would be made without obligors: they need none).
    call_command("demo", "--obligors", "0", "--history-days", "0", stdout=out)
    lines = out.getvalue().splitlines()
    for skipped in (
        "滞納データ: 納付義務者 0 人のため作成しません。",
        "催告計画: 納付義務者がいないため作成しません。",
        "SMS: 対象者がいないため催告計画を作成しません（テンプレート 5 件を用意しました）。",
        "窓口の履歴: 日数が 0 のため作成しません。",
        "カード交付: 交付対象者 0 人のため、会場と町丁目のみ登録しました。",
        "対応履歴: 日数が 0 のため作成しません。",
    ):
        assert lines.count(skipped) == 1, (skipped, lines)
    counter = [line for line in lines if line.startswith(("窓口: ", "表示端末「"))]
    assert len(counter) == 3  # the counters' set-up and its two displays, made
    # The municipality, the users, the six lines above and the counters' three.
    assert len(lines) == 11


def test_the_demo_app_imports_no_domain_app():
    imported = set()
    for path in DEMO_APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    ours = {name for name in imported if name.startswith("civicdesk")}
    assert ours and all(name.startswith(ALLOWED) for name in ours), sorted(ours)
