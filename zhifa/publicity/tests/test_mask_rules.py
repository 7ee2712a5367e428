"""Masks that cannot be lifted (issue 15 §3; PUB-05, IM-M §10): each kind's rule is data (workflow.MASK_LIFT) —
free, a legal basis and a second approver, or never — and anything in an item concerning a minor stays hidden.
The same rules on the page and in the API."""

import json

import pytest
from django.urls import reverse

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEvent, SecurityEventKind
from zhifa.core.permissions import Role
from zhifa.ledger.models import Entry
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.publicity import services
from zhifa.publicity.models import MaskRemovalRequest, Publication
from zhifa.publicity.workflow import MASK_LIFT, MaskLift, MaskRemovalState, Mode, mask_lift
from zhifa.rules.catalogue import MASK_KINDS

from .conftest import ADULT_ID, MINOR_ID, decided_case
from .test_api import post

PHONE = "13912345678"


def _full(d, **kw) -> Publication:
    pub = Publication.objects.get(case=decided_case(d, **kw))
    return services.decision_recollect(publication=pub, actor=d.editor, mode=Mode.FULL)


def _mask(pub, kind):
    return next(m for m in services.active_masks(pub) if m.kind == kind)


def _second_approver(d):
    return grant(UserFactory(username="ap_a2"), Role.PUBLICITY_APPROVER, agency=d.agency)


def _mask_entries(pub, action):
    payloads = (json.loads(e.payload) for e in Entry.objects.filter(kind="publicity.mask", subject=pub.subject))
    return [p for p in payloads if p["action"] == action]


def test_the_rules_are_a_table():
    assert MASK_LIFT["id_number"] == MaskLift.NEVER
    assert {MASK_LIFT[k] for k in ("phone", "home_address", "person_name", "bank_account")} == {MaskLift.APPROVAL}
    assert mask_lift("other") == MaskLift.FREE  # a manual mask of no kind IM-M §10 names
    # Every kind the detector proposes is personal data: none is freely liftable, even one the table forgot.
    assert all(mask_lift(k) != MaskLift.FREE for k in MASK_KINDS)


@pytest.mark.req("PUB-05")
def test_a_free_mask_is_lifted_with_a_reason(pubdesk):
    pub = _full(pubdesk)
    [mask] = services.mask_add(publication=pub, actor=pubdesk.editor, kind="other", text="过期", reason="商业秘密")
    removal = services.mask_remove(mask=mask, actor=pubdesk.editor, reason="不属于商业秘密")
    assert removal.mask == mask and removal.approval is None
    assert "过期" in services.public_text(pub) and _mask_entries(pub, "remove")


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("who", ["editor", "approver"])
def test_a_natural_persons_id_number_is_never_lifted(pubdesk, who):
    pub = _full(pubdesk)
    mask = _mask(pub, "id_number")
    for basis in ("", "当事人同意公开"):
        with pytest.raises(ZhifaError) as e:
            services.mask_remove(mask=mask, actor=getattr(pubdesk, who), reason="当事人同意", legal_basis=basis)
        assert e.value.code == "publicity_mask_cannot_be_lifted" and "不能取消隐去" in e.value.message
    assert not MaskRemovalRequest.objects.exists()
    assert ADULT_ID not in services.public_text(pub)


@pytest.mark.req("PUB-05")
def test_contact_details_need_a_legal_basis_and_another_approver(pubdesk):
    d = pubdesk
    other = _second_approver(d)
    pub = _full(d)
    mask = _mask(pub, "phone")
    with pytest.raises(ZhifaError) as e:
        services.mask_remove(mask=mask, actor=d.approver, reason="应当公开")
    assert e.value.code == "publicity_mask_legal_basis_required"
    asked = services.mask_remove(mask=mask, actor=d.approver, reason="系执法机关咨询电话",
                                 legal_basis="IM-M 第十条仅要求隐去当事人通讯方式")
    assert isinstance(asked, MaskRemovalRequest) and asked.state == MaskRemovalState.PENDING
    # The mask stays until approved.
    assert PHONE not in services.public_text(pub)
    with pytest.raises(ZhifaError) as e:
        services.mask_remove(mask=mask, actor=d.editor, reason="再申请", legal_basis="x")
    assert e.value.code == "publicity_mask_removal_pending"
    # Not the requester, even though they hold publicity.approve.
    with pytest.raises(ZhifaError) as e:
        services.mask_removal_decide(removal_request=asked, actor=d.approver, approve=True)
    assert e.value.code == "publicity_mask_removal_same_person"
    assert PHONE not in services.public_text(pub)
    # An editor has no publicity.approve: refused before the transaction, and the denial is logged.
    denials = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()
    with pytest.raises(PermissionDeniedError):
        services.mask_removal_decide(removal_request=asked, actor=d.editor, approve=True)
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count() == denials + 1
    decided = services.mask_removal_decide(removal_request=asked, actor=other, approve=True, note="同意")
    assert decided.state == MaskRemovalState.APPROVED and decided.decided_by == other
    assert decided.removal.approval == decided and "IM-M 第十条" in decided.removal.reason
    assert PHONE in services.public_text(pub)
    [requested] = _mask_entries(pub, "removal_requested")
    [approved] = _mask_entries(pub, "removal_approved")
    assert requested["legal_basis"] and approved["requested_by"] == d.approver.pk
    with pytest.raises(ZhifaError) as e:
        services.mask_removal_decide(removal_request=asked, actor=other, approve=True)
    assert e.value.code == "publicity_mask_removal_decided"


