#!/usr/bin/env python
"""The reviewer's work queue and the overdue list with 100 000 cases and 10 000 open reviews: median / p95
time and query count (page 1 and a deep page: the count must not grow with rows), against the raw-SQL
fetch of the same 50-row page in the same run.

    .venv/bin/python bench/review_queue.py [--cases 100000] [--reviews 10000] [--database-url URL]

Cases and reviews are bulk-inserted across the demo region's agencies (a fifth of the reviews at the demo
agency, half of those assigned to its reviewer, through the service's log entries); due dates spread
over three months either side of today, one review in ten paused.
"""

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import OUT, fresh_demo_database, measure


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'review_bench.sqlite3'}")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    fresh_demo_database(args.database_url)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from zhifa.cases.models import Case
    from zhifa.core.testing import force_login_with_second_factor  # the staff pages need both factors
    from zhifa.ledger.services import record_event
    from zhifa.org.models import Agency, Unit, UnitKind
    from zhifa.review import events
    from zhifa.review.models import Assignment, Review

    User = get_user_model()
    market = User.objects.get(username="agency_head").person.agency
    reviewer = User.objects.get(username="reviewer")
    agencies = list(Agency.objects.filter(is_justice_bureau=False).select_related("jurisdiction"))
    units = {u.agency_id: u for u in Unit.objects.filter(kind=UnitKind.HANDLING)}
    review_units = {u.agency_id: u for u in Unit.objects.filter(kind=UnitKind.REVIEW)}
    agencies = [a for a in agencies if a.pk in units and a.pk in review_units]
    opener = User.objects.get(username="agency_head")
    t0 = time.perf_counter()
    year = timezone.localdate().year
    rows = []
    for i in range(args.cases):
        agency = market if i < args.reviews // 5 else agencies[i % len(agencies)]
        rows.append(Case(agency=agency, handling_unit=units[agency.pk], number=f"{year}-R{i:07d}", title=f"基准案件{i}",
                         action_type="penalty", procedure="ordinary", place=agency.jurisdiction, legal_basis="b",
                         stage="decision", opened_by=opener))
        if len(rows) == 10_000:
            Case.objects.bulk_create(rows)
            rows = []
    Case.objects.bulk_create(rows)
    today = timezone.localdate()
    rules = {"time_limit": {"days": 5, "extension_days": 5, "starts": "receipt", "extension_approver": "legal_head"},
             "excluded_periods": ["supplement"], "items": ["subject_qualified"], "materials": ["draft_decision"],
             "opinion_document": {"online": True, "copies": 2}, "versions": {}}
    reviews = []
    for n, (case_id, agency_id) in enumerate(Case.objects.filter(number__contains="-R").order_by("id")
                                             .values_list("id", "agency_id")[:args.reviews]):
        paused = n % 10 == 9
        reviews.append(Review(case_id=case_id, agency_id=agency_id, review_unit=review_units[agency_id],
                              state="paused" if paused else "submitted", rules=rules,
                              clock_started_on=today - dt.timedelta(days=n % 90),
                              due_on=None if paused else today + dt.timedelta(days=(n % 180) - 90),
                              paused_since=today if paused else None))
    Review.objects.bulk_create(reviews, batch_size=5000)
    person = reviewer.person
    mine = list(Review.objects.filter(agency=market).order_by("id").values_list("id", flat=True))
    for review_id in mine[: len(mine) // 2]:
        entry = record_event(events.STEP, subject=f"review:{review_id}", actor=opener,
                             payload={"review": review_id, "action": "assign", "person": person.pk})
        Assignment.objects.create(review_id=review_id, person=person, assigned_by=opener, entry=entry)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"database: {connection.vendor}; {Case.objects.count()} cases, {Review.objects.count()} open reviews "
          f"({Review.objects.filter(agency=market).count()} at the demo agency, {len(mine) // 2} assigned to its "
          f"reviewer) loaded in {time.perf_counter() - t0:.1f} s; repeat {args.repeat}")

    def run(label, client, url, sql):
        measure(label, client, url, sql, repeat=args.repeat, width=52)

    queue_sql = ("SELECT r.id, r.due_on, c.number, c.title FROM review_review r JOIN cases_case c ON c.id = r.case_id "
                 f"WHERE r.agency_id = {market.pk} AND r.state IN ('submitted', 'paused') ORDER BY r.state, r.due_on, r.id LIMIT 50")
    overdue_sql = ("SELECT r.id, r.due_on, c.number, c.title FROM review_review r JOIN cases_case c ON c.id = r.case_id "
                   f"WHERE r.state = 'submitted' AND r.due_on < '{today.isoformat()}' ORDER BY r.due_on, r.id LIMIT 50")
    deep = max(1, min(20, args.reviews // 5 // 50 // 2))
    client = Client()
    force_login_with_second_factor(client, reviewer)
    run("reviewer: /review/ (agency queue)", client, "/review/", queue_sql)
    run(f"reviewer: /review/?page={deep}", client, f"/review/?page={deep}", queue_sql)
    run("reviewer: /review/?mine=1", client, "/review/?mine=1", queue_sql)
    run("reviewer: /api/review/queue?mine=true", client, "/api/review/queue?mine=true", queue_sql)
    for username in ("agency_head", "region_supervisor"):
        client = Client()
        force_login_with_second_factor(client, User.objects.get(username=username))
        run(f"{username}: /review/overdue/", client, "/review/overdue/", overdue_sql)
        run(f"{username}: /review/overdue/?page={deep}", client, f"/review/overdue/?page={deep}", overdue_sql)
        run(f"{username}: /api/review/overdue", client, "/api/review/overdue", overdue_sql)


if __name__ == "__main__":
    main()
