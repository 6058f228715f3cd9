"""The subcommands of ``civicdesk counter``, gathered from their modules."""

from __future__ import annotations

from civicdesk.core.subcommands import Registry, Subcommand

REGISTRY = Registry()
SUBCOMMANDS = REGISTRY.subcommands
register = REGISTRY.register

__all__ = ["REGISTRY", "SUBCOMMANDS", "Subcommand", "register"]
