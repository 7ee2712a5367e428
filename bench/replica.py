#!/usr/bin/env python
"""Reads on a streaming replica (issue 19 §5): a throwaway PostgreSQL 15 primary and hot-standby replica on this
machine, the demo loaded into the primary, the portal served by gunicorn with DATABASE_REPLICA_URL, and proof of
where each read went.

    .venv/bin/python bench/replica.py [--runs 3] [--requests 300] [--clients 8] [--keep]

Steps, each checked (the script exits 1 when one fails):
1. initdb a primary, pg_basebackup -R a streaming replica from it (ports chosen free, data under /tmp; as the
   `postgres` account when run as root, since initdb refuses root);
2. migrate and load the demo (manage.py demo_load) into the primary; wait until the replica has replayed it;
3. serve the portal with gunicorn twice: server R with DATABASE_REPLICA_URL, server P without (the peer, everything
   on the primary); the same anonymous portal pages on each, in alternating runs. Where reads went is counted by
   PostgreSQL itself: the table scans (pg_stat_user_tables seq_scan + idx_scan) on each cluster during the run;
   each request opens its own connection (DATABASE_CONN_MAX_AGE=0) so every backend's counters are flushed when it
   ends;
4. read-your-writes: replay is paused on the replica; a staff browser computes an annual report (a write) and
   follows the redirect to it (a replica path): it reads the primary and sees it; a second browser of the same user
   that has not written reads the paused replica and does not (404), until replay resumes;
   replica_replayed_since() says False while paused, True after;
5. the replica is stopped: the portal still answers 200 from the primary.
Then both clusters are stopped and removed (unless --keep).
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import print_ratio, print_runs, spread  # noqa: E402

PG_BIN = Path(os.environ.get("ZHIFA_PG_BIN", "/usr/lib/postgresql/15/bin"))
DEMO_PASSWORD = "zhifa-demo-2026"
STICKY_SECONDS = 3
FAILURES: list[str] = []


def check(ok: bool, what: str) -> None:
    print(f"  [{'ok' if ok else 'FAILED'}] {what}")
    if not ok:
        FAILURES.append(what)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One throwaway PostgreSQL cluster, run as `postgres` when this script runs as root."""

    def __init__(self, base: Path, name: str):
        self.dir, self.port, self.log = base / name, free_port(), base / f"{name}.log"
        self.sockets = base

    def run(self, *args: str) -> None:
        cmd = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        # fsync off: a throwaway cluster; the figures are about where reads go, not about durable commits.
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self.run("pg_ctl", "-D", str(self.dir), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self) -> None:
        if (self.dir / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.dir), "-m", "fast", "-w", "stop")

    def url(self, db: str = "zhifa") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def query(self, sql: str, params=(), *, db: str = "zhifa"):
        import psycopg

        with psycopg.connect(self.url(db), autocommit=True) as conn:
            return conn.execute(sql, params).fetchone()

    def scans(self) -> int:
        """Table scans of the application's tables so far, as this cluster counted them."""
        return int(self.query("SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables")[0])

    def scans_by_table(self) -> dict[str, int]:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            return dict(conn.execute("SELECT relname, seq_scan + coalesce(idx_scan, 0) FROM pg_stat_user_tables"))


def grown(before: dict[str, int], after: dict[str, int]) -> str:
    """The tables scanned between two snapshots, most first: 'table +n, ...'."""
    delta = sorted(((after[t] - before.get(t, 0), t) for t in after if after[t] > before.get(t, 0)), reverse=True)
    return ", ".join(f"{t} +{n}" for n, t in delta) or "none"


def wait_for_replay(primary: Cluster, replica: Cluster, timeout: float = 120) -> float:
    """Seconds until the replica has replayed everything the primary has written."""
    target = primary.query("SELECT pg_current_wal_lsn()::text")[0]
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if replica.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])[0]:
            return time.perf_counter() - t0
        time.sleep(0.05)
    raise SystemExit(f"the replica did not replay up to {target} within {timeout} s")


