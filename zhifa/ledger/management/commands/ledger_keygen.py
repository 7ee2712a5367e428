from django.conf import settings
from django.core.management.base import BaseCommand

from zhifa.ledger.note import Signer


class Command(BaseCommand):
    help = ("Generate a checkpoint signing key (Ed25519, or --sm2). Prints the private key (put it in "
            "ZHIFA_LEDGER_KEY or the key file, keep it secret) and the verifier key (publish it).")

    def add_arguments(self, parser):
        parser.add_argument("--name", default=None, help="key name; default: ZHIFA_LEDGER_ORIGIN")
        parser.add_argument("--sm2", action="store_true", help="SM2 with SM3 (GB/T 32918) instead of Ed25519")

    def handle(self, *args, name, sm2, **options):
        key = Signer.generate(name or settings.ZHIFA_LEDGER_ORIGIN, sm2_key=sm2)
        self.stdout.write(f"private: {key.encode()}\nverifier: {key.verifier.encode()}")
