"""The supervisor's cockpit (issue 20 §6; SUP-01): what a justice bureau sees of its jurisdiction, and an agency head
of the agency.

Everything here is a read, scoped to the actor by `org.permissions`, in a fixed number of grouped queries whatever
the number of agencies, cases or alerts (tests/test_queries.py pins it at 2 and 20 agencies):

- open alerts by agency, problem model and level (`zhifa.supervision.selectors.alert_counts`);
- the time limits due, from the to-do providers' overdue lists (`zhifa.worklist.selectors.overdue_for`);
- the three systems' compliance rates per agency and per month:
  published on time  decision items (publicity) whose deadline fell in the month, settled (published, or
                     lawfully not published) by the deadline (PUB-02; 行政处罚法 §48);
  recorded           cases opened in the month without a mandatory AV item left unrecorded (the records finding
                     `missing_recording`, IM-M §17; AZ-R §22(一));
  reviewed           major decisions determined in the month whose legal review has passed (IM-M §25, §33);
- the jurisdiction tree, one level at a time: region → city → county → agency → its cases.

A node of the tree the actor does not cover answers the same 404 as a missing one, with the denial logged.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncMonth

from zhifa.cases.models import Case
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency, Jurisdiction
from zhifa.publicity.models import Publication
from zhifa.publicity.workflow import SETTLED
from zhifa.records.findings import findings_for
from zhifa.review.models import Determination
from zhifa.supervision import selectors as supervision_selectors
from zhifa.supervision.registry import REGISTRY, Level
from zhifa.worklist.selectors import overdue_for

# Who sees the cockpit: the supervisors above an agency (their jurisdiction subtree) and the agency's heads (their
# agency).
VIEW_PERMISSION = "cockpit.view"
# As the queries return them (plain strings), most serious first.
LEVELS = [Level.ALARM.value, Level.WARNING.value, Level.NOTICE.value]
TREND_MONTHS = 12
RATES = (("published", "按时公开率"), ("recorded", "全过程记录率"), ("reviewed", "法制审核率"))


@dataclass
class Figures:
    """What a row of the cockpit shows: for one agency, or summed over a jurisdiction or the whole view."""

    alerts: dict = field(default_factory=lambda: {lv: 0 for lv in LEVELS})
    overdue: int = 0
    counts: dict = field(default_factory=lambda: {k: [0, 0] for k, _ in RATES})  # rate -> [met, due]

    def add(self, other: Figures) -> None:
        for lv in LEVELS:
            self.alerts[lv] += other.alerts[lv]
        self.overdue += other.overdue
        for k, _ in RATES:
            self.counts[k][0] += other.counts[k][0]
            self.counts[k][1] += other.counts[k][1]

    @property
    def alerts_total(self) -> int:
        return sum(self.alerts.values())

    def rate(self, key: str) -> float | None:
        met, due = self.counts[key]
        return round(100 * met / due, 1) if due else None

    @property
    def rates(self) -> list[tuple[str, str, float | None, int, int]]:
        return [(k, label, self.rate(k), *self.counts[k]) for k, label in RATES]


@dataclass
class Row:
    label: str
    code: str  # a jurisdiction's code, or an agency's id: what the drill-down link carries
    kind: str  # "jurisdiction" | "agency"
    agencies: int
    figures: Figures


@dataclass
class Cockpit:
    today: dt.date
    node: Jurisdiction | None  # the jurisdiction looked at; None at the top of a multi-node view
    agency: Agency | None  # when narrowed to one agency
    trail: list[Jurisdiction]  # the node's ancestors the actor covers, top first (breadcrumbs)
    total: Figures
    children: list[Row]  # the node's child jurisdictions (or the actor's top nodes)
    agencies: list[Row]  # the agencies directly at the node (all of them when narrowed to agencies)
    by_model: list[dict]  # {"model", "name", "basis", alarm/warning/notice counts, "total"}
    trend: list[dict]  # {"month": "2026-05", "published": rate|None, ..., and the raw counts}
    overdue: list  # core.todo.TodoItem, overdue in the view, most overdue first


def scope_of(actor) -> org_perms.Scope:
    return org_perms.scope_for(actor, VIEW_PERMISSION)


def _require_any(actor, request) -> org_perms.Scope:
    scope = scope_of(actor)
    if scope.empty:
        org_perms.deny(actor, VIEW_PERMISSION, request=request)
    return scope


def node_get_for(*, actor, code: str, request=None) -> Jurisdiction:
    """The jurisdiction `code` if the actor's view covers it; else the uniform 404, the denial logged."""
    scope = _require_any(actor, request)
    node = Jurisdiction.objects.filter(code=code).first()
    if node is None or not scope.covers_jurisdiction(node):
        org_perms.deny(actor, VIEW_PERMISSION, request=request, detail=f"cockpit jurisdiction {code}", not_found=True)
    return node


