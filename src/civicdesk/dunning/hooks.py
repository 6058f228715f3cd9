"""What the dunning center does after a payments import (receivables.hooks)."""

from __future__ import annotations

from civicdesk.dunning.services import campaign_items, promises
from civicdesk.receivables.hooks import register_payments_hook


def payments_imported(*, acting_user, installment_ids: list[int], import_run) -> None:
    """Decide promises and drop paid-in-full work items, inside the import's transaction."""
    campaign_items.drop_paid_items(acting_user=acting_user, installment_ids=installment_ids)
    promises.decide_promises(acting_user=acting_user, installment_ids=installment_ids)


def connect() -> None:
    register_payments_hook(payments_imported)
