"""Background work of the dunning center (Django Tasks; `civicdesk worker` runs them)."""

from django_tasks import task

from civicdesk.dunning.services import letters, promises


@task()
def check_promises() -> dict:
    """Daily: decide every pending promise whose date plus grace days has passed.

    Payments imports decide the promises they touch at once (dunning.hooks); this catches the
    promises no payment ever came for (broken) and queues their follow-up items.
    """
    return promises.decide_promises(acting_user=None)


@task()
def issue_letter_batch(batch_id: int) -> str:
    """Make a reminder-letter batch requested on the letters page (PDF, list, contacts).

    A failure is kept on the batch (状態 失敗 and the reason), not raised: the page shows it.
    """
    return letters.run_letter_batch(batch_id).status
