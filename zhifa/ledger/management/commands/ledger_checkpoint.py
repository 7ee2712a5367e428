from django.core.management.base import BaseCommand

from zhifa.ledger.services import checkpoint_create


class Command(BaseCommand):
    help = "Integrate pending entries and sign a checkpoint now (run it from cron, e.g. every 10 minutes)."

    def handle(self, *args, **options):
        cp = checkpoint_create()
        self.stdout.write(cp.note)
