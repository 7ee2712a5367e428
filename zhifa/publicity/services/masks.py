"""Masks on a public item and their removal (PUB-06, PUB-08)."""

from django.db import transaction
from django.utils import timezone

from zhifa.core.errors import NotFoundError, WrongStateError, ZhifaError
from zhifa.org import permissions as org_perms
from zhifa.rules.catalogue import MASK_KINDS

from .. import events
from ..errors import PublicityErrorCode
from ..models import Mask, MaskRemoval, MaskRemovalRequest, Publication
from ..workflow import EDITABLE, MaskLift, MaskRemovalState, mask_lift
from ._common import _locked, _permission_first, _publication_agency, _require
from .collection import _mask_write
from .minor_check import _minor_findings

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
        raise ZhifaError(PublicityErrorCode.MASK_MINOR, "该公示信息涉及未成年人，其中任何隐去内容均不得取消（《中华人民共和国未成年人保护法》）。")
    rule = mask_lift(mask.kind)
    if rule == MaskLift.NEVER:
        raise ZhifaError(PublicityErrorCode.MASK_LOCKED,
                         f"{MASK_KINDS.get(mask.kind, mask.kind)}属于自然人身份信息，依法不得公开，不能取消隐去（国办发〔2018〕118号“全面推行行政执法公示制度”：涉及个人隐私的，作适当处理后公开）。")
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
