#!/usr/bin/env python
"""Registry list pages and API at scale: median / p95 time and query count, against the raw-SQL
fetch of the same page of rows in the same run (the floor any ORM page sits on).

    .venv/bin/python bench/org_lists.py                       # 1 000 agencies, 100 000 officers, SQLite
    .venv/bin/python bench/org_lists.py --database-url postgres://postgres@127.0.0.1:5432/zhifa_bench

The data is generated once per database (zhifa.demo.generator, the demo's shape at scale) and reused.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'bench' / 'out' / 'org_bench.sqlite3'}")
    parser.add_argument("--agencies", type=int, default=1000, help="approximate number of agencies")
    parser.add_argument("--officers", type=int, default=100_000, help="approximate number of people")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if args.database_url.startswith("postgres"):
        _ensure_pg_database(args.database_url)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from zhifa.core.testing import force_login_with_second_factor  # the staff pages need both factors

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)

    from django.contrib.auth import get_user_model

    from zhifa.core.permissions import Role
    from zhifa.demo.generator import Shape, generate
    from zhifa.org.models import Agency, Jurisdiction, Person, RoleGrant

    if not Jurisdiction.objects.filter(code="990000").exists():
        # 7 enforcement agencies per county, 2 per city, 9 at the region, plus a justice bureau per node.
        counties = max(1, round((args.agencies - 20) / 8))
        cities = max(1, min(99, round(counties / 12)))
        per_city = max(1, round(counties / cities))
        agencies_total = 1 + cities + cities * per_city + 9 + 2 * cities + 7 * cities * per_city
        officers = max(3, round(args.officers / agencies_total))
        t0 = time.perf_counter()
        data = generate(Shape(cities=cities, counties_per_city=per_city, agencies_per_county=7, agencies_per_city=2,
                              agencies_at_region=9, officers_per_agency=officers), today=timezone.localdate())
        print(f"generated {len(data['agencies'])} agencies, {data['people']} people, {data['certificates']} "
              f"certificates in {time.perf_counter() - t0:.1f} s")
    # Fresh bulk-loaded tables have no planner statistics yet; production's autovacuum would have them.
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    User = get_user_model()
    region = Jurisdiction.objects.get(code="990000")
    city = Jurisdiction.objects.filter(parent=region).order_by("code").first()
    users = {}
    for name, scope in (("bench_region", region), ("bench_city", city)):
        user, created = User.objects.get_or_create(username=name)
        if created:
            RoleGrant.objects.create(user=user, role=Role.SUPERVISOR, jurisdiction=scope)
        users[name] = user
    big = Agency.objects.filter(is_justice_bureau=False).order_by("pk").first()
    print(f"database: {connection.vendor}; agencies {Agency.objects.count()}, people {Person.objects.count()}; "
          f"repeat {args.repeat}")

    def run(label, client, url, baseline_sql, params=()):
        client.get(url)  # warm
        times, queries = [], 0
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - t0)
            assert response.status_code == 200, (url, response.status_code)
            queries = len(ctx.captured_queries)
        base = []
        with connection.cursor() as cur:
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                cur.execute(baseline_sql, params)
                cur.fetchall()
                base.append(time.perf_counter() - t0)
        med, p95 = statistics.median(times) * 1000, _p95(times) * 1000
        bmed = statistics.median(base) * 1000
        print(f"{label:<44} median {med:7.1f} ms  p95 {p95:7.1f} ms  queries {queries:3d}  "
              f"raw SQL page {bmed:6.2f} ms  ratio {med / bmed if bmed else float('inf'):6.1f}x")

    agency_page_sql = ("SELECT a.id, a.name, j.name FROM org_agency a JOIN org_jurisdiction j ON j.id = a.jurisdiction_id "
                       "ORDER BY j.path, a.name LIMIT 50")
    people_page_sql = ("SELECT p.id, p.name, a.name FROM org_person p JOIN org_agency a ON a.id = p.agency_id "
                       "ORDER BY p.agency_id, p.name, p.id LIMIT 50")
    for name, user in users.items():
        client = Client()
        force_login_with_second_factor(client, user)
        run(f"{name}: /org/agencies/ (page 1)", client, "/org/agencies/", agency_page_sql)
        run(f"{name}: /org/agencies/?page=10", client, "/org/agencies/?page=10", agency_page_sql)
        run(f"{name}: /api/org/agencies?limit=50", client, "/api/org/agencies?limit=50", agency_page_sql)
        run(f"{name}: /org/people/ (page 1)", client, "/org/people/", people_page_sql)
        run(f"{name}: /org/people/?certified=yes", client, "/org/people/?certified=yes", people_page_sql)
        run(f"{name}: / (home)", client, "/", agency_page_sql)
    client = Client()
    force_login_with_second_factor(client, users["bench_region"])
    run(f"agency detail ({big.people.count()} people)", client, f"/org/agencies/{big.pk}/", agency_page_sql)


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _ensure_pg_database(url):
    import psycopg

    dbname = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone():
            conn.execute(f'CREATE DATABASE "{dbname}"')


if __name__ == "__main__":
    main()
