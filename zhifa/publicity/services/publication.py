"""The public item's moves: submission, return, approval and publication, exemption, withdrawal."""

from django.db import transaction
from django.utils import timezone

from zhifa.core import generations
from zhifa.core import workflow as wf
from zhifa.core.errors import ZhifaError
from zhifa.review.gate import decision_problems

from .. import events, redaction, search
from ..errors import PublicityErrorCode
from ..models import Mask, Publication
from ..workflow import (
    LIST_KINDS,
    OVERRIDABLE,
    Exception_,
    ExemptionGround,
    Kind,
    State,
    Trigger,
    UpdateReason,
)
from ._common import PUBLICATION, _locked, _move, _move_first, _save
from .collection import _decision_document, decision_collect
from .masks import active_masks
from .minor_check import _minor_findings, _minor_first, _refuse_minor

# --- review, publication, exemption ------------------------------------------------------------------------

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
    # Issue 19 §1: once committed, the portal's pages that show it or its versions are rendered anew.
    generations.bump_on_commit(*generations.publication_names(pub))
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
                         "第三方同意或公共利益例外只适用于商业秘密、个人隐私（《中华人民共和国政府信息公开条例》第十五条）。")
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
    # Issue 19 §1: once committed, the portal's pages that showed it are rendered anew (withdrawn, never the content).
    generations.bump_on_commit(*generations.publication_names(pub))
    return pub
