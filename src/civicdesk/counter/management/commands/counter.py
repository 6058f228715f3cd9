"""``civicdesk counter <subcommand>``: the counter's operations and checks.

Each subcommand lives in a module of ``civicdesk.counter.commands`` (tickets, fees, …) as a
``Subcommand``: its arguments and a handler returning the exit code. Refusals print one line
in Japanese on stderr and exit 1.
"""

from __future__ import annotations

from civicdesk.core.subcommands import SubcommandCommand, load_modules
from civicdesk.counter import commands
from civicdesk.counter.commands import registry

load_modules(commands)


class Command(SubcommandCommand):
    help = "窓口業務の操作（発券・呼出・精算・手数料の出力など）"
    registry = registry.REGISTRY
