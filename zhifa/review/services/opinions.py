"""The review opinion (REV-05, REV-07)."""

from django.db import transaction
from django.utils import timezone

from zhifa.cases import services as case_services
from zhifa.core import workflow as wf
from zhifa.core.errors import WrongStateError, ZhifaError
from zhifa.rules.catalogue import REVIEW_ITEMS

from .. import events
from ..errors import ReviewErrorCode
from ..models import Opinion, Review
from ..workflow import FINDINGS, GROUNDS, OpinionKind, State, findings_for
from ._common import REVIEW, _passed, _today
from .assignment import _assignment_of

# --- the opinion (REV-05, REV-07) ----------------------------------------------------------------------

def _clean_checklist(items: list[str], checklist: dict) -> list[dict]:
    out = []
    for code in items:
        row = checklist.get(code) or {}
        finding, note = row.get("finding", ""), str(row.get("note", "")).strip()
        if finding not in FINDINGS:
            raise ZhifaError(ReviewErrorCode.OPINION_INVALID, f"请对“{REVIEW_ITEMS[code]}”作出审核结论。")
        if finding == "problem" and not note:
            raise ZhifaError(ReviewErrorCode.OPINION_INVALID, f"“{REVIEW_ITEMS[code]}”存在问题，请写明问题。")
        out.append({"item": code, "finding": finding, "note": note})
    unknown = set(checklist) - set(items)
    if unknown:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, f"审核内容含本地规则以外的项目：{sorted(unknown)}")
    return out


def _check_opinion(kind: str, grounds: list[str], rows: list[dict]) -> None:
    if kind not in OpinionKind.values:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "审核意见应为同意、纠正、不予作出决定或移送。")
    allowed = GROUNDS[OpinionKind(kind)]
    if not set(grounds) <= set(allowed):
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, f"“{OpinionKind(kind).label}”意见的理由只能是：{'、'.join(allowed.values()) or '无'}。")
    problems = {r["item"] for r in rows if r["finding"] == "problem"}
    if kind == OpinionKind.AGREE and problems:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "审核内容存在问题的，不能提出同意的意见（国办发〔2018〕118号“明确审核内容”：根据不同情形，提出同意或者存在问题的书面审核意见）。")
    if kind != OpinionKind.AGREE:
        if not grounds:
            raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "请选择提出该意见的理由（国办发〔2018〕118号“明确审核内容”）。")
        if not problems:
            raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "请在审核内容中写明存在的问题。")
    if kind == OpinionKind.TRANSFER and "crime_transfer" in {r["item"] for r in rows} and "crime_transfer" not in problems:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "提出移送意见的，“涉嫌犯罪需要移送”一项应写明问题。")


def opinion_record(*, review: Review, kind: str, checklist: dict, text: str, actor, grounds=()) -> Opinion:
    """An assigned reviewer signs the opinion on the items the rules list. Where the rules ask for a written
    opinion (法制审核意见书), it goes into the case file, sealed, and the same file into the review unit's
    archive (AZ-V §13: two copies; none for an online review where the rules say so)."""
    assignment = _assignment_of(review, actor)
    if assignment is None:  # the table's "opinion": the reviewer assigned, no role alone (refused and logged)
        wf.authorise(REVIEW, "opinion", review, actor, message="只有本案指派的审核人员可以出具审核意见。")
    grounds = sorted(set(grounds))
    rows = _clean_checklist(review.rules["items"], checklist)
    _check_opinion(kind, grounds, rows)
    text = text.strip()
    if not text:
        raise ZhifaError(ReviewErrorCode.OPINION_INVALID, "请填写审核意见。")
    data = {}
    signed = {}

    def sign(review: Review) -> str:
        # Under the review's lock: a recusal (or a reassignment) that committed after the check above wins.
        current = _assignment_of(review, actor)
        if assignment is not None and (current is None or current.pk != assignment.pk):
            raise WrongStateError("该审核人员已回避或不再承办本案审核，不能出具审核意见。")
        submission = review.submissions.get(round=review.round)
        late = review.due_on is not None and _today() > review.due_on
        document = blob = None
        if review.rules["opinion_document"]["online"]:
            document = case_services.system_document_record(case=review.case, form="review_opinion", actor=actor, elements={
                "time": timezone.now().isoformat(), "reviewer": assignment.person.name,
                "opinion": f"{OpinionKind(kind).label}。{text}",
                "grounds": "、".join(GROUNDS[OpinionKind(kind)][g] for g in grounds) or "无",
                "items": "\n".join(f"{REVIEW_ITEMS[r['item']]}：{findings_for(r['item'])[r['finding']]}{'，' + r['note'] if r['note'] else ''}"
                                   for r in rows)})
            blob = case_services.system_document_issue(document=document, actor=actor).blob
        entry = events.opinion_signed(review, actor=actor, kind=kind, grounds=grounds, checklist=rows, text=text,
                                      late=late, document=document.pk if document else None,
                                      sha256=blob.sha256 if blob else None)
        signed["opinion"] = opinion = Opinion.objects.create(
            review=review, submission=submission, kind=kind, grounds=grounds, checklist=rows, text=text,
            assignment=assignment, signed_by=actor, late=late, case_document=document, archive_blob=blob, entry=entry)
        data.update({"opinion": opinion.pk, "kind": kind})
        if kind == OpinionKind.AGREE:
            return State.JOINT_SIGNING if review.joint_agencies.exists() else State.PASSED
        return State.OPINION_GIVEN

    with transaction.atomic():
        review = wf.lock(REVIEW, review)
        wf.apply(REVIEW, "opinion", review, actor, note=text, data=data, effect=sign, after=_passed)
        wf.save(REVIEW, review)
        return signed["opinion"]
