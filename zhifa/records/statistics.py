"""Statistics of whole-process recording per agency (REC-16): what feeds case-file evaluation,
supervision, assessment and the annual report. A fixed number of grouped queries, whatever the size."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils import timezone

from zhifa.cases.models import Case, Stage
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency

from .findings import KINDS, findings_for
from .models import Recording


@dataclass
class AgencyStatistics:
    agency_id: int
    agency: str
    cases_opened: int = 0
    cases_archived: int = 0
    by_stage: dict = field(default_factory=dict)
    recordings: int = 0
    recorded_seconds: int = 0
    recorded_hours: float = 0.0
    late_uploads: int = 0
    remote_uploads: int = 0
    findings: dict = field(default_factory=dict)

    @property
    def findings_total(self) -> int:
        return sum(self.findings.values())


def _bounds(year: int):
    tz = timezone.get_current_timezone()
    return dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz)


def record_statistics(*, actor, year: int) -> list[AgencyStatistics]:
    """Per agency in the actor's scope, for cases opened in `year` and recordings made in it."""
    scope = org_perms.scope_for(actor, "records.view_findings")
    start, end = _bounds(year)
    agencies = {a.pk: AgencyStatistics(a.pk, a.name, by_stage={s: 0 for s, _ in Stage.choices})
                for a in Agency.objects.filter(scope.agency_q()).order_by("jurisdiction__path", "name")}
    for row in (Case.objects.filter(agency_id__in=agencies, opened_at__gte=start, opened_at__lt=end)
                .values("agency_id", "stage").annotate(n=Count("id"))):
        item = agencies[row["agency_id"]]
        item.by_stage[row["stage"]] = row["n"]
        item.cases_opened += row["n"]
        if row["stage"] == Stage.ARCHIVE:
            item.cases_archived += row["n"]
    for row in (Recording.objects.filter(case__agency_id__in=agencies, started_at__gte=start, started_at__lt=end)
                .values("case__agency_id").annotate(n=Count("id"), seconds=Sum("duration_seconds"),
                                                    late=Count("id", filter=Q(deadline__late=True)),
                                                    remote=Count("id", filter=Q(remote=True)))):
        item = agencies[row["case__agency_id"]]
        item.recordings, item.late_uploads, item.remote_uploads = row["n"], row["late"], row["remote"]
        item.recorded_seconds = round(row["seconds"] or 0)
        item.recorded_hours = round(item.recorded_seconds / 3600, 2)
    by_number = dict(Case.objects.filter(agency_id__in=agencies, opened_at__gte=start, opened_at__lt=end)
                     .values_list("id", "agency_id"))
    for item in agencies.values():
        item.findings = {k: 0 for k in KINDS}
    for finding in findings_for(actor=actor):
        agency_id = by_number.get(finding.case_id)
        if agency_id is not None:
            agencies[agency_id].findings[finding.kind] += 1
    return list(agencies.values())
