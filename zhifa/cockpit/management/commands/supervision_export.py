"""manage.py supervision_export --since-seq N --out DIR [--actor USERNAME]: write one export batch (docs/export.md)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zhifa.cockpit import export
from zhifa.core.errors import ZhifaError


class Command(BaseCommand):
    help = ("Write the supervision export batch from log seq N up to the latest signed checkpoint into DIR "
            "(a folder named after the range). --actor names the bureau's user whose subtree is exported; without it "
            "the batch covers the whole system (for the operator of a provincial deployment).")

    def add_arguments(self, parser):
        parser.add_argument("--since-seq", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--actor", help="username of the supervisor whose subtree is exported")
        parser.add_argument("--with-payloads", action="store_true",
                            help="include the log entries' payloads, 案由 and natural persons' names (a receiver "
                                 "entitled to case content only)")
        parser.add_argument("--max-entries", type=int, default=export.MAX_ENTRIES,
                            help="log entries one batch reads at most (then run again from the printed seq)")

    def handle(self, *args, since_seq, out, actor, with_payloads, max_entries, **options):
        if actor:
            user = get_user_model().objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"no user {actor!r}")
        else:
            user = get_user_model()(is_superuser=True, is_active=True, username="supervision_export")
        try:
            batch = export.build(actor=user, since_seq=since_seq, payloads=with_payloads, max_entries=max_entries)
        except ZhifaError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        folder = export.write_dir(batch, out)
        counts = ", ".join(f"{k} {len(v)}" for k, v in batch.records.items())
        self.stdout.write(f"{folder}: seqs {batch.since_seq}–{batch.to_seq - 1 if batch.to_seq else 0}, "
                          f"{len(batch.entries)} entries; {counts}; next --since-seq {batch.to_seq}")
