from django.core.management.base import BaseCommand

from zhifa.publicity.tasks import quarantine_purge_task


class Command(BaseCommand):
    help = ("Delete undecided quarantined attachments of public requests closed more than "
            "ZHIFA_QUARANTINE_RETENTION_DAYS ago or left unhandled (已受理) for ZHIFA_QUARANTINE_UNHANDLED_DAYS, "
            "and expired rate-limit rows (or --enqueue for the task worker).")

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true")

    def handle(self, *args, enqueue, **options):
        if enqueue:
            quarantine_purge_task.enqueue()
            self.stdout.write("enqueued")
            return
        self.stdout.write(str(quarantine_purge_task.call()))
