"""Generate a witness key (issue 16): an Ed25519 key whose cosignatures are c2sp.org/tlog-cosignature v1."""

from django.core.management.base import BaseCommand

from zhifa.verify.witness import Cosigner


class Command(BaseCommand):
    help = "Print a new witness private key (keep it secret: ZHIFA_WITNESS_KEY[_FILE]) and its public key to publish."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the witness's name, a schema-less URL, e.g. sfj.example.gov.cn/witness")

    def handle(self, *args, **options):
        key = Cosigner.generate(options["name"])
        self.stdout.write(f"# 私钥（保密，放入 ZHIFA_WITNESS_KEY 或 ZHIFA_WITNESS_KEY_FILE 指向的文件）\n{key.encode()}\n")
        self.stdout.write(f"# 公钥（公布给被见证的日志和核验者）\n{key.verifier.encode()}\n")
