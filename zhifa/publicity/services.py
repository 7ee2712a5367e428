"""Every write to a public item: one atomic service per step, logged in the same transaction (habit 2).
The moves and who may make them are the table in workflow.py."""

import datetime as dt
import functools
import hashlib
import io
import secrets
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from zhifa.cases import selectors as case_selectors
from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import Case, PartyKind, Stage
from zhifa.core import workdays
from zhifa.core import workflow as wf
from zhifa.core.errors import NotFoundError, WrongStateError, ZhifaError
from zhifa.ledger.services import evidence_put
from zhifa.org import permissions as org_perms
from zhifa.org import selectors as org_selectors
from zhifa.org.models import ActionType, Agency
from zhifa.org.selectors import today as _today
from zhifa.review.gate import decision_problems
from zhifa.rules.catalogue import MASK_KINDS, SUMMARY_FIELDS
from zhifa.rules.selectors import rule_get

from . import attachments, events, minors, redaction, search, selectors
from .errors import PublicityErrorCode
from .models import (
    AnnualReport,
    Mask,
    MaskRemoval,
    MaskRemovalRequest,
    Publication,
    PublicSubmission,
    Request,
    RequestAttachment,
    RequestEvidence,
    RequestStep,
    Step,
)
from .workflow import (
    COLUMNS,
    EDITABLE,
    LIST_KINDS,
    MOVES,
    OVERRIDABLE,
    REPORT_MOVES,
    REQUEST_MOVES,
    REQUEST_OPEN,
    AttachmentDecision,
    AttachmentState,
    Exception_,
    ExemptionGround,
    Kind,
    MaskLift,
    MaskRemovalState,
    Mode,
    ReportState,
    RequestKind,
    RequestState,
    State,
    Trigger,
    UpdateReason,
    mask_lift,
)

DECISION_FORMS = tuple(code for code, form in FORMS.items() if form.decision)


def _require(actor, permission: str, agency: Agency) -> None:
    org_perms.require(actor, permission, agency=agency)


def _permission_first(permission: str | tuple[str, ...] | Callable[[dict], str], agency_of: Callable[[dict], Agency]):
    """Decorate a service so that who may act is checked before its transaction opens (docs/architecture.md
    "Permissions": permission, denial logged → lock → state move → event). A denial recorded inside the
    transaction would be rolled back with the refused write, and a refusal on the item's state would tell someone
    without the permission what state it is in. `permission`: one, alternatives (any will do; a refusal names
    the first), or a function of the service's keyword arguments. No actor: the system acts."""

    def decorate(service):
        @functools.wraps(service)
        def checked(**kwargs):
            actor = kwargs.get("actor")
            if actor is not None:
                wanted = permission(kwargs) if callable(permission) else permission
                alternatives = (wanted,) if isinstance(wanted, str) else wanted
                agency = agency_of(kwargs)
                if not any(org_perms.can(actor, p, agency=agency) for p in alternatives):
                    _require(actor, alternatives[0], agency)
            return service(**kwargs)
        return checked
    return decorate


def _publication_agency(kwargs: dict) -> Agency:
    return kwargs["publication"].agency


def _record(pub: Publication, move, *, actor, from_state: str, to_state: str, note: str, data: dict,
            step: str) -> Step:
    """A public item's step: the ledger event and the step row (core.workflow.Workflow.record)."""
    entry = events.item_moved(pub, move, actor=actor, action=step, from_state=from_state, to_state=to_state,
                              note=note, data=data)
    return Step.objects.create(publication=pub, action=step, from_state=from_state, to_state=to_state,
                               actor=actor, note=note, data=data, entry=entry)


def _request_record(req: Request, move, *, actor, from_state: str, to_state: str, note: str, data: dict,
                    step: str) -> RequestStep:
    """A public request's step: the ledger event and the step row."""
    entry = events.request_moved(req, move, actor=actor, action=step, to_state=to_state, note=note)
    return RequestStep.objects.create(request=req, action=step, to_state=to_state, actor=actor, note=note,
                                      entry=entry)


def _report_record(report: AnnualReport, move, *, actor, from_state: str, to_state: str, note: str, data: dict,
                   step: str) -> None:
    """An annual report's step: its ledger event, with the figures as they stand (the report has no step rows)."""
    events.report_moved(report, move, actor=actor, action=step, data=data)


# The three tables of workflow.py bound to their models: every move below is made through core.workflow (issue 17).
PUBLICATION = wf.Workflow(
    name="publicity.item", model=Publication, state_field="state", states=State, moves=tuple(MOVES.values()),
    noun="公示信息", agency_of=lambda pub: pub.agency, record=_record, select_related=("agency", "case"))
REQUEST = wf.Workflow(
    name="publicity.request", model=Request, state_field="state", states=RequestState,
    moves=tuple(REQUEST_MOVES.values()), noun="该申请", agency_of=lambda req: req.agency, record=_request_record,
    select_related=("agency",), update_fields=("forwarded_to", "answer", "closed_at"))
REPORT = wf.Workflow(
    name="publicity.annual_report", model=AnnualReport, state_field="state", states=ReportState,
    moves=tuple(REPORT_MOVES.values()), noun="年报", agency_of=lambda report: report.agency, record=_report_record,
    select_related=("agency",))


def _move_first(move: str | Callable[[dict], str]):
    """Decorate a service making a move of the item's table so that who may make it is checked, and a refusal
    logged, before its transaction opens (core.workflow.authorise). `move`: a name, or a function of the
    service's keyword arguments. No actor: the system acts."""

    def decorate(service):
        @functools.wraps(service)
        def checked(**kwargs):
            wf.authorise(PUBLICATION, move(kwargs) if callable(move) else move, kwargs["publication"],
                         kwargs.get("actor"))
            return service(**kwargs)
        return checked
    return decorate


def _move(pub: Publication, action: str) -> None:
    """The table's source state for the move, on the locked item, before the service checks its input (who may
    was checked before the transaction by _move_first)."""
    wf.check_source(PUBLICATION, MOVES[action], pub)


def _locked(pub: Publication) -> Publication:
    return wf.lock(PUBLICATION, pub)


def _save(pub: Publication, *fields: str) -> None:
    wf.save(PUBLICATION, pub, fields)


# --- collecting a decision (PUB-04, PUB-05, PUB-06, PUB-07) ---------------------------------------------------

def _decision_document(case: Case):
    docs = [d for d in case_selectors.current_documents(case) if d.form in DECISION_FORMS]
    return docs[-1] if docs else None


def _known(case: Case) -> redaction.Known:
    known = redaction.Known()
    for party in case.parties.all():
        if party.kind == PartyKind.NATURAL:
            known.names.add(party.name)
            known.id_numbers.add(party.id_number)
            if party.address:
                known.addresses.add(party.address)
            if party.phone:
                known.phones.add(party.phone)
        else:  # a legal person, another organisation or an individual business: no name in the text is theirs
            known.organisations.add(party.name)
    agency = case.agency
    known.public |= {p for p in (agency.enquiry_phone, agency.supervision_phone) if p}
    known.public |= {o.person.name for o in case.officers.select_related("person")}
    return known


