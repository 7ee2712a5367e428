#!/usr/bin/env python
"""Case list and case pages with 100 000 cases: median / p95 time and query count, against the raw-SQL
fetch of the same 50-row page in the same run.

    .venv/bin/python bench/cases_list.py [--cases 100000] [--database-url URL]

Cases are bulk-inserted (as `case_open` would write them) across the demo region's agencies; one case
carries 12 documents for the detail page.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import OUT, fresh_demo_database, measure


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'cases_bench.sqlite3'}")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    fresh_demo_database(args.database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from zhifa.cases.models import Case
    from zhifa.core.testing import force_login_with_second_factor  # the staff pages need both factors
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
        measure(label, client, url, sql, repeat=args.repeat, width=46)

    page_sql = "SELECT id, number, title FROM cases_case ORDER BY opened_at DESC, id DESC LIMIT 50"
    for username in ("region_supervisor", "agency_head"):
        client = Client()
        force_login_with_second_factor(client, User.objects.get(username=username))
        run(f"{username}: /cases/", client, "/cases/", page_sql)
        run(f"{username}: /cases/?page=500", client, "/cases/?page=500", page_sql)
        run(f"{username}: /cases/?stage=decision", client, "/cases/?stage=decision", page_sql)
        run(f"{username}: /api/cases/?limit=50", client, "/api/cases/?limit=50", page_sql)
    client = Client()
    force_login_with_second_factor(client, opener)
    run(f"case detail ({demo_case.documents.count()} documents)", client, f"/cases/{demo_case.pk}/", page_sql)
    run("case recordings page", client, f"/records/cases/{demo_case.pk}/", page_sql)


if __name__ == "__main__":
    main()
