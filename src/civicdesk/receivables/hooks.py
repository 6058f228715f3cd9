"""What other apps may hang on an import: one hook, called after payments are imported.

The dunning app registers a receiver that checks promises (約束履行) against the payments::

    from civicdesk.receivables.hooks import register_payments_hook

    @register_payments_hook
    def check_promises(*, acting_user, installment_ids, import_run): ...

Receivers run inside the import's transaction, after the payments and the installments'
paid amounts are written: what a receiver writes commits with the import, and an exception
in a receiver rolls the whole import back (the ImportRun then records it as failed). They are
not called for dry runs, nor for an import that failed.
"""

from __future__ import annotations

from collections.abc import Callable

PaymentsReceiver = Callable[..., None]

_receivers: list[PaymentsReceiver] = []


def register_payments_hook(receiver: PaymentsReceiver) -> PaymentsReceiver:
    """Add a receiver (usable as a decorator); registering the same function twice is a no-op."""
    if receiver not in _receivers:
        _receivers.append(receiver)
    return receiver


def unregister_payments_hook(receiver: PaymentsReceiver) -> None:
    if receiver in _receivers:
        _receivers.remove(receiver)


def payments_imported(*, acting_user, installment_ids: list[int], import_run) -> None:
    """Tell every receiver which installments received new payments in ``import_run``."""
    for receiver in list(_receivers):
        receiver(
            acting_user=acting_user, installment_ids=list(installment_ids), import_run=import_run
        )
