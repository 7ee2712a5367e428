#!/usr/bin/env python
"""Case list and case pages with 100 000 cases: median / p95 time and query count, against the raw-SQL
fetch of the same 50-row page in the same run.

    .venv/bin/python bench/cases_list.py [--cases 100000] [--database-url URL]

Cases are bulk-inserted (as `case_open` would write them) across the demo region's agencies; one case
carries 12 documents for the detail page.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("ZHIFA_BENCH_OUT", ROOT / "bench" / "out"))
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'cases_bench.sqlite3'}")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ZHIFA_LEDGER_KEY_FILE", str(OUT / "bench-ledger.key"))
    if args.database_url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(args.database_url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
    else:
        import psycopg

        name = args.database_url.rsplit("/", 1)[1]
        with psycopg.connect(args.database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    call_command("demo_load", verbosity=0, stdout=open(os.devnull, "w"))

    from django.contrib.auth import get_user_model

    from zhifa.cases.models import Case
    from zhifa.org.models import Agency, Unit, UnitKind

    User = get_user_model()
    agencies = list(Agency.objects.filter(is_justice_bureau=False).select_related("jurisdiction"))
    units = {u.agency_id: u for u in Unit.objects.filter(kind=UnitKind.HANDLING)}
    opener = User.objects.get(username="agency_head")
    t0 = time.perf_counter()
    rows = []
    year = timezone.localdate().year
    for i in range(args.cases):
        agency = agencies[i % len(agencies)]
        if agency.pk not in units:
            continue
        rows.append(Case(agency=agency, handling_unit=units[agency.pk], number=f"{year}-B{i:07d}", title=f"基准案件{i}",
                         action_type="penalty", procedure="ordinary", place=agency.jurisdiction, legal_basis="b",
                         stage=["start", "investigation", "decision", "service_enforcement", "archive"][i % 5],
                         opened_by=opener))
        if len(rows) == 10_000:
            Case.objects.bulk_create(rows)
            rows = []
    Case.objects.bulk_create(rows)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    total = Case.objects.count()
    print(f"database: {connection.vendor}; {total} cases loaded in {time.perf_counter() - t0:.1f} s; repeat {args.repeat}")
    demo_case = Case.objects.filter(stage="archive", documents__isnull=False).distinct().first()

    def run(label, client, url, sql):
        client.get(url)
        times, queries = [], 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - t)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(ctx.captured_queries)
        base = []
        with connection.cursor() as cur:
            for _ in range(args.repeat):
                t = time.perf_counter()
                cur.execute(sql)
                cur.fetchall()
                base.append(time.perf_counter() - t)
        med, p95 = statistics.median(times) * 1000, sorted(times)[int(0.95 * (len(times) - 1))] * 1000
        bmed = statistics.median(base) * 1000
        print(f"{label:<46} median {med:7.1f} ms  p95 {p95:7.1f} ms  queries {queries:3d}  raw SQL page "
              f"{bmed:6.2f} ms  ratio {med / bmed:6.1f}x")

    page_sql = "SELECT id, number, title FROM cases_case ORDER BY opened_at DESC, id DESC LIMIT 50"
    for username in ("region_supervisor", "agency_head"):
        client = Client()
        client.force_login(User.objects.get(username=username))
        run(f"{username}: /cases/", client, "/cases/", page_sql)
        run(f"{username}: /cases/?page=500", client, "/cases/?page=500", page_sql)
        run(f"{username}: /cases/?stage=decision", client, "/cases/?stage=decision", page_sql)
        run(f"{username}: /api/cases/?limit=50", client, "/api/cases/?limit=50", page_sql)
    client = Client()
    client.force_login(opener)
    run(f"case detail ({demo_case.documents.count()} documents)", client, f"/cases/{demo_case.pk}/", page_sql)
    run("case recordings page", client, f"/records/cases/{demo_case.pk}/", page_sql)


if __name__ == "__main__":
    main()
