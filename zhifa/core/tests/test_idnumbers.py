"""Identity numbers: one validator for resident ID numbers (GB 11643-1999) and credit codes (GB 32100-2015).

The example numbers are the issue's: their check digits are right, and python-stdnum's `ric.is_valid` refuses
them on its table of county codes by birth year.
"""

import datetime as dt

import pytest
from stdnum.cn import ric, uscc

from zhifa.core.idnumbers import (
    IdProblem,
    IdWarning,
    check_credit_code,
    check_resident_id,
    fold_width,
    normalise,
)

TODAY = dt.date(2026, 11, 30)
VALID_IDS = ["440305196006156178", "320106197503086177", "15010219821102617X"]


def _with_check(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


@pytest.mark.req("REC-02")
@pytest.mark.parametrize("number", VALID_IDS)
def test_valid_numbers_with_districts_stdnum_dates_wrongly_are_accepted(number):
    """A number keeps the address code it was issued with; the code is never a reason to refuse."""
    assert not ric.is_valid(number)  # the defect this validator replaces
    checked = check_resident_id(number, today=TODAY)
    assert checked.ok and checked.problem is None and checked.message == ""
    assert checked.warnings == {}  # each code is in the table, only not "valid in the birth year"
    assert checked.number == number


@pytest.mark.req("REC-02")
def test_a_wrong_check_digit_names_the_expected_one():
    checked = check_resident_id("440305196006156179", today=TODAY)
    assert checked.problem == IdProblem.CHECK_DIGIT and checked.expected_check == "8"
    assert "第18位校验码应为8" in checked.message and "现为9" in checked.message
    assert checked.details() == {"problem": "check_digit", "expected_check": "8"}
    x = check_resident_id("150102198211026171", today=TODAY)
    assert x.expected_check == "X" and "第18位校验码应为X" in x.message


@pytest.mark.req("REC-02")
def test_a_birth_date_after_today_is_refused():
    number = _with_check("44030520300101617")
    checked = check_resident_id(number, today=TODAY)
    assert checked.problem == IdProblem.BIRTH_DATE_FUTURE and "出生日期20300101晚于今天" in checked.message
    # The same number is fine once its holder has been born: the bound is the caller's today.
    assert check_resident_id(number, today=dt.date(2030, 1, 1)).ok
    assert check_resident_id(_with_check("44030520261201617"), today=TODAY).problem == IdProblem.BIRTH_DATE_FUTURE


@pytest.mark.req("REC-02")
def test_a_birth_date_before_1900_is_refused():
    checked = check_resident_id(_with_check("44030518991231617"), today=TODAY)
    assert checked.problem == IdProblem.BIRTH_DATE_TOO_EARLY and "出生日期18991231早于1900年1月1日" in checked.message
    assert check_resident_id(_with_check("44030519000101617"), today=TODAY).ok


@pytest.mark.req("REC-02")
@pytest.mark.parametrize("date", ["19750230", "19750229", "19751301", "19750000", "19750431"])
def test_a_birth_date_that_is_not_a_date_is_refused(date):
    checked = check_resident_id(_with_check("440305" + date + "617"), today=TODAY)
    assert checked.problem == IdProblem.BIRTH_DATE_INVALID
    assert f"出生日期{date}不是有效日期" in checked.message


@pytest.mark.req("REC-02")
def test_29_february_of_a_leap_year_is_a_date():
    assert check_resident_id(_with_check("44030519760229617"), today=TODAY).ok


@pytest.mark.req("REC-02")
@pytest.mark.parametrize("raw", ["１５０１０２１９８２１１０２６１７Ｘ", "15010219821102617x", " 150102 19821102 617X\n",
                                 "１５０１０２１９８２１１０２６１７ｘ", "150102\u300019821102617X"])
def test_full_width_lower_case_and_spaced_input_is_accepted(raw):
    checked = check_resident_id(raw, today=TODAY)
    assert checked.ok and checked.number == "15010219821102617X"


@pytest.mark.req("REC-02")
@pytest.mark.parametrize(("raw", "n"), [("123", 3), ("4403051960061561789", 19), ("44030519600615617", 17)])
def test_the_wrong_length_says_18(raw, n):
    checked = check_resident_id(raw, today=TODAY)
    assert checked.problem == IdProblem.LENGTH and f"应为18位（现为{n}位）" in checked.message


@pytest.mark.req("REC-02")
def test_a_legacy_15_digit_number_is_refused_with_its_18_digit_form():
    """First-generation cards (15 digits) are void since 2013: new entries carry the 18-digit number."""
    checked = check_resident_id("440305600615617", today=TODAY)
    assert checked.problem == IdProblem.LEGACY_15 and "应为18位" in checked.message
    assert "440305196006156178" in checked.message  # the upgrade GB 11643-1999 gives, to check against the card


@pytest.mark.req("REC-02")
@pytest.mark.parametrize(("raw", "position"), [("44030519600615617A", 18), ("4403051960O6156178", 11),
                                                ("X40305196006156178", 1)])
def test_a_wrong_character_is_named_by_position(raw, position):
    checked = check_resident_id(raw, today=TODAY)
    assert checked.problem == IdProblem.CHARACTER and f"第{position}位" in checked.message


@pytest.mark.req("REC-02")
def test_empty_input_asks_for_the_number():
    assert check_resident_id("  ", today=TODAY).problem == IdProblem.EMPTY
    assert check_credit_code(None).problem == IdProblem.EMPTY


@pytest.mark.req("REC-02")
def test_an_unknown_address_code_is_a_warning_never_a_refusal():
    unknown = check_resident_id(_with_check("66999919800101123"), today=TODAY)
    assert unknown.problem is None and unknown.ok
    assert IdWarning.REGION_UNKNOWN in unknown.warnings and "669999" in unknown.warnings[IdWarning.REGION_UNKNOWN]
    assert unknown.details()["warnings"] == dict(unknown.warnings)
    # An abolished code that the table lists (蓟县, 1982–2016) is not even a warning.
    assert check_resident_id(_with_check("12022519800101123"), today=TODAY).warnings == {}
    # Residence permits of Hong Kong, Macao and Taiwan residents carry 810000/820000/830000.
    assert check_resident_id(_with_check("83000019800101123"), today=TODAY).warnings == {}


@pytest.mark.req("PUB-05")
def test_well_formed_ignores_only_the_date_range():
    """Redaction masks a checksum-valid number whatever its birth year; never one with a wrong check digit."""
    future = check_resident_id(_with_check("44030520300101617"), today=TODAY)
    assert not future.ok and future.well_formed
    assert not check_resident_id("440305196006156179", today=TODAY).well_formed
    wrong_and_future = check_resident_id("440305203001016170", today=TODAY)
    assert wrong_and_future.problem == IdProblem.BIRTH_DATE_FUTURE and not wrong_and_future.well_formed


# --- unified social credit codes ----------------------------------------------------------------------------

def _uscc(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


@pytest.mark.req("ORG-02")
@pytest.mark.parametrize("code", ["91110000600037341L", _uscc("N2110105MF0000000"), _uscc("Y1150102MJ0000000"),
                                  _uscc("A1110000MB0000000"), _uscc("11150000011601234")])
def test_credit_codes_of_every_registration_authority_are_accepted(code):
    """GB 32100's first two characters come from the whole code alphabet: 农业农村 (N), 其他 (Y) and the
    military's A register codes that python-stdnum refuses because it wants 8 leading digits."""
    checked = check_credit_code(code.lower())
    assert checked.ok and checked.number == code


def test_stdnum_refuses_letter_registration_authorities():
    """Why the validator does not call `uscc.is_valid`: a correct N-code fails it."""
    assert not uscc.is_valid(_uscc("N2110105MF0000000"))


@pytest.mark.req("ORG-02")
def test_a_wrong_credit_code_check_character_names_the_expected_one():
    checked = check_credit_code("91110000600037341M")
    assert checked.problem == IdProblem.CHECK_DIGIT and "第18位校验码应为L（现为M）" in checked.message


@pytest.mark.req("ORG-02")
@pytest.mark.parametrize(("raw", "problem", "words"), [
    ("9111000060003734", IdProblem.LENGTH, "应为18位（现为16位）"),
    ("91110000600037341I", IdProblem.CHARACTER, "第18位“I”"),
    ("911A0000600037341L", IdProblem.CHARACTER, "第4位“A”"),
    ("S1110000600037341L", IdProblem.CHARACTER, "第1位“S”"),
])
def test_a_malformed_credit_code_says_which_part(raw, problem, words):
    checked = check_credit_code(raw)
    assert checked.problem == problem and words in checked.message


def test_full_width_credit_code_is_normalised():
    assert check_credit_code("９１１１００００６０００３７３４１Ｌ").number == "91110000600037341L"


def test_normalise_and_fold_width():
    assert normalise(" １５０１０２ 19821102617ｘ ") == "15010219821102617X"
    text = "号码：１５０１０２１９８２１１０２６１７Ｘ。"
    assert fold_width(text) == "号码:15010219821102617X。" and len(fold_width(text)) == len(text)
