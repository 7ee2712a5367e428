"""Every write of annual assessments (STYLE habit 1): open, compute, score, finalise, cancel, and the outcomes the
bureau records. Each move goes through core.workflow (permission first with the denial logged, then the row lock, the
table, the step and its typed ledger event, the save)."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone

from zhifa.core import workflow as wf
from zhifa.core.bounds import normalise
from zhifa.core.errors import ZhifaError
from zhifa.ledger.services import evidence_put
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency
from zhifa.org.selectors import supervised_agencies
from zhifa.rules.selectors import rule_get

from . import events, indicators, rendering
from .errors import AssessmentErrorCode as E
from .models import (
    MAX_YEAR,
    MIN_YEAR,
    RESULTS_OF,
    AgencyScore,
    Assessment,
    AssessmentDocument,
    AssessmentStep,
    Figure,
    Outcome,
    OutcomeKind,
    QualitativeScore,
    State,
)
from .workflow import BUREAU_PERMISSION, MOVES

RULE_KEY = "assessment.indicators"
BATCH = 2000


def _record(assessment, move, *, actor, from_state: str, to_state: str, note: str, data: dict, step: str):
    entry = events.moved(assessment, move, actor=actor, action=step, from_state=from_state, to_state=to_state,
                         note=note, data=data)
    return AssessmentStep.objects.create(assessment=assessment, action=step, from_state=from_state,
                                         to_state=to_state, actor=actor, note=note, data=data, entry=entry)


WORKFLOW = wf.Workflow(
    name="assessment.assessment", model=Assessment, state_field="state", states=State, moves=tuple(MOVES.values()),
    noun="评议考核", agency_of=lambda a: a.bureau, record=_record, select_related=("bureau__jurisdiction",),
    update_fields=("indicators", "rule_version", "computation", "finalised_on"))


def _text(value, what: str, *, limit: int, required: bool = True, field: str = "") -> str:
    text = normalise(str(value or "")).strip()
    if required and not text:
        raise ZhifaError(E.TEXT_REQUIRED, f"请填写{what}。", details={"field": field or what})
    if len(text) > limit:
        raise ZhifaError(E.TEXT_TOO_LONG, f"{what}不能超过 {limit} 个字。", details={"field": field or what})
    return text


def acting_bureau_check(*, actor, bureau: Agency, what: str = "assessment create") -> None:
    if not org_perms.can(actor, BUREAU_PERMISSION, jurisdiction=bureau.jurisdiction):
        org_perms.deny(actor, BUREAU_PERMISSION, detail=f"{what} as agency:{bureau.pk}")


def period_of(assessment) -> indicators.Period:
    return indicators.Period(dt.date(assessment.year, 1, 1), dt.date(assessment.year, 12, 31),
                             assessment.bureau.jurisdiction, today=timezone.localdate())


def assessment_create(*, actor, bureau: Agency, year, title: str = "") -> Assessment:
    """组织: a justice bureau opens the assessment of a year over the agencies of its subtree."""
    acting_bureau_check(actor=actor, bureau=bureau)
    if not bureau.is_justice_bureau:
        raise ZhifaError(E.NOT_BUREAU, f"{bureau.name}不是司法行政部门，不能组织评议考核。")
    if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
        raise ZhifaError(E.YEAR_INVALID, f"考核年度应为 {MIN_YEAR} 至 {MAX_YEAR} 之间的年份。", details={"field": "year"})
    if year > timezone.localdate().year:
        raise ZhifaError(E.YEAR_INVALID, f"{year}年尚未开始，不能组织该年度的评议考核。", details={"field": "year"})
    title = _text(title or f"{year}年度行政执法评议考核", "考核名称", limit=200, field="title")
    with transaction.atomic():
        Agency.objects.select_for_update().filter(pk=bureau.pk).first()  # one open assessment per bureau and year
        if Assessment.objects.filter(bureau=bureau, year=year).exclude(state=State.CANCELLED).exists():
            raise ZhifaError(E.ALREADY_OPEN, f"{bureau.name}已组织{year}年度的评议考核。", status=409)
        agency_ids = list(supervised_agencies([bureau]).values_list("pk", flat=True))
        if not agency_ids:
            raise ZhifaError(E.AGENCIES_EMPTY, f"{bureau.name}的监督范围内没有执法机关。")
        assessment = Assessment.objects.create(bureau=bureau, year=year, title=title, created_by=actor)
        Through = Assessment.agencies.through
        Through.objects.bulk_create([Through(assessment_id=assessment.pk, agency_id=a) for a in agency_ids],
                                    batch_size=BATCH)
        entry = events.created(assessment, actor=actor, agencies=len(agency_ids))
        AssessmentStep.objects.create(assessment=assessment, action="create", from_state="", to_state=State.OPEN,
                                      actor=actor, data={"agencies": len(agency_ids)}, entry=entry)
    return assessment


def compute_figures(assessment, table: dict) -> tuple[dict, dict]:
    """{indicator code: {agency id: Result}} and {agency id: points}, one computation per indicator over every
    agency at once (indicators.REGISTRY)."""
    agency_ids = list(assessment.agencies.values_list("pk", flat=True))
    period = period_of(assessment)
    results = {}
    for item in table["indicators"]:
        results[item["code"]] = indicators.REGISTRY[item["formula"]].compute(agency_ids, period)
    totals = {a: indicators.total_points(results, table, a) for a in agency_ids}
    return results, totals


def assessment_compute(*, assessment: Assessment, actor) -> Assessment:
    """计算: the indicator table in force (the bureau's jurisdiction, 31 December of the year) computed for every
    agency from the records; a later computation replaces the earlier one's figures (both stay on record)."""
    wf.authorise(WORKFLOW, "compute", assessment, actor)
    period = period_of(assessment)
    rule = rule_get(RULE_KEY, jurisdiction=assessment.bureau.jurisdiction, as_of=period.date_to)
    table = rule.value
    indicators.check_rule(table)  # a version written before the check existed is refused here too (§74)
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, assessment)
        wf.check_source(WORKFLOW, MOVES["compute"], obj)
        results, totals = compute_figures(obj, table)
        obj.indicators, obj.rule_version = table, rule.version
        step = wf.apply(WORKFLOW, "compute", obj, actor, data={
            "rule_version": rule.version.pk, "agencies": len(totals),
            "indicators": [i["code"] for i in table["indicators"]]})
        obj.computation = step
        figures = (Figure(step=step, agency_id=a, indicator=i["code"], value=r.value if r else None,
                          numerator=r.numerator if r else 0, denominator=r.denominator if r else 0,
                          points=indicators.points_for(r, i), source=indicators.REGISTRY[i["formula"]].source,
                          records=r.records if r else [], hits=r.hits if r else [],
                          pending=r.pending if r else [])
                   for i in table["indicators"] for a in totals for r in [results[i["code"]].get(a)])
        _bulk(Figure, figures)
        _bulk(AgencyScore, (AgencyScore(step=step, agency_id=a, points=p) for a, p in totals.items()))
        wf.save(WORKFLOW, obj)
    return obj