def agency_get_for(*, actor, id: int, request=None) -> Agency:
    scope = _require_any(actor, request)
    agency = Agency.objects.filter(pk=id).select_related("jurisdiction").first()
    if agency is None or not scope.covers_agency(agency):
        org_perms.deny(actor, VIEW_PERMISSION, request=request, detail=f"cockpit agency {id}", not_found=True)
    return agency


def home_node(actor) -> Jurisdiction | None:
    """Where a supervisor with one jurisdiction grant starts: that jurisdiction (a city's supervisor lands on the
    city). Several grants, an agency grant or the administrator's everywhere start above them (None)."""
    scope = scope_of(actor)
    if len(scope.paths) == 1 and not scope.agency_ids and not scope.everywhere:
        return Jurisdiction.objects.filter(path=scope.paths[0]).first()
    return None


def _months(today: dt.date, n: int = TREND_MONTHS) -> list[dt.date]:
    first = today.replace(day=1)
    out = []
    for _ in range(n):
        out.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return out[::-1]


def _month_key(value) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def _alert_counts(actor, agency_ids: set[int], node: Jurisdiction | None) -> list[dict]:
    """Open alerts in scope (supervision's selector, one query), restricted to the agencies in view."""
    if not agency_ids:
        return []
    return [r for r in supervision_selectors.alert_counts(actor, jurisdiction=node) if r["agency_id"] in agency_ids]


def compliance(agency_ids: set[int], *, actor, today: dt.date) -> dict[tuple[int, str], dict[str, list[int]]]:
    """{(agency id, "YYYY-MM"): {rate key: [met, due]}} over the last TREND_MONTHS months: three grouped queries and
    the records findings (a fixed number of queries, records.findings)."""
    start = _months(today)[0]
    out: dict[tuple[int, str], dict[str, list[int]]] = defaultdict(lambda: {k: [0, 0] for k, _ in RATES})
    if not agency_ids:
        return out
    # Published on time: the first version of each decision item, due in the month and already due; met when it was
    # settled by its deadline (published, or lawfully exempted) — a later withdrawal does not undo a timely release.
    for row in (Publication.objects.filter(agency_id__in=agency_ids, kind="decision", supersedes__isnull=True,
                                           due_on__gte=start, due_on__lte=today)
                .annotate(month=TruncMonth("due_on")).values("agency_id", "month")
                .annotate(due=Count("id"),
                          met=Count("id", filter=Q(published_at__isnull=False, published_at__date__lte=F("due_on"))
                                    | Q(state__in=[s for s in SETTLED if s != "published"],
                                        published_at__isnull=True)))):
        cell = out[(row["agency_id"], _month_key(row["month"]))]["published"]
        cell[0] += row["met"]
        cell[1] += row["due"]
    # Recorded: cases opened in the month; met unless a mandatory AV item of the case is unrecorded.
    cases = list(Case.objects.filter(agency_id__in=agency_ids, opened_at__date__gte=start)
                 .values_list("id", "agency_id", "opened_at"))
    missing = {f.case_id for f in findings_for(actor=actor, kinds=["missing_recording"], agency_ids=agency_ids,
                                                opened_since=start)} if cases else set()
    for case_id, agency_id, opened_at in cases:
        cell = out[(agency_id, _month_key(opened_at))]["recorded"]
        cell[0] += case_id not in missing
        cell[1] += 1
    # Reviewed: the current determination of each case says major; met when its review has passed.
    for row in (Determination.objects.filter(case__agency_id__in=agency_ids, is_major=True,
                                             superseded_by__isnull=True, recorded_at__date__gte=start)
                .annotate(month=TruncMonth("recorded_at")).values("case__agency_id", "month")
                .annotate(due=Count("id"), met=Count("id", filter=Q(case__review__passed_at__isnull=False)))):
        cell = out[(row["case__agency_id"], _month_key(row["month"]))]["reviewed"]
        cell[0] += row["met"]
        cell[1] += row["due"]
    return out


def _child_path(node_path: str, agency_path: str) -> str | None:
    """The path of the node's child that holds `agency_path` (None when the agency sits at the node itself)."""
    rest = agency_path[len(node_path):].strip("/")
    if not rest:
        return None
    return f"{node_path}{rest.split('/')[0]}/"


