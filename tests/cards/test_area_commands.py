"""``civicdesk cards venue ADDRESS``, ``areas --json`` and ``setup-venues``: answers from the
database's areas, or from the built-in table of 別紙① on a fresh install (said on stderr)."""

from __future__ import annotations

import io
import json

import pytest
import yaml
from django.core.management import call_command

from civicdesk.cards import catalogue
from civicdesk.cards.commands.areas import BUILT_IN_NOTE
from civicdesk.cards.models import Area, Venue

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("cards", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as stop:
        code = stop.code
    return code, out.getvalue(), err.getvalue()


def table_from_the_csv() -> list[dict]:
    """別紙① as the data file writes it, read here without the catalogue (丁目 0: none)."""
    data = yaml.safe_load(catalogue.AREA_TABLE.read_text(encoding="utf-8"))
    return [
        {"町名": row["town"], "丁目": str(row["chome"] or 0), "会場": row["venue"]}
        for row in data["areas"]
    ]


def test_venue_prints_the_area_and_its_venue_as_one_json_line(venues):
    code, out, err = run("venue", "東京都江東区東砂六丁目3番5号")
    assert code == 0
    assert out.strip().count("\n") == 0
    assert json.loads(out) == {
        "area": "東砂6丁目",
        "venue": "本庁舎",
        "venue_name": "江東区役所２階",
    }
    assert "東砂6丁目" in out  # ensure_ascii=False: the Japanese is written as it is
    assert err == ""


def test_venue_of_higashisuna_5_is_the_general_center(venues):
    code, out, _ = run("venue", "江東区東砂５－１－１")
    assert code == 0
    assert json.loads(out)["venue"] == "総合区民センター"
    assert json.loads(out)["venue_name"] == "総合区民センター２階"


def test_venue_of_an_address_in_no_area_exits_2_naming_it(venues):
    code, out, err = run("venue", "東砂9丁目1-1")
    assert code == 2
    assert out == ""
    assert "一覧にない" in err
    assert "東砂9丁目1-1" in err
    assert "東砂9丁目は一覧にありません" in err


def test_venue_follows_the_wards_table_in_the_database(venues, municipality):
    Area.objects.filter(municipality=municipality, town="東陽", chome=4).update(venue=venues.toyosu)
    code, out, _ = run("venue", "東陽4-11-28")
    assert code == 0
    assert json.loads(out)["venue"] == "豊洲シビックセンター"


def test_venue_answers_from_the_built_in_table_before_any_setup(municipality):
    assert not Area.objects.exists()
    code, out, err = run("venue", "豊洲2-2-18")
    assert code == 0
    assert json.loads(out) == {
        "area": "豊洲2丁目",
        "venue": "豊洲シビックセンター",
        "venue_name": "豊洲シビックセンター１１階区民広場",
    }
    assert BUILT_IN_NOTE in err


def test_areas_json_lists_every_area_with_its_venue(venues):
    code, out, err = run("areas", "--json")
    assert code == 0
    listed = json.loads(out)
    expected = [
        {
            "area": f"{row['町名']}{row['丁目']}丁目" if row["丁目"] != "0" else row["町名"],
            "town": row["町名"],
            "chome": int(row["丁目"]),
            "venue": row["会場"],
        }
        for row in table_from_the_csv()
    ]
    assert listed == expected
    assert len(listed) == 158
    assert err == ""


def test_areas_json_before_setup_is_the_built_in_table(municipality):
    code, out, err = run("areas", "--json")
    assert code == 0
    assert len(json.loads(out)) == 158
    assert BUILT_IN_NOTE in err


def test_areas_without_json_is_a_plain_table(venues):
    code, out, _ = run("areas")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("町丁目")
    assert any(line.startswith("東砂6丁目") and line.endswith("本庁舎") for line in lines)
    assert any(line.startswith("海辺") and line.endswith("本庁舎") for line in lines)
    assert lines[-1] == "計 158 町丁目"


def test_setup_venues_loads_the_three_venues_and_every_area_once(municipality):
    code, out, _ = run("setup-venues")
    assert code == 0
    assert "町丁目 158 件" in out
    assert Venue.objects.filter(municipality=municipality).count() == 3
    assert Area.objects.filter(municipality=municipality).count() == 158
    code, _, _ = run("setup-venues")
    assert code == 0
    assert Area.objects.filter(municipality=municipality).count() == 158
    code, out, err = run("venue", "東陽4-11-28")
    assert json.loads(out)["venue"] == "本庁舎"
    assert err == ""
