"""Commands with subcommands (``civicdesk counter …``, ``civicdesk cards …``).

An app keeps a ``Registry``; each module of its ``commands`` package registers its
``Subcommand``s when imported, and the app's management command is a ``SubcommandCommand``
over that package. Refusals print one line in Japanese on stderr and exit with the handler's
code.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.core.management.base import BaseCommand, CommandError


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    arguments: Callable[[Any], None]  # adds its arguments to an argparse parser
    handle: Callable[[Any, dict], int]  # (the command, its options) -> exit code


@dataclass
class Registry:
    subcommands: dict[str, Subcommand] = field(default_factory=dict)

    def register(self, subcommand: Subcommand) -> Subcommand:
        self.subcommands[subcommand.name] = subcommand
        return subcommand


def load_modules(package: ModuleType) -> None:
    """Import every module of the package: each registers its subcommands."""
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")


class SubcommandCommand(BaseCommand):
    registry: Registry

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="subcommand", required=True)
        for name, subcommand in self.registry.subcommands.items():
            sub = subparsers.add_parser(name, help=subcommand.help)
            subcommand.arguments(sub)

    def handle(self, *args, **options):
        subcommand = self.registry.subcommands.get(options["subcommand"])
        if subcommand is None:
            raise CommandError(f"不明なサブコマンドです: {options['subcommand']}")
        code = subcommand.handle(self, options)
        if code:
            raise SystemExit(code)
