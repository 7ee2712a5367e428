"""Every write of supervision instruments (STYLE habit 1): issue, report, accept, return, close, request and decide a
re-examination. Each move goes through core.workflow (permission first with the denial logged, then the row lock,
the table, the step and its typed ledger event, the save)."""

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from zhifa.cases.models import Case
from zhifa.core import workflow as wf
from zhifa.core.bounds import normalise
from zhifa.core.errors import ZhifaError
from zhifa.ledger.services import evidence_put
from zhifa.org import permissions as org_perms
from zhifa.org.models import Agency
from zhifa.supervision.models import Alert

from . import deadlines, events, rendering
from .errors import InstrumentErrorCode as E
from .models import NUMBER_WORD, Instrument, Kind, Order, ReviewOutcome, SealedDocument, State, Step, StepFile
from .workflow import AWAITING_AGENCY, BUREAU_PERMISSION, MOVES, REVIEWABLE

MAX_FILES = 10
MAX_FILE_BYTES = 50 * 1024 * 1024
TALK_FIELDS = {"at": "约谈时间", "place": "约谈地点", "attendees": "参加人员", "record": "约谈内容"}


def _record(instrument, move, *, actor, from_state: str, to_state: str, note: str, data: dict, step: str) -> Step:
    entry = events.moved(instrument, move, actor=actor, action=step, from_state=from_state, to_state=to_state,
                         note=note, data=data)
    return Step.objects.create(instrument=instrument, action=step, from_state=from_state, to_state=to_state,
                               actor=actor, note=note, data=data, entry=entry)


WORKFLOW = wf.Workflow(
    name="instruments.instrument", model=Instrument, state_field="state", states=State, moves=tuple(MOVES.values()),
    noun="监督文书", agency_of=lambda i: i.agency, record=_record,
    select_related=("bureau__jurisdiction", "agency__jurisdiction"),
    update_fields=("closed_at", "clock_from", "due_on", "review_decision_due_on"))


def _text(value, what: str, *, limit: int | None = None, required: bool = True) -> str:
    text = normalise(str(value or "")).strip()
    if required and not text:
        raise ZhifaError(E.TEXT_REQUIRED, f"请填写{what}。", details={"field": what})
    if limit is not None and len(text) > limit:
        raise ZhifaError(E.TEXT_REQUIRED, f"{what}不能超过 {limit} 个字。", details={"field": what})
    return text


def _number(bureau: Agency, word: str, year: int) -> str:
    """The next 文号 of this bureau for this kind of document and year, under the bureau's row lock (taken by the
    caller): 甲市司监意〔2026〕3号."""
    prefix = bureau.abbreviation or f"{bureau.jurisdiction.name}司"
    taken = SealedDocument.objects.filter(instrument__bureau=bureau, number__startswith=f"{prefix}{word}〔{year}〕")
    return f"{prefix}{word}〔{year}〕{taken.count() + 1}号"


def _seal(instrument: Instrument, *, kind: str, context_of, actor, issued_on: dt.date) -> SealedDocument:
    word = NUMBER_WORD[kind]
    number = _number(instrument.bureau, word, issued_on.year)
    context = context_of(number)
    data, signer, pages = rendering.sealed_pdf(context, bureau=instrument.bureau,
                                               reason=f"{context['title']}（{number}）")
    put = evidence_put(ContentFile(data, name=f"{number}.pdf"), actor=actor, content_type="application/pdf")
    entry = events.document_sealed(instrument, actor=actor, kind=kind, number=number, sha256=put.blob.sha256,
                                   signer_sha256=signer)
    return SealedDocument.objects.create(instrument=instrument, kind=kind, number=number, issued_on=issued_on,
                                         blob=put.blob, signer_sha256=signer, pages=pages, entry=entry)


def acting_bureau_check(*, actor, bureau: Agency) -> None:
    """Only the justice bureau's supervisors (or those of a bureau above it) act for it; a refusal is logged."""
    if not org_perms.can(actor, BUREAU_PERMISSION, jurisdiction=bureau.jurisdiction):
        org_perms.deny(actor, BUREAU_PERMISSION, detail=f"instruments issue as agency:{bureau.pk}")


