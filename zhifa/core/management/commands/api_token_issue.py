from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zhifa.core.errors import ZhifaError
from zhifa.core.tokens import token_issue


class Command(BaseCommand):
    help = ("Issue an API bearer token for a user (an external system's service account). The key is shown once; "
            "the token expires after --days (at most ZHIFA_API_TOKEN_DAYS, the default).")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'county case system'")
        parser.add_argument("--days", type=int, default=None, help="life of the token in days")

    def handle(self, *args, username, name, days, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        try:
            row, raw = token_issue(user=user, name=name, days=days)
        except ZhifaError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(raw)
        self.stderr.write(f"expires {row.expires_at:%Y-%m-%d %H:%M %Z}")
