"""Create the entry table's next id ranges ahead and list its partitions (PostgreSQL; zhifa/ledger/partitions.py).

Run from cron as the tables' owner (the role that runs the migrations), daily for instance: the checkpoint clock does
the same when it runs as the owner, and does nothing otherwise (docs/ledger.md, "Growth").
"""

from django.core.management.base import BaseCommand, CommandError

from zhifa.ledger import partitions


class Command(BaseCommand):
    help = "Create the log's next entry-id partitions ahead and list every partition with its rows and size."

    def add_arguments(self, parser):
        parser.add_argument("--ahead", type=int, default=partitions.AHEAD,
                            help="empty ranges to keep above the highest id")

    def handle(self, *args, ahead, **options):
        if not partitions.is_partitioned():
            raise CommandError("ledger_entry is not partitioned here (SQLite, or migration 0016 not applied)")
        if ahead < 1:
            raise CommandError("--ahead must be at least 1")
        for name in partitions.ensure_ahead(ahead=ahead):
            self.stdout.write(self.style.SUCCESS(f"created {name}"))
        for p in partitions.partitions():
            if p.default:
                where = "DEFAULT"
            else:
                lower = "MINVALUE" if p.lower is None else f"{p.lower:,}"
                upper = "MAXVALUE" if p.upper is None else f"{p.upper:,}"
                where = f"[{lower}, {upper})"
            self.stdout.write(f"{p.name:<36} {where:<32} ~{max(p.rows, 0):>13,} rows {p.bytes / 2**20:>10,.1f} MiB")
            if p.default and p.rows > 0:
                self.stdout.write(self.style.WARNING(
                    f"{p.name} holds rows: ids beyond every range. Ranges are created above them; run this command "
                    "as the tables' owner more often (or with a larger --ahead)."))
