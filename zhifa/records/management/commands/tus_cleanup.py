from django.core.management.base import BaseCommand

from zhifa.records.tasks import tus_cleanup_task


class Command(BaseCommand):
    help = ("Remove expired unfinished resumable uploads (their staged bytes and rows) and staged files with no "
            "upload behind them. Run it hourly on every web server, or --enqueue it for a task worker that shares "
            "the staging folder.")

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true")

    def handle(self, *args, enqueue, **options):
        if enqueue:
            tus_cleanup_task.enqueue()
            self.stdout.write("enqueued")
            return
        result = tus_cleanup_task.call()
        self.stdout.write(f"removed {result['rows']} expired uploads, {result['files']} staged files")
