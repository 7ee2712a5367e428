from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zhifa.core.errors import ZhifaError
from zhifa.core.otp import second_factor_disable


class Command(BaseCommand):
    help = ("Reset a user's second factor (TOTP device and recovery codes), e.g. the last administrator's lost "
            "phone; the user enrols again at the next login. Logged in the security log.")

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("reason", help="why, e.g. 'phone lost, identity checked in person'")

    def handle(self, *args, username, reason, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        try:
            second_factor_disable(user=user, actor=None, reason=reason)
        except ZhifaError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"second factor of {username} reset")
