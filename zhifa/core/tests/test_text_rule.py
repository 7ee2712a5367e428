"""The text rule (issue 14 §9, ADR 0006): every zhifa row's text is NFC and hides no invisible control character.
The one pre_save guard of ADR 0005 holds it, so a new field is covered the day it is added."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from zhifa.core import bounds
from zhifa.core.errors import ZhifaError
from zhifa.core.middleware import normalise_request
from zhifa.core.models import CalendarYear, SecurityEvent


def year(**change):
    return CalendarYear(**({"year": 2027, "source": "国办发明电", "holidays": [], "workdays": []} | change))


@pytest.mark.django_db
def test_invisible_controls_are_refused_naming_the_character_and_where():
    for text, position, described in [
        ("国办\u202e发明电", 3, "双向文字控制符 U+202E（RIGHT-TO-LEFT OVERRIDE）"),
        ("国办发明电\u200b", 6, "零宽字符 U+200B（ZERO WIDTH SPACE）"),
        ("\ufeff国办发明电", 1, "零宽字符 U+FEFF（ZERO WIDTH NO-BREAK SPACE）"),
        ("国办\u2066发明电", 3, "双向文字控制符 U+2066（LEFT-TO-RIGHT ISOLATE）"),
        ("国办\u061c发", 3, "双向文字控制符 U+061C（ARABIC LETTER MARK）"),
        ("国办\xad发", 3, "不可见的控制字符 U+00AD（SOFT HYPHEN）"),
        ("国办\x1b[31m", 3, "不可见的控制字符 U+001B"),
    ]:
        with pytest.raises(ZhifaError) as refused:
            year(source=text).save()
        assert refused.value.code == "text_invisible_control" and refused.value.status == 400
        assert refused.value.details == {"source": f"“依据”第 {position} 个字符是不可见的{described}，"
                                                   "会使显示的文字与实际内容不一致，请删除后重新输入。"}
    with pytest.raises(ZhifaError) as refused:
        year(holidays=["2027-01-01", {"note": "元\u200d旦"}]).save()
    assert refused.value.code == "text_invisible_control"
    assert refused.value.details["holidays"].startswith("“放假日期”[1].note：第 2 个字符是不可见的零宽字符 U+200D")
    assert not CalendarYear.objects.exists()


@pytest.mark.django_db
def test_text_is_stored_in_nfc_and_chinese_punctuation_and_mongolian_are_untouched():
    row = year(source="Jose\u0301 \u212b 国办发明电〔２０２６〕，第１号 ᠮᠣᠩ\u180eᠭᠣᠯ")
    row.save()
    row.refresh_from_db()
    # NFC, not NFKC: full-width digits and punctuation stay as typed; the Mongolian vowel separator is spelling.
    assert row.source == "José Å 国办发明电〔２０２６〕，第１号 ᠮᠣᠩ\u180eᠭᠣᠯ"
    assert bounds.invisible_char("第一行\n第二行\r\n\t缩进") is None  # line breaks and tabs are text


@pytest.mark.django_db
def test_a_security_log_records_what_was_sent_with_the_character_shown():
    """A log of what someone else sent must not fail: the username a login failed with is kept, made visible."""
    event = SecurityEvent.objects.create(kind="login_failed", username="adm\u202enimda")
    event.refresh_from_db()
    assert event.username == "adm[U+202E]nimda"


def test_forms_and_queries_are_nfc_before_any_view_but_passwords_stay_as_typed():
    request = RequestFactory().post("/x/?q=Jose\u0301", {
        "name": "Jose\u0301", "password": "pa\u0301ss", "new_password1": "pa\u0301ss",
        "file": SimpleUploadedFile("../clip\u202egnp.exe", b"x")})
    normalise_request(request)
    assert request.GET["q"] == "José" and request.POST["name"] == "José"
    assert request.POST["password"] == "pa\u0301ss" and request.POST["new_password1"] == "pa\u0301ss"
    assert request.FILES["file"].name == "clipgnp.exe"  # a name a browser sent: neutralised, not refused