def instrument_issue(*, actor, bureau: Agency, agency: Agency, kind: str, title: str, findings: str, basis: str,
                     requirement: str, order: str = "", talk: dict | None = None, case_ids=(), model_code: str = "",
                     alert_id: int | None = None, today: dt.date | None = None) -> Instrument:
    """制发: a justice bureau issues an instrument to an agency of its subtree, sealed, numbered and logged, with the
    deadlines of the bureau's jurisdiction's rules (deadlines.py)."""
    acting_bureau_check(actor=actor, bureau=bureau)  # who may, before anything about the input is said
    today = today or timezone.localdate()
    if not bureau.is_justice_bureau:
        raise ZhifaError(E.NOT_BUREAU, f"{bureau.name}不是司法行政部门，不能制发行政执法监督文书。")
    if agency.pk == bureau.pk:
        raise ZhifaError(E.AGENCY_IS_BUREAU, "监督机关不能向自己制发监督文书。")
    if not agency.jurisdiction.path.startswith(bureau.jurisdiction.path):
        raise ZhifaError(E.NOT_SUPERVISED, f"{agency.name}不在{bureau.name}的监督范围内（本级及下级行政区划）。")
    if kind not in Kind.values:
        raise ZhifaError(E.KIND_INVALID, "监督文书种类应为监督意见书、监督决定书、约谈或通报批评。")
    if kind == Kind.DECISION and order not in Order.values:
        raise ZhifaError(E.ORDER_INVALID, "监督决定书须写明决定事项：责令履行、责令改正、撤销或确认违法。")
    if kind != Kind.DECISION and order:
        raise ZhifaError(E.ORDER_INVALID, "只有监督决定书有决定事项。")
    title = _text(title, "事由", limit=200)
    findings = _text(findings, "发现的问题", limit=5000)
    basis = _text(basis, "依据", limit=500)
    requirement = _text(requirement, "整改要求或决定事项", limit=5000)
    talk_clean = {}
    if kind == Kind.SUMMONS:
        if not isinstance(talk, dict):
            raise ZhifaError(E.TALK_INVALID, "约谈须记录约谈时间、地点、参加人员和约谈内容。")
        for key, label in TALK_FIELDS.items():
            talk_clean[key] = _text(talk.get(key), label, limit=5000 if key == "record" else 300)
    model_code = _text(model_code, "问题模型", limit=10, required=False)
    alert = None
    if alert_id is not None:
        # The alert the instrument answers: the agency's own (its case, if any, is among the cases concerned).
        alert = Alert.objects.filter(pk=alert_id, agency=agency).first()
        if alert is None:
            raise ZhifaError(E.ALERT_INVALID, "所选预警不是被监督机关的预警。")
        if model_code and model_code != alert.model:
            # The alert names its problem model; an instrument answering it cannot claim another (review L10).
            raise ZhifaError(E.MODEL_NOT_OF_ALERT, f"所答复的预警属于问题模型 {alert.model}，不能填写其他问题模型（{model_code}）。",
                             details={"field": "model_code"})
        model_code = alert.model
        if alert.case_id and alert.case_id not in case_ids:
            case_ids = [*case_ids, alert.case_id]
    cases = list(Case.objects.filter(pk__in=list(case_ids))) if case_ids else []
    if len(cases) != len(set(case_ids)) or any(c.agency_id != agency.pk for c in cases):
        raise ZhifaError(E.CASE_NOT_OF_AGENCY, "所选案件须是被监督机关的案件。")
    correction = deadlines.limit(bureau.jurisdiction, kind, start=today)
    review = deadlines.limit(bureau.jurisdiction, "review_request", start=today) if kind in REVIEWABLE else None
    with transaction.atomic():
        Agency.objects.select_for_update().filter(pk=bureau.pk).first()  # one number at a time per bureau
        instrument = Instrument.objects.create(
            kind=kind, bureau=bureau, agency=agency, number="", title=title, findings=findings, basis=basis,
            requirement=requirement, order=order, talk=talk_clean, model_code=model_code, alert=alert,
            issued_on=today, clock_from=today, due_on=correction.due,
            review_due_on=review.due if review else None,
            provisional=correction.provisional or bool(review and review.provisional),
            rule_source=correction.source, issued_by=actor)
        instrument.cases.set(cases)
        document = _seal(instrument, kind=kind, actor=actor, issued_on=today,
                         context_of=lambda n: rendering.instrument_context(instrument, number=n, issued_on=today))
        instrument.number = document.number
        instrument.save(update_fields=["number"])
        entry = events.issued(instrument, actor=actor)
        Step.objects.create(instrument=instrument, action="issue", from_state="", to_state=State.ISSUED, actor=actor,
                            note="", data={"due_on": correction.due.isoformat(), "limit": deadlines.describe(correction),
                                           "document": document.pk}, entry=entry)
    return instrument


def _files_check(files) -> list:
    files = list(files or [])
    if not files:
        raise ZhifaError(E.FILES_REQUIRED, "报告整改情况须附整改的证明材料（至少一个文件）。")
    if len(files) > MAX_FILES:
        raise ZhifaError(E.FILES_TOO_MANY, f"一次最多附 {MAX_FILES} 个文件。")
    for f in files:
        if getattr(f, "size", 0) > MAX_FILE_BYTES:
            raise ZhifaError(E.FILES_TOO_MANY, f"单个文件不能超过 {MAX_FILE_BYTES // 1024 // 1024} MB：{f.name}。")
    return files


