"""Bad input never becomes a 500 (issue 13 §5): every value is checked before the database sees it, and every
failure answers {code, message[, details]} — the same on SQLite and PostgreSQL."""

import pytest
from django.test import Client

from zhifa.cases import services
from zhifa.cases.models import Case, Party
from zhifa.cases.tests.conftest import elements
from zhifa.cases.tests.test_push import machine, push_body  # noqa: F401  (fixture)
from zhifa.core.errors import ZhifaError

JSON = "application/json"


def _error(response, status: int, code: str | None = None) -> dict:
    """The response is the documented error shape with this status (and code)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) <= {"code", "message", "details"} and body["code"] and body["message"], body
    if code:
        assert body["code"] == code, body
    return body


@pytest.fixture
def case(desk):
    case = services.case_open(agency=desk.agency, handling_unit=desk.unit, title="扣押涉案车辆", action_type="coercion",
                              procedure="ordinary", place=desk.place, legal_basis="《行政强制法》", actor=desk.officer)
    for person in desk.officers:
        services.officer_assign(case=case, person=person, actor=desk.officer)
    return case


def _new_case(desk, **overrides):
    return {"agency_id": desk.agency.pk, "handling_unit_id": desk.unit.pk, "title": "销售过期食品",
            "action_type": "penalty", "procedure": "ordinary", "place": desk.place.code, "legal_basis": "《食品安全法》"
            } | overrides


@pytest.mark.req("REC-01")
@pytest.mark.django_db
def test_a_non_numeric_or_64_bit_overflowing_agency_id_is_a_422(client, desk):
    """Found on PostgreSQL: a non-numeric agency_id answered 500."""
    client.force_login(desk.officer)
    for bad in ("abc", "²", 2**64, -1, 0):
        _error(client.post("/api/cases/", _new_case(desk, agency_id=bad), content_type=JSON,
                           HTTP_X_CSRFTOKEN="x"), 422, "invalid_input")
    assert not Case.objects.exists()


@pytest.mark.req("REC-09")
@pytest.mark.django_db
def test_a_push_with_a_non_numeric_agency_id_or_wrong_types_is_refused_not_a_500(client, desk, machine):  # noqa: F811
    """The push took an untyped dict: "abc" reached the ORM (ValueError), a number where text belongs reached
    `.strip()` (AttributeError). Both were 500s; the push now has a schema."""
    for change in ({"agency_id": "abc"}, {"external_id": 42}, {"parties": "P1"}, {"documents": [{"form": ["x"]}]},
                   {"officer_certificates": [{"n": 1}]}):
        _error(client.post("/api/cases/push", push_body(desk) | change, content_type=JSON, **machine), 422)
    body = push_body(desk)
    body["documents"][1]["elements"]["officers"] = [[1], {"a": 1}]  # nested junk where certificate numbers belong
    _error(client.post("/api/cases/push", body, content_type=JSON, **machine), 400, "case_element_invalid")
    assert not Case.objects.exists()


@pytest.mark.req("REC-01")
@pytest.mark.django_db
def test_a_1000_character_title_is_refused_at_every_door(client, desk, machine):  # noqa: F811
    """Found on PostgreSQL: a 1 000-character title (the column holds 300) answered 500; SQLite stored it."""
    client.force_login(desk.officer)
    long_title = "过" * 1000
    body = _error(client.post("/api/cases/", _new_case(desk, title=long_title), content_type=JSON), 422)
    assert "title" in str(body["details"])
    _error(client.post("/api/cases/push", push_body(desk) | {"title": long_title}, content_type=JSON, **machine), 422)
    page = client.post("/cases/new/", {"agency": desk.agency.pk, "unit": desk.unit.pk, "place": desk.place.pk,
                                       "title": long_title, "action_type": "penalty", "procedure": "ordinary",
                                       "legal_basis": "x"}, follow=True)
    assert page.status_code == 400 and "“案由”不能超过 300 个字符（现为 1000 个）" in page.content.decode()
    # The service itself, whoever calls it, on either database:
    with pytest.raises(ZhifaError) as refused:
        services.case_open(agency=desk.agency, handling_unit=desk.unit, title=long_title, action_type="penalty",
                           procedure="ordinary", place=desk.place, legal_basis="x", actor=desk.officer)
    assert refused.value.code == "invalid_input" and refused.value.details == {
        "title": "“案由”不能超过 300 个字符（现为 1000 个）。"}
    assert not Case.objects.exists()


@pytest.mark.req("REC-01")
@pytest.mark.django_db
def test_over_long_party_fields_are_refused_not_a_500(client, desk, case):
    """Found on PostgreSQL: a 201-character name, a 301-character address or a 31-character phone answered 500."""
    client.force_login(desk.officer)
    party = {"kind": "natural", "name": "张三", "id_number": "11010519491231002X"}
    for field, size in (("name", 201), ("address", 301), ("phone", 31)):
        body = _error(client.post(f"/api/cases/{case.pk}/parties", party | {field: "8" * size}, content_type=JSON), 422)
        assert field in str(body["details"])
        page = client.post(f"/cases/{case.pk}/parties/", party | {field: "8" * size}, follow=True)
        # The page comes back as the answer, 400 with the message and what was typed (nothing lost).
        assert page.status_code == 400 and "不能超过" in page.content.decode() and "11010519491231002X" in page.content.decode()
    assert not Party.objects.exists()


@pytest.mark.req("REC-01")
@pytest.mark.django_db
def test_an_offset_past_64_bits_is_a_422(client, desk):
    """Found on PostgreSQL: `offset` past 2⁶³−1 reached OFFSET and answered 500."""
    client.force_login(desk.officer)
    for url in ("/api/cases/", "/api/review/queue", "/api/review/overdue", "/api/records/findings",
                f"/api/org/agencies/{desk.agency.pk}/people"):
        _error(client.get(url, {"offset": 2**64}), 422, "invalid_input")
        _error(client.get(url, {"offset": -1}), 422, "invalid_input")
    # Issue 19 §2: a bounded offset past the count cap is refused by name (use `cursor`), not run as OFFSET.
    _error(client.get("/api/cases/", {"offset": 2**63 - 1}), 400, "offset_beyond_cap")


@pytest.mark.req("REC-01")
@pytest.mark.django_db
def test_malformed_json_nul_characters_and_nan_are_400s_in_the_error_shape(client, desk):
    """Malformed JSON answered {"detail": …}; a NUL character (PostgreSQL refuses it in text and jsonb) or NaN
    (no column stores it) reached the database."""
    client.force_login(desk.officer)
    body = _error(client.post("/api/cases/", "{not json", content_type=JSON), 400, "malformed_body")
    assert body["message"] == "请求体不是有效的 JSON。"
    _error(client.post("/api/cases/", _new_case(desk, title="a\x00b"), content_type=JSON), 400, "invalid_input")
    _error(client.post("/api/cases/", '{"agency_id": NaN}', content_type=JSON), 400, "malformed_body")
    _error(client.get("/api/cases/", {"q": "a\x00b"}), 400, "invalid_input")
    page = client.get("/cases/", {"q": "a\x00b"})
    assert page.status_code == 400 and "不能包含空字符" in page.content.decode()
    assert not Case.objects.exists()


@pytest.mark.req("REC-01")
@pytest.mark.django_db
def test_a_csrf_failure_answers_the_error_shape_on_the_api_and_a_chinese_page_elsewhere(desk):
    """A browser session posting without its CSRF token: {"detail": "CSRF check Failed"} before."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(desk.officer)
    body = _error(browser.post("/api/cases/", _new_case(desk), content_type=JSON), 403, "csrf_failed")
    assert "CSRF" in body["message"]
    page = browser.post("/cases/new/", {"title": "x"})
    assert page.status_code == 403 and "请刷新页面后重试" in page.content.decode()
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.req("REC-01")
@pytest.mark.django_db
def test_unknown_routes_wrong_methods_and_huge_bodies_answer_the_error_shape(client, desk, settings):
    client.force_login(desk.officer)
    _error(client.get("/api/no-such-thing"), 404, "not_found")
    wrong = client.delete("/api/cases/")
    _error(wrong, 405, "method_not_allowed")
    assert "GET" in wrong["Allow"]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    _error(client.post("/api/cases/", _new_case(desk, legal_basis="x" * 2000), content_type=JSON), 413, "too_large")
    page = client.get("/cases/999999999/")
    assert page.status_code == 404 and "未找到" in page.content.decode()


