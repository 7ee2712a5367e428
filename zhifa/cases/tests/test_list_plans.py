"""The staff case list filtered by stage (issue 19 §2, "flat from 10 k to 10 M"): the plans PostgreSQL runs for a
region supervisor's and an agency's first page, pinned at two generated sizes.

A region supervisor's page walks case_stage_list_keyset (stage, -opened_at, -id) and stops after the page: no sort,
however many cases the stage has. Measured at 100 k cases (bench/cases_list.py, issue 19's stop): when the org tables
had never been analysed (a handful of rows, below autovacuum's threshold, as after `make demo-setup`), the planner
took `path LIKE '/1/%'` for one jurisdiction, read every decision-stage case of the region through (agency, stage)
and sorted them: 20 004 rows, 20 119 buffers, 216 ms; with statistics the walk below reads 105 buffers, 0.5 ms. The
statistics are taken here as the bench must take them after its bulk load."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from zhifa.cases import selectors
from zhifa.cases.models import Case
from zhifa.core.paginator import KeysetPaginator
from zhifa.org.models import Unit, UnitKind

pg_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")

STAGES = ["start", "investigation", "decision", "service_enforcement", "archive"]


def generate(tree, opener, n: int) -> None:
    """n cases over the tree's four agencies, stages in turn, seven to an opening time (ties crossed by id)."""
    agencies = [tree.agency_a1, tree.agency_a2, tree.agency_b1, tree.agency_city_a]
    units = [Unit.objects.create(agency=a, name="执法大队", kind=UnitKind.HANDLING).pk for a in agencies]
    have = Case.objects.count()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO cases_case (agency_id, handling_unit_id, number, title, action_type, procedure, place_id, "
            "legal_basis, stage, opened_at, opened_by_id, external_system, external_id) "
            "SELECT (%(agencies)s::int[])[i %% 4 + 1], (%(units)s::int[])[i %% 4 + 1], 'PLAN-' || lpad(i::text, 9, '0'), "
            "'案件' || i, 'penalty', 'ordinary', (%(places)s::int[])[i %% 4 + 1], 'b', (%(stages)s::text[])[i %% 5 + 1], "
            "%(start)s::timestamptz + make_interval(mins => i / 7), %(opener)s, '', '' "
            "FROM generate_series(%(first)s, %(last)s) AS i",
            {"agencies": [a.pk for a in agencies], "units": units, "places": [a.jurisdiction_id for a in agencies],
             "stages": STAGES, "start": timezone.now() - dt.timedelta(days=400), "opener": opener.pk,
             "first": have, "last": have + n - 1})
        # Inside the test's transaction: ANALYZE sees its own rows. The org tables too (see the module's docstring).
        cur.execute("ANALYZE cases_case")
        cur.execute("ANALYZE org_agency")
        cur.execute("ANALYZE org_jurisdiction")
        cur.execute("ANALYZE org_unit")


def plan_of(qs) -> str:
    """EXPLAIN of the first page's query, as KeysetPaginator reads it (the page and the look-ahead row)."""
    page = KeysetPaginator(qs, 50).queryset[:51]
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cur:
        cur.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


@pg_only
@pytest.mark.parametrize("n", [5_000, 20_000])
def test_stage_filtered_list_walks_the_stage_index(tree, users, n):
    """A region supervisor's list of one stage walks (stage, -opened_at, -id) and stops after the page: no sort of
    the stage's cases, at either size. An agency's walks an index too (its own or the stage's)."""
    generate(tree, users.su, n)
    supervisor = plan_of(selectors.case_list_for(actor=users.region_supervisor, stage="decision"))
    assert "Index Scan using case_stage_list_keyset" in supervisor, supervisor
    assert "Sort" not in supervisor, supervisor
    agency = plan_of(selectors.case_list_for(actor=users.head_a1, stage="decision"))
    assert "Seq Scan on cases_case" not in agency and "Sort" not in agency, agency
