"""``civicdesk demo``: the demo municipality built from the part each app registers
(``civicdesk.core.demo_parts``), in their order — core (municipality, calendars), accounts
(teams, users, TOTP, credentials, rosters), receivables (the synthetic residents through the
real importer), dunning (campaigns), sms (templates, campaign), reports (the contact history).
This module knows no app: an app adds itself to the demo by registering its part.

Only for development: refused in production. Re-running keeps what exists; each part says
what it made, or in one line why it made nothing. With ``rebuild`` the parts' ``remove`` run
(the last part first) before the first part that has one is built, in one transaction with
the builds after it: a failed rebuild keeps the previous demo data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import ExitStack

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from civicdesk.core.demo_parts import DemoContext, DemoError, DemoPart, Skipped, demo_parts

DEMO_OBLIGORS = 50_000
DEMO_SEED = 1


def build_demo(
    *,
    obligors: int = DEMO_OBLIGORS,
    seed: int = DEMO_SEED,
    as_of: dt.date | None = None,
    history_days: int | None = None,
    counter_days: int | None = None,
    card_targets: int | None = None,
    rebuild: bool = False,
    today: dt.date | None = None,
    say: Callable[[str], None] = print,
) -> DemoContext:
    """Build every registered part; returns the context with what each part produced.

    ``history_days`` None leaves the number of days of contact history to its part;
    ``counter_days`` the counters' history (None: as ``history_days``); ``card_targets`` the
    card targets and their bookings (None: 5,000, or none when ``history_days`` is 0).
    Raises DemoError (Japanese message) when refused or when a part cannot be built.
    """
    if settings.PRODUCTION:
        raise DemoError("本番環境ではデモデータを作成できません。")
    context = DemoContext(
        today=today or timezone.localdate(),
        seed=seed,
        obligors=obligors,
        as_of=as_of,
        history_days=history_days,
        counter_days=counter_days,
        card_targets=card_targets,
        rebuild=rebuild,
        say=say,
    )
    parts = demo_parts()
    for part in parts:
        if part.check is not None:
            part.check(context)
    removable = [part for part in parts if part.remove is not None]
    with ExitStack() as rebuilding:
        for part in parts:
            if rebuild and removable and part is removable[0]:
                rebuilding.enter_context(transaction.atomic())
                for each in reversed(removable):
                    with transaction.atomic():
                        each.remove(context)
            _build(part, context)
    return context


def _build(part: DemoPart, context: DemoContext) -> None:
    with transaction.atomic():
        made = part.build(context)
    if isinstance(made, Skipped):
        context.say(made.line)
        made = None
    context.produced[part.name] = made


def demo_codes() -> list[str]:
    """What ``civicdesk demo --codes`` prints: the parts' lines (the users' current codes)."""
    return [line for part in demo_parts() if part.codes is not None for line in part.codes()]
