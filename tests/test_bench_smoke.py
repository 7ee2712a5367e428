"""The benchmark scripts run (tiny sizes). Full-scale figures are measured by hand (issue notes)."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each smoke run migrates and seeds a SQLite database of its own, whatever database the suite runs on: on the
# PostgreSQL pass they would only repeat the SQLite pass's work (two and a half minutes of CI's 20).
pytestmark = pytest.mark.skipif(os.environ.get("DATABASE_URL", "sqlite").split(":", 1)[0] != "sqlite",
                                reason="the benchmark smoke runs use their own SQLite files; they run in the SQLite pass")


def free_port() -> str:
    """A port nobody listens on now: two test workers, or a developer's server, may hold a fixed one."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory):
    """One migrated SQLite database the smoke runs start from (bench.harness.copy_sqlite_template): migrating costs
    about 25 s of CPU, and eight benchmarks would otherwise each migrate their own."""
    path = tmp_path_factory.mktemp("bench-template") / "migrated.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}
    result = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return path


@pytest.fixture
def run(tmp_path, sqlite_template):
    def run(*args, tmp_path=tmp_path, start_migrated=False):
        env = {**os.environ, "ZHIFA_LEDGER_KEY_FILE": str(tmp_path / "k"), "MEDIA_ROOT": str(tmp_path / "m"),
               "ZHIFA_BENCH_OUT": str(tmp_path / "out"), "ZHIFA_BENCH_SQLITE_TEMPLATE": str(sqlite_template)}
        if start_migrated:  # a bench that migrates a new file without recreating it (org_lists) starts from the copy;
            # not one that loads its data only into a database it does not find (portal)
            url = args[args.index("--database-url") + 1]
            if not Path(url[len("sqlite:///"):]).exists():
                shutil.copyfile(sqlite_template, url[len("sqlite:///"):])
        result = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=env,
                                timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout
    return run


@pytest.mark.django_db
def test_org_bench_smoke(tmp_path, run):
    out = run("bench/org_lists.py", "--database-url", f"sqlite:///{tmp_path / 'o.sqlite3'}", "--agencies", "30",
              "--officers", "300", "--repeat", "2", tmp_path=tmp_path, start_migrated=True)
    assert "queries" in out and "ratio" in out


@pytest.mark.django_db
def test_ledger_bench_smoke(tmp_path, run):
    url = f"sqlite:///{tmp_path / 'l.sqlite3'}"
    assert "appends/s" in run("bench/ledger.py", "appends", "--n", "600", "--database-url", url, tmp_path=tmp_path)
    assert "inclusion" in run("bench/ledger.py", "proofs", "--samples", "5", "--database-url", url, tmp_path=tmp_path)
    assert "MB/s" in run("bench/ledger.py", "verify", "--database-url", url, tmp_path=tmp_path)
    assert "ratio append/plain" in run("bench/ledger.py", "clients", "--clients", "2", "--n", "50", "--database-url",
                                       url, tmp_path=tmp_path)
    assert "per 100 000 leaves" in run("bench/ledger_audit.py", "--n", "600", "--database-url",
                                       f"sqlite:///{tmp_path / 'a.sqlite3'}", tmp_path=tmp_path)
    out = run("bench/ledger_tiles.py", "--n", "3000", "--samples", "5", "--reload", tmp_path=tmp_path)
    assert "tile view alone" in out and "B per leaf" in out
    out = run("bench/ledger_witness.py", "--samples", "3", "--base", "50", "--database-url",
              f"sqlite:///{tmp_path / 'w.sqlite3'}", tmp_path=tmp_path)
    assert "append→cosigned" in out and "goal p95" in out


@pytest.mark.django_db
def test_tus_bench_smoke(tmp_path, run):
    out = run("bench/tus_upload.py", "--mb", "4", "--chunk-mb", "1", "--port", free_port(), tmp_path=tmp_path)
    assert "digest matches" in out


@pytest.mark.django_db
def test_cases_bench_smoke(tmp_path, run):
    out = run("bench/cases_list.py", "--cases", "200", "--repeat", "2", "--database-url",
              f"sqlite:///{tmp_path / 'c.sqlite3'}", tmp_path=tmp_path)
    assert "case detail" in out


@pytest.mark.django_db
def test_review_bench_smoke(tmp_path, run):
    out = run("bench/review_queue.py", "--cases", "300", "--reviews", "120", "--repeat", "2", "--database-url",
              f"sqlite:///{tmp_path / 'r.sqlite3'}", tmp_path=tmp_path)
    assert "overdue" in out and "queries" in out


@pytest.mark.django_db
def test_portal_bench_smoke(tmp_path, run):
    out = run("bench/portal.py", "--decisions", "300", "--database-url", f"sqlite:///{tmp_path / 'p.sqlite3'}",
              "--seconds", "1", "--runs", "1", "--pages", "50", "--clients", "4", "--workers", "1", "--client", "python", "--port", free_port(),
              tmp_path=tmp_path)
    assert "decision page with inclusion proof" in out and "ratio" in out


@pytest.mark.django_db
def test_portal_search_bench_smoke(tmp_path, run):
    out = run("bench/portal_search.py", "--database-url", f"sqlite:///{tmp_path / 's.sqlite3'}", "--sizes", "300,600",
              "--texts", "200", "--runs", "3", "--samples", "3", "--before-samples", "2", tmp_path=tmp_path)
    assert "large county / common" in out and "issue 18 plan" in out and "worst county search p95" in out


@pytest.fixture(scope="module")
def demo_loaded(tmp_path_factory):
    """One folder for the benchmarks that start from the loaded demo (supervision, evaluation): the first saves the
    demo as a template (`--demo-template`, bench.supervision.demo_template), the next starts from it instead of loading
    the demo again (a minute of CI each). Same ledger key and media folder, so the copy's log and files stay whole."""
    return tmp_path_factory.mktemp("demo-loaded")


@pytest.mark.django_db
def test_supervision_bench_smoke(run, demo_loaded):
    out = run("bench/supervision.py", "--cases", "100", "--per", "1", "--repeat", "1", "--events", "3",
              "--database-url", f"sqlite:///{demo_loaded / 'demo.sqlite3'}", "--demo-template", tmp_path=demo_loaded)
    assert "recall" in out and "nightly run" in out and "event-driven cost" in out


@pytest.mark.django_db
def test_evaluation_bench_smoke(run, demo_loaded):
    out = run("bench/evaluation.py", "--smoke", "--database-url", f"sqlite:///{demo_loaded / 'demo.sqlite3'}",
              "--demo-template", tmp_path=demo_loaded)
    assert "time per file, batched" in out and "queries per file" in out and "recall" in out


@pytest.mark.django_db
def test_assessment_bench_smoke(tmp_path, run):
    out = run("bench/assessment.py", "--smoke", "--database-url", f"sqlite:///{tmp_path / 'as.sqlite3'}",
              tmp_path=tmp_path)
    assert "compute (every indicator" in out and "assessment total" in out and "agencies ranked: 40" in out


@pytest.mark.django_db
def test_inspection_draw_bench_smoke(tmp_path, run):
    out = run("bench/inspection_draw.py", "--smoke", "--database-url", f"sqlite:///{tmp_path / 'd.sqlite3'}",
              start_migrated=True)
    assert "(a) procedure.run" in out and "(c) through sqlite" in out and "PROBLEMS" not in out