@pytest.mark.req("REC-02")
@pytest.mark.django_db
@pytest.mark.parametrize("form", ["seizure_decision", "review_opinion"])
def test_correcting_a_document_with_an_element_named_items_opens_its_form(client, desk, case, form):
    """"更正此文书" on the seizure decision and on the review opinion answered 500: the template looked the value
    up as `values.items`, which is the dict's method. The correction form now shows every current value."""
    if form == "seizure_decision":
        services.document_record(case=case, form="filing_approval", elements=elements(
            desk, case_source="检查", opinion="同意", approver="局长"), actor=desk.officer)
        case = services.case_advance(case=case, actor=desk.head)
        doc = services.document_record(case=case, form=form, elements=elements(
            desk, items="货车一辆（鲁A12345）", legal_basis="《行政强制法》第九条", period="三十日"), actor=desk.officer)
    else:
        Case.objects.filter(pk=case.pk).update(stage="decision")
        case.refresh_from_db()
        doc = services.system_document_record(case=case, form=form, actor=desk.officer, elements={
            "time": "2026-05-01T10:00:00+08:00", "reviewer": "王审核", "opinion": "同意。", "grounds": "无",
            "items": "主体合法：符合"})
    client.force_login(desk.officer)
    fields = client.get(f"/cases/{case.pk}/fields/", {"supersedes": doc.pk}, HTTP_HX_REQUEST="true")
    assert fields.status_code == 200
    html = fields.content.decode()
    assert ("货车一辆（鲁A12345）" if form == "seizure_decision" else "主体合法：符合") in html
    assert "更正原因" in html
    for junk in ("abc", "²", str(2**64)):  # a bad id is a fresh form, not a 500
        assert client.get(f"/cases/{case.pk}/fields/", {"supersedes": junk, "form": form}).status_code == 200


