"""Subcommands of ``civicdesk counter``: each module registers its own (``SUBCOMMANDS``)."""
