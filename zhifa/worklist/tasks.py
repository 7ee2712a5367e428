"""Background jobs (django-tasks; run `manage.py db_worker`). Schedule from cron: `manage.py worklist_notify`
every few minutes (or `--enqueue` to leave it to the worker)."""

from django_tasks import task

from . import services


@task()
def notify_task() -> int:
    return services.notify_everyone()
