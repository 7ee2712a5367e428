"""Ledger event kinds of the legal review, and their constructors (issue 17: one constructor per kind, after Saleor's
order/events.py). Every entry about a review is about its case (`cases.case:N`, built by cases.events.case_subject,
so the case's scope and consultation check govern who reads it); a catalogue's entries are about its agency
(`org.agency:N`, org's entry_scope).

Each move of workflow.TRANSITIONS names its kind (`Move.event`); `review.step`, which every move wrote before, stays
registered for the entries already in logs and is no longer written (RETIRED)."""

from zhifa.cases.events import case_subject
from zhifa.ledger.events import register

CATALOGUE_ISSUED = register("review.catalogue_issued", "发布重大执法决定法制审核目录清单")
CATALOGUE_ACKNOWLEDGED = register("review.catalogue_acknowledged", "目录清单备案登记")
DETERMINED = register("review.determined", "重大执法决定认定")
OPINION = register("review.opinion", "出具法制审核意见")
# The moves of the table (workflow.TRANSITIONS), one kind each.
SUBMITTED = register("review.submitted", "承办机构送审")
MATERIALS_SUBMITTED = register("review.materials_submitted", "提交送审材料")
PAUSED = register("review.paused", "中止审核计时")
RESUMED = register("review.resumed", "补充材料已提交，恢复审核计时")
RESUMED_BY_REVIEWER = register("review.resumed_by_reviewer", "专家论证、提请解释完毕，恢复审核计时")
RETURNED = register("review.returned", "材料不齐全，退回补充")
EXTENSION_REQUESTED = register("review.extension_requested", "申请延长审核期限")
EXTENSION_DECIDED = register("review.extension_decided", "延长审核期限的批准或不批准")
OPINION_GIVEN = register("review.opinion_given", "审核意见送达承办机构")
COSIGNED = register("review.cosigned", "共同决定机关会签（审核流转）")
COSIGNATURE = register("review.cosignature", "共同决定机关签署会签意见")
OPINION_ADOPTED = register("review.opinion_adopted", "承办机构采纳审核意见")
OPINION_OBJECTED = register("review.opinion_objected", "承办机构对审核意见有异议")
CONSULTATION_ADOPTED = register("review.consultation_adopted", "协商后承办机构接受审核意见")
OPINION_WITHDRAWN = register("review.opinion_withdrawn", "协商后审核机构撤回意见")
CONSULTATION_DEADLOCKED = register("review.consultation_deadlocked", "协商后仍不能达成一致")
HEAD_DECIDED = register("review.head_decided", "负责人决定")
RESUBMITTED = register("review.resubmitted", "处理后重新送审")
REVIEWER_ASSIGNED = register("review.reviewer_assigned", "指派审核人员")
REVIEWER_RECUSED = register("review.reviewer_recused", "审核人员回避")
# Written by every move before issue 17; kept for the entries already in logs, no longer written.
STEP = register("review.step", "法制审核环节")
RETIRED = frozenset({STEP})


def agency_subject(agency_or_pk) -> str:
    """The subject family `org.agency` (org's entry_scope), for an agency or its primary key."""
    return f"org.agency:{getattr(agency_or_pk, 'pk', agency_or_pk)}"


def _record(kind: str, subject: str, actor, payload: dict):
    from zhifa.ledger.services import record_event  # the ledger's models load after this app's kinds register

    return record_event(kind, subject=subject, actor=actor, payload=payload)


def catalogue_issued(agency, *, actor, version: int, effective_from: str, review_all_ordinary: bool, filed_with: int,
                     items: list[dict]):
    return _record(CATALOGUE_ISSUED, agency_subject(agency), actor, {
        "version": version, "effective_from": effective_from, "review_all_ordinary": review_all_ordinary,
        "filed_with": filed_with, "items": items})


def catalogue_acknowledged(catalogue, *, actor, remarks: str):
    return _record(CATALOGUE_ACKNOWLEDGED, agency_subject(catalogue.agency_id), actor,
                   {"catalogue": catalogue.pk, "version": catalogue.version, "remarks": remarks})


def determined(case, found, *, actor, joint: list[int], declared: dict, draft=None):
    """`found`: the assessment (review.determination.assess); `declared`: what the officer declared; `draft`: the
    draft decision it was assessed from, when a recorded draft triggered it."""
    return _record(DETERMINED, case_subject(case), actor, {
        "fine_amount": str(found.fine), "property_value": str(found.property_value), "measures": found.measures,
        "criteria": found.criteria, "hearing_held": found.hearing_held,
        "catalogue": found.catalogue.pk if found.catalogue else None, "matched_items": [i.pk for i in found.matched],
        "is_major": found.is_major, "collective_discussion": found.collective_discussion, "joint_agencies": joint,
        "declared": declared, "draft": draft.pk if draft else None})


def opinion_signed(review, *, actor, kind: str, grounds: list[str], checklist: list[dict], text: str, late: bool,
                   document: int | None, sha256: str | None):
    return _record(OPINION, case_subject(review.case_id), actor, {
        "review": review.pk, "round": review.round, "kind": kind, "grounds": grounds, "checklist": checklist,
        "text": text, "late": late, "document": document, "sha256": sha256})


def moved(review, move, *, actor, action: str, from_state: str, to_state: str, note: str, data: dict):
    """A move of the review's table: its own kind (`move.event`); `action` is the step's name (the move's, or what
    it says more: an extension approved or refused)."""
    return _record(move.event, case_subject(review.case_id), actor, {
        "review": review.pk, "round": review.round, "action": action, "from": from_state, "to": to_state,
        "note": note, "data": data})


def materials_submitted(review, *, actor, materials: dict):
    return _record(MATERIALS_SUBMITTED, case_subject(review.case_id), actor, {
        "review": review.pk, "round": review.round, "action": "materials", "materials": materials})


def reviewer_assigned(review, *, actor, person: int, adviser: int | None, first_time: bool):
    return _record(REVIEWER_ASSIGNED, case_subject(review.case_id), actor, {
        "review": review.pk, "action": "assign", "person": person, "adviser": adviser, "first_time": first_time})


def reviewer_recused(review, *, actor, person: int, reason: str):
    return _record(REVIEWER_RECUSED, case_subject(review.case_id), actor,
                   {"review": review.pk, "action": "recusal", "person": person, "reason": reason})


def cosignature_signed(review, *, actor, agency: int, opinion: int, concur: bool, note: str):
    """The joint agency's signature itself (the row CoSignature); the move it makes is `moved` (COSIGNED)."""
    return _record(COSIGNATURE, case_subject(review.case_id), actor, {
        "review": review.pk, "action": "cosign", "agency": agency, "opinion": opinion, "concur": concur,
        "note": note})
