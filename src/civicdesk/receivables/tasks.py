"""Background work of the receivables app (Django Tasks; `civicdesk worker` runs them)."""

from django_tasks import task

from civicdesk.receivables import services


@task()
def execute_import_run(run_id: int) -> None:
    """Validate (dry run) or import a pending ImportRun from its saved upload."""
    services.run_import(run_id)
