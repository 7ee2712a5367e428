"""Input bounds and the one error shape (issue 13 §5): limits come from the model fields and are checked before
the database sees a value, the same on SQLite and PostgreSQL; the OpenAPI schema says so to clients."""

import datetime as dt
import decimal

import pytest

from config.api import api
from zhifa.core import bounds
from zhifa.core.errors import ZhifaError
from zhifa.core.models import CalendarYear, SecurityEvent


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_every_zhifa_row_is_checked_against_its_columns_before_it_is_saved(users):
    """On SQLite a varchar(200) takes 1 000 characters and on PostgreSQL it is a DataError (a 500): both now
    answer invalid_input naming the field, and nothing is written."""
    cases = [
        (dict(source="依" * 201), "source", "“依据”不能超过 200 个字符（现为 201 个）。"),
        (dict(year=40000), "year", "“年份”应在 0 至 32767 之间。"),
        (dict(source="a\x00b"), "source", "“依据”不能包含空字符（NUL）。"),
        (dict(holidays=["2027-01-01", {"k\x00": 1}]), "holidays", "“放假日期”不能包含空字符（NUL）。"),
        (dict(source="\ud800"), "source", "“依据”含有无效的字符编码。"),
    ]
    for change, field, message in cases:
        row = CalendarYear(**({"year": 2027, "source": "国办发明电", "holidays": [], "workdays": []} | change))
        with pytest.raises(ZhifaError) as refused:
            row.save()
        assert refused.value.code == "invalid_input" and refused.value.status == 400
        assert refused.value.details == {field: message}
    assert not CalendarYear.objects.exists()
    SecurityEvent.objects.create(kind="denied", path="/x" * 250)  # exactly 500: fits
    with pytest.raises(ZhifaError):
        SecurityEvent.objects.create(kind="denied", path="/x" * 250 + "y")


def test_field_problem_knows_numbers_decimals_and_dates():
    from django.db import models

    price = models.DecimalField("罚款金额", max_digits=12, decimal_places=2)
    assert bounds.field_problem(price, decimal.Decimal("9999999999.99")) is None
    assert "不超过 10 位整数" in bounds.field_problem(price, decimal.Decimal("99999999999"))
    assert bounds.field_problem(price, decimal.Decimal("NaN"))
    day = models.DateField("决定日期")
    assert bounds.field_problem(day, dt.date(1, 1, 1)) == "“决定日期”的年份应在 1900 至 2999 之间。"
    big = models.BigIntegerField("序号")
    assert bounds.field_problem(big, 2**63 - 1) is None and bounds.field_problem(big, 2**63)


def test_parse_helpers_turn_bad_text_into_none_not_exceptions():
    assert [bounds.parse_id(v) for v in ("7", " 7 ", "0", "-1", "abc", "²", "１", str(2**63), None, 5)] == [
        7, 7, None, None, None, None, None, None, None, 5]
    assert bounds.parse_int("2026", low=1900, high=2999) == 2026
    assert bounds.parse_int("10000", low=1900, high=2999, default=1) == 1
    assert bounds.parse_int("1_000", low=0, high=10**6) is None
    assert bounds.parse_date("2026-02-30") is None and bounds.parse_date("0001-01-01") is None
    assert bounds.parse_moment("2026-05-01T10:00").tzinfo is not None
    assert bounds.parse_moment("9999-12-31T23:59") is None


@pytest.mark.req("ORG-05")
def test_the_openapi_schema_declares_the_errors_and_enums_on_every_operation():
    """Clients are generated from the schema: every operation declares 400, 404, 409 and 422 (and 401/403
    where it authenticates) with the ErrorOut body; choice fields are enums; ids and offsets are bounded."""
    schema = api.get_openapi_schema()
    error = schema["components"]["schemas"]["ErrorOut"]
    assert set(error["required"]) == {"code", "message"} and "details" in error["properties"]
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) > 60
    for path, method, op in operations:
        expected = {400, 404, 409, 422} | ({401, 403} if op.get("security") else set())
        for status in expected:
            response = op["responses"].get(status) or op["responses"].get(str(status))
            assert response, f"{method.upper()} {path} does not declare {status}"
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
        for parameter in op.get("parameters", []):
            if parameter["schema"].get("type") == "integer" and parameter["name"].endswith(("_id", "offset", "seq")):
                assert "maximum" in parameter["schema"], f"{method.upper()} {path}: {parameter['name']} unbounded"
    party = schema["components"]["schemas"]["PartyIn"]["properties"]
    assert party["kind"]["enum"] == ["natural", "organisation"] and party["name"]["maxLength"] == 200
    assert schema["components"]["schemas"]["CaseIn"]["properties"]["title"]["maxLength"] == 300


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_even_an_unforeseen_error_answers_the_error_shape_or_a_chinese_page(users, monkeypatch):
    """A bug is still a 500, but the API client reads {code, message} and a person reads Chinese, not
    Django's English "Server Error (500)"."""
    from django.test import Client

    from zhifa.core import workdays

    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setattr(workdays, "current", broken)
    client = Client(raise_request_exception=False)
    client.force_login(users.su)
    answer = client.get("/api/core/calendar/years/2026")
    assert answer.status_code == 500 and answer.json() == {"code": "server_error",
                                                           "message": "服务器内部错误，已记录，请稍后再试。"}
    page = client.get("/calendar/")
    assert page.status_code == 500 and "服务器内部错误" in page.content.decode()