def _decision_text(case: Case, document, mode: str, summary_fields: list[str], decided_on: dt.date) -> tuple[str, dict]:
    parties = list(case.parties.all())
    target = "、".join(p.name for p in parties) or "（未登记当事人）"
    elements = document.elements
    conclusion = elements.get("penalty") or elements.get("decision") or ""
    values = {
        "agency": case.agency.name, "target": target, "facts": elements.get("facts", ""),
        "action_type": ActionType(case.action_type).label, "conclusion": conclusion,
        "decision_date": f"{decided_on:%Y年%-m月%-d日}",
    }
    fields = {code: values[code] for code in summary_fields}
    if mode == Mode.SUMMARY:
        lines = [f"{SUMMARY_FIELDS[code]}：{values[code]}" for code in summary_fields]
        lines.append(f"决定文书：{FORMS[document.form].title}（{case.number}）")
        return "\n".join(lines), fields
    party_lines = []
    for p in parties:
        line = f"当事人：{p.name}，{'公民身份号码' if p.kind == PartyKind.NATURAL else '统一社会信用代码'}：{p.id_number}"
        if p.address:
            line += f"，{'住址' if p.kind == PartyKind.NATURAL else '住所'}：{p.address}"
        if p.phone:
            line += f"，联系电话：{p.phone}"
        party_lines.append(line + "。")
    form = FORMS[document.form]
    body = [f"{case.agency.name}", form.title, case.number, "", *party_lines, ""]
    for element in form.extra:
        if elements.get(element.name):
            body.append(f"{element.label}：{elements[element.name]}")
    body += ["", case.agency.name, f"{decided_on:%Y年%-m月%-d日}"]
    return "\n".join(body), fields


def _due(agency: Agency, action_type: str, decided_on: dt.date) -> workdays.Deadline:
    days = rule_get("publicity.decision_days", jurisdiction=agency.jurisdiction, as_of=decided_on).value
    # IM-M §12; AZ-P §13: licence and penalty decisions 7 working days, others 20 — per the rules in force.
    return workdays.add_working_days(decided_on, int(days.get(action_type, days["default"])))


def _target(case: Case, kinds: list[str]) -> tuple[str, str]:
    """The 执法对象 the summary names (IM-M §10 ¶1): every party, and the credit code of a sole organisation party.
    An individual business's code (92…) is published unless the jurisdiction's rules hide `individual_business_code`."""
    parties = list(case.parties.all())
    hide_92 = "individual_business_code" in kinds
    orgs = [p for p in parties if p.kind == PartyKind.ORGANISATION and not (hide_92 and p.id_number.startswith("92"))]
    code = orgs[0].id_number if len(orgs) == 1 and len(parties) == 1 else ""
    return "、".join(p.name for p in parties), code


def _minor(case: Case, on: dt.date) -> bool:
    return any(p.kind == PartyKind.NATURAL and redaction.minor_on(p.id_number, on) for p in case.parties.all())


def _propose_masks(pub: Publication, known: redaction.Known, kinds: list[str]) -> None:
    for span in redaction.detect(pub.original_text, kinds=kinds, known=known):
        _mask_write(pub, span.start, span.end, span.kind, span.reason, origin="auto", actor=None)


def _mask_write(pub: Publication, start: int, end: int, kind: str, reason: str, *, origin: str, actor) -> Mask:
    entry = events.mask_added(pub, actor=actor, start=start, end=end, kind=kind, origin=origin, reason=reason)
    return Mask.objects.create(publication=pub, start=start, end=end, kind=kind, origin=origin, reason=reason,
                               added_by=actor, entry=entry)


@_permission_first("publicity.edit", lambda kw: kw["case"].agency)
@transaction.atomic
def decision_collect(*, case: Case, actor, mode: str = Mode.SUMMARY, decided_on: dt.date | None = None,
                     supersedes: Publication | None = None, update_reason: str = "") -> Publication:
    """采集: the draft publication of a case's decision, with the summary fields of the jurisdiction's rules (or
    the full document), every proposed mask, the minor check and the deadline (IM-M §10–§12)."""
    if actor is not None:  # None: collected by the system when the decision is made
        _require(actor, "publicity.edit", case.agency)
    document = _decision_document(case)
    if document is None:
        raise ZhifaError(PublicityErrorCode.NO_DECISION, "案件没有行政执法决定书，无需公开决定信息。")
    if supersedes is None and Publication.objects.filter(case=case, kind=Kind.DECISION).exists():
        raise ZhifaError(PublicityErrorCode.ALREADY_COLLECTED, "该案件的决定信息已采集，请在原公示信息上更新。")
    decided_on = decided_on or _today()
    jurisdiction = case.agency.jurisdiction
    summary_fields = rule_get("publicity.summary_fields", jurisdiction=jurisdiction, as_of=decided_on).value
    kinds = rule_get("publicity.mask_kinds", jurisdiction=jurisdiction, as_of=decided_on).value
    text, fields = _decision_text(case, document, mode, summary_fields, decided_on)
    due = _due(case.agency, case.action_type, decided_on)
    target_name, target_code = _target(case, kinds)
    pub = Publication.objects.create(
        kind=Kind.DECISION, agency=case.agency, jurisdiction_path=jurisdiction.path, case=case,
        decision_document=document, title=f"{case.agency.name}{FORMS[document.form].title}（{case.number}）",
        mode=mode, action_type=case.action_type, target_name=target_name, target_code=target_code, fields=fields,
        original_text=text, minor_party=_minor(case, decided_on), decided_on=decided_on, due_on=due.due,
        due_provisional=due.provisional, collected_by=actor, version=(supersedes.version + 1) if supersedes else 1,
        supersedes=supersedes, update_reason=update_reason)
    _record(pub, None, actor=actor, from_state=pub.state, to_state=State.COLLECTED, note="", step="collect", data={
        "decision_document": document.pk, "mode": mode, "due_on": due.due.isoformat(), "minor": pub.minor_party})
    _propose_masks(pub, _known(case), kinds)
    return pub


def decision_collect_on_advance(case: Case, actor) -> None:
    """After the decision is made (the case moves on to service), collect its publication at once, so the
    deadline runs from the decision date (IM-M §12)."""
    if case.stage != Stage.SERVICE_ENFORCEMENT or _decision_document(case) is None:
        return
    if Publication.objects.filter(case=case, kind=Kind.DECISION).exists():
        return
    decision_collect(case=case, actor=None)


@_move_first("supersede")
@transaction.atomic
def decision_recollect(*, publication: Publication, actor, mode: str) -> Publication:
    """Collect again in another mode (summary ↔ full document): the draft is superseded by the new one."""
    pub = _locked(publication)
    _move(pub, "supersede")
    if pub.state == State.PUBLISHED or pub.kind != Kind.DECISION:
        raise WrongStateError("只有尚未发布的决定信息可以重新采集。")
    wf.apply(PUBLICATION, "supersede", pub, actor, note=f"改为按{Mode(mode).label}重新采集")
    _save(pub)
    return decision_collect(case=pub.case, actor=actor, mode=mode, decided_on=pub.decided_on, supersedes=pub,
                            update_reason=UpdateReason.OTHER)


