"""Tryout 18's gates on the case (defects 1, 2, 10, 18).

1. No decision without a party: 作出决定 is refused (`case_party_missing`, 行政处罚法 第五十九条) while the case has none,
   through the service, the page (the button disabled, with the reason), the API and the push.
2. Review staff never handle cases (ORG-04): a legal reviewer, or anyone of a review unit, is refused as case officer
   (`officer_review_staff`) at every door and left out of the page's candidates.
3. The "下一步" hint asks whoever can supply a missing record for it, with its form's link, names who makes the move,
   and says "您不能办理此步骤" only to someone who can do neither.
4. /cases/new/ says up front that an officer whose certificate is not in force cannot open a case.
"""

import datetime as dt
import re

import pytest
from django.utils import timezone

from zhifa.cases import decisions, services
from zhifa.cases.models import Case, CaseOfficer, Stage
from zhifa.cases.tests.conftest import elements
from zhifa.core.errors import ZhifaError
from zhifa.core.models import ApiToken
from zhifa.core.permissions import Role
from zhifa.org.models import UnitKind
from zhifa.org.selectors import OFFICER_REVIEW_STAFF
from zhifa.org.tests.factories import CertificateFactory, PersonFactory, UnitFactory, UserFactory, grant

VALID_ID = "11010519491231002X"  # passes the GB 11643 checksum; invented


def bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=user, name='测试')[1]}"}


def named(user, name):
    user.first_name = name
    user.save(update_fields=["first_name"])
    return user


def opened(desk, *, staffed=True) -> Case:
    case = services.case_open(agency=desk.agency, handling_unit=desk.unit, title="销售过期食品", action_type="penalty",
                              procedure="ordinary", place=desk.place, legal_basis="《食品安全法》第一百二十四条",
                              actor=desk.officer)
    for person in desk.officers if staffed else ():
        services.officer_assign(case=case, person=person, actor=desk.officer)
    return case


def at_decision(desk) -> Case:
    """An ordinary penalty case moved to the decision stage, no record of that stage yet."""
    case = opened(desk)
    services.document_record(case=case, form="filing_approval", elements=elements(
        desk, case_source="举报", opinion="同意立案", approver="局长"), actor=desk.officer)
    case = services.case_advance(case=case, actor=desk.head)
    services.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    return services.case_advance(case=case, actor=desk.officer)


def decision_ready(desk, assess) -> Case:
    """At the decision stage with the 告知书 and the draft decision, assessed as not major: everything but a party."""
    case = at_decision(desk)
    services.document_record(case=case, form="penalty_notice", elements=elements(
        desk, facts="销售过期食品", legal_basis="第一百二十四条", proposed_penalty="罚款五千元", rights="陈述、申辩"),
        actor=desk.officer)
    services.document_record(case=case, form="penalty_decision", elements=elements(
        desk, facts="销售过期食品", legal_basis="第一百二十四条", penalty="罚款五千元", remedies="六十日内复议或六个月内起诉"),
        actor=desk.officer)
    assess(case, desk.officer)
    return case


# --- 1. no decision without a party ------------------------------------------------------------------------------

@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_no_decision_is_made_while_the_case_has_no_party(client, desk, assess):
    case = decision_ready(desk, assess)
    with pytest.raises(ZhifaError) as refused:
        services.case_advance(case=case, actor=desk.head)
    assert refused.value.code == decisions.PARTY_MISSING == "case_party_missing"
    assert "本案尚未登记当事人" in refused.value.message and "《行政处罚法》第五十九条" in refused.value.message
    case.refresh_from_db()
    assert case.stage == Stage.DECISION and not case.stage_changes.filter(to_stage=Stage.SERVICE_ENFORCEMENT).exists()

    # The API: the same refusal, with its stable code.
    api = client.post(f"/api/cases/{case.pk}/advance", **bearer(desk.head))
    assert api.status_code == 400 and api.json()["code"] == "case_party_missing", api.content

    # The page: the head's button is there but disabled, with the reason; the officer is shown where to register.
    client.force_login(desk.head)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert re.search(r"<button disabled>作出决定，进入送达执行</button>", page)
    assert "尚不能办理：本案尚未登记当事人，《行政处罚决定书》应当载明当事人的姓名或者名称、地址" in page
    client.force_login(desk.officer)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert '<a href="#parties">登记当事人</a>' in page and 'id="parties"' in page
    assert "您不能办理此步骤" not in page  # she can register the party

    services.party_add(case=case, kind="natural", name="张三", id_number=VALID_ID, address="甲一县人民路8号",
                       actor=desk.officer)
    client.force_login(desk.head)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "<button>作出决定，进入送达执行</button>" in page and "尚未登记当事人" not in page
    assert services.case_advance(case=case, actor=desk.head).stage == Stage.SERVICE_ENFORCEMENT


