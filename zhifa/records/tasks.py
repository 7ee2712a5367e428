"""Background jobs of the records app (django-tasks; run `manage.py db_worker`)."""

from django_tasks import task

from . import tus


@task()
def tus_cleanup_task() -> dict:
    """Remove expired resumable uploads. Only useful where the worker sees the web servers' staging folder
    (one machine, or a shared ZHIFA_TUS_DIR); otherwise run `manage.py tus_cleanup` on each web server."""
    return tus.cleanup_expired()
