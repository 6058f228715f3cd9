"""The parts of ``civicdesk demo``: each app declares what it adds to the demo municipality.

An app declares one ``DemoPart`` in its own ``demo.py`` and registers it from its
``AppConfig.ready()``; the ``civicdesk.demo`` app builds every registered part in ``order``
and imports no app. A part's ``build`` receives the ``DemoContext`` (the municipality, today,
the seed, the number of obligors asked, what earlier parts produced) and returns what it made
— kept in ``context.produced[name]`` for the parts after it — or ``Skipped(line)`` when it has
nothing to work on: the command prints that one line and goes on.

With ``--rebuild`` every part's ``remove`` runs, the last part first, just before the first
part that has a ``remove`` is built (so the municipality and its people are there); the
removal and the builds after it are one transaction.

Registering a part under a name already taken is an error; registering the very same part
again (an app registry set up twice) is not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from civicdesk.core.models import Municipality


class DemoError(Exception):
    """The demo cannot be built as asked; the message (Japanese) says why."""


@dataclass(frozen=True)
class Skipped:
    """A part had nothing to work on: ``line`` says so (Japanese, printed once)."""

    line: str


@dataclass
class DemoContext:
    today: dt.date
    seed: int
    obligors: int  # how many obligors were asked for (0: none)
    as_of: dt.date | None = None  # the day the generated data describes (None: its default)
    history_days: int | None = None  # days of contact history (None: the part's default)
    counter_days: int | None = None  # days of counter history (None: as history_days)
    card_targets: int | None = None  # card targets (None: 5,000; 0 when history_days is 0)
    rebuild: bool = False
    # Whoever runs the demo; None: the system (a command has no signed-in user).
    acting_user: Any = None
    municipality: Municipality | None = None  # set by the core part
    people: dict[str, Any] = field(default_factory=dict)  # demo username → user (accounts)
    produced: dict[str, Any] = field(default_factory=dict)  # part name → what its build returned
    say: Callable[[str], None] = print  # one line of the command's output

    def person(self, username: str):
        """The demo user ``username``, made by the accounts part."""
        try:
            return self.people[username]
        except KeyError:
            raise DemoError(f"デモのユーザー {username} がまだ作成されていません。") from None


@dataclass(frozen=True)
class DemoPart:
    name: str
    order: int
    build: Callable[[DemoContext], Any]
    remove: Callable[[DemoContext], None] | None = None
    # Refuses options the part cannot build (raises DemoError) before anything is built.
    check: Callable[[DemoContext], None] | None = None
    # Lines ``civicdesk demo --codes`` prints (the demo users' current TOTP codes).
    codes: Callable[[], list[str]] | None = None


_PARTS: dict[str, DemoPart] = {}


def register_demo_part(part: DemoPart) -> None:
    known = _PARTS.get(part.name)
    if known is not None and known != part:
        raise ValueError(f"demo part {part.name!r} is registered already")
    _PARTS[part.name] = part


def demo_parts() -> list[DemoPart]:
    """Every registered part, in build order."""
    return sorted(_PARTS.values(), key=lambda part: (part.order, part.name))