# --- masks -------------------------------------------------------------------------------------------------

MASKERS = ("publicity.edit", "publicity.approve")  # the editor proposes masks; the approver may adjust them


def _editable(pub: Publication, actor) -> None:
    if not any(org_perms.can(actor, p, agency=pub.agency) for p in MASKERS):
        _require(actor, MASKERS[0], pub.agency)
    if pub.state not in EDITABLE:
        raise WrongStateError("已发布或已办结的公示信息不能再调整隐去内容。")


@_permission_first(MASKERS, _publication_agency)
@transaction.atomic
def mask_add(*, publication: Publication, actor, kind: str, reason: str, start: int | None = None,
             end: int | None = None, text: str = "") -> list[Mask]:
    """Hide a span the detector missed — by position, or every occurrence of `text`."""
    pub = _locked(publication)
    _editable(pub, actor)
    if kind not in MASK_KINDS and kind != "other":
        raise ZhifaError(PublicityErrorCode.MASK_INVALID, "请选择隐去信息的类别。")
    if not reason.strip():
        raise ZhifaError(PublicityErrorCode.REASON_REQUIRED, "请说明隐去的理由。")
    original = pub.original_text
    if text:
        spans = []
        at = original.find(text)
        while at >= 0:
            spans.append((at, at + len(text)))
            at = original.find(text, at + len(text))
        if not spans:
            raise ZhifaError(PublicityErrorCode.MASK_INVALID, f"原文中没有“{text}”。")
    else:
        if start is None or end is None or not 0 <= start < end <= len(original):
            raise ZhifaError(PublicityErrorCode.MASK_INVALID, "隐去的位置超出原文范围。")
        spans = [(start, end)]
    return [_mask_write(pub, s, e, kind, reason.strip(), origin="manual", actor=actor) for s, e in spans]


def _liftable(pub: Publication, mask: Mask) -> str:
    """The rule of a mask about to be lifted; refuses NEVER with its own code."""
    if pub.minor_party or _minor_findings(pub):
        raise ZhifaError(PublicityErrorCode.MASK_MINOR, "该公示信息涉及未成年人，其中任何隐去内容均不得取消（IM-M 第十一条第一项）。")
    rule = mask_lift(mask.kind)
    if rule == MaskLift.NEVER:
        raise ZhifaError(PublicityErrorCode.MASK_LOCKED,
                         f"{MASK_KINDS.get(mask.kind, mask.kind)}属于自然人身份信息，依法不得公开，不能取消隐去（IM-M 第十条）。")
    return rule


@_permission_first(MASKERS, lambda kw: kw["mask"].publication.agency)
@transaction.atomic
def mask_remove(*, mask: Mask, actor, reason: str, legal_basis: str = "") -> MaskRemoval | MaskRemovalRequest:
    """Lift a mask, by the rule of its kind (workflow.MASK_LIFT): FREE at once with a reason; APPROVAL only as
    a request with a legal basis, which another approver decides (mask_removal_decide) — the mask stays until
    then; NEVER (a natural person's ID number, anything in an item concerning a minor) not at all."""
    pub = _locked(mask.publication)
    _editable(pub, actor)
    mask = Mask.objects.get(pk=mask.pk, publication=pub)
    if MaskRemoval.objects.filter(mask=mask).exists():
        raise ZhifaError(PublicityErrorCode.MASK_INVALID, "该隐去处理已取消。")
    rule = _liftable(pub, mask)
    reason, legal_basis = reason.strip(), legal_basis.strip()
    if not reason:
        raise ZhifaError(PublicityErrorCode.REASON_REQUIRED, "取消隐去须说明理由（例如：该信息属于应当公开的内容）。")
    if rule == MaskLift.FREE:
        entry = events.mask_removed(pub, mask, actor=actor, rule=rule, reason=reason)
        return MaskRemoval.objects.create(mask=mask, removed_by=actor, reason=reason, entry=entry)
    if not legal_basis:
        raise ZhifaError(PublicityErrorCode.MASK_LEGAL_BASIS,
                         f"取消对{MASK_KINDS.get(mask.kind, mask.kind)}的隐去须载明法律依据，并经另一名审核人批准。")
    if len(reason) > 300 or len(legal_basis) > 300:
        raise ZhifaError(PublicityErrorCode.MASK_INVALID, "理由和法律依据各不超过 300 字。")
    if mask.removal_requests.filter(state=MaskRemovalState.PENDING).exists():
        raise ZhifaError(PublicityErrorCode.MASK_REMOVAL_PENDING, "该隐去已有待批准的取消申请。")
    entry = events.mask_removal_requested(pub, mask, actor=actor, rule=rule, reason=reason, legal_basis=legal_basis)
    return MaskRemovalRequest.objects.create(mask=mask, requested_by=actor, reason=reason, legal_basis=legal_basis,
                                             request_entry=entry)


@_permission_first("publicity.approve", lambda kw: kw["removal_request"].mask.publication.agency)
@transaction.atomic
def mask_removal_decide(*, removal_request: MaskRemovalRequest, actor, approve: bool,
                        note: str = "") -> MaskRemovalRequest:
    """The second person's decision on lifting a mask (issue 15 §3): a holder of publicity.approve who did not
    ask. Approval lifts the mask (a MaskRemoval pointing at the request); refusal keeps it, with a reason. The
    rules are checked again here: the item may have turned out to concern a minor since the request."""
    pub = _locked(removal_request.mask.publication)
    _require(actor, "publicity.approve", pub.agency)
    req = MaskRemovalRequest.objects.select_for_update().select_related("mask").get(pk=removal_request.pk)
    if req.mask.publication_id != pub.pk:
        raise NotFoundError()
    if req.state != MaskRemovalState.PENDING:
        raise ZhifaError(PublicityErrorCode.MASK_REMOVAL_DECIDED,
                         f"该取消隐去申请已{MaskRemovalState(req.state).label}。")
    if req.requested_by_id == getattr(actor, "pk", None):
        raise ZhifaError(PublicityErrorCode.MASK_REMOVAL_SAME_PERSON, "申请人不能批准自己的取消隐去申请，须由另一名审核人批准。")
    if pub.state not in EDITABLE:
        raise WrongStateError("已发布或已办结的公示信息不能再调整隐去内容。")
    note = note.strip()
    if len(note) > 300:
        raise ZhifaError(PublicityErrorCode.MASK_INVALID, "审批意见不超过 300 字。")
    if approve:
        _liftable(pub, req.mask)
    elif not note:
        raise ZhifaError(PublicityErrorCode.REASON_REQUIRED, "不批准取消隐去须说明理由。")
    req.state = MaskRemovalState.APPROVED if approve else MaskRemovalState.REJECTED
    req.decided_by, req.decided_at, req.decision_note = actor, timezone.now(), note
    req.decision_entry = events.mask_removal_decided(pub, req, actor=actor, approve=approve, note=note)
    req.save(update_fields=["state", "decided_by", "decided_at", "decision_note", "decision_entry"])
    if approve:
        MaskRemoval.objects.create(mask=req.mask, removed_by=actor, reason=f"{req.reason}（法律依据：{req.legal_basis}）",
                                   entry=req.decision_entry, approval=req)
    return req


