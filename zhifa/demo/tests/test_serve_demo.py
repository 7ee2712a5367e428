"""`make demo` runs what production runs beside the web server: the task worker and the checkpoint clock, so a
publication gets its signed checkpoint and public inclusion proof within seconds (issue 13 §1)."""

import io
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from zhifa.demo.management.commands import serve_demo
from zhifa.ledger.selectors import latest_checkpoint
from zhifa.publicity import services
from zhifa.publicity.models import Publication
from zhifa.publicity.tests.conftest import decided_case, pubdesk  # noqa: F401 — fixture


@pytest.fixture(autouse=True)
def _own_key(settings, tmp_path):
    """Sign with a key of this test's own, not the development key in data/."""
    from zhifa.ledger import services as ledger

    settings.ZHIFA_LEDGER_KEY, settings.ZHIFA_LEDGER_KEY_FILE = "", str(tmp_path / "ledger.key")
    ledger._signer_cache = None
    yield
    ledger._signer_cache = None


@pytest.mark.req("PUB-03")
def test_the_clock_gives_a_new_publication_its_checkpoint_and_public_proof(pubdesk, client):  # noqa: F811
    """Published, the decision's page says it waits for the sequencer and there is no proof yet; one tick of the
    clock later the proof the browser's 核验 checks exists against the new signed checkpoint (issue 19: the page itself
    does not change with the checkpoint — the browser fetches it and the tiles)."""
    pub = Publication.objects.filter(case=decided_case(pubdesk)).get()
    services.publication_submit(publication=pub, actor=pubdesk.editor)
    services.publication_approve(publication=pub, actor=pubdesk.approver)
    url = reverse("portal-item", args=[pub.pk])
    proof_url = reverse("portal-item-proof", args=[pub.pk])
    assert "等待排序" in client.get(url).content.decode()
    assert client.get(proof_url).status_code == 404

    size = serve_demo.checkpoint_tick()

    assert client.get(proof_url).json()["tree_size"] == size == latest_checkpoint().size


@pytest.mark.django_db(transaction=True)
def test_the_clock_ticks_until_stopped():
    """The clock thread signs on its own connection, over what others committed."""
    from zhifa.ledger.services import record_event

    record_event("ledger.log_audit", subject="demo.clock", payload={})
    errors = io.StringIO()
    clock = serve_demo.Clock(0.05, stderr=errors)
    clock.start()
    try:
        deadline = time.monotonic() + 20
        while (latest_checkpoint() is None or latest_checkpoint().size == 0) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        clock.stopped.set()
        clock.join(5)
    assert latest_checkpoint() is not None and latest_checkpoint().size >= 1, errors.getvalue()
    assert not clock.is_alive()


def test_stopping_the_demo_stops_the_worker_and_the_clock(monkeypatch):
    """Ctrl+C on `make demo` ends the web server; the worker process and the clock stop with it."""
    started = {}

    def fake_worker():
        started["worker"] = subprocess.Popen(["sleep", "60"], start_new_session=True)
        return started["worker"]

    def fake_runserver(name, *args, **kwargs):
        assert name == "runserver" and kwargs == {"use_reloader": False}
        started["clock"] = next(t for t in serve_demo.threading.enumerate() if t.name == "checkpoint-clock")
        assert started["worker"].poll() is None  # the worker runs while the server does
        raise KeyboardInterrupt

    monkeypatch.setattr(serve_demo, "worker_start", fake_worker)
    monkeypatch.setattr(serve_demo, "call_command", fake_runserver)
    with pytest.raises(KeyboardInterrupt):
        call_command("serve_demo", "127.0.0.1:0", "--checkpoint-every", "3600")
    assert started["worker"].wait(5) is not None
    started["clock"].join(5)
    assert not started["clock"].is_alive()


def _gone(pid: int) -> bool:
    """The process has ended (a zombie waiting for a parent that does not reap counts as ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["terminated", "killed"])
def test_the_worker_never_outlives_the_demo(tmp_path, how):
    """However `make demo` ends — Ctrl+C, a closed terminal, `kill`, even `kill -9` — no task worker is left
    running behind it."""
    env = {**os.environ, "ZHIFA_DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
           "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1"}
    run = {"cwd": settings.BASE_DIR, "env": env}
    subprocess.run([sys.executable, "manage.py", "migrate", "django_tasks_database", "--no-input"], check=True,
                   capture_output=True, timeout=120, **run)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = subprocess.Popen([sys.executable, "manage.py", "serve_demo", f"127.0.0.1:{port}", "--checkpoint-every", "3600"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **run)
    try:
        first = demo.stdout.readline()
        worker = int(first.split("进程号 ")[1].split("）")[0])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # the web server answers: everything is up
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        assert not _gone(worker), "the worker should run while the demo does"
        demo.send_signal(how)
        demo.wait(30)
        deadline = time.monotonic() + 15
        while not _gone(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _gone(worker), f"the task worker {worker} outlived the demo"
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        demo.stdout.close()
