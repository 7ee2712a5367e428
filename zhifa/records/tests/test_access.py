"""Confidentiality and access to records: who may inspect or copy, decided by the head (REC-13, REC-14)."""

import pytest

from zhifa.cases import services as cases
from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.permissions import Role
from zhifa.ledger.models import Entry
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.records import access

PARTY_ID = "11010519491231002X"


@pytest.fixture
def head(desk):
    return grant(UserFactory(username="jz_a1"), Role.AGENCY_HEAD, agency=desk.agency)


@pytest.fixture
def case_with_party(desk, seizure):
    case, _camera = seizure
    cases.party_add(case=case, kind="natural", name="张三", id_number=PARTY_ID, actor=desk.officer)
    return case


@pytest.mark.req("REC-14")
@pytest.mark.django_db
def test_a_party_inspects_own_records_with_the_heads_approval_and_what_was_shown_is_recorded(desk, case_with_party, head):
    case = case_with_party
    with pytest.raises(ZhifaError) as exc:
        access.access_request_create(case=case, requester_kind="party", requester_name="李四", purpose="查阅",
                                     requester_id_number="110101199003074477", actor=desk.officer)
    assert exc.value.code == "record_access_not_a_party"
    req = access.access_request_create(case=case, requester_kind="party", requester_name="张三", purpose="查阅立案材料",
                                       requester_id_number=PARTY_ID.lower(), copy=True, actor=desk.officer)
    filing = case.documents.get(form="filing_approval")
    with pytest.raises(PermissionDeniedError):  # the handling officer does not decide
        access.access_request_decide(request=req, approve=True, reason="同意", shown=[{"type": "document", "id": filing.pk}],
                                     actor=desk.officer)
    with pytest.raises(ZhifaError):  # an approval must say what was shown
        access.access_request_decide(request=req, approve=True, reason="同意", actor=head)
    decided = access.access_request_decide(request=req, approve=True, reason="当事人查阅本人案件材料",
                                           shown=[{"type": "document", "id": filing.pk}], actor=head)
    assert decided.status == "approved" and decided.shown == [{"type": "document", "id": filing.pk}]
    with pytest.raises(ZhifaError) as exc:
        access.access_request_decide(request=req, approve=False, reason="改", actor=head)
    assert exc.value.code == "record_access_already_decided"
    kinds = list(Entry.objects.filter(subject=f"cases.case:{case.pk}", kind__startswith="records.access")
                 .values_list("kind", flat=True))
    assert kinds == ["records.access_requested", "records.access_decided"]
    assert PARTY_ID not in Entry.objects.get(kind="records.access_requested").payload


@pytest.mark.req("REC-14")
@pytest.mark.django_db
def test_state_organs_are_the_ones_the_measures_name(desk, case_with_party, head):
    case = case_with_party
    with pytest.raises(ZhifaError):
        access.access_request_create(case=case, requester_kind="state_organ", requester_name="某协会", organ="某行业协会",
                                     purpose="了解情况", actor=desk.officer)
    req = access.access_request_create(case=case, requester_kind="state_organ", requester_name="王检察官",
                                       organ="甲一县人民检察院", purpose="办理行政公益诉讼案件需要", actor=desk.officer)
    refused = access.access_request_decide(request=req, approve=False, reason="材料已移送", actor=head)
    assert refused.status == "refused" and refused.shown == []


@pytest.mark.req("REC-13")
@pytest.mark.django_db
def test_state_secrets_go_only_to_the_organs_entitled(desk, case_with_party, head):
    case = case_with_party
    with pytest.raises(PermissionDeniedError):
        access.case_mark(case=case, kind="state_secret", note="涉密", actor=desk.officer)
    access.case_mark(case=case, kind="state_secret", note="依定密文件，涉及国家秘密", actor=head)
    filing = case.documents.get(form="filing_approval")
    other = access.access_request_create(case=case, requester_kind="other", requester_name="某媒体", purpose="采访",
                                         actor=desk.officer)
    with pytest.raises(ZhifaError) as exc:
        access.access_request_decide(request=other, approve=True, reason="同意", actor=head,
                                     shown=[{"type": "document", "id": filing.pk}])
    assert exc.value.code == "record_access_state_secret"
    organ = access.access_request_create(case=case, requester_kind="state_organ", requester_name="监察人员",
                                         organ="甲一县监察委员会", purpose="监督检查", actor=desk.officer)
    assert access.access_request_decide(request=organ, approve=True, reason="依法提供", actor=head,
                                        shown=[{"type": "document", "id": filing.pk}]).status == "approved"
    with pytest.raises(ZhifaError):  # records of another case cannot be listed as shown
        access.access_request_decide(request=access.access_request_create(
            case=case, requester_kind="state_organ", requester_name="审计", organ="甲一县审计局", purpose="审计",
            actor=desk.officer), approve=True, reason="x", actor=head, shown=[{"type": "document", "id": 999999}])


@pytest.mark.req("REC-14")
@pytest.mark.django_db
def test_access_through_the_api(client, desk, case_with_party, head):
    from zhifa.core.models import ApiToken

    def auth(user):
        return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=user, name='t')[1]}"}

    case = case_with_party
    created = client.post(f"/api/records/cases/{case.pk}/access-requests", {
        "requester_kind": "state_organ", "requester_name": "审计人员", "organ": "甲一县审计局", "purpose": "专项审计"},
        content_type="application/json", **auth(desk.officer))
    assert created.status_code == 201 and created.json()["status"] == "pending"
    filing = case.documents.get(form="filing_approval")
    denied = client.post(f"/api/records/access-requests/{created.json()['id']}/decision",
                         {"approve": True, "reason": "同意", "shown": [{"type": "document", "id": filing.pk}]},
                         content_type="application/json", **auth(desk.officer))
    assert denied.status_code == 403
    ok = client.post(f"/api/records/access-requests/{created.json()['id']}/decision",
                     {"approve": True, "reason": "依法提供", "shown": [{"type": "document", "id": filing.pk}]},
                     content_type="application/json", **auth(head))
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    listed = client.get(f"/api/records/cases/{case.pk}/recordings", **auth(desk.officer))
    assert listed.status_code == 200 and listed.json() == []


@pytest.mark.req("REC-14")
@pytest.mark.django_db
def test_a_party_is_recognised_by_a_full_width_or_spaced_number(desk, case_with_party):
    """The requester's number is normalised as the party's was (core.idnumbers), so the same person matches."""
    req = access.access_request_create(case=case_with_party, requester_kind="party", requester_name="张三",
                                       purpose="查阅", requester_id_number="１１０１０５ １９４９１２３１ ００２ｘ",
                                       actor=desk.officer)
    assert req.requester_id_number == PARTY_ID