def active_masks(pub: Publication) -> list[Mask]:
    return list(pub.masks.filter(removal__isnull=True).order_by("start", "id"))


# --- review, publication, exemption ------------------------------------------------------------------------

def _minor_findings(pub: Publication) -> list[dict]:
    """Why this item concerns a minor, read now (issue 15 §4): every natural-person party of the case under 18 on
    the decision date by the ID number, and every age under 18 the text states (minors.minor_ages). The
    collection-time flag alone missed a party added afterwards. Party ids and ages only: no name, no number."""
    if pub.kind != Kind.DECISION:
        return []
    findings = []
    if pub.case_id is not None:
        on = pub.decided_on or _today()
        for party in pub.case.parties.all():
            if party.kind == PartyKind.NATURAL and redaction.minor_on(party.id_number, on):
                findings.append({"source": "party", "party": party.pk})
    findings += [{"source": "text", "start": a.start, "end": a.end, "age": a.text}
                 for a in minors.minor_ages(pub.original_text)]
    return findings


def minor_findings(pub: Publication) -> list[dict]:
    """For the item's page and API: does it concern a minor now (read-only)."""
    return _minor_findings(pub)


def _minor_message(findings: list[dict]) -> str:
    where = []
    if any(f["source"] == "party" for f in findings):
        where.append("依身份证号码，当事人在决定作出时未满十八周岁")
    ages = [f["age"] for f in findings if f["source"] == "text"]
    if ages:
        where.append("文中载明年龄“" + "”“".join(dict.fromkeys(ages)) + "”")
    return ("当事人属于未成年人（" + "；".join(where) + "），依法不予公开（IM-M 第十一条第一项），"
            "请以“当事人属于未成年人”为由申请不予公开。")


def _refuse_minor(pub: Publication) -> None:
    findings = _minor_findings(pub)
    if pub.minor_party or findings:
        raise ZhifaError(PublicityErrorCode.MINOR, _minor_message(findings) if findings else
                         "当事人属于未成年人，依法不予公开（IM-M 第十一条第一项），请以“当事人属于未成年人”为由申请不予公开。")


def _minor_first(action: str):
    """Decorate a move that leads to publication (submit, approve — which is also every republication of a new
    version) so that the minor check runs on what the item is now, before the move's transaction: a minor found
    is recorded (the item is marked minor_party, with a `publicity.minor_found` entry) in its own transaction,
    which the refusal cannot roll back, then the move is refused. Inside the move `_refuse_minor` checks again."""

    def decorate(service):
        @functools.wraps(service)
        def checked(**kwargs):
            pub = Publication.objects.select_related("case").get(pk=kwargs["publication"].pk)
            if pub.state in MOVES[action].sources:
                findings = _minor_findings(pub)
                if findings:
                    with transaction.atomic():
                        pub = _locked(pub)
                        events.minor_found(pub, actor=kwargs.get("actor"), action=action, findings=findings,
                                           flag_was=pub.minor_party)
                        if not pub.minor_party:
                            pub.minor_party = True
                            pub.save(update_fields=["minor_party"])
                    raise ZhifaError(PublicityErrorCode.MINOR, _minor_message(findings), details=findings)
            return service(**kwargs)
        return checked
    return decorate


@_move_first("submit")
@_minor_first("submit")
@transaction.atomic
def publication_submit(*, publication: Publication, actor, note: str = "") -> Publication:
    pub = _locked(publication)
    _move(pub, "submit")
    _refuse_minor(pub)
    wf.apply(PUBLICATION, "submit", pub, actor, note=note)
    pub.submitted_by = actor
    _save(pub, "submitted_by")
    return pub


@_move_first("return")
@transaction.atomic
def publication_return(*, publication: Publication, actor, reason: str) -> Publication:
    pub = _locked(publication)
    _move(pub, "return")
    if not reason.strip():
        raise ZhifaError(PublicityErrorCode.REASON_REQUIRED, "退回须说明理由。")
    wf.apply(PUBLICATION, "return", pub, actor, note=reason.strip())
    _save(pub)
    return pub


def public_text(pub: Publication, masks: list[Mask] | None = None) -> str:
    """What the portal will show: the original with the active masks applied (lists have no masks)."""
    if pub.kind in LIST_KINDS:
        return pub.original_text
    masks = active_masks(pub) if masks is None else masks
    return redaction.apply(pub.original_text, [(m.start, m.end) for m in masks])


@_move_first("approve")
@_minor_first("approve")
@transaction.atomic
def publication_approve(*, publication: Publication, actor, note: str = "") -> Publication:
    """审核、发布 (IM-M §6; AZ-P §7): the approver — not whoever submitted — reviews every mask and publishes."""
    pub = _locked(publication)
    _move(pub, "approve")
    if pub.submitted_by_id is not None and pub.submitted_by_id == getattr(actor, "pk", None):
        raise ZhifaError(PublicityErrorCode.SAME_PERSON, "提交人不能审核自己提交的公示信息，请由审核人审核。")
    _refuse_minor(pub)
    if pub.case_id is not None:
        problems = decision_problems(pub.case)
        if problems:
            raise ZhifaError(PublicityErrorCode.NOT_PUBLISHABLE, "执法决定尚不能公开：" + "；".join(problems),
                             details=problems)
    masks = active_masks(pub)
    pub.public_text = public_text(pub, masks)
    pub.search_tokens = search.index_text(f"{pub.title}\n{pub.public_text}")
    now = timezone.now()
    pub.published_at, pub.published_by = now, actor
    pub.published_entry = events.published(pub, actor=actor, masks=masks,
                                           on_time=pub.due_on is None or now.date() <= pub.due_on)
    wf.apply(PUBLICATION, "approve", pub, actor, note=note)
    _save(pub, "public_text", "search_tokens", "published_at", "published_by", "published_entry")
    search.index(pub.pk, pub.search_tokens)
    old = pub.supersedes
    if old is not None and old.state == State.PUBLISHED:
        old = _locked(old)  # part of approving its new version: the approver's move, checked above
        wf.apply(PUBLICATION, "supersede", old, actor, note=f"已由第{pub.version}版更新",
                 data={"by": pub.pk, "reason": pub.update_reason})
        _save(old)
        search.unindex(old.pk)
    return pub


