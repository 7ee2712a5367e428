"""Words on the case page that said the wrong thing (tryout findings): a Word file "已签发" though it is not
sealed, and login names (agency_head) where a person is meant."""

import pytest

from zhifa.cases.tests.conftest import inspection_with_record
from zhifa.core.names import display_name
from zhifa.core.permissions import Role
from zhifa.org.tests.factories import PersonFactory, UserFactory, grant


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):
    settings.ZHIFA_SIGNING_DIR = str(tmp_path / "signing")


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_generating_the_word_file_does_not_claim_it_was_sealed(client, desk, users):
    """Only the PDF carries the agency's electronic seal; 生成 Word 文本 said "已签发《…》", which it is not."""
    case, doc = inspection_with_record(desk)
    client.force_login(users.head_a1)
    word = client.post(f"/cases/{case.pk}/documents/{doc.pk}/issue/", {"kind": "docx"}, follow=True).content.decode()
    assert "已生成《现场检查笔录》第 1 版的 Word 文本（不加盖电子签章）" in word and "已签发" not in word
    pdf = client.post(f"/cases/{case.pk}/documents/{doc.pk}/issue/", {"kind": "pdf"}, follow=True).content.decode()
    assert "已签发《现场检查笔录》第 1 版（已加盖电子签章）" in pdf


@pytest.mark.django_db
def test_the_stage_history_and_the_header_name_people_not_accounts(client, desk, users):
    """The stage history showed "dz_a1：启动 → 调查取证" (the login name); the header showed a supervisor's login
    name. Both now go through the one rule (core.names): the linked person's name, else the full name, else the
    username."""
    PersonFactory(name="赵队长", agency=desk.agency, user=desk.head)
    case, _doc = inspection_with_record(desk)  # moved to investigation by desk.head
    client.force_login(desk.officer)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "赵队长：" in page and "dz_a1" not in page
    assert "甲一执法员" in page  # the officer's own person, in the header
    supervisor = users.county_a1_supervisor
    supervisor.first_name = "县监督员"
    supervisor.save(update_fields=["first_name"])
    client.force_login(supervisor)
    header = client.get("/").content.decode()
    assert "县监督员" in header and "sup_a1" not in header


@pytest.mark.django_db
def test_one_rule_names_a_user(desk, users):
    person_and_full = grant(UserFactory(username="pf", first_name="账户名"), Role.OFFICER, agency=desk.agency)
    PersonFactory(name="登记姓名", agency=desk.agency, user=person_and_full)
    assert display_name(person_and_full) == "登记姓名"  # the registry of officers is authoritative
    assert display_name(UserFactory(username="fn", first_name="王", last_name="五")) in ("王 五", "王五")
    assert display_name(users.nobody) == "nobody"
    assert display_name(None) == ""