def cockpit_for(*, actor, today: dt.date, node: Jurisdiction | None = None, agency: Agency | None = None,
                request=None) -> Cockpit:
    """The cockpit of `node` (a jurisdiction the caller fetched with node_get_for), of `agency` (agency_get_for),
    or of the actor's whole view. Agencies outside the actor's scope never appear, whatever the node."""
    scope = _require_any(actor, request)
    agencies_q = Agency.objects.filter(scope.agency_q()).select_related("jurisdiction")
    if agency is not None:
        agencies_q = agencies_q.filter(pk=agency.pk)
    elif node is not None:
        agencies_q = agencies_q.filter(jurisdiction__path__startswith=node.path)
    agencies = list(agencies_q.order_by("jurisdiction__path", "name"))
    ids = {a.pk for a in agencies}
    per_agency: dict[int, Figures] = {a.pk: Figures() for a in agencies}

    alert_rows = _alert_counts(actor, ids, node)
    model_counts: dict[str, dict] = {}
    for r in alert_rows:
        level = r["level"]
        per_agency[r["agency_id"]].alerts[level] = per_agency[r["agency_id"]].alerts.get(level, 0) + r["count"]
        counts = model_counts.setdefault(r["model"], {lv: 0 for lv in LEVELS})
        counts[level] = counts.get(level, 0) + r["count"]

    # The overdue items carry their agency's id (core.todo.TodoItem.agency_id): a name is not an agency (each county
    # has its 公安局), and an item of an agency outside the view is dropped.
    overdue = [item for item in overdue_for(actor, on=today) if item.agency_id in per_agency] if ids else []
    for item in overdue:
        per_agency[item.agency_id].overdue += 1

    months = [_month_key(m) for m in _months(today)]
    trend_counts = {m: {k: [0, 0] for k, _ in RATES} for m in months}
    for (agency_id, month), cells in compliance(ids, actor=actor, today=today).items():
        for key, (met, due) in cells.items():
            per_agency[agency_id].counts[key][0] += met
            per_agency[agency_id].counts[key][1] += due
            if month in trend_counts:
                trend_counts[month][key][0] += met
                trend_counts[month][key][1] += due

    total = Figures()
    for figures in per_agency.values():
        total.add(figures)

    children: list[Row] = []
    direct: list[Row] = []
    if agency is None:
        if node is not None:
            tops = {j.path: j for j in Jurisdiction.objects.filter(parent=node)}
        elif scope.everywhere:
            tops = {j.path: j for j in Jurisdiction.objects.filter(parent__isnull=True)}
        else:
            tops = {j.path: j for j in Jurisdiction.objects.filter(path__in=scope.paths)}
        child_rows = {path: Row(j.name, j.code, "jurisdiction", 0, Figures()) for path, j in sorted(tops.items())}
        for a in agencies:
            apath = a.jurisdiction.path
            if node is not None:
                key = _child_path(node.path, apath)
            else:
                key = next((p for p in tops if apath.startswith(p)), None)
            if key in child_rows:
                child_rows[key].agencies += 1
                child_rows[key].figures.add(per_agency[a.pk])
            else:  # at the node itself, or granted as an agency
                direct.append(Row(a.name, str(a.pk), "agency", 1, per_agency[a.pk]))
        children = list(child_rows.values())
    else:
        direct = [Row(agency.name, str(agency.pk), "agency", 1, per_agency.get(agency.pk, Figures()))]

    place = node if node is not None else (agency.jurisdiction if agency is not None else None)
    trail = [] if place is None else [j for j in Jurisdiction.objects.filter(pk__in=place.ancestor_ids)
                                      .order_by("path") if scope.covers_jurisdiction(j)]

    by_model = []
    for code in sorted(model_counts):
        model = REGISTRY.get(code)
        counts = model_counts[code]
        by_model.append({"model": code, "name": model.name if model else code, "basis": model.basis if model else "",
                         **{lv: counts.get(lv, 0) for lv in LEVELS}, "total": sum(counts.values())})

    trend = []
    for month in months:
        cells = trend_counts[month]
        row = {"month": month}
        for key, _ in RATES:
            met, due = cells[key]
            row[key] = round(100 * met / due, 1) if due else None
            row[f"{key}_met"], row[f"{key}_due"] = met, due
        trend.append(row)

    overdue.sort(key=lambda item: (item.days_left if item.days_left is not None else 0, item.label))
    return Cockpit(today=today, node=node, agency=agency, trail=trail, total=total, children=children,
                   agencies=direct, by_model=by_model, trend=trend, overdue=overdue)


def agency_cases(*, agency: Agency) -> QuerySet[Case]:
    """The cases of an agency the caller fetched with agency_get_for, newest first, for the keyset list."""
    return (Case.objects.filter(agency=agency).select_related("agency").order_by("-opened_at", "-id"))
