"""The annual report (PUB-11): compute, edit, submit, publish."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from zhifa.core import generations
from zhifa.core import workflow as wf
from zhifa.core.errors import ZhifaError
from zhifa.org.models import Agency
from zhifa.org.selectors import today as _today
from zhifa.rules.selectors import rule_get

from ..errors import PublicityErrorCode
from ..models import AnnualReport
from ..selectors import report_figures, report_sources
from ._common import REPORT

# --- the annual report (PUB-11) ----------------------------------------------------------------------------

def _report_due(agency: Agency, year: int) -> dt.date:
    due = rule_get("publicity.annual_report_due", jurisdiction=agency.jurisdiction, as_of=dt.date(year + 1, 1, 1)).value
    return dt.date(year + 1, due["month"], due["day"])


def report_compute(*, agency: Agency, year: int, actor) -> AnnualReport:
    """The previous year's figures computed from the data (a justice bureau's: the sum of the reports filed with
    it by its area's agencies and the bureaus one level down). Recomputing a draft keeps the edits' notes."""
    wf.authorise(REPORT, "compute", AnnualReport(agency=agency, year=year), actor)
    if not 2000 <= year <= _today().year:
        raise ZhifaError(PublicityErrorCode.REPORT_INVALID, "年度无效。")
    data = {}

    def compute(report: AnnualReport) -> None:
        if agency.is_justice_bureau:
            sources = report_sources(agency, year)
            computed = {}
            for source in sources:
                for key, value in source.figures.items():
                    computed[key] = computed.get(key, 0) + value
            report.sources = [s.pk for s in sources]
        else:
            computed = report_figures(agency, year)
        report.computed = computed
        report.figures = {**computed, **{k: report.figures[k] for k in report.adjustments if k in report.figures}}
        report.computed_at = timezone.now()
        data["computed"] = computed

    with transaction.atomic():
        # The report is created on its first computation, so it is locked as it is read or created.
        report, _ = AnnualReport.objects.select_for_update().get_or_create(agency=agency, year=year, defaults={
            "due_on": _report_due(agency, year)})
        wf.apply(REPORT, "compute", report, actor, data=data, effect=compute)
        report.save()
        return report


def report_edit(*, report: AnnualReport, actor, figures: dict, reasons: dict, narrative: str) -> AnnualReport:
    """Editable before submission: every figure changed from the computed one needs a reason."""
    data = {}

    def edit(report: AnnualReport) -> None:
        new, adjustments, problems = dict(report.figures), dict(report.adjustments), []
        for key, value in figures.items():
            if key not in report.computed:
                problems.append(f"未知的统计项：{key}")
                continue
            try:
                number = int(value)
            except (TypeError, ValueError):
                problems.append(f"{key} 应为非负整数")
                continue
            if number < 0:
                problems.append(f"{key} 应为非负整数")
                continue
            if number != report.computed[key]:
                if not str(reasons.get(key, "")).strip():
                    problems.append(f"{key} 与系统统计数（{report.computed[key]}）不同，须说明理由")
                    continue
                adjustments[key] = str(reasons[key]).strip()
            else:
                adjustments.pop(key, None)
            new[key] = number
        if problems:
            raise ZhifaError(PublicityErrorCode.REPORT_INVALID, "；".join(problems), details=problems)
        report.figures, report.adjustments, report.narrative = new, adjustments, narrative.strip()
        data["adjustments"] = adjustments

    return wf.transition(REPORT, "edit", report, actor, data=data, effect=edit,
                         update_fields=("figures", "adjustments", "narrative"))


def report_submit(*, report: AnnualReport, actor) -> AnnualReport:
    """报送 to the justice bureau of the same level (IM-M §14); the bureau's own report to the bureau above."""
    data = {}

    def submit(report: AnnualReport) -> None:
        if report.computed_at is None:
            raise ZhifaError(PublicityErrorCode.REPORT_INVALID, "请先生成统计数据。")
        report.submitted_at, report.submitted_by = timezone.now(), actor
        data["late"] = timezone.localdate() > report.due_on

    return wf.transition(REPORT, "submit", report, actor, data=data, effect=submit,
                         update_fields=("submitted_at", "submitted_by"))


def report_publish(*, report: AnnualReport, actor) -> AnnualReport:
    def publish(report: AnnualReport) -> None:
        report.published_at = timezone.now()

    report = wf.transition(REPORT, "publish", report, actor, effect=publish, update_fields=("published_at",))
    # Issue 19 §1: the reports pages of its jurisdiction and those above it, once committed.
    generations.bump_on_commit(*generations.jurisdiction_names(report.agency.jurisdiction.path))
    return report
