"""Joint signing: a joint agency's co-signature of the opinion (REV-07)."""


from zhifa.core import workflow as wf
from zhifa.core.errors import ZhifaError
from zhifa.org.models import Agency

from .. import events
from ..errors import ReviewErrorCode
from ..models import CoSignature, Opinion, Review
from ..workflow import State
from ._common import REVIEW, _passed, _require_reason


def _latest_opinion(review: Review) -> Opinion:
    return review.opinions.order_by("-signed_at", "-id").first()


def cosign(*, review: Review, agency: Agency, concur: bool, actor, note: str = "") -> CoSignature:
    """A joint agency takes part in the review and signs (AZ-V §8). When all concur the review passes;
    a dissent sends the opinion back to the lead agency's reviewer."""
    wf.authorise(REVIEW, "cosign", review, actor, agency=agency)  # the joint agency's grants, not the lead's
    if not concur:
        note = _require_reason(note, "不同意的理由")
    data = {"agency": agency.pk}
    signed_box = {}

    def sign(review: Review) -> str:
        if not review.joint_agencies.filter(agency=agency).exists():
            raise ZhifaError(ReviewErrorCode.JOINT_INVALID, f"{agency.name}不是本案共同作出决定的机关。")
        opinion = _latest_opinion(review)
        if opinion.cosignatures.filter(agency=agency).exists():
            raise ZhifaError(ReviewErrorCode.JOINT_INVALID, f"{agency.name}已会签。", status=409)
        entry = events.cosignature_signed(review, actor=actor, agency=agency.pk, opinion=opinion.pk, concur=concur, note=note)
        signed_box["signature"] = CoSignature.objects.create(opinion=opinion, agency=agency, concur=concur,
                                                             note=note.strip(), signed_by=actor, entry=entry)
        signed = set(opinion.cosignatures.filter(concur=True).values_list("agency_id", flat=True))
        if not concur:
            return State.SUBMITTED
        if signed >= set(review.joint_agencies.values_list("agency_id", flat=True)):
            return State.PASSED
        return State.JOINT_SIGNING

    wf.transition(REVIEW, "cosign", review, actor, note=note, data=data, effect=sign, after=_passed, agency=agency)
    return signed_box["signature"]