@_move_first("request_exemption")
@transaction.atomic
def exemption_request(*, publication: Publication, actor, ground: str, explanation: str) -> Publication:
    """不予公开 needs a ground from the list (IM-M §11; AZ-P §15) and the approver's approval."""
    pub = _locked(publication)
    _move(pub, "request_exemption")
    if ground not in ExemptionGround.values:
        raise ZhifaError(PublicityErrorCode.EXEMPTION_GROUND, "请从法定情形中选择不予公开的理由。")
    if not explanation.strip():
        raise ZhifaError(PublicityErrorCode.REASON_REQUIRED, "请说明不予公开的具体情况。")
    wf.apply(PUBLICATION, "request_exemption", pub, actor, note=explanation.strip(), data={"ground": ground})
    pub.exemption_ground = ground
    pub.submitted_by = actor
    _save(pub, "exemption_ground", "submitted_by")
    return pub


@_move_first(lambda kw: "approve_exemption" if kw["approve"] else "reject_exemption")
@transaction.atomic
def exemption_decide(*, publication: Publication, actor, approve: bool, note: str = "",
                     exception: str = "") -> Publication:
    pub = _locked(publication)
    _move(pub, "approve_exemption" if approve else "reject_exemption")
    if pub.submitted_by_id == getattr(actor, "pk", None):
        raise ZhifaError(PublicityErrorCode.SAME_PERSON, "申请人不能批准自己的不予公开申请。")
    if approve:
        wf.apply(PUBLICATION, "approve_exemption", pub, actor, note=note, data={"ground": pub.exemption_ground})
        _save(pub)
        return pub
    if pub.exemption_ground == ExemptionGround.MINOR and (pub.minor_party or _minor_findings(pub)):
        raise ZhifaError(PublicityErrorCode.MINOR, "当事人属于未成年人，不得公开。")
    if exception and (exception not in Exception_.values or pub.exemption_ground not in OVERRIDABLE):
        raise ZhifaError(PublicityErrorCode.EXEMPTION_GROUND,
                         "第三方同意或公共利益例外只适用于商业秘密、个人隐私（AZ-P 第十五条第二款）。")
    if not (note.strip() or exception):
        raise ZhifaError(PublicityErrorCode.REASON_REQUIRED, "不批准不予公开须说明理由。")
    wf.apply(PUBLICATION, "reject_exemption", pub, actor, note=note.strip(),
             data={"ground": pub.exemption_ground, "exception": exception})
    pub.exemption_ground = ""
    _save(pub, "exemption_ground")
    return pub


# --- withdrawal and update (PUB-08, PUB-09) ----------------------------------------------------------------

@_move_first("withdraw")
@transaction.atomic
def publication_withdraw(*, publication: Publication, actor, trigger: str, basis: str, note: str = "") -> Publication:
    """Take a published item down at once (IM-M §13; KY). The portal then shows that it was withdrawn and
    when, never the content. When the case has a new decision, its publication is collected at once."""
    pub = _locked(publication)
    _move(pub, "withdraw")
    if trigger not in Trigger.values:
        raise ZhifaError(PublicityErrorCode.TRIGGER, "请选择撤下的原因。")
    if not basis.strip():
        raise ZhifaError(PublicityErrorCode.REASON_REQUIRED, "请填写撤下依据（如复议决定书、判决书文号）。")
    now = timezone.now()
    events.withdrawn(pub, actor=actor, trigger=trigger, basis=basis.strip(), note=note)
    wf.apply(PUBLICATION, "withdraw", pub, actor, note=note, data={"trigger": trigger, "basis": basis.strip()})
    pub.withdrawn_at, pub.withdrawal_trigger, pub.withdrawal_basis = now, trigger, basis.strip()
    _save(pub, "withdrawn_at", "withdrawal_trigger", "withdrawal_basis")
    search.unindex(pub.pk)
    if pub.kind == Kind.DECISION and pub.case_id is not None:
        document = _decision_document(pub.case)
        if document is not None and document.pk != pub.decision_document_id:
            decision_collect(case=pub.case, actor=actor, mode=pub.mode, decided_on=document.recorded_at.date(),
                             supersedes=pub, update_reason=UpdateReason.DECISION_CHANGED)
    return pub


def _rows_text(kind: str, rows: list[dict]) -> str:
    columns = COLUMNS[kind]
    return "\n".join("；".join(f"{c.label}：{row.get(c.code, '')}" for c in columns if row.get(c.code)) for row in rows)


def _validate_rows(kind: str, rows: list[dict]) -> list[dict]:
    if kind not in LIST_KINDS:
        raise ZhifaError(PublicityErrorCode.ITEM_INVALID, "未知的公示清单类别。")
    if not rows:
        raise ZhifaError(PublicityErrorCode.ITEM_INVALID, "清单至少应有一条。")
    problems, clean = [], []
    for n, row in enumerate(rows, start=1):
        item = {c.code: str(row.get(c.code) or "").strip() for c in COLUMNS[kind]}
        missing = [c.label for c in COLUMNS[kind] if c.required and not item[c.code]]
        if missing:
            problems.append(f"第 {n} 条缺少：{'、'.join(missing)}")
        clean.append(item)
    if problems:
        raise ZhifaError(PublicityErrorCode.ITEM_INVALID, "清单内容不完整：" + "；".join(problems[:10]), details=problems)
    return clean


@_permission_first("publicity.edit", lambda kw: kw["agency"])
@transaction.atomic
def list_collect(*, agency: Agency, kind: str, title: str, rows: list[dict], actor,
                 supersedes: Publication | None = None, update_reason: str = "") -> Publication:
    """A list of basic information (PUB-02) or random-inspection results (PUB-13), as a whole version."""
    _require(actor, "publicity.edit", agency)
    clean = _validate_rows(kind, rows)
    if supersedes is not None:
        if supersedes.agency_id != agency.pk or supersedes.kind != kind or supersedes.state != State.PUBLISHED:
            raise WrongStateError("只能更新本机关已发布的同类清单。")
        if update_reason not in UpdateReason.values:
            raise ZhifaError(PublicityErrorCode.REASON_REQUIRED, "请选择更新原因（IM-M 第十三条；AZ-P 第十七条）。")
    if not title.strip():
        raise ZhifaError(PublicityErrorCode.ITEM_INVALID, "请填写标题。")
    pub = Publication.objects.create(
        kind=kind, agency=agency, jurisdiction_path=agency.jurisdiction.path, title=title.strip(), rows=clean,
        original_text=_rows_text(kind, clean), collected_by=actor, supersedes=supersedes,
        version=(supersedes.version + 1) if supersedes else 1, update_reason=update_reason)
    _record(pub, None, actor=actor, from_state=pub.state, to_state=State.COLLECTED, note="", step="collect",
            data={"rows": len(clean), "reason": update_reason})
    return pub


