from django.core.management.base import BaseCommand, CommandError

from zhifa.ledger.tasks import fixity_task, log_audit_task

PROBLEM_EXIT = 2  # cron alerts on a non-zero exit (issue 16, finding 5)


class Command(BaseCommand):
    help = ("Re-hash every stored evidence file and audit the whole log (or --enqueue for the task worker). "
            "Exits with status 2 when a file is missing or altered or the audit found a problem; each problem is "
            "a Finding (/ledger/findings/).")

    def add_arguments(self, parser):
        parser.add_argument("--enqueue", action="store_true",
                            help="only queue the jobs (the exit status then says nothing about their outcome)")

    def handle(self, *args, enqueue, **options):
        if enqueue:
            fixity_task.enqueue()
            log_audit_task.enqueue()
            self.stdout.write("enqueued")
            return
        files = fixity_task.call()
        log = log_audit_task.call()
        self.stdout.write(f"files: {files}\nlog: {log}")
        bad_files = files.get("missing", 0) + files.get("altered", 0)
        if bad_files or log.get("problems"):
            raise CommandError(f"发现问题：{bad_files} 个证据文件缺失或被篡改，日志自检 {len(log.get('problems') or [])} 个问题"
                               "（已记为完整性问题，见 /ledger/findings/）", returncode=PROBLEM_EXIT)