def _bulk(model, rows) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            model.objects.bulk_create(batch)
            batch = []
    if batch:
        model.objects.bulk_create(batch)


def _points(value, bounds: dict) -> Decimal:
    try:
        points = Decimal(str(value).strip()).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ZhifaError(E.QUALITATIVE_OUT_OF_RANGE, "评议加减分应为数字。", details={"field": "points"}) from None
    low, high = Decimal(str(bounds.get("min", 0))), Decimal(str(bounds.get("max", 0)))
    if not points.is_finite() or not low <= points <= high:
        raise ZhifaError(E.QUALITATIVE_OUT_OF_RANGE, f"评议加减分应在 {low:g} 至 {high:g} 分之间。",
                         details={"field": "points", "min": str(low), "max": str(high)})
    return points


def qualitative_score(*, assessment: Assessment, actor, agency: Agency, points, reason: str) -> QualitativeScore:
    """评议加减分: the bureau's qualitative score for one agency with its reason; a change supersedes the last."""
    wf.authorise(WORKFLOW, "score", assessment, actor)
    reason = _text(reason, "评议加减分的理由", limit=2000, field="reason")
    indicators.check_reason(reason)  # 《行政处罚法》第七十四条: no score for fines or confiscations, even in words
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, assessment)
        wf.check_source(WORKFLOW, MOVES["score"], obj)
        value = _points(points, obj.indicators.get("qualitative", {}))
        if not obj.agencies.filter(pk=agency.pk).exists():
            raise ZhifaError(E.AGENCY_NOT_ASSESSED, f"{agency.name}不在本次评议考核范围内。")
        old = QualitativeScore.objects.filter(assessment=obj, agency=agency, superseded_by__isnull=True).first()
        if old is not None and (old.points, old.reason) == (value, reason):
            raise ZhifaError(E.QUALITATIVE_UNCHANGED, "评议加减分及理由没有变化，未作记录。")
        step = wf.apply(WORKFLOW, "score", obj, actor, note=reason, data={
            "agency": agency.pk, "points": str(value), "supersedes": old.pk if old else None})
        row = QualitativeScore.objects.create(assessment=obj, agency=agency, points=value, reason=reason,
                                              supersedes=old, step=step)
        wf.save(WORKFLOW, obj)
    return row


