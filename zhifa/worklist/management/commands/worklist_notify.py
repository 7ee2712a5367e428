from django.core.management.base import BaseCommand

from zhifa.worklist.tasks import notify_task


class Command(BaseCommand):
    help = ("Compute every active person's to-do list and notify what is new on it (in the application, and by "
            "e-mail where configured). Run it from cron every few minutes, or with --enqueue for the task worker.")

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="only queue the job for the task worker")

    def handle(self, *args, enqueue, **options):
        if enqueue:
            notify_task.enqueue()
            self.stdout.write("enqueued")
            return
        made = notify_task.call()
        self.stdout.write(f"新通知 {made} 条")
