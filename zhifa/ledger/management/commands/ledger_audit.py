from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from zhifa.ledger.audit import log_audit

PROBLEM_EXIT = 2  # cron alerts on a non-zero exit (issue 16, finding 5)


class Command(BaseCommand):
    help = ("Audit the whole log: payloads, leaves, every stored node, every checkpoint (signature under the key the "
            "log recorded, note against its columns, root), checkpoints beyond the end, planted nodes, entries left "
            "unsequenced. Exits with status 2 on any problem; each problem is a Finding, and the run is logged.")

    def add_arguments(self, parser):
        parser.add_argument("--checkpoint", action="append", type=Path, default=[],
                            help="a signed checkpoint kept outside (served or exported earlier): it must still be a "
                                 "head of this log (repeatable)")

    def handle(self, *args, checkpoint, **options):
        try:
            notes = [path.read_text(encoding="utf-8") for path in checkpoint]
        except OSError as exc:
            raise CommandError(f"无法读取检查点文件：{exc}") from exc
        result = log_audit(known_checkpoints=notes)
        self.stdout.write(f"{result.leaves} leaves, {result.nodes} stored nodes, {result.checkpoints} checkpoints "
                          f"checked in {result.seconds:.1f} s")
        for problem in result.problems:
            self.stdout.write(f"FAIL: {problem}")
        if not result.ok:
            raise CommandError(f"日志自检发现 {len(result.problems) + result.unlisted} 个问题"
                               "（已记为完整性问题，见 /ledger/findings/）", returncode=PROBLEM_EXIT)
        self.stdout.write(self.style.SUCCESS("OK: the log verified"))
