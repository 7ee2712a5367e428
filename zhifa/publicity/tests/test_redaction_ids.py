"""Identity numbers in decision texts are found by core.idnumbers, never by python-stdnum's county table (PUB-05,
PUB-06): a valid number with an old or unlisted address code, or typed in full-width digits, is still masked."""

import datetime as dt

import pytest
from stdnum.cn import ric, uscc

from zhifa.publicity import redaction

from .conftest import ADULT_ID, MINOR_ID


def _ids(text):
    return [text[s.start:s.end] for s in redaction.detect(text, kinds=["id_number"])]


@pytest.mark.req("PUB-05")
@pytest.mark.parametrize("number", ["440305196006156178", "320106197503086177", "15010219821102617X"])
def test_valid_numbers_stdnum_refuses_are_masked(number):
    assert not ric.is_valid(number)
    assert _ids(f"当事人张三，身份证号{number}，") == [number]


@pytest.mark.req("PUB-05")
def test_a_full_width_number_is_masked_where_it_stands():
    text = "公民身份号码：１５０１０２１９８２１１０２６１７Ｘ，住址略。"
    assert _ids(text) == ["１５０１０２１９８２１１０２６１７Ｘ"]
    code = "92150102MA0N5H2L3" + uscc.calc_check_digit("92150102MA0N5H2L3")
    wide = code.translate({cp: cp + 0xFEE0 for cp in range(0x21, 0x7F)})
    spans = redaction.detect(f"个体工商户代码{wide}。", kinds=["individual_business_code"])
    assert [s.end - s.start for s in spans] == [18]


@pytest.mark.req("PUB-05")
def test_a_checksum_valid_number_with_an_implausible_birth_date_is_still_masked_a_wrong_one_is_not():
    future = "44030520300101617"
    future += ric.calc_check_digit(future + "0")
    assert _ids(f"身份证号{future}。") == [future]
    assert _ids("身份证号440305196006156179。") == []  # wrong check digit: not an ID number


@pytest.mark.req("PUB-06")
def test_minor_detection_reads_the_birth_date_from_a_valid_number():
    assert redaction.minor_on(MINOR_ID, dt.date(2026, 1, 1))  # born 2012-01-01
    assert not redaction.minor_on(MINOR_ID, dt.date(2030, 1, 1))
    assert not redaction.minor_on(ADULT_ID, dt.date(2026, 1, 1))
    young = "44030520100615617"
    young += ric.calc_check_digit(young + "0")  # 440305: refused by ric.is_valid for nothing but its table
    assert redaction.minor_on(young.lower(), dt.date(2026, 1, 1))
    assert not redaction.minor_on("440305201006156170", dt.date(2026, 1, 1))  # wrong check digit
    assert not redaction.minor_on("", dt.date(2026, 1, 1))