def list_read_xlsx(*, kind: str, content: bytes) -> list[dict]:
    """The rows of an agency's sheet, by the column labels of workflow.COLUMNS (the first row is the header)."""
    from openpyxl import load_workbook

    if kind not in LIST_KINDS:
        raise ZhifaError(PublicityErrorCode.IMPORT_INVALID, "未知的公示清单类别。")
    try:
        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception as exc:  # openpyxl raises several types for a file that is not xlsx
        raise ZhifaError(PublicityErrorCode.IMPORT_INVALID, "无法读取该文件，请上传 Excel（.xlsx）文件。") from exc
    rows = sheet.iter_rows(values_only=True)
    header = [str(h or "").strip() for h in next(rows, [])]
    by_label = {c.label: c.code for c in COLUMNS[kind]}
    missing = [c.label for c in COLUMNS[kind] if c.required and c.label not in header]
    if missing:
        raise ZhifaError(PublicityErrorCode.IMPORT_INVALID, f"表头缺少列：{'、'.join(missing)}", details=missing)
    out = []
    for values in rows:
        if not any(v not in (None, "") for v in values):
            continue
        out.append({by_label[h]: ("" if v is None else str(v)) for h, v in zip(header, values, strict=False) if h in by_label})
    return out


# --- requests from the public (PUB-10, PUB-14) --------------------------------------------------------------

def _reference() -> str:
    return f"GS{timezone.localdate():%Y%m%d}{secrets.randbelow(10 ** 6):06d}"


def query_code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode()).hexdigest()


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} 字节"


def _rate_check(key: str) -> None:
    """Anonymous submissions per client and in all, over the last window (issue 14 §2).

    Counted in the database, not with a cache-based limiter (django-ratelimit and the like): the web workers,
    their threads and the task worker are separate processes, and without Redis or memcached each process's
    cache would keep its own count, multiplying the limit by the number of processes. The database is shared
    by all of them, and the count is one indexed range query. Two submissions racing from one client may both
    pass the last free slot; the overshoot is bounded by the number of workers."""
    since = timezone.now() - dt.timedelta(minutes=settings.ZHIFA_PUBLIC_RATE_WINDOW_MINUTES)
    recent = PublicSubmission.objects.filter(at__gte=since, kind=PublicSubmission.Kind.SUBMISSION)
    minutes = settings.ZHIFA_PUBLIC_RATE_WINDOW_MINUTES
    if recent.filter(client_key=key).count() >= settings.ZHIFA_PUBLIC_RATE_PER_ADDRESS:
        raise ZhifaError(PublicityErrorCode.RATE_ADDRESS,
                         f"同一网络地址在 {minutes} 分钟内最多提交 {settings.ZHIFA_PUBLIC_RATE_PER_ADDRESS} 件申请，"
                         "请稍后再提交；已填写的内容仍保留在下方。", status=429,
                         details={"retry_after": minutes * 60})
    if recent.count() >= settings.ZHIFA_PUBLIC_RATE_GLOBAL:
        raise ZhifaError(PublicityErrorCode.RATE_GLOBAL,
                         "当前提交的申请较多，系统暂停受理，请稍后再提交；已填写的内容仍保留在下方。"
                         "如情况紧急，请拨打受理机关的咨询电话。", status=429, details={"retry_after": 600})


def request_status_lookup(*, reference: str, code: str, client_address: str):
    """The portal's status page (PUB-14): a request by its reference and query code. Wrong pairs are counted
    per client (the same keyed hash as submissions) and refused with 429 past ZHIFA_PUBLIC_LOOKUP_FAILURES per
    window, so the query code (32 bits) cannot be found by trying values from one address."""
    key = attachments.client_key(client_address)
    minutes = settings.ZHIFA_PUBLIC_RATE_WINDOW_MINUTES
    since = timezone.now() - dt.timedelta(minutes=minutes)
    failures = PublicSubmission.objects.filter(client_key=key, kind=PublicSubmission.Kind.LOOKUP_FAILED, at__gte=since)
    if failures.count() >= settings.ZHIFA_PUBLIC_LOOKUP_FAILURES:
        raise ZhifaError(PublicityErrorCode.LOOKUP_RATE,
                         f"查询码输入错误次数过多，请 {minutes} 分钟后再查询。", status=429,
                         details={"retry_after": minutes * 60})
    try:
        return selectors.request_lookup(reference, code)
    except NotFoundError:
        PublicSubmission.objects.create(client_key=key, kind=PublicSubmission.Kind.LOOKUP_FAILED)
        raise


def _attachments_check(files: list) -> list[tuple]:
    """(upload, its type) for every file, or the first limit it breaks: count, size of each, total, type. The
    sizes are the bytes received, and the type is read from the bytes (attachments.sniff)."""
    files = [f for f in files if f is not None]
    limit = settings.ZHIFA_PUBLIC_ATTACHMENTS_MAX
    if len(files) > limit:
        raise ZhifaError(PublicityErrorCode.ATTACHMENTS_TOO_MANY,
                         f"证明材料最多 {limit} 个文件，本次选择了 {len(files)} 个，请合并或删减后重新选择。",
                         details={"limit": limit, "count": len(files)})
    each, total = settings.ZHIFA_PUBLIC_ATTACHMENT_MAX_BYTES, settings.ZHIFA_PUBLIC_ATTACHMENTS_TOTAL_BYTES
    for upload in files:
        if upload.size > each:
            raise ZhifaError(PublicityErrorCode.ATTACHMENT_TOO_LARGE,
                             f"文件“{attachments.clean_name(upload.name)}”大小为 {_size(upload.size)}，"
                             f"超过单个文件 {_size(each)} 的上限，请压缩后重新选择。",
                             status=413, details={"limit": each, "size": upload.size})
    size = sum(upload.size for upload in files)
    if size > total:
        raise ZhifaError(PublicityErrorCode.ATTACHMENTS_TOO_LARGE,
                         f"证明材料合计 {_size(size)}，超过 {_size(total)} 的上限，请删减或压缩后重新选择。",
                         status=413, details={"limit": total, "size": size})
    checked = []
    for upload in files:
        kind = attachments.sniff(upload)
        if kind is None:
            raise ZhifaError(PublicityErrorCode.ATTACHMENT_TYPE,
                             f"文件“{attachments.clean_name(upload.name)}”不是可接受的类型。证明材料只接受 "
                             f"{attachments.ACCEPTED_LABEL} 格式的文档和图片（按文件内容识别，与扩展名无关），"
                             "请转换后重新选择。", details={"accepted": [t.code for t in attachments.ACCEPTED]})
        checked.append((upload, kind))
    return checked


