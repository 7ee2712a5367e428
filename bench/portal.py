#!/usr/bin/env python
"""The public portal under load (issue 6): search and decision pages over a million published decisions,
50 concurrent clients on loopback, against the same server's static file serving in the same run.

    .venv/bin/python bench/portal.py [--decisions 1000000] [--database-url postgres://postgres@127.0.0.1:5432/zhifa_bench_portal]
                                     [--clients 50] [--seconds 20] [--workers 4] [--reload]

The server is gunicorn (the production WSGI server of the README) with DEBUG off, serving the portal and,
through WhiteNoise, the collected static files. The load tool is `wrk` (Debian package) with a Lua script
that picks a random path from a list for every request and reports median and p95; without wrk a Python
client with the same number of keep-alive connections is used (the CI smoke run) and says so.

Loading: the demo region is loaded through the services, then the decisions are bulk-written (COPY on
PostgreSQL) across the demo agencies, each with its own `publicity.published` log entry, which the real
sequencer then integrates into the Merkle tree before a signed checkpoint — so every decision page shows
a genuine inclusion proof. Texts come from the redaction corpus generator (invented people), masked by
their gold spans and cut by jieba once per distinct text ("pre-cut" search tokens); titles, decision
numbers and organisation names vary per row. The database is kept between runs unless --reload.
"""

import argparse
import datetime as dt
import hashlib
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import OUT, fresh_demo_database  # noqa: E402

# The words readers type: common (most decisions), middling and rare, plus an organisation's name.
QUERIES = ["罚款", "食品安全法", "保质期 食品", "道路运输", "大气污染防治法", "擅自取水", "农药", "娱乐场所 未成年人",
           "非法占用土地", "医疗机构", "安全生产 培训", "摆摊设点", "鑫源", "恒通 运输"]
SHAPES = ["鑫源", "恒通", "蒙兴", "泰和", "金桥", "瑞丰", "昌盛", "宏达", "兴业", "华泰", "永安", "嘉禾"]