@pytest.mark.django_db
def test_the_party_problem_names_the_document_and_its_law(desk):
    case = opened(desk)
    assert "《查封、扣押决定书》" in decisions.party_problems(case, "seizure_decision")[0]
    assert "《行政强制法》第二十四条" in decisions.party_problems(case, "seizure_decision")[0]
    assert "《行政处罚法》第五十九条" in decisions.party_problems(case)[0]  # a penalty case's decision
    services.party_add(case=case, kind="organisation", name="某某商店", id_number="91110000600037341L",
                       address="甲一县人民路8号", actor=desk.officer)
    assert decisions.party_problems(case) == decisions.party_problems(case, "penalty_notice") == []


@pytest.mark.req("REC-09")
@pytest.mark.django_db
def test_a_pushed_case_without_a_party_is_not_decided(client, desk):
    certs = [p.certificates.get().number for p in desk.officers]
    at = (timezone.now() - dt.timedelta(hours=5)).isoformat()

    def doc(ext, form, **extra):
        return {"external_id": ext, "form": form, "elements": {
            "time": at, "place": "人民路8号", "officers": certs, "target": "某某商店", "content": "检查",
            "process": "出示证件后检查", "certificate_shown": True, "rights_told": True} | extra}

    body = {
        "external_system": "county-cms", "external_id": "CMS-2026-0099", "agency_id": desk.agency.pk,
        "handling_unit_id": desk.unit.pk, "title": "销售过期食品", "action_type": "penalty", "procedure": "ordinary",
        "place": desk.place.code, "legal_basis": "《食品安全法》", "officer_certificates": certs,
        "documents": [doc("D1", "filing_approval", case_source="举报", opinion="同意", approver="局长"),
                      doc("D2", "inspection_record"),
                      doc("D3", "penalty_notice", facts="f", legal_basis="b", proposed_penalty="p", rights="r"),
                      doc("D4", "penalty_decision", facts="f", legal_basis="b", penalty="罚款", remedies="复议或诉讼")],
        "determination": {"fine_amount": "5000", "criteria": []},
        "stage": "service_enforcement",
    }
    machine = bearer(grant(UserFactory(username="county_cms"), Role.AGENCY_HEAD, agency=desk.agency))
    refused = client.post("/api/cases/push", body, content_type="application/json", **machine)
    assert refused.status_code == 400 and refused.json()["code"] == "case_party_missing", refused.content
    assert not Case.objects.exists()  # one transaction: nothing left behind
    body["parties"] = [{"external_id": "P1", "kind": "organisation", "name": "某某商店", "id_number": "91110000600037341L",
                        "address": "甲一县人民路8号"}]
    pushed = client.post("/api/cases/push", body, content_type="application/json", **machine)
    assert pushed.status_code == 201, pushed.content
    assert Case.objects.get().stage == Stage.SERVICE_ENFORCEMENT


# --- 2. review staff never handle cases ---------------------------------------------------------------------------

