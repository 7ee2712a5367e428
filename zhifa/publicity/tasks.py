"""Background jobs of publicity (django-tasks; run `manage.py db_worker`). Schedule from cron:
`manage.py publicity_quarantine_purge --enqueue` daily (README, "Background worker")."""

from django_tasks import task

from . import services


@task()
def quarantine_purge_task() -> dict:
    return services.quarantine_purge()
