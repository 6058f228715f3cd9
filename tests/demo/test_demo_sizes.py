"""`civicdesk demo --obligors N` works at every size (issue 16): from nobody to a few hundred,
with a contact history long enough to hold its SMS batch (a month before today). At 50 it
used to stop at 「送信する SMS がありません（対象外: 催告間隔内 2人）」."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from civicdesk.cards.models import CardTarget
from civicdesk.core.demo import demo_municipality
from civicdesk.counter.models import Ticket
from civicdesk.dunning.models import Campaign, Contact
from civicdesk.registry.models import Obligor

pytestmark = pytest.mark.django_db

HISTORY_DAYS = "35"  # the SMS batch of the history goes out on an open day a month back
COUNTER_DAYS = "3"  # the counters' history is the counter tests' (tests/counter): a few days here
CARD_TARGETS = "40"  # card issuance is the card tests' (tests/cards): a few people here


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def run_demo(obligors: int, *args) -> list[str]:
    out = StringIO()
    call_command(
        "demo",
        "--obligors",
        str(obligors),
        "--history-days",
        HISTORY_DAYS,
        "--counter-days",
        COUNTER_DAYS,
        "--card-targets",
        CARD_TARGETS,
        *args,
        stdout=out,
    )
    return out.getvalue().splitlines()


@pytest.mark.parametrize("obligors", [0, 1, 50, 300])
def test_the_demo_builds_on_a_fresh_database_whatever_the_number_of_obligors(obligors):
    lines = run_demo(obligors)
    municipality = demo_municipality()
    assert Obligor.objects.filter(municipality=municipality).count() == obligors
    contacts = Contact.objects.filter(obligor__municipality=municipality)
    assert contacts.exists() == bool(obligors)
    assert Campaign.objects.filter(municipality=municipality).exists() == bool(obligors)
    assert any(line.startswith(("SMS", "催告計画「国保 SMS")) for line in lines), lines
    assert any("対応履歴" in line for line in lines), lines
    assert any(line.startswith("窓口の履歴 ") for line in lines), lines
    assert Ticket.objects.filter(queue__municipality=municipality).exists()
    assert CardTarget.objects.filter(municipality=municipality).count() == int(CARD_TARGETS)


def test_running_it_again_keeps_everything_and_says_so_once_per_part():
    run_demo(50)
    counts = Obligor.objects.count(), Campaign.objects.count(), Contact.objects.count()
    lines = run_demo(50)
    assert (Obligor.objects.count(), Campaign.objects.count(), Contact.objects.count()) == counts
    assert lines[2:] == [
        "デモデータは読み込み済みです（納付義務者 50 人）。"
        "作り直すには --rebuild を指定してください。",
        "催告計画: 作成済みのため作りません。",
        "SMS: 催告計画は作成済みのため作りません。",
        "窓口の履歴: 作成済みのため作りません。",
        "カード交付: 交付対象者が登録済みのため作りません。",
        "対応履歴: 作成済みのため作りません。",
    ]