@pytest.mark.req("PUB-05")
def test_a_refused_removal_keeps_the_mask(pubdesk):
    d = pubdesk
    pub = _full(d)
    asked = services.mask_remove(mask=_mask(pub, "home_address"), actor=d.editor, reason="x", legal_basis="y")
    with pytest.raises(ZhifaError) as e:
        services.mask_removal_decide(removal_request=asked, actor=d.approver, approve=False)
    assert e.value.code == "publicity_reason_required"
    services.mask_removal_decide(removal_request=asked, actor=d.approver, approve=False, note="住址依法隐去")
    assert "兴安北路" not in services.public_text(pub) and _mask_entries(pub, "removal_rejected")


@pytest.mark.req("PUB-05")
@pytest.mark.req("PUB-06")
def test_nothing_in_an_item_about_a_minor_is_lifted(pubdesk):
    d = pubdesk
    pub = _full(d, id_number=MINOR_ID, name="李小明")
    [free] = services.mask_add(publication=pub, actor=d.editor, kind="other", text="过期", reason="x")
    for mask, basis in ((free, ""), (_mask(pub, "phone"), "依法")):
        with pytest.raises(ZhifaError) as e:
            services.mask_remove(mask=mask, actor=d.editor, reason="应当公开", legal_basis=basis)
        assert e.value.code == "publicity_mask_of_minor"


@pytest.mark.req("PUB-05")
def test_a_request_made_before_a_minor_turns_up_cannot_be_approved(pubdesk):
    from zhifa.cases import services as case_services

    d = pubdesk
    other = _second_approver(d)
    pub = _full(d)
    asked = services.mask_remove(mask=_mask(pub, "phone"), actor=d.editor, reason="x", legal_basis="y")
    case_services.party_add(case=pub.case, kind="natural", name="李小明", id_number=MINOR_ID, actor=d.officer)
    with pytest.raises(ZhifaError) as e:
        services.mask_removal_decide(removal_request=asked, actor=other, approve=True)
    assert e.value.code == "publicity_mask_of_minor"


def test_masking_without_the_permission_is_refused_first_and_logged(pubdesk):
    pub = _full(pubdesk)
    denials = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()
    with pytest.raises(PermissionDeniedError):
        services.mask_remove(mask=_mask(pub, "id_number"), actor=pubdesk.officer, reason="x")
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count() == denials + 1


@pytest.mark.req("PUB-05")
def test_the_api_applies_the_same_rules(pubdesk, client):
    d = pubdesk
    other = _second_approver(d)
    pub = _full(d)
    base = f"/api/publicity/items/{pub.pk}"
    never = post(client, f"{base}/masks/{_mask(pub, 'id_number').pk}/remove", {"reason": "x", "legal_basis": "y"}, d.editor)
    assert never.status_code == 400 and never.json()["code"] == "publicity_mask_cannot_be_lifted"
    phone = _mask(pub, "phone").pk
    bare = post(client, f"{base}/masks/{phone}/remove", {"reason": "应当公开"}, d.editor)
    assert bare.status_code == 400 and bare.json()["code"] == "publicity_mask_legal_basis_required"
    asked = post(client, f"{base}/masks/{phone}/remove", {"reason": "应当公开", "legal_basis": "依法"}, d.approver)
    assert asked.status_code == 202 and PHONE not in asked.json()["public_text"]
    rid = asked.json()["removal_request_id"]
    row = next(m for m in asked.json()["masks"] if m["id"] == phone)
    assert row["lift_rule"] == "approval" and row["removal_requests"][0]["state"] == "pending"
    same = post(client, f"{base}/mask-removals/{rid}/decide", {"approve": True}, d.approver)
    assert same.status_code == 400 and same.json()["code"] == "publicity_mask_removal_same_person"
    editor = post(client, f"{base}/mask-removals/{rid}/decide", {"approve": True}, d.editor)
    assert editor.status_code == 403
    done = post(client, f"{base}/mask-removals/{rid}/decide", {"approve": True, "note": "同意"}, other)
    assert done.status_code == 200 and PHONE in done.json()["public_text"]
    assert post(client, f"{base}/mask-removals/999999/decide", {"approve": True}, other).status_code == 404


@pytest.mark.req("PUB-05")
def test_the_page_applies_the_same_rules(pubdesk, client):
    d = pubdesk
    other = _second_approver(d)
    pub = _full(d)
    act = lambda action: reverse("publicity-act", args=[pub.pk, action])  # noqa: E731
    client.force_login(d.editor)
    page = client.get(reverse("publicity-item", args=[pub.pk])).content.decode()
    assert "不得取消" in page and "法律依据" in page
    r = client.post(act("mask_remove"), {"mask": _mask(pub, "id_number").pk, "reason": "x", "legal_basis": "y"}, follow=True)
    assert "不能取消隐去" in r.content.decode()
    client.post(act("mask_remove"), {"mask": _mask(pub, "phone").pk, "reason": "应当公开", "legal_basis": "依法"})
    asked = MaskRemovalRequest.objects.get()
    assert asked.requested_by == d.editor and asked.state == MaskRemovalState.PENDING
    denied = client.post(act("mask_removal_approve"), {"removal": asked.pk})  # the API's 403, as the 403 page
    assert denied.status_code == 403 and "无权访问" in denied.content.decode()
    client.force_login(other)
    page = client.get(reverse("publicity-item", args=[pub.pk])).content.decode()
    assert "批准取消隐去" in page
    client.post(act("mask_removal_approve"), {"removal": asked.pk})
    asked.refresh_from_db()
    assert asked.state == MaskRemovalState.APPROVED and PHONE in services.public_text(pub)
