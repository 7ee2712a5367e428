#!/usr/bin/env python
"""The public portal under load (issue 6; issue 19 §1): home, decision and search pages over a million published
decisions, 50 concurrent clients on loopback, against the same server's static file serving in the same run.

    .venv/bin/python bench/portal.py [--decisions 1000000] [--database-url postgres://postgres@127.0.0.1:5432/zhifa_bench_portal]
                                     [--redis-url redis://127.0.0.1:6379/11] [--clients 50] [--seconds 20] [--runs 3]
                                     [--pages 1000] [--workers 4] [--reload]

The server is gunicorn (the production WSGI server of the README) with DEBUG off, serving the portal and,
through WhiteNoise, the collected static files; with --redis-url the pages are cached in Redis (that database is
flushed first), as on several app servers. The load tool is `wrk` (Debian package) with a Lua script that picks a
random path from a list for every request, reports median and p95, and counts the X-Zhifa-Cache header (hit, miss,
bypass) for the hit rate; without wrk a Python client with the same number of keep-alive connections is used (the
CI smoke run) and says so. Each of --runs runs requests every page once (the first reader of a page renders it),
then measures each scenario; the table prints min/median/max over the runs of throughput, p95, and their ratios to
the static file in the same run. The last row sends a session cookie, which the page cache never serves: the
render behind a miss.

Loading: the demo region is loaded through the services, then the decisions are bulk-written (COPY on
PostgreSQL) across the demo agencies, each with its own `publicity.published` log entry, which the real
sequencer then integrates into the Merkle tree before a signed checkpoint — so every decision page shows
a genuine inclusion proof. Texts come from the redaction corpus generator (invented people), masked by
their gold spans and cut by jieba once per distinct text ("pre-cut" search tokens); titles, decision
numbers and organisation names vary per row. The database is kept between runs unless --reload (and migrated).
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


def load(n: int, start: int = 0) -> None:
    """Write decisions start..n-1 (a load stopped at a batch boundary continues with the same rows)."""
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

    org_tokens = {}  # 30 000 distinct names: cut each once, not once per row

    def organisation(i: int) -> tuple[str, str]:
        org = f"内蒙古{SHAPES[i % len(SHAPES)]}{['商贸', '建材', '运输', '餐饮', '科技'][i // 7 % 5]}有限公司{i // 84 % 500}分公司"
        code = codes.get(org)
        if code is None:
            body = f"91150{r.randrange(100, 999)}{''.join(r.choice('0123456789ABCDEFGHJKLMNPQRTUWXY') for _ in range(9))}"
            code = codes[org] = body + uscc.calc_check_digit(body)
        return org, code

    for i in range(start):  # the same credit codes as the rows already written
        organisation(i)
    pub_id -= start
    entry_id -= start
    for i in range(start, n):
        field, public, original, tokens = corpus[i % len(corpus)]
        agency = agencies[i % len(agencies)]
        at = now - dt.timedelta(seconds=(n - i) * 30)  # half a minute apart: a million span about a year
        org, code = organisation(i)
        if org not in org_tokens:
            org_tokens[org] = " ".join(search.tokens(org))
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
                           at, at, entry_id + i, "", "", f"{org_tokens[org]} {tokens}"))
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
local cookie = os.getenv("BENCH_COOKIE")
local headers = {}
if cookie ~= nil and cookie ~= "" then headers["Cookie"] = cookie end
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(seed * 7919)
  hit, miss, other = 0, 0, 0
end
function request() return wrk.format("GET", paths[math.random(#paths)], headers) end
function response(status, hdrs, body)
  local state = hdrs["X-Zhifa-Cache"] or hdrs["x-zhifa-cache"]
  if state == "hit" then hit = hit + 1 elseif state == "miss" then miss = miss + 1 else other = other + 1 end
end
function done(summary, latency, requests)
  local e = summary.errors
  local h, m, o = 0, 0, 0
  for _, t in ipairs(threads) do h = h + t:get("hit"); m = m + t:get("miss"); o = o + t:get("other") end
  io.write(string.format("RESULT %d %d %d %.3f %.3f %d %d %d\n", summary.requests,
                         e.status + e.connect + e.read + e.write + e.timeout, summary.duration,
                         latency:percentile(50) / 1000, latency:percentile(95) / 1000, h, m, o))
end
"""
STATUS_HEADER = "X-Zhifa-Cache"  # zhifa.portal.page_cache: hit, miss (rendered and kept) or bypass


