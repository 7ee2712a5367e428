"""Erase the payload of one log entry (issue 15 §5): its retention period has ended, or a legal order requires it.

    manage.py ledger_erase --seq N --basis "…" --actor USERNAME

The actor must be a log operator (system administrator, `ledger.manage`); the basis is recorded with the erasure
and in the log. The entry's digest, leaf and proofs stay valid. On a hardened PostgreSQL deployment run this with
the tables' owner, as for migrations: the application role cannot update the log (docs/ledger.md).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zhifa.core.errors import ZhifaError
from zhifa.ledger.services import entry_erase


class Command(BaseCommand):
    help = "Erase the payload of log entry SEQ (retention ended or a legal order), keeping its proof valid."

    def add_arguments(self, parser):
        parser.add_argument("--seq", type=int, required=True, help="the entry's position in the log")
        parser.add_argument("--basis", required=True, help="the retention rule or legal order (recorded)")
        parser.add_argument("--actor", required=True, help="username of the log operator doing it")

    def handle(self, *args, seq, basis, actor, **options):
        user = get_user_model().objects.filter(username=actor, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {actor!r}")
        try:
            erasure = entry_erase(seq=seq, basis=basis, actor=user)
        except ZhifaError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(
            f"entry {seq}: payload erased by {actor} (erasure logged as entry id {erasure.log_entry_id})"))
