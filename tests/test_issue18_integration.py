"""Issue 18, the pieces that join its parts: who must hold a certificate to open a case (ORG-03), the party's
legal representative through every door (REC-02), the 文号 in document lists, regulation names in every error."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.cases import numbering, services
from zhifa.cases.models import Party
from zhifa.core.errors import ZhifaError
from zhifa.core.names import person_label
from zhifa.core.permissions import Role
from zhifa.org.tests.factories import CertificateFactory, PersonFactory, UserFactory, grant
from zhifa.records.forms import document_choices


def _open(desk, actor):
    return services.case_open(agency=desk.agency, handling_unit=desk.unit, title="无照经营", action_type="penalty",
                              procedure="ordinary", place=desk.place, legal_basis="《无证无照经营查处办法》第十三条",
                              actor=actor)


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_a_registered_officer_without_any_certificate_cannot_open_a_case(desk):
    user = grant(UserFactory(username="off_uncertified"), Role.OFFICER, agency=desk.agency)
    PersonFactory(name="无证执法员", agency=desk.agency, user=user)
    with pytest.raises(ZhifaError) as refused:
        _open(desk, user)
    assert refused.value.code == "officer_not_certified" and "无证执法员" in refused.value.message


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_an_officer_role_whose_only_certificate_expired_yesterday_cannot_open_a_case(desk):
    user = grant(UserFactory(username="off_expired"), Role.OFFICER, agency=desk.agency)
    person = PersonFactory(name="过期执法员", agency=desk.agency, user=user)
    CertificateFactory(person=person, valid_from=dt.date(2020, 1, 1), valid_to=timezone.localdate() - dt.timedelta(days=1))
    with pytest.raises(ZhifaError) as refused:
        _open(desk, user)
    assert refused.value.code == "officer_certificate_expired"
    # Valid through today: the same officer may open.
    CertificateFactory(person=person, valid_from=dt.date(2020, 1, 1), valid_to=timezone.localdate())
    assert _open(desk, user).number


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_legal_representative_is_kept_for_an_organisation_and_never_for_a_natural_person(desk, client):
    case = _open(desk, desk.officer)
    org = services.party_add(case=case, kind="organisation", name="某某商贸有限公司", id_number="91350100M000100Y43",
                             legal_representative=" 张三 ", actor=desk.officer)
    assert Party.objects.get(pk=org.pk).legal_representative == "张三"
    person = services.party_add(case=case, kind="natural", name="李四", id_number="11010519491231002X",
                                legal_representative="王五", actor=desk.officer)
    assert Party.objects.get(pk=person.pk).legal_representative == ""
    client.force_login(desk.officer)
    client.post(f"/cases/{case.pk}/parties/", {"kind": "organisation", "name": "另一商行有限公司",
                                               "id_number": "91350100M000100Y43", "legal_representative": "赵六"})
    assert Party.objects.filter(case=case, legal_representative="赵六").exists()
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "法定代表人（负责人）张三" in page


@pytest.mark.django_db
def test_an_error_message_names_the_regulation_not_its_code():
    error = ZhifaError("x", "现场执法应当出示执法证件（IM-M 第九条）；AZ-R 第十条")
    assert "IM-M" not in error.message and "AZ-R" not in error.message
    assert "《内蒙古自治区行政执法公示执法全过程记录重大执法决定法制审核办法》第九条" in error.message
    assert "《安泽县行政执法全过程记录办法》第十条" in error.message and str(error) == error.message


@pytest.mark.django_db
def test_an_account_nobody_named_is_not_called_the_system():
    assert person_label(None) == "系统"
    assert person_label(UserFactory(username="ed_x", first_name="", last_name="")) == "未登记姓名的账号"


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_upload_form_names_a_numbered_document_by_its_number(desk, django_assert_max_num_queries):
    from zhifa.cases.tests.conftest import elements

    case = _open(desk, desk.officer)
    for person in desk.officers:
        services.officer_assign(case=case, person=person, actor=desk.officer)
    doc = services.document_record(case=case, form="filing_approval", elements=elements(
        desk, case_source="检查发现", opinion="同意", approver="局长"), actor=desk.officer)
    numbering.DocumentNumber.objects.create(document=doc, agency=desk.agency, year=2026, kind="罚决", serial=7, issued_on=dt.date(2026, 1, 5),
                                            text="测市监罚决〔2026〕7号", entry=doc.entry)
    with django_assert_max_num_queries(4):
        labels = [label for _doc, label in document_choices(case)]
    assert any("测市监罚决〔2026〕7号（第1版）" in label for label in labels), labels


def test_a_review_item_asked_as_a_question_reads_its_finding_as_an_answer():
    """"违法行为是否涉嫌犯罪、需要移送司法机关：符合" could be read either way (tryout, issue 18)."""
    from zhifa.review.models import Opinion
    from zhifa.review.workflow import FINDINGS, findings_for

    assert findings_for("crime_transfer")["ok"].startswith("否") and findings_for("crime_transfer")["problem"].startswith("是")
    assert findings_for("subject_qualified") == FINDINGS
    rows = Opinion(checklist=[{"item": "crime_transfer", "finding": "ok", "note": ""}]).checklist_display()
    assert rows[0]["finding"] == "否（不涉嫌犯罪，无需移送）"
