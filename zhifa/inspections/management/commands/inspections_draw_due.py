from django.core.management.base import BaseCommand

from zhifa.inspections.draws import draws_due_make


class Command(BaseCommand):
    help = ("Make every frozen random-inspection draw whose moment (随机源时点) has passed and which names no external "
            "value (those wait for staff to enter the value). Run it from cron every minute; --enqueue hands it to "
            "the task worker instead.")

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true", help="enqueue the task instead of running it here")

    def handle(self, *args, enqueue=False, **options):
        if enqueue:
            from zhifa.inspections.tasks import draws_due_task

            draws_due_task.enqueue()
            self.stdout.write("enqueued")
            return
        made = draws_due_make()
        self.stdout.write(f"made {len(made)} draw(s): {', '.join(map(str, made)) or '-'}")
