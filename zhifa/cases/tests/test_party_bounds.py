"""A party's texts are bounded by their columns at the service, so every door (page, API, push) answers a too-long
value with a Chinese 400 naming the field, on SQLite and PostgreSQL alike, never a database error (review18 finding
18: the case page's 法定代表人 had no limit and PostgreSQL refused the row with a 500)."""

import pytest

from zhifa.cases import services
from zhifa.cases.models import Party
from zhifa.core.errors import ZhifaError
from zhifa.ledger.models import Entry

CREDIT_CODE = "91110000600037341L"


@pytest.fixture
def case(desk):
    return services.case_open(agency=desk.agency, handling_unit=desk.unit, title="检查某某超市", action_type="inspection",
                              procedure="ordinary", place=desk.place, legal_basis="《食品安全法》第一百一十条",
                              actor=desk.officer)


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "limit", "label"), [("legal_representative", 100, "法定代表人（负责人）"),
                                                        ("name", 200, "姓名/名称"), ("address", 300, "住址/住所"),
                                                        ("phone", 30, "联系电话")])
def test_the_service_refuses_one_character_too_many_before_anything_is_written(case, desk, field, limit, label):
    body = {"kind": "organisation", "name": "某某超市", "id_number": CREDIT_CODE}
    entries = Entry.objects.count()
    with pytest.raises(ZhifaError) as exc:
        services.party_add(case=case, actor=desk.officer, **(body | {field: "张" * (limit + 1)}))
    assert exc.value.code == "invalid_input" and exc.value.status == 400
    assert f"“{label}”不能超过 {limit} 个字符（现为 {limit + 1} 个）" in exc.value.message
    assert set(exc.value.details) == {field}
    assert (Party.objects.count(), Entry.objects.count()) == (0, entries)
    party = services.party_add(case=case, actor=desk.officer, **(body | {field: "张" * limit}))  # the limit itself fits
    assert getattr(party, field) == "张" * limit


@pytest.mark.django_db
def test_the_case_page_answers_a_101_character_legal_representative_with_the_reason(client, case, desk):
    client.force_login(desk.officer)
    response = client.post(f"/cases/{case.pk}/parties/", {
        "kind": "organisation", "name": "某某超市", "id_number": CREDIT_CODE, "legal_representative": "李" * 101,
        "address": "甲一县人民路8号"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "“法定代表人（负责人）”不能超过 100 个字符（现为 101 个）" in page
    assert "甲一县人民路8号" in page  # what was typed is kept
    assert not Party.objects.exists()


@pytest.mark.django_db
def test_the_bound_is_said_before_the_id_number_is_checked(case, desk):
    """The service bounds the texts itself (not only the model's pre_save guard, which runs after the ID check): a
    form with a wrong credit code and an overlong 法定代表人 is told of the field first."""
    with pytest.raises(ZhifaError) as exc:
        services.party_add(case=case, actor=desk.officer, kind="organisation", name="某某超市", id_number="123",
                           legal_representative="李" * 101)
    assert exc.value.code == "invalid_input" and "法定代表人" in exc.value.message
