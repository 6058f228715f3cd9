"""Fixtures of the counter tests: the demo calendars (counter open weekdays 8:30–17:15,
Mondays to 19:00), two queues, two clerk counters and a cashier, a certificate procedure with
its fee. The counter roles' users (reception, clerk, cashier) come from tests/conftest.py; its
pinned clock is a Wednesday at 10:00, inside counter hours."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from civicdesk.core.services import setup_demo_calendars
from tests.counter.factories import (
    CounterFactory,
    FeeFactory,
    ProcedureFactory,
    QueueFactory,
)


@pytest.fixture
def calendars(municipality):
    return setup_demo_calendars(acting_user=None, municipality=municipality)


@pytest.fixture
def desk(municipality, calendars):
    """The counters of a small city hall floor."""
    certificates = QueueFactory(municipality=municipality, code="A", name="証明書")
    moves = QueueFactory(municipality=municipality, code="B", name="住民異動")
    window1 = CounterFactory(municipality=municipality, code="1", serves=[certificates, moves])
    window2 = CounterFactory(municipality=municipality, code="2", serves=[moves, certificates])
    cash = CounterFactory(municipality=municipality, code="9", name="会計", kind="cashier")
    certificate = ProcedureFactory(municipality=municipality, queue=certificates)
    fee = FeeFactory(procedure=certificate)
    move = ProcedureFactory(
        municipality=municipality,
        code="tennyu",
        name="転入届",
        category="move",
        queue=moves,
        checklist=[
            "ア 届出者が法令上届出できる者であることを確認した",
            "イ 届出者の本人確認をした",
            "ウ 異動届の記載内容を点検した",
            "エ 必要書類等を確認した",
            "オ 関連手続きを確認した",
            "カ 住民基本台帳と照合した",
            "キ 住民記録システムに登録した",
        ],
        requester_kinds=["self", "agent"],
        data_items=["requester_name"],
        has_fee=False,
        uses_tamper_proof_paper=False,
    )
    return SimpleNamespace(
        certificates=certificates,
        moves=moves,
        window1=window1,
        window2=window2,
        cash=cash,
        certificate=certificate,
        fee=fee,
        move=move,
    )
