"""Background work of the dunning center (Django Tasks; `civicdesk worker` runs them)."""

from django_tasks import task

from civicdesk.dunning.services import promises


@task()
def check_promises() -> dict:
    """Daily: decide every pending promise whose date plus grace days has passed.

    Payments imports decide the promises they touch at once (dunning.hooks); this catches the
    promises no payment ever came for (broken) and queues their follow-up items.
    """
    return promises.decide_promises(acting_user=None)
