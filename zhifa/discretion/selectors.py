"""Reads of the discretion benchmarks: the table in force, scoped lists, and the fine assessments of cases."""

import datetime as dt

from django.db.models import Prefetch, QuerySet

from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency

from .models import BenchmarkTable, FineAssessment, Item, ItemTier

# Who reads benchmark tables on staff pages and the API: every staff role and the supervisors above them (the
# tables are public anyway; the staff pages add the versions no longer in force). Who issues them: the agency's
# heads and its legal (review) unit — the same people who issue its review catalogue (IM-M §26), since a benchmark
# is likewise issued by the agency as a whole.
VIEW = "discretion.view"
MANAGE = "discretion.manage"


def _with_items(qs: QuerySet[BenchmarkTable]) -> QuerySet[BenchmarkTable]:
    tiers = Prefetch("tiers", queryset=ItemTier.objects.order_by("id"))
    return qs.prefetch_related(Prefetch("items", queryset=Item.objects.order_by("position").prefetch_related(tiers)))


def table_in_force(agency: Agency | int, on: dt.date) -> BenchmarkTable | None:
    """The agency's benchmark table in force on `on`: its highest version already effective that day."""
    agency_id = getattr(agency, "pk", agency)
    return (BenchmarkTable.objects.filter(agency_id=agency_id, effective_from__lte=on)
            .order_by("-version").first())


def item_in_force(agency: Agency | int, code: str, on: dt.date) -> tuple[BenchmarkTable | None, Item | None]:
    table = table_in_force(agency, on)
    if table is None:
        return None, None
    item = Item.objects.filter(table=table, code=code).prefetch_related("tiers").first()
    return table, item


def table_list_for(*, actor) -> QuerySet[BenchmarkTable]:
    """Every version of every table the actor may read, newest first within each agency (keyset-paginated)."""
    scope = org_perms.scope_for(actor, VIEW)
    return (BenchmarkTable.objects.filter(scope.agency_q("agency__")).select_related("agency", "superseded_by")
            .order_by("agency__name", "-version", "id"))


def table_get_for(*, actor, pk: int) -> BenchmarkTable | None:
    """One table with its items and tiers, or None when it does not exist or is outside the actor's scope."""
    return _with_items(table_list_for(actor=actor).filter(pk=pk)).first()


def tables_public(*, agency: Agency, on: dt.date) -> BenchmarkTable | None:
    """What the public sees: the agency's table in force, with its items and tiers (no login)."""
    table = table_in_force(agency, on)
    return _with_items(BenchmarkTable.objects.filter(pk=table.pk)).first() if table else None


def agencies_with_public_tables(on: dt.date) -> QuerySet[Agency]:
    """Agencies that have a benchmark table in force (the public index)."""
    ids = BenchmarkTable.objects.filter(effective_from__lte=on).values("agency_id")
    return Agency.objects.filter(pk__in=ids).select_related("jurisdiction").order_by("jurisdiction__code", "name", "id")


def current_assessments() -> QuerySet[FineAssessment]:
    """The fine assessment in force of each case: the versions no later version supersedes."""
    return FineAssessment.objects.filter(superseded_by__isnull=True)


def assessment_for_case(case_id: int) -> FineAssessment | None:
    return (current_assessments().filter(case_id=case_id).select_related("item", "table")
            .prefetch_related("item__tiers").first())


def assessments_in(*, case_ids=None, agency_ids=None) -> QuerySet[FineAssessment]:
    """The current fine assessments of the given cases / agencies (None: all), with item and tiers loaded — what
    the problem models M15–M18 read (one query for the assessments, one for the tiers)."""
    qs = current_assessments()
    if case_ids is not None:
        qs = qs.filter(case_id__in=case_ids)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=agency_ids)
    return qs.select_related("item__table").prefetch_related("item__tiers").order_by("id")
