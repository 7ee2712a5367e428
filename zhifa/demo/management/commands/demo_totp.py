"""Print the current second-factor code of the demo accounts (their shared, published key: demo_load)."""

import base64
import time

from django.core.management.base import BaseCommand
from django_otp.oath import totp

from .demo_load import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the demo accounts' current TOTP code (the published demo key; demo only)."

    def handle(self, *args, **options):
        key = base64.b32decode(DEMO_TOTP_SECRET)
        left = 30 - int(time.time()) % 30
        self.stdout.write(f"{totp(key):06d}  （{left} 秒内有效；同一账户每个验证码只能用一次）")