def correction_report(*, instrument: Instrument, actor, text: str, files) -> Instrument:
    """The agency reports how it corrected (整改报告), with its evidence in the evidence store."""
    wf.authorise(WORKFLOW, "report", instrument, actor)
    text = _text(text, "整改情况", limit=10000)
    files = _files_check(files)
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, instrument)
        stored = [(evidence_put(f, actor=actor, name=f.name).blob, f.name) for f in files]
        data = {"files": [{"sha256": b.sha256, "name": n} for b, n in stored],
                "on_time": timezone.localdate() <= obj.due_on}
        step = wf.apply(WORKFLOW, "report", obj, actor, note=text, data=data)
        for blob, name in stored:
            StepFile.objects.create(step=step, blob=blob, name=(name or "file")[:200])
        wf.save(WORKFLOW, obj)
    return obj


def _reason_move(move: str, what: str):
    def service(*, instrument: Instrument, actor, reason: str = "") -> Instrument:
        wf.authorise(WORKFLOW, move, instrument, actor)
        required = move != "accept"
        note = _text(reason, what, limit=2000, required=required)

        def closing(obj):
            if move in ("accept", "close"):
                obj.closed_at = timezone.now()
        return wf.transition(WORKFLOW, move, instrument, actor, note=note, effect=closing)
    service.__name__ = f"instrument_{move}"
    return service


# 验收: the bureau accepts the correction and closes the instrument (an open alert is closed by the engine when the
# data no longer triggers, never by this).
report_accept = _reason_move("accept", "验收意见")
# 退回: not corrected; the agency corrects again within the same deadline.
report_return = _reason_move("return", "退回理由")
# 办结: the bureau closes an instrument awaiting the agency (a summons with nothing more to do), with its reason.
instrument_close = _reason_move("close", "办结理由")


def review_request(*, instrument: Instrument, actor, reasons: str, today: dt.date | None = None) -> Instrument:
    """复查申请: the agency asks the bureau to re-examine an opinion or a decision, within the rules' limit."""
    wf.authorise(WORKFLOW, "request_review", instrument, actor)
    reasons = _text(reasons, "申请复查的理由", limit=5000)
    today = today or timezone.localdate()

    def check(obj):
        if obj.kind not in REVIEWABLE:
            raise ZhifaError(E.REVIEW_NOT_ALLOWED, "约谈和通报批评不适用复查。")
        if obj.review_due_on is None or today > obj.review_due_on:
            raise ZhifaError(E.REVIEW_LATE, f"申请复查的期限已于{obj.review_due_on}届满。",
                             details={"review_due_on": str(obj.review_due_on)})
        obj.review_decision_due_on = deadlines.limit(obj.bureau.jurisdiction, "review_decision", start=today).due
    return wf.transition(WORKFLOW, "request_review", instrument, actor, note=reasons, effect=check,
                         data={"requested_on": today.isoformat()})


def review_decide(*, instrument: Instrument, actor, outcome: str, reasons: str, requirement: str = "",
                  today: dt.date | None = None) -> Instrument:
    """复查决定: the bureau upholds, changes or revokes; sealed as its own document. Upheld or changed, the agency's
    clock starts again from the decision (the rule's limit for the instrument's kind)."""
    wf.authorise(WORKFLOW, "decide_review", instrument, actor)
    if outcome not in ReviewOutcome.values:
        raise ZhifaError(E.OUTCOME_INVALID, "复查决定应为维持、变更或撤销。")
    reasons = _text(reasons, "复查意见", limit=5000)
    requirement = _text(requirement, "变更后的要求", limit=5000, required=outcome == ReviewOutcome.CHANGED)
    today = today or timezone.localdate()
    with transaction.atomic():
        obj = wf.lock(WORKFLOW, instrument)
        data = {"outcome": outcome, "requirement": requirement, "previous_due_on": obj.due_on.isoformat()}

        def effect(o):
            if outcome == ReviewOutcome.REVOKED:
                o.closed_at = timezone.now()
            else:
                spec = deadlines.limit(o.bureau.jurisdiction, o.kind, start=today)
                o.clock_from, o.due_on = today, spec.due
                data["due_on"] = spec.due.isoformat()
            return outcome  # the state of the same name
        wf.apply(WORKFLOW, "decide_review", obj, actor, note=reasons, data=data, effect=effect)
        wf.save(WORKFLOW, obj)
        Agency.objects.select_for_update().filter(pk=obj.bureau_id).first()
        _seal(obj, kind="review", actor=actor, issued_on=today, context_of=lambda n: rendering.review_context(
            obj, number=n, issued_on=today, outcome=outcome, reasons=reasons, requirement=requirement))
    return obj


def awaiting_agency(instrument: Instrument) -> bool:
    return instrument.state in AWAITING_AGENCY
