from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zhifa.core.models import ApiToken


class Command(BaseCommand):
    help = "Issue an API bearer token for a user (an external system's service account). The key is shown once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="what the token is for, e.g. 'county case system'")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        _row, raw = ApiToken.issue(user=user, name=name)
        self.stdout.write(raw)