@pytest.fixture
def review_staff(desk):
    """A legal reviewer and a clerk of the review unit, both holding certificates in force for the case's area."""
    unit = UnitFactory(agency=desk.agency, name="法制审核科", kind=UnitKind.REVIEW)
    today = timezone.localdate()
    reviewer = PersonFactory(agency=desk.agency, unit=unit, name="蒋审核", is_reviewer=True,
                             legal_qualification_number="A20151101000009")
    clerk = PersonFactory(agency=desk.agency, unit=unit, name="钱科员")
    for person in (reviewer, clerk):
        CertificateFactory(person=person, area=desk.place, valid_from=today - dt.timedelta(days=10),
                           valid_to=today + dt.timedelta(days=300))
    return reviewer, clerk


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_review_staff_are_refused_as_case_officers_and_officers_are_not(desk, review_staff):
    case = opened(desk, staffed=False)
    reviewer, clerk = review_staff
    for person, words in ((reviewer, "蒋审核是法制审核人员（法制审核科）"), (clerk, "钱科员在法制审核机构（法制审核科）任职")):
        with pytest.raises(ZhifaError) as refused:
            services.officer_assign(case=case, person=person, actor=desk.head)
        assert refused.value.code == OFFICER_REVIEW_STAFF == "officer_review_staff"
        assert words in refused.value.message and "执法案件办理与法制审核相分离" in refused.value.message
    assert not CaseOfficer.objects.filter(case=case).exists()
    granted = services.officer_assign(case=case, person=desk.officers[0], actor=desk.head)
    assert granted.person == desk.officers[0] and granted.certificate_number


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_the_page_leaves_review_staff_out_and_the_api_and_push_refuse_them(client, desk, review_staff):
    case = opened(desk, staffed=False)
    reviewer, clerk = review_staff
    client.force_login(desk.head)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    candidates = re.search(r'<select id="person" name="person">(.*?)</select>', page, re.S).group(1)
    assert all(p.name in candidates for p in desk.officers)
    assert reviewer.name not in candidates and clerk.name not in candidates
    posted = client.post(f"/cases/{case.pk}/officers/", {"person": reviewer.pk}, follow=True).content.decode()
    assert "蒋审核是法制审核人员" in posted and "已指派" not in posted

    api = client.post(f"/api/cases/{case.pk}/officers?person_id={clerk.pk}", **bearer(desk.head))
    assert api.status_code == 400 and api.json()["code"] == "officer_review_staff", api.content
    assert not CaseOfficer.objects.filter(case=case).exists()

    machine = bearer(grant(UserFactory(username="county_cms"), Role.AGENCY_HEAD, agency=desk.agency))
    body = {"external_system": "county-cms", "external_id": "CMS-2026-0100", "agency_id": desk.agency.pk,
            "handling_unit_id": desk.unit.pk, "title": "无照经营", "action_type": "penalty", "procedure": "ordinary",
            "place": desk.place.code, "legal_basis": "《无证无照经营查处办法》",
            "officer_certificates": [desk.officers[0].certificates.get().number, reviewer.certificates.get().number]}
    pushed = client.post("/api/cases/push", body, content_type="application/json", **machine)
    assert pushed.status_code == 400 and pushed.json()["code"] == "officer_review_staff", pushed.content
    assert Case.objects.count() == 1  # only the case opened above


@pytest.mark.req("ORG-04")
@pytest.mark.django_db
def test_review_staff_holding_the_officer_role_cannot_open_a_case(client, desk, review_staff):
    reviewer, _clerk = review_staff
    reviewer.user = grant(UserFactory(username="rev_officer"), Role.OFFICER, agency=desk.agency)
    reviewer.save(update_fields=["user"])
    client.force_login(reviewer.user)
    page = client.get("/cases/new/").content.decode()
    assert 'id="opening-blocked"' in page and "蒋审核是法制审核人员" in page and "<button disabled>立案</button>" in page
    with pytest.raises(ZhifaError) as refused:
        services.case_open(agency=desk.agency, handling_unit=desk.unit, title="无照经营", action_type="penalty",
                           procedure="ordinary", place=desk.place, legal_basis="《无证无照经营查处办法》",
                           actor=reviewer.user)
    assert refused.value.code == "officer_review_staff" and not Case.objects.exists()


# --- 3. the next step's hint --------------------------------------------------------------------------------------

