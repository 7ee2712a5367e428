"""A party's identity number is checked by core.idnumbers at every door: the service, the API and the page.

Valid numbers are accepted whatever python-stdnum's table of county codes says; a refusal names the part that
is wrong; an unknown address code is a warning that never blocks.
"""

import datetime as dt
import json

import pytest
import time_machine
from stdnum.cn import ric, uscc

from zhifa.cases import services
from zhifa.cases.models import Party
from zhifa.core.errors import ZhifaError
from zhifa.core.models import ApiToken
from zhifa.ledger.models import Entry

TZ = dt.timezone(dt.timedelta(hours=8))
STDNUM_REFUSED = ["440305196006156178", "320106197503086177", "15010219821102617X"]


def _with_check(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def _case(desk):
    return services.case_open(agency=desk.agency, handling_unit=desk.unit, title="销售过期食品", action_type="penalty",
                              procedure="ordinary", place=desk.place, legal_basis="《食品安全法》第一百二十四条",
                              actor=desk.officer)


def _add(desk, case, number, kind="natural"):
    return services.party_add(case=case, kind=kind, name="张三", id_number=number, actor=desk.officer)


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_valid_numbers_python_stdnum_refuses_are_registered(desk):
    case = _case(desk)
    for number in STDNUM_REFUSED:
        party = _add(desk, case, number.lower())
        assert party.id_number == number and party.id_warnings == {}
    assert case.parties.count() == 3


@pytest.mark.req("REC-02")
@pytest.mark.django_db
@pytest.mark.parametrize(("number", "problem", "words"), [
    ("440305196006156179", "check_digit", "第18位校验码应为8（现为9）"),
    (_with_check("44030520300101617"), "birth_date_in_future", "出生日期20300101晚于今天"),
    (_with_check("44030518990101617"), "birth_date_before_1900", "出生日期18990101早于1900年1月1日"),
    (_with_check("44030519750230617"), "birth_date_invalid", "出生日期19750230不是有效日期"),
    ("4403051960061561", "length", "应为18位（现为16位）"),
    ("440305600615617", "legacy_15_digits", "440305196006156178"),
])
def test_a_wrong_number_is_refused_naming_the_wrong_part(desk, number, problem, words):
    case = _case(desk)
    with pytest.raises(ZhifaError) as exc:
        _add(desk, case, number)
    assert exc.value.code == "case_bad_party_id" and exc.value.status == 400
    assert words in exc.value.message and exc.value.details["problem"] == problem
    assert not Party.objects.exists()


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_birth_date_bound_is_todays_local_date(desk):
    case = _case(desk)
    born_2_june = _with_check("44030520260602617")
    with time_machine.travel(dt.datetime(2026, 6, 1, 23, 0, tzinfo=TZ)):
        with pytest.raises(ZhifaError) as exc:
            _add(desk, case, born_2_june)
        assert "晚于今天" in exc.value.message
    with time_machine.travel(dt.datetime(2026, 6, 2, 0, 30, tzinfo=TZ)):  # 16:30 UTC on the 1st, local 2 June
        assert _add(desk, case, born_2_june).id_number == born_2_june


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_full_width_input_is_stored_normalised(desk):
    case = _case(desk)
    party = _add(desk, case, "１５０１０２１９８２１１０２６１７ｘ")
    assert Party.objects.get(pk=party.pk).id_number == "15010219821102617X"


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_an_unknown_address_code_is_registered_with_a_warning(desk):
    case = _case(desk)
    number = _with_check("66999919800101123")
    party = _add(desk, case, number)
    assert Party.objects.get(pk=party.pk).id_number == number
    assert "669999" in party.id_warnings["region_unknown"]
    entry = Entry.objects.filter(kind="cases.party_added").get()
    assert json.loads(entry.payload)["id_warnings"] == ["region_unknown"] and number not in entry.payload


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_organisations_of_every_registration_authority_are_registered(desk):
    case = _case(desk)
    rural_collective = "N2110105MF0000000" + uscc.calc_check_digit("N2110105MF0000000")  # refused by uscc.is_valid
    assert _add(desk, case, rural_collective, kind="organisation").id_number == rural_collective
    with pytest.raises(ZhifaError) as exc:
        _add(desk, case, "91110000600037341M", kind="organisation")
    assert "统一社会信用代码第18位校验码应为L" in exc.value.message


def _headers(user):
    _row, raw = ApiToken.issue(user=user, name="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_api_answers_400_with_a_stable_code_and_the_chinese_message(client, desk):
    case, auth = _case(desk), _headers(desk.officer)
    url = f"/api/cases/{case.pk}/parties"

    def post(number, kind="natural"):
        return client.post(url, {"kind": kind, "name": "张三", "id_number": number}, content_type="application/json",
                           **auth)

    wrong = post("440305196006156179")
    assert wrong.status_code == 400
    body = wrong.json()
    assert body["code"] == "case_bad_party_id" and "第18位校验码应为8" in body["message"]
    assert body["details"] == {"problem": "check_digit", "expected_check": "8"}
    future = post(_with_check("44030520300101617")).json()
    assert future["code"] == "case_bad_party_id" and "出生日期20300101晚于今天" in future["message"]
    assert future["details"]["problem"] == "birth_date_in_future"
    ok = post("440305196006156178")
    assert ok.status_code == 201 and ok.json()["warnings"] == {}
    unknown = post(_with_check("66999919800101123"))
    assert unknown.status_code == 201 and "669999" in unknown.json()["warnings"]["region_unknown"]


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_the_page_shows_the_refusal_and_the_warning(client, desk):
    case = _case(desk)
    client.force_login(desk.officer)
    url = f"/cases/{case.pk}/parties/"
    refused = client.post(url, {"kind": "natural", "name": "李四", "id_number": "440305196006156179"}, follow=True)
    assert "第18位校验码应为8" in refused.content.decode()
    warned = client.post(url, {"kind": "natural", "name": "王五", "id_number": _with_check("66999919800101123")},
                         follow=True).content.decode()
    assert "已登记当事人" in warned and "地址码669999不在已知的行政区划代码中" in warned