def database_exists(url: str) -> bool:
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///"):]).exists()
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def setup_existing(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ZHIFA_LEDGER_KEY_FILE", str(OUT / "bench-ledger.key"))
    import django

    django.setup()


def texts(count: int) -> list[tuple[str, str, str, str]]:
    """(field, public text, original text, pre-cut tokens) of `count` invented decisions."""
    sys.path.insert(0, str(ROOT / "tests" / "redaction_corpus"))
    import generate

    from zhifa.publicity import search

    r = random.Random(20261125)
    out = []
    for i in range(count):
        doc = generate.build(r, i)
        original = doc["text"]
        chars = list(original)
        for span in doc["spans"]:
            chars[span["start"]:span["end"]] = "＊" * (span["end"] - span["start"])
        public = "".join(chars)
        out.append((doc["field"], public, original, search.index_text(public)))
    return out


def load(n: int) -> None:
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone
    from stdnum.cn import uscc

    from zhifa.ledger import services as ledger
    from zhifa.ledger.canonical import canonical_json, sha256_hex
    from zhifa.ledger.models import Entry
    from zhifa.org.models import Agency, AgencyStatus
    from zhifa.publicity import search
    from zhifa.publicity.models import Publication

    t0 = time.perf_counter()
    corpus = texts(min(n, 4000))
    print(f"cut {len(corpus)} distinct texts with jieba in {time.perf_counter() - t0:.1f} s")
    agencies = list(Agency.objects.filter(status=AgencyStatus.CONFIRMED, is_justice_bureau=False)
                    .select_related("jurisdiction").order_by("id"))
    r = random.Random(7)
    now = timezone.now()
    entry_id = (Entry.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    pub_id = (Publication.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    codes = {}
    entry_cols = ["id", "kind", "subject", "actor", "at", "payload", "payload_sha256"]
    pub_cols = ["id", "kind", "agency_id", "jurisdiction_path", "version", "update_reason", "title", "state", "mode",
                "action_type", "target_name", "target_code", "fields", "rows", "original_text", "public_text",
                "minor_party", "decided_on", "due_provisional", "exemption_ground", "collected_at", "published_at",
                "published_entry_id", "withdrawal_trigger", "withdrawal_basis", "search_tokens"]
    t0 = time.perf_counter()
    batch_entries, batch_pubs, pg = [], [], connection.vendor == "postgresql"

    def flush():
        if not batch_pubs:
            return
        with transaction.atomic(), connection.cursor() as cur:
            if pg:
                raw = cur.cursor
                with raw.copy(f"COPY ledger_entry ({', '.join(entry_cols)}) FROM STDIN") as copy:
                    for row in batch_entries:
                        copy.write_row(row)
                with raw.copy(f"COPY publicity_publication ({', '.join(pub_cols)}) FROM STDIN") as copy:
                    for row in batch_pubs:
                        copy.write_row(row)
            else:
                cur.executemany(f"INSERT INTO ledger_entry ({', '.join(entry_cols)}) VALUES ({', '.join(['%s'] * len(entry_cols))})",
                                batch_entries)
                cur.executemany(f"INSERT INTO publicity_publication ({', '.join(pub_cols)}) VALUES "
                                f"({', '.join(['%s'] * len(pub_cols))})", batch_pubs)
                cur.executemany("INSERT INTO publicity_fts(rowid, tokens) VALUES (%s, %s)",
                                [(row[0], row[-1]) for row in batch_pubs])
        batch_entries.clear()
        batch_pubs.clear()

    for i in range(n):
        field, public, original, tokens = corpus[i % len(corpus)]
        agency = agencies[i % len(agencies)]
        at = now - dt.timedelta(seconds=(n - i) * 30)  # half a minute apart: a million span about a year
        org = f"内蒙古{SHAPES[i % len(SHAPES)]}{['商贸', '建材', '运输', '餐饮', '科技'][i // 7 % 5]}有限公司{i // 84 % 500}分公司"
        code = codes.get(org)
        if code is None:
            body = f"91150{r.randrange(100, 999)}{''.join(r.choice('0123456789ABCDEFGHJKLMNPQRTUWXY') for _ in range(9))}"
            code = codes[org] = body + uscc.calc_check_digit(body)
        title = f"{agency.name}行政处罚决定书（〔{at.year}〕{i + 1}号）"
        public_text = f"当事人：{org}\n{public}"
        payload = {"publication": pub_id + i, "kind": "decision", "version": 1, "agency": agency.pk, "title": title,
                   "public_sha256": hashlib.sha256(public_text.encode()).hexdigest(),
                   "original_sha256": hashlib.sha256(original.encode()).hexdigest(), "masks": [], "supersedes": None,
                   "on_time": True}
        text = canonical_json(payload)
        batch_entries.append((entry_id + i, "publicity.published", f"publicity.publication:{pub_id + i}", "system", at,
                              text, sha256_hex(text)))
        batch_pubs.append((pub_id + i, "decision", agency.pk, agency.jurisdiction.path, 1, "", title, "published",
                           "full", "penalty", org, code, "{}", "[]", original, public_text, False, at.date(), False, "",
                           at, at, entry_id + i, "", "", f"{' '.join(search.tokens(org))} {tokens}"))
        if len(batch_pubs) == 20_000:
            flush()
            print(f"  {i + 1} decisions ({(i + 1) / (time.perf_counter() - t0):.0f}/s)", flush=True)
    flush()
    with connection.cursor() as cur:
        if pg:
            for table in ("ledger_entry", "publicity_publication"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
            cur.execute("ANALYZE")
    print(f"wrote {n} decisions and their log entries in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    settings.ZHIFA_LEDGER_BATCH = 50_000
    integrated = 0
    while step := ledger.integrate(limit=50_000):
        integrated += step
    cp = ledger.checkpoint_create()
    print(f"integrated {integrated} leaves and signed a checkpoint at size {cp.size} in {time.perf_counter() - t0:.0f} s")


LUA = r"""
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local counter = 0
function setup(thread) counter = counter + 1; thread:set("seed", counter) end
function init(args) math.randomseed(seed * 7919) end
function request() return wrk.format("GET", paths[math.random(#paths)]) end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %.3f %.3f\n", summary.requests, e.status + e.connect + e.read + e.write + e.timeout,
                         summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


def run_wrk(port: int, paths: list[str], clients: int, seconds: int) -> tuple[int, int, float, float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "paths.txt").write_text("\n".join(paths) + "\n")
        (Path(tmp) / "bench.lua").write_text(LUA)
        out = subprocess.run(["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--timeout", "30s", "-s",
                              str(Path(tmp) / "bench.lua"), f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, env={**os.environ, "BENCH_PATHS": str(Path(tmp) / "paths.txt")},
                             check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    requests, errors, duration_us, p50, p95 = line.split()[1:]
    return int(requests), int(errors), int(requests) / (int(duration_us) / 1e6), float(p50), float(p95)


def run_python(port: int, paths: list[str], clients: int, seconds: int) -> tuple[int, int, float, float, float]:
    """The fallback load client: `clients` threads, each with its own keep-alive connection."""
    import http.client

    stop = time.perf_counter() + seconds
    latencies, errors, lock = [], [0], threading.Lock()

    def worker(seed):
        rnd = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                conn.request("GET", rnd.choice(paths))
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            except OSError:
                bad += 1
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.perf_counter() - t) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    ordered = sorted(latencies)
    return (len(ordered), errors[0], len(ordered) / elapsed, statistics.median(ordered),
            ordered[int(0.95 * (len(ordered) - 1))])


def serve(url: str, port: int, workers: int) -> subprocess.Popen:
    static_root = OUT / "portal_static"
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "STATIC_ROOT": str(static_root),
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SETTINGS_MODULE": "config.settings"}
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen([gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers",
                               str(workers), "--worker-class", "gthread", "--threads", "4", "--log-level", "warning",
                               "--backlog", "512"], cwd=ROOT, env=env, start_new_session=True)
    import http.client

    for _ in range(200):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/portal/")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not come up")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/zhifa_bench_portal")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--reload", action="store_true", help="drop and load the database again")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.reload or not database_exists(args.database_url):
        fresh_demo_database(args.database_url)
        load(args.decisions)
    else:
        setup_existing(args.database_url)
    from django.db import connection

    from zhifa.org.models import Jurisdiction
    from zhifa.publicity.models import Publication

    published = Publication.objects.filter(state="published", kind="decision")
    total = published.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM publicity_publication TABLESAMPLE SYSTEM (1) "
                        "WHERE state = 'published' AND kind = 'decision' LIMIT 5000")
            ids = [row[0] for row in cur.fetchall()]
    else:
        ids = list(published.order_by("?").values_list("id", flat=True)[:5000])
    root = Jurisdiction.objects.filter(parent__isnull=True).order_by("id").first()
    county = Jurisdiction.objects.filter(level="county", agencies__publications__isnull=False).order_by("id").first()
    search = []
    for j in (root, county):
        for q in QUERIES:
            search.append(f"/portal/{j.code}/search/?q={urllib.parse.quote(q)}")
        search.append(f"/portal/{j.code}/search/?q={urllib.parse.quote('罚款')}&page=3")
        search.append(f"/portal/{j.code}/search/?type=penalty&from=2026-06-01")
    scenarios = [("static file (portal.css, WhiteNoise)", ["/static/css/portal.css"]),
                 ("portal home (region)", [f"/portal/{root.code}/"]),
                 ("search (region and county, 32 queries)", search),
                 ("decision page with inclusion proof", [f"/portal/items/{i}/" for i in ids])]
    client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "python")
    runner = run_wrk if client == "wrk" else run_python
    print(f"database: {connection.vendor}; {total} published decisions; server: gunicorn {args.workers} workers × 4 "
          f"threads; load: {client}, {args.clients} connections, {args.seconds} s per scenario, {os.cpu_count()} CPUs shared")
    connection.close()
    server = serve(args.database_url, args.port, args.workers)
    try:
        results = []
        for label, paths in scenarios:
            runner(args.port, paths, args.clients, max(1, args.seconds // 5))  # warm the workers and caches
            results.append((label, *runner(args.port, paths, args.clients, args.seconds)))
        static_median = results[0][4]
        print(f"{'scenario':<42} {'requests':>9} {'errors':>6} {'req/s':>8} {'median':>9} {'p95':>9}  ratio (median / static)")
        for label, requests, errors, rps, p50, p95 in results:
            print(f"{label:<42} {requests:9d} {errors:6d} {rps:8.0f} {p50:7.1f}ms {p95:7.1f}ms  {p50 / static_median:7.1f}x")
        assert all(r[2] == 0 for r in results), "some requests failed"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