def _number(bureau: Agency, year: int) -> str:
    prefix = bureau.abbreviation or f"{bureau.jurisdiction.name}司"
    taken = AssessmentDocument.objects.filter(bureau=bureau, number__startswith=f"{prefix}考〔{year}〕").count()
    return f"{prefix}考〔{year}〕{taken + 1}号"


def assessment_finalise(*, assessment: Assessment, actor, summary: str, today: dt.date | None = None) -> Assessment:
    """确定结果: the ranking with the qualitative scores, sealed with the bureau's signature as the result report —
    each agency's contribution to 法治政府建设考评; the agencies then see their own result."""
    from .selectors import ranking

    wf.authorise(WORKFLOW, "finalise", assessment, actor)
    summary = _text(summary, "考核结果说明", limit=20000, field="summary")
    today = today or timezone.localdate()
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, assessment)
        wf.check_source(WORKFLOW, MOVES["finalise"], obj)
        rows = ranking(obj)
        no_key = connection.features.has_select_for_no_key_update
        Agency.objects.select_for_update(no_key=no_key).filter(pk=obj.bureau_id).first()
        number = _number(obj.bureau, obj.year)
        context = rendering.report_context(obj, number=number, issued_on=today, summary=summary, rows=rows)
        data, signer, pages = rendering.sealed_pdf(context, bureau=obj.bureau, reason=f"{context['title']}（{number}）")
        put = evidence_put(ContentFile(data, name=f"{number}.pdf"), actor=actor, content_type="application/pdf")
        entry = events.document_sealed(obj, actor=actor, number=number, sha256=put.blob.sha256, signer_sha256=signer)
        document = AssessmentDocument.objects.create(assessment=obj, bureau_id=obj.bureau_id, number=number,
                                                     issued_on=today, blob=put.blob, signer_sha256=signer,
                                                     pages=pages, entry=entry)
        obj.finalised_on = today
        wf.apply(WORKFLOW, "finalise", obj, actor, note=summary, data={
            "document": document.pk, "number": number,
            "ranking": [[r.agency_id, str(r.total), r.rank] for r in rows]})
        wf.save(WORKFLOW, obj)
    return obj


def assessment_cancel(*, assessment: Assessment, actor, reason: str) -> Assessment:
    wf.authorise(WORKFLOW, "cancel", assessment, actor)
    reason = _text(reason, "撤销理由", limit=2000, field="reason")
    return wf.transition(WORKFLOW, "cancel", assessment, actor, note=reason)


def outcome_record(*, actor, agency: Agency, kind: str, result: str, decided_on, reference: str, reason: str,
                   case=None, supersedes: Outcome | None = None) -> Outcome:
    """登记: the bureau records a reconsideration or litigation outcome, or a complaint's finding, about an agency of
    its subtree (the system has no other source for them), with its reference and reason; a correction supersedes."""
    if not org_perms.can(actor, BUREAU_PERMISSION, jurisdiction=agency.jurisdiction):
        org_perms.deny(actor, BUREAU_PERMISSION, detail=f"assessment outcome agency:{agency.pk}")
    if kind not in OutcomeKind.values:
        raise ZhifaError(E.OUTCOME_INVALID, "类别应为行政复议、行政诉讼或投诉举报。", details={"field": "kind"})
    if result not in RESULTS_OF[OutcomeKind(kind)]:
        raise ZhifaError(E.OUTCOME_INVALID, f"{OutcomeKind(kind).label}的结果不能为“{result}”。", details={"field": "result"})
    if not isinstance(decided_on, dt.date) or decided_on > timezone.localdate():
        raise ZhifaError(E.OUTCOME_INVALID, "请填写不晚于今天的决定或裁判日期。", details={"field": "decided_on"})
    reference = _text(reference, "文书编号或来源", limit=200, field="reference")
    reason = _text(reason, "说明", limit=2000, field="reason")
    if case is not None and case.agency_id != agency.pk:
        raise ZhifaError(E.OUTCOME_INVALID, "所选案件不是该机关的案件。", details={"field": "case"})
    with transaction.atomic():
        if supersedes is not None:
            supersedes = Outcome.objects.select_for_update().get(pk=supersedes.pk)
            if supersedes.agency_id != agency.pk or Outcome.objects.filter(supersedes=supersedes).exists():
                raise ZhifaError(E.OUTCOME_INVALID, "只能更正该机关现行有效的登记。", details={"field": "supersedes"})
        entry = events.outcome_recorded(agency_id=agency.pk, kind=kind, result=result, decided_on=decided_on,
                                        reference=reference, reason=reason, case_id=case.pk if case else None,
                                        supersedes_id=supersedes.pk if supersedes else None, actor=actor)
        return Outcome.objects.create(agency=agency, kind=kind, result=result, decided_on=decided_on,
                                      reference=reference, reason=reason, case=case, supersedes=supersedes,
                                      recorded_by=actor, entry=entry)
