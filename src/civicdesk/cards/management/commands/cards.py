"""``civicdesk cards <subcommand>``: card issuance operations and checks.

Each subcommand lives in a module of ``civicdesk.cards.commands`` (areas, targets,
recordings, …) as a ``Subcommand``; refusals print one line in Japanese on stderr.
"""

from __future__ import annotations

from civicdesk.cards import commands
from civicdesk.cards.commands import registry
from civicdesk.core.subcommands import SubcommandCommand, load_modules

load_modules(commands)


class Command(SubcommandCommand):
    help = "個人番号カード交付の操作（会場の判定・取込・通話録音の消去など）"
    registry = registry.REGISTRY
