"""``civicdesk counter <subcommand>``: the counter's operations and checks.

Each subcommand lives in a module of ``civicdesk.counter.commands`` (tickets, fees, …) as a
``Subcommand``: its arguments and a handler returning the exit code. Refusals print one line
in Japanese on stderr and exit 1.
"""

from __future__ import annotations

import importlib
import pkgutil

from django.core.management.base import BaseCommand, CommandError

from civicdesk.counter import commands
from civicdesk.counter.commands import registry

# Every module of civicdesk.counter.commands registers its subcommands when imported.
for _module in pkgutil.iter_modules(commands.__path__):
    importlib.import_module(f"{commands.__name__}.{_module.name}")


class Command(BaseCommand):
    help = "窓口業務の操作（発券・呼出・精算・手数料の出力など）"

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="subcommand", required=True)
        for name, subcommand in registry.SUBCOMMANDS.items():
            sub = subparsers.add_parser(name, help=subcommand.help)
            subcommand.arguments(sub)

    def handle(self, *args, **options):
        subcommand = registry.SUBCOMMANDS.get(options["subcommand"])
        if subcommand is None:
            raise CommandError(f"不明なサブコマンドです: {options['subcommand']}")
        code = subcommand.handle(self, options)
        if code:
            raise SystemExit(code)
