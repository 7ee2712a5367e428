"""Background jobs of random inspections (django-tasks; run `manage.py db_worker`). Schedule from cron:
`manage.py inspections_draw_due` every minute (or `--enqueue`), so a frozen draw is made as soon as its moment has
passed, by the system, without anyone choosing when (INS-03)."""

from django_tasks import task

from . import draws


@task()
def draws_due_task() -> list[int]:
    """Make every frozen draw without an external value whose moment has passed; the ids made."""
    return draws.draws_due_make()
