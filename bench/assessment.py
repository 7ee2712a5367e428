#!/usr/bin/env python
"""The annual-assessment benchmark (issue 21, "Benchmarks"): the assessment of `--agencies` agencies over a year of
`--cases` cases, total time (goal ≤ 5 minutes at 10 000 agencies and 1 000 000 cases).

    .venv/bin/python bench/assessment.py --smoke                                   # SQLite, tiny (CI)
    nice -n 10 .venv/bin/python bench/assessment.py --agencies 10000 --cases 1000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/zhifa_bench_assess [--reuse]

The data (seeded in bulk, each row with its log entry where the schema asks for one; `--reuse` keeps a database
seeded before): a region with a justice bureau and `--agencies` agencies spread over 100 cities; `--cases` cases
opened in the year, spread evenly over the agencies; per case a decision item (publicity.Publication: 80 % published
on time, 10 % late, 5 % exempted, 5 % unpublished); for 20 % of the cases a seizure decision (a record on the
mandatory AV list) and for 90 % of those an AV recording; for 10 % a determination that the decision is major, 80 %
of those with a review passed; for 5 % a supervision alert (60 % closed); one reconsideration or litigation outcome
per 200 cases and one complaint finding per 400.

Printed: the seeding time, then the assessment's steps (open: the agencies of the subtree; compute: every indicator
set-based over all agencies, the figures and their record ids written; the ranking read back; the Excel workbook)
with their times and query counts, and the total against the goal.
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import OUT, recreate_database

YEAR = 2026
GOAL_SECONDS = 300


def setup(database_url: str, *, reuse: bool) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if not reuse:
        recreate_database(database_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("ZHIFA_LEDGER_KEY_FILE", str(OUT / "bench-ledger.key"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


class Entries:
    """Log entries written in bulk, as record_event would write them (a canonical payload and its digest)."""

    def __init__(self, user_id: int):
        self.actor = f"user:{user_id}"
        self.n = 0

    def make(self, kind: str, subject: str, count: int, at) -> list[int]:
        from zhifa.ledger.canonical import canonical_json, sha256_hex
        from zhifa.ledger.models import Entry

        rows = []
        for _ in range(count):
            self.n += 1
            text = canonical_json({"bench": self.n})
            rows.append(Entry(kind=kind, subject=subject, actor=self.actor, at=at, payload=text,
                              payload_sha256=sha256_hex(text)))
        return [e.pk for e in Entry.objects.bulk_create(rows, batch_size=5000)]


def seed(agencies: int, cases: int, *, batch: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from zhifa.assessment.models import Outcome
    from zhifa.cases.models import Case, Document
    from zhifa.core.permissions import Role
    from zhifa.ledger.models import Blob
    from zhifa.org.models import (
        Agency,
        AgencyKind,
        AgencyStatus,
        Field,
        Jurisdiction,
        Level,
        Person,
        RoleGrant,
        Unit,
    )
    from zhifa.publicity.models import Publication
    from zhifa.records.models import Device, Recording
    from zhifa.review.models import Determination, Review, Step
    from zhifa.supervision.models import Alert

    rng = random.Random(21)
    now = timezone.now()
    User = get_user_model()
    user = User.objects.create(username="bench_sup", is_active=True)
    entries = Entries(user.pk)

    def node(name, level, parent, code):
        j = Jurisdiction.objects.create(name=name, level=level, parent=parent, code=code, path=f"tmp-{code}")
        j.path = f"{parent.path if parent else '/'}{j.pk}/"
        j.save(update_fields=["path"])
        return j

    region = node("基准自治区", Level.REGION, None, "B00000")
    cities = [node(f"基准{c}市", Level.CITY, region, f"B{c + 1:03d}00") for c in range(100)]
    bureau = Agency.objects.create(name="基准自治区司法厅", kind=AgencyKind.ORGAN, field=Field.JUSTICE, jurisdiction=region,
                                   is_justice_bureau=True, status=AgencyStatus.CONFIRMED, abbreviation="基司")
    RoleGrant.objects.create(user=user, role=Role.SUPERVISOR, jurisdiction=region)
    Agency.objects.bulk_create([
        Agency(name=f"基准执法机关{i:05d}", kind=AgencyKind.ORGAN, field=Field.MARKET, jurisdiction=cities[i % 100],
               status=AgencyStatus.CONFIRMED, abbreviation=f"基{i}") for i in range(agencies)], batch_size=2000)
    agency_rows = list(Agency.objects.filter(is_justice_bureau=False).order_by("pk")
                       .values_list("pk", "jurisdiction_id", "jurisdiction__path"))
    Unit.objects.bulk_create([Unit(agency_id=a, name="执法大队", kind="handling") for a, _, _ in agency_rows],
                             batch_size=2000)
    units = dict(Unit.objects.values_list("agency_id", "pk"))
    person = Person.objects.create(name="基准执法员", agency_id=agency_rows[0][0])
    device = Device.objects.create(agency_id=agency_rows[0][0], kind="body_camera", serial="BENCH-1", registered_by=user)
    blob = Blob.objects.create(sha256="b" * 64, size=1, storage_name="bench/clip", content_type="video/mp4",
                               entry_id=entries.make("records.recording_uploaded", "bench:blob", 1, now)[0])
    first_day = dt.date(YEAR, 1, 1)
    t0 = time.perf_counter()
    made = 0
    counts = dict.fromkeys(["cases", "publications", "documents", "recordings", "determinations", "reviews",
                            "alerts", "outcomes"], 0)
    while made < cases:
        n = min(batch, cases - made)
        with transaction.atomic():
            rows = []
            for k in range(made, made + n):
                a, place, _ = agency_rows[k % len(agency_rows)]
                rows.append(Case(agency_id=a, handling_unit_id=units[a], number=f"B{k:09d}", title="未按规定办理手续",
                                 action_type="penalty", procedure="ordinary", place_id=place,
                                 legal_basis="《中华人民共和国行政处罚法》", stage="archive", opened_by=user))
            created = Case.objects.bulk_create(rows, batch_size=5000)
            plan = [(c.pk, c.agency_id, made + i) for i, c in enumerate(created)]
            paths = {a: p for a, _, p in agency_rows}
            # Decision items: 80 % on time, 10 % late, 5 % exempted, 5 % unpublished.
            kinds = [rng.random() for _ in plan]
            published = [i for i, r in enumerate(kinds) if r < 0.9]
            pub_entries = iter(entries.make("publicity.published", "bench:publication", len(published), now))
            pubs = []
            for (case_id, a, k), r in zip(plan, kinds, strict=True):
                decided = first_day + dt.timedelta(days=k % 330)
                due = decided + dt.timedelta(days=10)
                state = "published" if r < 0.9 else ("exempted" if r < 0.95 else "collected")
                at = None
                if r < 0.9:
                    at = timezone.make_aware(dt.datetime.combine(decided + dt.timedelta(days=5 if r < 0.8 else 20),
                                                                 dt.time(10)))
                pubs.append(Publication(kind="decision", agency_id=a, jurisdiction_path=paths[a], case_id=case_id,
                                        title="行政处罚决定", state=state, decided_on=decided, due_on=due,
                                        published_at=at, published_entry_id=next(pub_entries) if r < 0.9 else None))
            Publication.objects.bulk_create(pubs, batch_size=5000)
            # Seizures (mandatory AV), 90 % with their recording.
            seized = [p for p in plan if p[2] % 5 == 0]
            doc_entries = entries.make("cases.document_recorded", "bench:document", len(seized), now)
            docs = Document.objects.bulk_create([
                Document(case_id=c, form="seizure_decision", elements={"items": "货物"}, recorded_by=user, entry_id=e)
                for (c, _, _), e in zip(seized, doc_entries, strict=True)], batch_size=5000)
            clips = [d for d in docs if rng.random() < 0.9]
            rec_entries = entries.make("records.recording_uploaded", "bench:recording", len(clips), now)
            Recording.objects.bulk_create([
                Recording(case_id=d.case_id, document_id=d.pk, activity="seize", device=device, officer=person,
                          blob=blob, started_at=now, ended_at=now, place="现场", recorded_by=user, entry_id=e,
                          duration_seconds=600.0, media_format="mov,mp4")
                for d, e in zip(clips, rec_entries, strict=True)], batch_size=5000)
            # Major decisions, 80 % reviewed and passed.
            major = [p for p in plan if p[2] % 10 == 3]
            det_entries = entries.make("review.determined", "bench:determination", len(major), now)
            Determination.objects.bulk_create([
                Determination(case_id=c, is_major=True, recorded_by=user, entry_id=e)
                for (c, _, _), e in zip(major, det_entries, strict=True)], batch_size=5000)
            reviewed = [p for p in major if rng.random() < 0.8]
            reviews = Review.objects.bulk_create([
                Review(case_id=c, agency_id=a, review_unit_id=units[a], state="passed", rules={})
                for c, a, _ in reviewed], batch_size=5000)
            step_entries = entries.make("review.opinion_given", "bench:review", len(reviews), now)
            Step.objects.bulk_create([
                Step(review=r, round=1, action="opinion", from_state="submitted", to_state="passed", actor=user,
                     on=now.date(), entry_id=e) for r, e in zip(reviews, step_entries, strict=True)], batch_size=5000)
            # Supervision alerts, 60 % closed.
            alerted = [p for p in plan if p[2] % 20 == 7]
            Alert.objects.bulk_create([
                Alert(agency_id=a, case_id=c, model="M08", scope="case", level="warning", detail="未按期公示",
                      state="closed" if rng.random() < 0.6 else "open", opened_at=now, level_changed_at=now,
                      closed_at=now) for c, a, _ in alerted], batch_size=5000)
            # Outcomes the bureau records.
            judged = [p for p in plan if p[2] % 200 == 11]
            complained = [p for p in plan if p[2] % 400 == 13]
            out_entries = entries.make("assessment.outcome_recorded", "bench:outcome", len(judged) + len(complained),
                                       now)
            outs = [Outcome(agency_id=a, kind="reconsideration", result="revoked" if rng.random() < 0.3 else "upheld",
                            decided_on=first_day + dt.timedelta(days=k % 330), reference=f"复决{k}", reason="基准",
                            case_id=c, recorded_by=user) for c, a, k in judged]
            outs += [Outcome(agency_id=a, kind="complaint", result="complaint_founded" if rng.random() < 0.5 else
                             "complaint_unfounded", decided_on=first_day + dt.timedelta(days=k % 330),
                             reference=f"投诉{k}", reason="基准", recorded_by=user) for _, a, k in complained]
            for o, e in zip(outs, out_entries, strict=True):
                o.entry_id = e
            Outcome.objects.bulk_create(outs, batch_size=5000)
        for key, value in (("cases", n), ("publications", n), ("documents", len(docs)), ("recordings", len(clips)),
                           ("determinations", len(major)), ("reviews", len(reviews)), ("alerts", len(alerted)),
                           ("outcomes", len(outs))):
            counts[key] += value
        made += n
        print(f"  seeded {made:>9,} cases  {time.perf_counter() - t0:7.1f} s", flush=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    counts["seconds"] = time.perf_counter() - t0
    counts["bureau"] = bureau.pk
    return counts


def replicate(times: int) -> float:
    """PostgreSQL only: copy the seeded year `times` times inside the database (INSERT … SELECT per table, every id
    and every reference among the copied tables shifted by the table's largest id), so that a large year is built
    from a seeded one in minutes rather than hours. Each copy is a new set of cases of the same agencies, each row
    with its own log entry."""
    from django.db import connection, transaction

    from zhifa.assessment.models import Outcome
    from zhifa.cases.models import Case, Document
    from zhifa.ledger.models import Entry
    from zhifa.publicity.models import Publication
    from zhifa.records.models import Recording
    from zhifa.review.models import Determination, Review, Step
    from zhifa.supervision.models import Alert

    models = [Entry, Case, Publication, Document, Recording, Determination, Review, Step, Alert, Outcome]
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        offsets = {}
        for m in models:
            cur.execute(f'SELECT coalesce(max(id), 0) FROM "{m._meta.db_table}"')
            offsets[m] = cur.fetchone()[0]
        for k in range(1, times + 1):
            with transaction.atomic():
                for m in models:
                    cols, exprs = [], []
                    for f in m._meta.concrete_fields:
                        col = f'"{f.column}"'
                        cols.append(col)
                        if f.primary_key:
                            exprs.append(f"{col} + {k * offsets[m]}")
                        elif f.is_relation and f.related_model in offsets:
                            exprs.append(f"{col} + {k * offsets[f.related_model]}")
                        elif m is Case and f.name == "number":
                            exprs.append(f"{col} || '-{k}'")
                        else:
                            exprs.append(col)
                    table = m._meta.db_table
                    cur.execute(f'INSERT INTO "{table}" ({", ".join(cols)}) SELECT {", ".join(exprs)} FROM "{table}" '
                                f"WHERE id <= {offsets[m]}")
            print(f"  replicated {k}/{times}  {time.perf_counter() - t0:7.1f} s", flush=True)
        for m in models:
            table = m._meta.db_table
            cur.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT max(id) FROM \"{table}\"))")
        cur.execute("ANALYZE")
    return time.perf_counter() - t0


def timed(label: str, fn):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as q:
        t0 = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - t0
    print(f"  {label:<58} {seconds:8.2f} s  {len(q.captured_queries):6} queries", flush=True)
    return result, seconds


def run(bureau_id: int) -> float:
    from django.contrib.auth import get_user_model

    from zhifa.assessment import rendering, selectors, services
    from zhifa.assessment.models import Assessment, Figure
    from zhifa.org.models import Agency

    user = get_user_model().objects.get(username="bench_sup")
    bureau = Agency.objects.select_related("jurisdiction").get(pk=bureau_id)
    for old in Assessment.objects.filter(bureau=bureau, year=YEAR).exclude(state="cancelled"):
        services.assessment_cancel(assessment=old, actor=user, reason="基准测试重新组织")
    a, t_open = timed("open (the agencies of the subtree)", lambda: services.assessment_create(
        actor=user, bureau=bureau, year=YEAR))
    a, t_compute = timed("compute (every indicator, figures and record ids written)",
                         lambda: services.assessment_compute(assessment=a, actor=user))
    rows, t_rank = timed("ranking read back", lambda: selectors.ranking(a))
    _, t_xlsx = timed("Excel workbook", lambda: rendering.workbook(a, rows))
    figures = Figure.objects.filter(step=a.computation)
    records = sum(len(r) for r in figures.values_list("records", flat=True).iterator(chunk_size=2000))
    print(f"  agencies ranked: {len(rows):,}; figures: {figures.count():,}; record ids behind them: {records:,}")
    top = rows[0]
    print(f"  first: {top.agency} {top.total}; last: {rows[-1].agency} {rows[-1].total}")
    return t_open + t_compute + t_rank + t_xlsx


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agencies", type=int, default=10_000)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=20_000, help="cases per seeding transaction")
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'assessment_bench.sqlite3'}")
    parser.add_argument("--reuse", action="store_true", help="measure a database seeded by an earlier run")
    parser.add_argument("--smoke", action="store_true", help="CI: 40 agencies, 2 000 cases")
    parser.add_argument("--replicate", type=int, default=0,
                        help="PostgreSQL: copy the seeded year this many times in the database (--cases × (1 + n))")
    args = parser.parse_args()
    if args.smoke:
        args.agencies, args.cases, args.batch = 40, 2000, 1000
    setup(args.database_url, reuse=args.reuse)
    from zhifa.org.models import Agency

    print(f"assessment benchmark: {args.agencies:,} agencies, {args.cases:,} cases of {YEAR} "
          f"({args.database_url.split(':', 1)[0]})")
    if args.reuse and Agency.objects.filter(is_justice_bureau=True, name="基准自治区司法厅").exists():
        bureau_id = Agency.objects.get(is_justice_bureau=True, name="基准自治区司法厅").pk
        print("  seeding: reused")
    else:
        counts = seed(args.agencies, args.cases, batch=args.batch)
        bureau_id = counts.pop("bureau")
        print(f"  seeding: {counts.pop('seconds'):.1f} s — " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    if args.replicate:
        seconds = replicate(args.replicate)
        from zhifa.cases.models import Case

        print(f"  replicated ×{args.replicate}: {seconds:.1f} s — cases now {Case.objects.count():,}")
    total = run(bureau_id)
    verdict = "within" if total <= GOAL_SECONDS else "over"
    print(f"assessment total: {total:.1f} s (goal ≤ {GOAL_SECONDS} s: {verdict})")


if __name__ == "__main__":
    main()
