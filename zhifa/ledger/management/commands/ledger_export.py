from pathlib import Path

from django.core.management.base import BaseCommand

from zhifa.ledger.export import export


class Command(BaseCommand):
    help = "Export the ledger (entries, checkpoints, verifier keys) for `python -m zhifa.verify log DIR`."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *args, directory, **options):
        stats = export(directory)
        self.stdout.write(self.style.SUCCESS(f"exported {stats['entries']} entries to {directory}"))
