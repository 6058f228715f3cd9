"""The subcommands of ``civicdesk cards``, gathered from their modules."""

from __future__ import annotations

from civicdesk.core.subcommands import Registry, Subcommand

REGISTRY = Registry()
register = REGISTRY.register

__all__ = ["REGISTRY", "Subcommand", "register"]
