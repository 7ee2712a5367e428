"""Send the latest checkpoint to the configured witnesses and store their cosignatures (issue 16, tlog-witness).

Cron, after `ledger_checkpoint` (or with --sign instead): exit status 1 when a witness did not cosign, so the
failure alerts; a witness refusing because this log's history does not extend what it saw is such a failure."""

from django.core.management.base import BaseCommand, CommandError

from zhifa.ledger import services, witness


class Command(BaseCommand):
    help = "Collect witness cosignatures for the latest checkpoint (ZHIFA_LEDGER_WITNESSES)."

    def add_arguments(self, parser):
        parser.add_argument("--sign", action="store_true", help="sign a checkpoint first (ledger_checkpoint)")

    def handle(self, *args, **options):
        if options["sign"]:
            services.checkpoint_create()
        result = witness.collect()
        if result.checkpoint is None:
            raise CommandError("尚未生成签名检查点。")
        names = "、".join(result.cosigned) or "无"
        self.stdout.write(f"检查点 {result.checkpoint.size}：已副署的见证人 {names}")
        for error in result.errors:
            self.stderr.write(f"见证失败：{error}")
        if result.errors:
            raise CommandError(f"{len(result.errors)} 个见证人未副署。", returncode=1)
