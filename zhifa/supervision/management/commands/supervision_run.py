import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from zhifa.supervision.registry import REGISTRY
from zhifa.supervision.tasks import run_models_task

FAILED_EXIT = 2  # cron mails a non-zero exit


class Command(BaseCommand):
    help = ("Run every problem model over every case and agency (the nightly run, issue 20 §3): open, raise, lower, "
            "update and close alerts so that they match the data, in batches of cases, each its own transaction. "
            "Exits 2 when a model failed (the others still ran).")

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the day to evaluate as (YYYY-MM-DD; default today)")
        parser.add_argument("--model", action="append", dest="codes", help="only this model (repeatable), e.g. M01")
        parser.add_argument("--enqueue", action="store_true", help="only queue the job for the task worker")

    def handle(self, *args, date, codes, enqueue, **options):
        if date:
            try:
                dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"日期格式应为 YYYY-MM-DD：{date}") from None
        unknown = sorted(set(codes or ()) - set(REGISTRY))
        if unknown:
            raise CommandError(f"没有这些问题模型：{'、'.join(unknown)}")
        if enqueue:
            run_models_task.enqueue(date, codes)
            self.stdout.write("enqueued")
            return
        summary = run_models_task.call(date, codes)
        failed = []
        for code, row in summary.items():
            self.stdout.write(f"{code}: hits {row['hits']}, opened {row['opened']}, raised {row['raised']}, "
                              f"lowered {row['lowered']}, updated {row['updated']}, closed {row['closed']}, {row['seconds']:.3f}s"
                              + (f"  ERROR {row['error']}" if "error" in row else ""))
            if "error" in row:
                failed.append(code)
        if failed:
            raise CommandError(f"问题模型运行失败：{'、'.join(failed)}（其余已运行，详见日志）", returncode=FAILED_EXIT)
