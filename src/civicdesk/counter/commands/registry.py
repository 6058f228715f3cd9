"""The subcommands of ``civicdesk counter``, gathered from their modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SUBCOMMANDS: dict[str, Subcommand] = {}


@dataclass(frozen=True)
class Subcommand:
    name: str
    help: str
    arguments: Callable[[Any], None]  # adds its arguments to an argparse parser
    handle: Callable[[Any, dict], int]  # (the command, its options) -> exit code


def register(subcommand: Subcommand) -> Subcommand:
    SUBCOMMANDS[subcommand.name] = subcommand
    return subcommand