@pytest.mark.req("REC-01")
@pytest.mark.django_db
def test_the_hint_asks_who_can_supply_for_the_record_and_names_who_decides(client, desk, users):
    named(users.head_a1, "张局长")
    named(desk.head, "赵科长")
    case = at_decision(desk)
    for user in (desk.officer, desk.head):  # both may make the records; the head may also decide
        client.force_login(user)
        page = client.get(f"/cases/{case.pk}/").content.decode()
        assert ('请补齐：<a href="?form=penalty_notice#form">《行政处罚事先告知书》</a>；'
                '<a href="?form=penalty_decision#form">《行政处罚决定书》</a>') in page
        actors = re.search(r'<p class="next-actors">(.*?)</p>', page, re.S).group(1)
        assert actors.startswith("作出决定由") and "张局长（执法机关负责人）" in actors and "赵科长（承办机构负责人）" in actors
        assert "补齐文书的人员" not in actors and "您不能办理此步骤" not in page
        assert "head_a1" not in page and "dz_a1" not in page

    # The link opens the record-entry form on that form, its fields already there.
    client.force_login(desk.officer)
    page = client.get(f"/cases/{case.pk}/?form=penalty_notice").content.decode()
    select = re.search(r'<select id="form" name="form"([^>]*)>(.*?)</select>', page, re.S)
    assert '<option value="penalty_notice" selected>' in select.group(2) and 'hx-trigger="change"' in select.group(1)
    assert 'id="el-proposed_penalty"' in page


@pytest.mark.req("REC-01")
@pytest.mark.django_db
def test_only_someone_who_can_do_neither_is_told_so(client, desk, users):
    named(users.head_a1, "张局长")
    case = at_decision(desk)
    supervisor = users.county_a1_supervisor  # reads the case (with a stated reason), neither records nor decides
    services.consultation_open(case=case, actor=supervisor, reason="案卷评查抽查")
    client.force_login(supervisor)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    actors = re.search(r'<p class="next-actors">(.*?)</p>', page, re.S).group(1)
    assert "尚缺：《行政处罚事先告知书》；《行政处罚决定书》" in page and "请补齐" not in page
    assert actors.startswith("补齐文书的人员：李执法（承办执法人员）、王执法（承办执法人员）。作出决定由")
    assert "张局长（执法机关负责人）" in actors and actors.endswith("您不能办理此步骤。")

    # Nothing missing, a move that is not hers: the officer is told who approves and that she cannot.
    fresh = opened(desk)
    services.document_record(case=fresh, form="filing_approval", elements=elements(
        desk, case_source="举报", opinion="同意立案", approver="局长"), actor=desk.officer)
    client.force_login(desk.officer)
    actors = re.search(r'<p class="next-actors">(.*?)</p>', client.get(f"/cases/{fresh.pk}/").content.decode(),
                       re.S).group(1)
    assert actors.startswith("批准立案由") and actors.endswith("您不能办理此步骤。")


# --- 4. /cases/new/ says up front who cannot open a case ----------------------------------------------------------

@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_an_officer_whose_certificate_expired_is_told_before_filling_the_form(client, desk, users):
    expired_user = grant(UserFactory(username="off_expired"), Role.OFFICER, agency=desk.agency)
    today = timezone.localdate()
    cert = CertificateFactory(person=PersonFactory(agency=desk.agency, unit=desk.unit, name="过期员", user=expired_user),
                              area=desk.place, valid_from=today - dt.timedelta(days=400),
                              valid_to=today - dt.timedelta(days=1))
    client.force_login(expired_user)
    page = client.get("/cases/new/").content.decode()
    banner = re.search(r'<div class="bad" role="alert" id="opening-blocked">(.*?)</div>', page, re.S).group(1)
    assert f"执法证 {cert.number} 已于 {cert.valid_to:%Y-%m-%d} 过期" in banner and "不能立案" in banner
    assert desk.agency.name in banner and "<button disabled>立案</button>" in page

    for user in (desk.officer, users.head_a1):  # certified; a head who does no enforcement by opening
        client.force_login(user)
        page = client.get("/cases/new/").content.decode()
        assert 'id="opening-blocked"' not in page and "<button>立案</button>" in page