def serve(env: dict, port: int) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen([gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                               "--worker-class", "gthread", "--threads", "4", "--log-level", "warning"],
                              cwd=ROOT, env=env, start_new_session=True)
    import requests

    for _ in range(600):
        try:
            requests.get(f"http://127.0.0.1:{port}/portal/", timeout=60)  # the first request loads the templates
            return server
        except requests.RequestException:
            time.sleep(0.1)
    os.killpg(server.pid, signal.SIGTERM)  # not left serving after the script ends
    server.wait(timeout=30)
    raise SystemExit("gunicorn did not start")


def login(base: str, username: str):
    import requests

    browser = requests.Session()
    page = browser.get(f"{base}/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = browser.post(f"{base}/accounts/login/", data={"username": username, "password": DEMO_PASSWORD,
                                                            "csrfmiddlewaretoken": token}, allow_redirects=False)
    if answer.status_code != 302:
        raise SystemExit(f"login of {username} failed: {answer.status_code}")
    return browser


def portal_paths(base: str) -> list[str]:
    import requests

    home = requests.get(f"{base}/portal/").text
    items = sorted(set(re.findall(r'href="(/portal/items/\d+/)"', home)))[:5]
    areas = sorted(set(re.findall(r'href="(/portal/[0-9A-Z]{6}/)"', home)))[:3]
    paths = ["/portal/", *items, *areas, *(f"{a}agencies/" for a in areas), *(f"{a}search/?q=罚款" for a in areas)]
    return paths


