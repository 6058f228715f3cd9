"""Background work of SMS (Django Tasks; `civicdesk worker` runs them)."""

from django_tasks import task

from civicdesk.sms.services import sending


@task()
def send_sms_batch(batch_id: int) -> str:
    """Send a batch: queued when it is made or resumed, and for the next opening of the sms
    calendar when it waits. Returns the batch's state when this run stopped."""
    return sending.run_sms_batch(batch_id).status