@pytest.mark.req("REC-01")
@pytest.mark.django_db
def test_an_integrity_error_nobody_foresaw_is_a_409_not_a_500(client, desk, case, monkeypatch):
    """A race on a unique row that a service did not anticipate (two requests inserting the same key) answers
    409 conflict — retry — on the API and on the pages, instead of a 500."""
    from django.db import IntegrityError

    def racing(**kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(services, "party_add", racing)
    client.force_login(desk.officer)
    party = {"kind": "natural", "name": "张三", "id_number": "11010519491231002X"}
    _error(client.post(f"/api/cases/{case.pk}/parties", party, content_type=JSON), 409, "conflict")
    page = client.post(f"/cases/{case.pk}/parties/", party)
    assert page.status_code == 409 and "请刷新后重试" in page.content.decode()


@pytest.mark.req("REC-01")
@pytest.mark.django_db
def test_a_django_validation_error_from_a_service_is_a_400_naming_the_field(client, desk, case, monkeypatch):
    from django.core.exceptions import ValidationError

    def invalid(**kwargs):
        raise ValidationError({"name": ["姓名不能为空。"]})

    monkeypatch.setattr(services, "party_add", invalid)
    client.force_login(desk.officer)
    party = {"kind": "natural", "name": "张三", "id_number": "11010519491231002X"}
    body = _error(client.post(f"/api/cases/{case.pk}/parties", party, content_type=JSON), 400, "invalid_input")
    assert body["message"] == "姓名不能为空。" and body["details"] == {"name": ["姓名不能为空。"]}
    page = client.post(f"/cases/{case.pk}/parties/", party)
    assert page.status_code == 400 and "姓名不能为空。" in page.content.decode()


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_a_document_element_of_100_000_characters_is_refused(desk):
    """Found trying the demo: it was saved, and its sealed PDF never finished rendering."""
    from zhifa.cases import services as case_services
    from zhifa.cases.tests.conftest import elements
    from zhifa.core.errors import ZhifaError

    case = case_services.case_open(agency=desk.agency, handling_unit=desk.unit, title="t", action_type="penalty",
                                   procedure="ordinary", place=desk.place, legal_basis="b", actor=desk.officer)
    for p in desk.officers:
        case_services.officer_assign(case=case, person=p, actor=desk.officer)
    with pytest.raises(ZhifaError) as exc:
        case_services.document_record(case=case, form="filing_approval", actor=desk.officer, elements=elements(
            desk, case_source="x" * 100_000, opinion="同意", approver="局长"))
    assert exc.value.code == "case_element_invalid" and "不能超过 10000 个字符" in exc.value.message
    assert not case.documents.exists()