def request_submit(*, kind: str, agency: Agency, requester_name: str, requester_contact: str, content: str,
                   publication: Publication | None = None, files: list | None = None,
                   client_address: str | None = None) -> tuple[Request, str]:
    """A correction request, complaint or disclosure request. Returns the request and its query code, shown
    to the requester once. `agency` is the agency the request concerns; a complaint is handled by the organ
    one level above it (AZ-P §19: 向上一级行政机关投诉), which the request is routed to at once.

    The portal passes the client's address (`zhifa.core.net.client_ip`; "" counts as one unknown client): the
    submission is then counted by the rate limits. Attachments are checked (count, size, type from the bytes)
    and held in quarantine, outside the evidence store and the log, until staff decide on each file
    (`request_attachment_decide`); files that would take the handling agency's quarantine past its cap are refused
    (507); nothing is stored when any check fails (issue 14 §2)."""
    key = attachments.client_key(client_address) if client_address is not None else None
    if key is not None:
        _rate_check(key)
    problems = []
    if kind not in RequestKind.values:
        problems.append("请选择申请类别")
    if not requester_name.strip():
        problems.append("请填写申请人姓名或名称")
    if not requester_contact.strip():
        problems.append("请填写联系方式，以便告知办理结果")
    if len(content.strip()) < 10:
        problems.append("请具体说明申请内容（至少 10 个字）")
    if kind == RequestKind.CORRECTION and publication is None:
        problems.append("更正申请须指明所涉公示信息（请在该条公示信息页面点击“认为信息有误？申请更正”提交）")
    if publication is not None and (publication.state not in (State.PUBLISHED, State.WITHDRAWN, State.SUPERSEDED)
                                    or publication.published_at is None):  # a draft replaced before publication
        problems.append("所涉公示信息不存在")
    if problems:
        raise ZhifaError(PublicityErrorCode.REQUEST_INVALID, "；".join(problems) + "。", details=problems)
    checked = _attachments_check(files or [])
    handling, about, routed = _handling_agency(kind, agency)
    if checked:
        _quarantine_cap_check(handling, sum(upload.size for upload, _ in checked))
    saved: list[str] = []
    try:
        with transaction.atomic():
            return _request_create(kind=kind, agency=handling, about=about, routed=routed, publication=publication,
                                   requester_name=requester_name, requester_contact=requester_contact,
                                   content=content, checked=checked, client_key=key, saved=saved)
    except BaseException:
        # Storage is not transactional: files written for a request that did not commit are removed.
        for name in saved:
            attachments.storage_delete(default_storage, name)
        raise


def _handling_agency(kind: str, agency: Agency) -> tuple[Agency, Agency | None, str]:
    """(the agency that handles the request, the agency complained about, a note on the routing). A complaint
    goes to the complained-about agency's superior (AZ-P §19)."""
    if kind != RequestKind.COMPLAINT:
        return agency, None, ""
    superior = org_selectors.superior_of(agency)
    if superior is not None:
        return superior, agency, f"，投诉由上一级机关{superior.name}受理"
    return agency, agency, "，登记簿中没有其上一级机关，暂由本机关受理并报本级司法行政部门"


def _quarantine_cap_check(agency: Agency, incoming: int) -> None:
    """Refuse files that would take the agency's quarantine past ZHIFA_QUARANTINE_AGENCY_MAX_MB (issue 14 §2,
    review finding 6): without a bound, a flood of well-formed PDFs fills the disk faster than staff decide or the
    purge deletes. 507 Insufficient Storage, not 429: the limit is the receiving agency's store, not this
    client's rate — the sender did nothing too often, and another sender to another agency is not affected — and
    a request without attachments is still received, so the portal stays open for everyone. Two submissions
    racing may both fit the last room; the overshoot is bounded by the number of workers × the per-request
    total."""
    cap = settings.ZHIFA_QUARANTINE_AGENCY_MAX_BYTES
    held = (RequestAttachment.objects.filter(state=AttachmentState.QUARANTINED, request__agency=agency)
            .aggregate(total=Sum("size"))["total"] or 0)
    if held + incoming > cap:
        raise ZhifaError(PublicityErrorCode.QUARANTINE_FULL,
                         f"{agency.name}待审查的证明材料已达存储上限，暂不能接收附带文件的申请。"
                         "您可以不附文件先行提交（受理后按工作人员告知补充材料），或过几日再提交；"
                         "已填写的内容仍保留在下方。", status=507,
                         details={"limit": cap, "held": held, "incoming": incoming})


def _request_create(*, kind, agency, about, routed, publication, requester_name, requester_contact, content,
                    checked, client_key, saved: list[str]) -> tuple[Request, str]:
    received = _today()
    days = rule_get("publicity.request_days", jurisdiction=agency.jurisdiction, as_of=received).value[kind]
    due = workdays.add_working_days(received, int(days))
    code = secrets.token_hex(4).upper()
    req = Request.objects.create(reference=_reference(), query_code_sha256=query_code_hash(code), kind=kind,
                                 agency=agency, about_agency=about, publication=publication,
                                 requester_name=requester_name.strip(),
                                 requester_contact=requester_contact.strip(), content=content.strip(),
                                 due_on=due.due, due_provisional=due.provisional)
    for upload, file_type in checked:
        attachment = RequestAttachment(request=req, name=attachments.clean_name(upload.name),
                                       content_type=file_type.content_type, size=upload.size,
                                       sha256=attachments.sha256_of(upload))
        attachment.file.save("quarantined", upload, save=False)
        saved.append(attachment.file.name)
        attachment.save()
    if client_key is not None:
        PublicSubmission.objects.create(client_key=client_key)
    # The log records that the request was received, not what was attached: the sender's files and names stay
    # out of the permanent log until staff accept them, one by one.
    note = f"已受理{routed}，答复期限 {due.due:%Y-%m-%d}"
    if checked:
        note += f"；附证明材料 {len(checked)} 件，待审查"
    _request_record(req, None, actor=None, from_state="", to_state=RequestState.RECEIVED, note=note, data={},
                    step="receive")
    return req, code


def _attachment_agency(kwargs: dict) -> Agency:
    return kwargs["attachment"].request.agency


