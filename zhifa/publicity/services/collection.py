"""Collecting a decision's public item (采集, PUB-04–PUB-07): the text, the proposed masks and the deadline."""

import datetime as dt

from django.db import transaction

from zhifa.cases import selectors as case_selectors
from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import Case, PartyKind, Stage
from zhifa.core import workdays
from zhifa.core import workflow as wf
from zhifa.core.errors import WrongStateError, ZhifaError
from zhifa.org.models import ActionType, Agency
from zhifa.org.selectors import today as _today
from zhifa.rules.catalogue import SUMMARY_FIELDS
from zhifa.rules.selectors import rule_get

from .. import events, redaction
from ..errors import PublicityErrorCode
from ..models import Mask, Publication
from ..workflow import Kind, Mode, State, UpdateReason
from ._common import (
    DECISION_FORMS,
    PUBLICATION,
    _locked,
    _move,
    _move_first,
    _permission_first,
    _record,
    _require,
    _save,
)

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
