"""Background jobs (django-tasks; run `manage.py db_worker`). Schedule them from cron:
`manage.py ledger_checkpoint` every few minutes, `manage.py ledger_fixity --enqueue` nightly."""

from dataclasses import asdict

from django_tasks import task

from . import services


@task()
def checkpoint_task() -> int:
    return services.checkpoint_create().size


@task()
def fixity_task() -> dict:
    return asdict(services.fixity_run())


@task()
def log_audit_task() -> dict:
    result = services.log_audit()
    return {"leaves": result.leaves, "checkpoints": result.checkpoints, "problems": result.problems}
