from django.core.management.base import BaseCommand, CommandError

from zhifa.core.errors import ZhifaError
from zhifa.ledger.services import checkpoint_create, integrate, nodes_restore


class Command(BaseCommand):
    help = ("Integrate pending entries and sign a checkpoint now (run it from cron, e.g. every minute, as the "
            "sequencer role: docs/ledger.md). Exits non-zero when signing is refused (a split view).")

    def add_arguments(self, parser):
        parser.add_argument("--full-scan", action="store_true",
                            help="first re-queue every entry that has neither a leaf nor a queue row")
        parser.add_argument("--restore-nodes", action="store_true",
                            help="recompute the stored tree nodes from the leaves and store the missing ones "
                                 "(after an owner removed a conflicting node row)")

    def handle(self, *args, full_scan=False, restore_nodes=False, **options):
        if restore_nodes:
            conflicts = nodes_restore()
            if conflicts:
                raise CommandError("stored nodes still differ from the leaves: "
                                   + ", ".join(f"{level}/{index}" for level, index in conflicts))
        if full_scan:
            integrate(full_scan=True)
        try:
            cp = checkpoint_create()
        except ZhifaError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        self.stdout.write(cp.note)
