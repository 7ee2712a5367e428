from django.core.management.base import BaseCommand

from zhifa.ledger.tasks import fixity_task, log_audit_task


class Command(BaseCommand):
    help = "Re-hash every stored evidence file and re-check the log (or --enqueue for the task worker)."

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true")

    def handle(self, *args, enqueue, **options):
        if enqueue:
            fixity_task.enqueue()
            log_audit_task.enqueue()
            self.stdout.write("enqueued")
            return
        files = fixity_task.call()
        log = log_audit_task.call()
        self.stdout.write(f"files: {files}\nlog: {log}")