def load(base: str, paths: list[str], *, requests_total: int, clients: int) -> tuple[float, float, float, int]:
    """(requests per second, median ms, p95 ms, non-200 answers) for anonymous GETs of `paths`, round robin."""
    import requests

    times: list[float] = []
    bad = 0
    lock = threading.Lock()
    local = threading.local()

    def one(i: int) -> None:
        nonlocal bad
        if not hasattr(local, "s"):
            local.s = requests.Session()
        t = time.perf_counter()
        status = local.s.get(base + paths[i % len(paths)]).status_code
        elapsed = time.perf_counter() - t
        with lock:
            times.append(elapsed)
            bad += status != 200

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(requests_total)))
    wall = time.perf_counter() - t0
    times.sort()
    return requests_total / wall, statistics.median(times) * 1000, times[int(0.95 * (len(times) - 1))] * 1000, bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=300, help="portal requests per server per run")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="leave the clusters' folder in place")
    args = parser.parse_args()
    if args.runs < 3:
        raise SystemExit("a figure needs at least 3 runs (issue 19 §7)")

    base = Path(tempfile.mkdtemp(prefix="zhifa-replica-bench-"))
    os.chmod(base, 0o755)
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    primary, replica = Cluster(base, "primary"), Cluster(base, "replica")
    servers: list[subprocess.Popen] = []
    app_data = Path(tempfile.mkdtemp(prefix="zhifa-replica-bench-app-"))
    try:
        print("1. clusters")
        primary.run("initdb", "-D", str(primary.dir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8")
        primary.start()
        primary.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "-D",
                    str(replica.dir), "-R", "-X", "stream", "-c", "fast")
        replica.start()
        import psycopg

        with psycopg.connect(primary.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE zhifa")
        in_recovery = replica.query("SELECT pg_is_in_recovery()", db="postgres")[0]
        for _ in range(100):
            streaming = primary.query("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")[0]
            if streaming:
                break
            time.sleep(0.1)
        print(f"  primary 127.0.0.1:{primary.port}, replica 127.0.0.1:{replica.port} (PostgreSQL "
              f"{primary.query('SHOW server_version', db='postgres')[0]})")
        check(in_recovery and streaming == 1, "the replica is a hot standby streaming from the primary")

        print("2. migrate and load the demo into the primary")
        env = {**os.environ, "DATABASE_URL": primary.url(), "ZHIFA_DATA_DIR": str(app_data), "DEBUG": "0",
               "ALLOWED_HOSTS": "127.0.0.1,localhost", "DATABASE_CONN_MAX_AGE": "0", "ZHIFA_OTP_REQUIRED": "0",
               "ZHIFA_REPLICA_STICKY_SECONDS": str(STICKY_SECONDS), "DJANGO_SETTINGS_MODULE": "config.settings",
               # The page cache off: every request renders, so every request's reads are counted (with it on, a
               # hit reads no database at all, and misses are routed as measured here).
               "ZHIFA_PORTAL_CACHE_SECONDS": "0"}
        env.pop("DATABASE_REPLICA_URL", None)
        env.pop("ZHIFA_REDIS_URL", None)  # each gunicorn keeps its own memory cache: nothing served from a shared one
        t = time.perf_counter()
        for command in (["migrate", "--no-input", "-v", "0"], ["demo_load", "-v", "0"]):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True,
                           stdout=subprocess.DEVNULL)
        print(f"  migrate + demo_load: {time.perf_counter() - t:.1f} s")
        lag = wait_for_replay(primary, replica)
        print(f"  the replica had replayed it {lag * 1000:.0f} ms after the load ended")
        rows = "SELECT count(*) FROM publicity_publication"
        check(primary.query(rows) == replica.query(rows), f"the replica holds the same publications "
              f"({replica.query(rows)[0]})")

        print(f"3. portal reads: server R (DATABASE_REPLICA_URL) against server P (primary only), {args.runs} runs of "
              f"{args.requests} requests, {args.clients} clients, 2 workers x 4 threads each")
        env_r = {**env, "DATABASE_REPLICA_URL": replica.url()}
        port_r, port_p = free_port(), free_port()
        servers.append(serve(env_r, port_r))
        servers.append(serve(env, port_p))
        base_r, base_p = f"http://127.0.0.1:{port_r}", f"http://127.0.0.1:{port_p}"
        paths = portal_paths(base_r)
        print(f"  {len(paths)} pages: {', '.join(paths)}")
        rps = {"R": [], "P": []}
        p95 = {"R": [], "P": []}
        share, bad_total = [], 0
        for _run in range(args.runs):
            for name, url in (("R", base_r), ("P", base_p)):
                before = primary.scans(), replica.scans()
                tables_before = primary.scans_by_table()
                r, _med, p, bad = load(url, paths, requests_total=args.requests, clients=args.clients)
                time.sleep(0.3)  # the last backends' counters reach the statistics as they exit
                after = primary.scans(), replica.scans()
                if name == "R":
                    on_primary_tables = grown(tables_before, primary.scans_by_table())
                rps[name].append(r)
                p95[name].append(p)
                bad_total += bad
                if name == "R":
                    on_primary, on_replica = after[0] - before[0], after[1] - before[1]
                    share.append(on_replica / max(1, on_primary + on_replica))
                    print(f"  run {_run + 1}: server R: table scans on the replica {on_replica}, on the primary "
                          f"{on_primary} ({on_primary_tables})")
        print_runs("  server R (replica) throughput", rps["R"], unit="req/s")
        print_runs("  server P (primary only) throughput", rps["P"], unit="req/s")
        print_runs("  server R p95", p95["R"], unit="ms")
        print_runs("  server P p95", p95["P"], unit="ms")
        print_ratio("  throughput R / P", rps["R"], rps["P"])
        print(f"  share of the portal's table scans on the replica: {spread([s * 100 for s in share], '{:.1f}')} %")
        check(bad_total == 0, "every portal request answered 200")
        check(min(share) >= 0.99, "the portal's reads went to the replica (>= 99 % of its table scans; a raw query "
                                  "through django.db.connection bypasses the router: see the primary's tables above)")

        print("4. read-your-writes, replay paused on the replica")
        writer, other = login(base_r, "publicity_editor"), login(base_r, "publicity_editor")
        time.sleep(STICKY_SECONDS + 0.5)  # the logins were writes too: let their marks expire
        reports = writer.get(f"{base_r}/publicity/reports/")
        agency = re.search(r'<option value="(\d+)"', reports.text).group(1)
        token = writer.cookies.get("csrftoken")
        replica.query("SELECT pg_wal_replay_pause()")
        before = primary.scans(), replica.scans()
        made = writer.post(f"{base_r}/publicity/reports/", data={"agency": agency, "year": "2025",
                                                                  "csrfmiddlewaretoken": token},
                           headers={"Referer": f"{base_r}/publicity/reports/"}, allow_redirects=False)
        check(made.status_code == 302 and "/publicity/reports/" in made.headers.get("Location", ""),
              f"the annual report was computed (POST answered {made.status_code})")
        check("zhifa_primary" in made.cookies, "the write marked the browser (zhifa_primary cookie, "
              f"{STICKY_SECONDS} s)")
        target = base_r + made.headers["Location"]
        own = writer.get(target)
        time.sleep(0.3)
        mid = primary.scans(), replica.scans()
        check(own.status_code == 200, f"the writer sees its report at once (status {own.status_code})")
        check(mid[1] == before[1], f"the writer's reads all went to the primary (replica scans +{mid[1] - before[1]}, "
                                   f"primary +{mid[0] - before[0]})")
        stale = other.get(target)
        check(stale.status_code == 404, f"a browser that did not write reads the paused replica: the report is not "
                                        f"there yet (status {stale.status_code})")

        os.environ.update(env_r)
        import django

        django.setup()
        from django.utils import timezone

        from zhifa.core.db_router import replica_replayed_since, use_replica_reads

        use_replica_reads(True)
        moment = timezone.now()
        check(replica_replayed_since(moment) is False, "replica_replayed_since(now) is False while replay is paused")
        replica.query("SELECT pg_wal_replay_resume()")
        lag = wait_for_replay(primary, replica)
        check(replica_replayed_since(moment) is True, f"... and True once it has caught up ({lag * 1000:.0f} ms)")
        from django.db import connections

        connections.close_all()
        fresh = other.get(target)
        check(fresh.status_code == 200, f"after replay the other browser sees the report (status {fresh.status_code})")
        time.sleep(STICKY_SECONDS + 0.5)
        before, tables_before = (primary.scans(), replica.scans()), primary.scans_by_table()
        again = writer.get(target)
        time.sleep(0.3)
        after = primary.scans(), replica.scans()
        # The session and the login checks run before the page is routed (session, user, second-factor device):
        # those few reads stay on the primary; the page's own reads go to the replica.
        check(again.status_code == 200 and after[1] > before[1],
              f"after {STICKY_SECONDS} s the writer reads the replica again (replica scans +{after[1] - before[1]}; "
              f"primary: {grown(tables_before, primary.scans_by_table())})")

        print("5. the replica stopped")
        replica.stop()
        before = primary.scans()
        t = time.perf_counter()
        r, med, p, bad = load(base_r, paths, requests_total=60, clients=args.clients)
        time.sleep(0.3)
        print(f"  60 portal requests: {r:.0f} req/s, median {med:.1f} ms, p95 {p:.1f} ms, "
              f"{time.perf_counter() - t:.1f} s in all")
        check(bad == 0 and primary.scans() > before, "every request answered 200, from the primary")
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        for cluster in (replica, primary):
            try:
                cluster.stop()
            except subprocess.CalledProcessError:
                pass
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
            shutil.rmtree(app_data, ignore_errors=True)
    if FAILURES:
        print(f"FAILED: {len(FAILURES)} check(s): " + "; ".join(FAILURES))
        return 1
    print("replica bench: every check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
