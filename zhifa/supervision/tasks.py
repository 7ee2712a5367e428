"""Background jobs (django-tasks; run `manage.py db_worker`). Schedule from cron: `manage.py supervision_run --enqueue`
nightly (README, "Cron")."""

import datetime as dt

from django_tasks import task

from . import services


@task()
def run_models_task(day: str | None = None, codes: list[str] | None = None) -> dict:
    """Every model over everything (the nightly run); `day`: ISO date (default today)."""
    today = dt.date.fromisoformat(day) if day else None
    return services.run_models(today, codes=codes)