@_permission_first("publicity.handle_requests", _attachment_agency)
@transaction.atomic
def request_attachment_decide(*, attachment: RequestAttachment, actor, decision: str,
                              reason: str = "") -> RequestAttachment:
    """Staff who handle the request decide on one file sent with it (issue 14 §2, review finding 6): accept it
    into the evidence store (and the log, and on S3 its 30-year lock), after checking it is still the file that
    was received; or reject it, with a reason, and its quarantined bytes are deleted once this commits. Either
    is logged. Only while the request is open, and once per file: no move of the request decides for them."""
    req = Request.objects.select_for_update().select_related("agency").get(pk=attachment.request_id)
    _require(actor, "publicity.handle_requests", req.agency)
    if decision not in AttachmentDecision.values:
        raise ZhifaError(PublicityErrorCode.ATTACHMENT_DECISION, "请选择存入证据库或不予接收。")
    if req.state not in REQUEST_OPEN:
        raise WrongStateError(f"该申请已{RequestState(req.state).label}，不能再审查其证明材料。")
    attachment = RequestAttachment.objects.select_for_update().get(pk=attachment.pk)
    if attachment.state != AttachmentState.QUARANTINED:
        raise ZhifaError(PublicityErrorCode.ATTACHMENT_DECIDED,
                         f"文件“{attachment.name}”已{AttachmentState(attachment.state).label}，不能再次审查。")
    reason = reason.strip()
    if decision == AttachmentDecision.REJECT and not reason:
        raise ZhifaError(PublicityErrorCode.REASON_REQUIRED, "不予接收的，请填写理由。")
    if len(reason) > RequestAttachment._meta.get_field("reason").max_length:
        raise ZhifaError(PublicityErrorCode.ATTACHMENT_DECISION, "理由不超过 500 字。")
    quarantined, now = attachment.file.name, timezone.now()
    if decision == AttachmentDecision.ACCEPT:
        with default_storage.open(quarantined, "rb") as fh:
            if attachments.sha256_of(fh) != attachment.sha256:
                raise ZhifaError(PublicityErrorCode.ATTACHMENT_CHANGED,
                                 f"隔离区中的文件“{attachment.name}”与提交时不一致，未存入证据库，请联系系统管理员。")
            put = evidence_put(fh, actor=actor, content_type=attachment.content_type, name=attachment.name)
        attachment.evidence = RequestEvidence.objects.create(request=req, blob=put.blob, name=attachment.name)
        attachment.state, attachment.accepted_at = AttachmentState.ACCEPTED, now
        events.attachment_accepted(req, attachment, actor=actor, decision=decision, reason=reason)
    else:
        attachment.state, attachment.deleted_at = AttachmentState.REJECTED, now
        # The sender's file name stays out of the permanent log: the file was not taken in, and a name is text
        # anyone on the Internet chose. The digest identifies it.
        events.attachment_rejected(req, attachment, actor=actor, decision=decision, reason=reason)
    attachment.decided_by, attachment.decided_at, attachment.reason, attachment.file = actor, now, reason, ""
    attachment.save(update_fields=["evidence", "state", "accepted_at", "deleted_at", "decided_by", "decided_at",
                                   "reason", "file"])
    # Storage is not transactional: the quarantine copy goes only once the decision is committed.
    transaction.on_commit(partial(attachments.storage_delete, default_storage, quarantined))
    attachment.request = req
    return attachment


def quarantine_purge(*, now: dt.datetime | None = None) -> dict:
    """Delete the quarantined attachments nobody decided on (issue 14 §2, review finding 6): those of requests
    closed more than ZHIFA_QUARANTINE_RETENTION_DAYS ago, and those of requests still in their first state
    (已受理, nobody has handled them) more than ZHIFA_QUARANTINE_UNHANDLED_DAYS after receipt — otherwise a
    flood nobody handles stays for ever. Also the rate-limit rows older than the window. The files never entered
    the log, so their deletion is not logged there; each row stays, marked deleted with the reason, as the trace
    of what was sent. Safe to repeat and to interrupt: the file goes first, then its row."""
    now = now or timezone.now()
    closed_cutoff = now - dt.timedelta(days=settings.ZHIFA_QUARANTINE_RETENTION_DAYS)
    unhandled_days = settings.ZHIFA_QUARANTINE_UNHANDLED_DAYS
    pending = RequestAttachment.objects.filter(state=AttachmentState.QUARANTINED)
    groups = {
        "attachments_deleted": (pending.filter(request__closed_at__isnull=False, request__closed_at__lt=closed_cutoff),
                                f"申请已办结，文件未经审查接收，办结满 {settings.ZHIFA_QUARANTINE_RETENTION_DAYS} 日删除"),
        "unhandled_deleted": (pending.filter(request__state=RequestState.RECEIVED,
                                             request__received_at__lt=now - dt.timedelta(days=unhandled_days)),
                              f"申请受理后 {unhandled_days} 日内无人办理，文件未经审查，按规定删除"),
    }
    counts = {}
    for name, (expired, reason) in groups.items():
        counts[name] = 0
        for pk in list(expired.values_list("pk", flat=True)):
            # One row at a time, locked and re-read, so a staff decision on the same file at the same moment
            # either wins (the row is no longer quarantined) or waits; a crash after the delete leaves the row
            # quarantined and the next run finishes it (deleting a missing file is a no-op).
            with transaction.atomic():
                attachment = expired.select_for_update().filter(pk=pk).only("pk", "file").first()
                if attachment is None:
                    continue
                if attachment.file.name:
                    attachments.storage_delete(default_storage, attachment.file.name)
                RequestAttachment.objects.filter(pk=pk).update(state=AttachmentState.DELETED, file="",
                                                               deleted_at=now, reason=reason)
            counts[name] += 1
    window = dt.timedelta(minutes=settings.ZHIFA_PUBLIC_RATE_WINDOW_MINUTES)
    counted, _ = PublicSubmission.objects.filter(at__lt=now - window).delete()
    return counts | {"rate_rows_deleted": counted}


def request_act(*, request: Request, actor, action: str, note: str, forward_to: Agency | None = None) -> Request:
    """Verify, correct, reject, answer or forward (AZ-P §18): every outcome tells the requester (`note`)."""
    # Every move of the table needs the same permission: refused (and logged) first, whatever the action.
    wf.authorise(REQUEST, action if action in REQUEST_MOVES else tuple(REQUEST_MOVES), request, actor)
    if action not in REQUEST_MOVES:
        raise ZhifaError(PublicityErrorCode.REQUEST_INVALID, "未知的办理操作。")
    note = note.strip()
    if not note:
        raise ZhifaError(PublicityErrorCode.REASON_REQUIRED, "请填写告知申请人的内容。")
    if action == "forward":
        if forward_to is None or forward_to.pk == request.agency_id:
            raise ZhifaError(PublicityErrorCode.FORWARD_TARGET, "请选择有权处理的其他行政执法机关。")
        note = f"已转送{forward_to.name}处理。{note}"

    def handle(req: Request) -> None:
        if action == "forward":
            req.forwarded_to = forward_to
        if action == "correct" and req.publication is not None and req.publication.state == State.PUBLISHED \
                and req.publication.agency_id == req.agency_id:
            # The published item is wrong: take it down now; the corrected version goes through review again.
            publication_withdraw(publication=req.publication, actor=actor, trigger=Trigger.ERROR,
                                 basis=f"更正申请 {req.reference}", note=note)

    def close(req: Request) -> None:
        if req.state != RequestState.VERIFYING:
            req.answer, req.closed_at = note, timezone.now()

    return wf.transition(REQUEST, action, request, actor, note=note, effect=handle, after=close)


# --- the annual report (PUB-11) ----------------------------------------------------------------------------

def _report_due(agency: Agency, year: int) -> dt.date:
    due = rule_get("publicity.annual_report_due", jurisdiction=agency.jurisdiction, as_of=dt.date(year + 1, 1, 1)).value
    return dt.date(year + 1, due["month"], due["day"])


def report_compute(*, agency: Agency, year: int, actor) -> AnnualReport:
    """The previous year's figures computed from the data (a justice bureau's: the sum of the reports filed with
    it by its area's agencies and the bureaus one level down). Recomputing a draft keeps the edits' notes."""
    from .selectors import report_figures, report_sources

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

    return wf.transition(REPORT, "publish", report, actor, effect=publish, update_fields=("published_at",))
