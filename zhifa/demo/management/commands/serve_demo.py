"""Serve the demo as production runs (make demo): the web server, the task worker, and the checkpoint clock.

Production runs the same three things as separate services (README, "Background worker"): the WSGI
server, `manage.py db_worker`, and cron calling `manage.py ledger_checkpoint`, `manage.py worklist_notify` and
`manage.py inspections_draw_due`. Here the worker is a child
process, the clock a thread, and the web server runs in this process; Ctrl+C stops all three.
"""

import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

from zhifa.inspections.draws import draws_due_make
from zhifa.ledger.services import checkpoint_create
from zhifa.worklist.services import notify_everyone

NOTIFY_EVERY = 60.0  # seconds: the to-do notifier (cron `manage.py worklist_notify` in production)


def checkpoint_tick() -> int:
    """One tick of the clock: sequence every committed log entry and sign a checkpoint over them (the
    cron job `manage.py ledger_checkpoint` in production). Returns the signed tree size."""
    return checkpoint_create().size


class Clock(threading.Thread):
    """Calls checkpoint_tick every `every` seconds until stopped, so a publication gets its signed
    checkpoint and public inclusion proof within that time (the portal otherwise waits for one)."""

    def __init__(self, every: float, stderr):
        super().__init__(name="checkpoint-clock", daemon=True)
        self.every, self.stderr, self.stopped = every, stderr, threading.Event()
        self.next_notify = 0.0

    def run(self):
        while not self.stopped.wait(self.every):
            close_old_connections()  # this thread's own connection, as a request would
            try:
                checkpoint_tick()
            except Exception as exc:  # a locked database or a bad key must not stop the clock; say so and retry
                self.stderr.write(f"检查点签名失败，稍后重试：{exc!r}")
            try:  # issue 22: a random-inspection draw whose stated moment has passed is made (cron in production)
                draws_due_make()
            except Exception as exc:  # as above
                self.stderr.write(f"双随机抽取失败，稍后重试：{exc!r}")
            if time.monotonic() >= self.next_notify:  # issue 18 §1: what landed on someone's to-do list
                self.next_notify = time.monotonic() + NOTIFY_EVERY
                try:
                    notify_everyone()
                except Exception as exc:  # as above: say so, retry on a later tick
                    self.stderr.write(f"待办通知失败，稍后重试：{exc!r}")
            close_old_connections()


def _die_with_parent() -> None:
    """Linux: the kernel sends the worker SIGTERM when this process ends, even when it is killed outright."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def worker_start() -> subprocess.Popen:
    """`manage.py db_worker` in its own process group, so stopping it also stops anything it started."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings")}
    return subprocess.Popen([sys.executable, "-m", "django", "db_worker", "--no-reload", "--no-startup-delay"],
                            cwd=settings.BASE_DIR, env=env, start_new_session=True,
                            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)


def worker_stop(worker: subprocess.Popen, *, timeout: float = 10) -> None:
    if worker.poll() is not None:
        return
    os.killpg(worker.pid, signal.SIGTERM)  # db_worker finishes the task it is running, then exits
    try:
        worker.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


class Command(BaseCommand):
    help = "Run the demo: web server, task worker (db_worker) and a clock that signs a ledger checkpoint every few seconds."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--checkpoint-every", type=float, default=20.0, metavar="SECONDS",
                            help="how often the clock signs a checkpoint (default 20 s)")

    def handle(self, *args, addrport, checkpoint_every, **options):
        # Ctrl+C, a closed terminal or `kill` all end the server the same way, through the `finally` below.
        handlers = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: _exit_on_signal,
                    signal.SIGHUP: _exit_on_signal}
        previous = {signum: signal.signal(signum, handler) for signum, handler in handlers.items()}
        worker = worker_start()
        clock = Clock(checkpoint_every, self.stderr)
        clock.start()
        self.stdout.write(f"任务处理进程已启动（进程号 {worker.pid}）；每 {checkpoint_every:g} 秒签名一次日志检查点。")
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            clock.stopped.set()
            worker_stop(worker)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