def run_wrk(port: int, paths: list[str], clients: int, seconds: int, cookie: str = "") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "paths.txt").write_text("\n".join(paths) + "\n")
        (Path(tmp) / "bench.lua").write_text(LUA)
        out = subprocess.run(["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s", "--timeout", "30s", "-s",
                              str(Path(tmp) / "bench.lua"), f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, check=True,
                             env={**os.environ, "BENCH_PATHS": str(Path(tmp) / "paths.txt"), "BENCH_COOKIE": cookie}
                             ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    requests, errors, duration_us, p50, p95, hit, miss, other = line.split()[1:]
    return {"requests": int(requests), "errors": int(errors), "rps": int(requests) / (int(duration_us) / 1e6),
            "p50": float(p50), "p95": float(p95), "hit": int(hit), "miss": int(miss), "other": int(other)}


def run_python(port: int, paths: list[str], clients: int, seconds: int, cookie: str = "") -> dict:
    """The fallback load client: `clients` threads, each with its own keep-alive connection."""
    import http.client

    stop = time.perf_counter() + seconds
    latencies, errors, states, lock = [], [0], {"hit": 0, "miss": 0, "other": 0}, threading.Lock()
    headers = {"Cookie": cookie} if cookie else {}

    def worker(seed):
        rnd = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad, seen = [], 0, {"hit": 0, "miss": 0, "other": 0}
        while time.perf_counter() < stop:
            t = time.perf_counter()
            try:
                conn.request("GET", rnd.choice(paths), headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    bad += 1
                state = response.getheader(STATUS_HEADER, "")
                seen[state if state in ("hit", "miss") else "other"] += 1
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
            for k, v in seen.items():
                states[k] += v

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    ordered = sorted(latencies)
    return {"requests": len(ordered), "errors": errors[0], "rps": len(ordered) / elapsed,
            "p50": statistics.median(ordered), "p95": ordered[int(0.95 * (len(ordered) - 1))], **states}


def warm(port: int, paths: list[str], cookie: str = "") -> int:
    """Request every path once (8 connections), so the measured run reads the cache as readers at a peak do: the
    first reader of each page renders it, everyone after reads the copy. Returns the size of the first page."""
    import http.client
    from concurrent.futures import ThreadPoolExecutor

    def fetch(chunk):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for p in chunk:
            for attempt in range(2):  # once more on a fresh connection if the server closed an idle one
                try:
                    conn.request("GET", p, headers={"Cookie": cookie} if cookie else {})
                    conn.getresponse().read()
                    break
                except (http.client.HTTPException, OSError):
                    conn.close()
                    if attempt:
                        raise
        conn.close()

    unique = sorted(set(paths))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(fetch, [unique[i::8] for i in range(8)]))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", unique[0], headers={"Cookie": cookie} if cookie else {})
    size = len(conn.getresponse().read())
    conn.close()
    return size


def serve(url: str, port: int, workers: int, redis_url: str) -> subprocess.Popen:
    static_root = OUT / "portal_static"
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "STATIC_ROOT": str(static_root),
           "ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SETTINGS_MODULE": "config.settings",
           "ZHIFA_REDIS_URL": redis_url}
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


def spread(values: list[float], fmt: str = "{:.1f}") -> str:
    return "/".join(fmt.format(v) for v in (min(values), statistics.median(values), max(values)))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--decisions", type=int, default=1_000_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/zhifa_bench_portal")
    parser.add_argument("--redis-url", default=os.environ.get("ZHIFA_REDIS_URL", ""),
                        help="the shared cache (e.g. redis://127.0.0.1:6379/11; flushed first); each worker's memory "
                             "without it")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", type=int, default=1000, help="distinct decision pages read")
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
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # indexes added since the load
    from django.db import connection

    from zhifa.org.models import Jurisdiction
    from zhifa.publicity.models import Publication

    published = Publication.objects.filter(state="published", kind="decision")
    root = Jurisdiction.objects.filter(parent__isnull=True).order_by("id").first()
    county = Jurisdiction.objects.filter(level="county", agencies__publications__isnull=False).order_by("id").first()
    total, in_county = published.count(), published.filter(jurisdiction_path__startswith=county.path).count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT id FROM publicity_publication TABLESAMPLE SYSTEM (1) "
                        "WHERE state = 'published' AND kind = 'decision' LIMIT %s", [args.pages])
            ids = [row[0] for row in cur.fetchall()]
    else:
        ids = list(published.order_by("?").values_list("id", flat=True)[:args.pages])
    search = [f"/portal/{county.code}/search/?q={urllib.parse.quote(q)}" for q in QUERIES]
    search += [f"/portal/{county.code}/search/?q={urllib.parse.quote('罚款')}&page=3",
               f"/portal/{county.code}/search/?type=penalty&from=2026-06-01"]
    # label, paths, cookie: a session cookie is never served from the cache (page_cache), so that row is the render.
    scenarios = [("static file (portal.css, WhiteNoise)", ["/static/css/portal.css"], ""),
                 # A static file the size of a page (22 KB): how much of the gap is the bytes, not the cache.
                 ("static file of a page's size (js/verify.js)", ["/static/js/verify.js"], ""),
                 ("portal home (region)", [f"/portal/{root.code}/"], ""),
                 ("decision page with inclusion proof", [f"/portal/items/{i}/" for i in ids], ""),
                 (f"search inside a county ({len(search)} queries)", search, ""),
                 ("  the same searches rendered (session cookie)", search, "sessionid=bench-no-session")]
    client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "python")
    runner = run_wrk if client == "wrk" else run_python
    print(f"database: {connection.vendor}; {total} published decisions, {in_county} in county {county.name}; cache: "
          f"{'Redis ' + args.redis_url if args.redis_url else 'each worker its own memory (LocMem)'}; server: gunicorn "
          f"{args.workers} workers × 4 threads; load: {client}, {args.clients} connections, {args.seconds} s per "
          f"scenario, {args.runs} runs, {len(ids)} decision pages; {os.cpu_count()} CPUs shared")
    connection.close()
    if args.redis_url:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()  # this bench's own database: pages of an earlier run go
    server = serve(args.database_url, args.port, args.workers, args.redis_url)
    try:
        runs, sizes = [], {}  # runs[r][label] = result
        for run in range(args.runs):
            results = {}
            for label, paths, cookie in scenarios:
                sizes[label] = warm(args.port, paths, cookie)  # every page once: renders what expired since
                if run == 0:
                    runner(args.port, paths, args.clients, max(1, args.seconds // 5), cookie)  # warm the workers
                results[label] = runner(args.port, paths, args.clients, args.seconds, cookie)
            runs.append(results)
        static = scenarios[0][0]
        print(f"{'scenario':<46} {'bytes':>7} {'req/s min/med/max':>22} {'p95 ms min/med/max':>22} {'p95 ratio':>18} "
              f"{'req/s ratio':>18} {'hit rate':>8}")
        ok = True
        for label, _, cookie in scenarios:
            rps = [r[label]["rps"] for r in runs]
            p95 = [r[label]["p95"] for r in runs]
            p95_ratio = [r[label]["p95"] / r[static]["p95"] for r in runs]
            rps_ratio = [r[label]["rps"] / r[static]["rps"] for r in runs]
            hits = sum(r[label]["hit"] for r in runs)
            counted = sum(r[label]["hit"] + r[label]["miss"] + r[label]["other"] for r in runs)
            rate = f"{100 * hits / counted:.1f}%" if not label.startswith("static") and counted else "–"
            print(f"{label:<46} {sizes[label]:7d} {spread(rps, '{:.0f}'):>22} {spread(p95):>22} {spread(p95_ratio, '{:.2f}x'):>18} "
                  f"{spread(rps_ratio, '{:.2f}x'):>18} {rate:>8}")
            if label.startswith("static"):
                continue
            if not cookie:
                ok = ok and statistics.median(p95_ratio) <= 2 and statistics.median(rps_ratio) >= 0.5
            sized = scenarios[1][0]
            print(f"{'':<46} {'':7} against the static file of a page's size: p95 "
                  f"{spread([r[label]['p95'] / r[sized]['p95'] for r in runs], '{:.2f}x')}, req/s "
                  f"{spread([r[label]['rps'] / r[sized]['rps'] for r in runs], '{:.2f}x')}")
        print(f"goal (issue 19): anonymous pages p95 ≤ 2× the static file and throughput ≥ 0.5×, median of "
              f"{args.runs} runs: {'met' if ok else 'NOT met'}")
        assert all(r[label]["errors"] == 0 for r in runs for label, _, _ in scenarios), "some requests failed"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
