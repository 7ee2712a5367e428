"""Bad input never becomes a 500 (issue 13 §5): statistics years, tus headers and metadata, page ids."""

import base64

import pytest

from zhifa.core.models import ApiToken
from zhifa.records.models import TusUpload
from zhifa.records.tests.test_tus import meta


@pytest.mark.req("REC-16")
@pytest.mark.django_db
@pytest.mark.parametrize("year", ["0", "10000", "-1", "abc", "²", str(2**64)])
def test_a_statistics_year_out_of_range_is_refused_not_a_500(client, users, year):
    """Found on PostgreSQL: year 0 or 10000 made dt.datetime raise — a 500 from the API and the page."""
    client.force_login(users.region_supervisor)
    answer = client.get("/api/records/statistics", {"year": year})
    assert answer.status_code == 422 and answer.json()["code"] == "invalid_input", answer.content
    page = client.get("/records/statistics/", {"year": year})
    assert page.status_code == 200  # the page shows this year instead


def _tus(client, auth, *, length="100", metadata):
    return client.post("/api/tus/", HTTP_UPLOAD_LENGTH=length, HTTP_UPLOAD_METADATA=metadata, **auth)


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def auth(desk):
    _row, raw = ApiToken.issue(user=desk.officer, name="执法记录仪")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}", "HTTP_TUS_RESUMABLE": "1.0.0"}


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_non_numeric_or_malformed_tus_metadata_is_a_400(client, desk, seizure, auth):
    """Found on PostgreSQL: a non-numeric officer, case or document in Upload-Metadata reached int() or the ORM
    and answered 500. Every malformed header or value is now a 400 before any row or byte is written."""
    case, _camera = seizure
    for extra in ({"officer": "abc"}, {"officer": "²"}, {"document": "x1"}, {"case": "abc"}, {"case": str(2**64)},
                  {"started_at": "0001-01-01T00:00:00"}, {"place": "a\x00b"}):
        pairs = dict(p.split(" ") for p in meta(case, desk).split(",")) | {k: _b64(v) for k, v in extra.items()}
        answer = _tus(client, auth, metadata=",".join(f"{k} {v}" for k, v in pairs.items()))
        assert 400 <= answer.status_code < 500 and answer.status_code != 413, (extra, answer.content)
        assert set(answer.json()) >= {"code", "message"}
    for header in ("case !!!notbase64", "ca se " + _b64("1"), ",".join(f"k{i} " + _b64("v") for i in range(40))):
        answer = _tus(client, auth, metadata=header)
        assert answer.status_code == 400 and answer.json()["code"] == "invalid_input", (header, answer.content)
    for length in ("abc", "1_000", " +5", "-1", "1e3"):
        answer = _tus(client, auth, length=length, metadata=meta(case, desk))
        assert answer.status_code == 400, (length, answer.content)
    assert not TusUpload.objects.exists()


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_a_malformed_upload_offset_is_a_400_and_a_huge_one_a_409(client, desk, seizure, auth):
    case, _camera = seizure
    created = _tus(client, auth, metadata=meta(case, desk))
    assert created.status_code == 201, created.content
    url = created["Location"]
    for offset, status in (("abc", 400), ("-1", 400), ("1_0", 400), (str(2**70), 400), (str(2**63), 409)):
        answer = client.generic("PATCH", url, b"x", content_type="application/offset+octet-stream",
                                HTTP_UPLOAD_OFFSET=offset, **auth)
        assert answer.status_code == status, (offset, answer.content)
        assert answer.json()["code"] and answer["Tus-Resumable"] == "1.0.0"


@pytest.mark.req("REC-07")
@pytest.mark.django_db
def test_recording_pages_take_non_numeric_ids_as_missing(client, desk, seizure):
    """Device, officer and recording ids posted as text reached the ORM (ValueError, a 500)."""
    case, _camera = seizure
    client.force_login(desk.officer)
    for data in ({"device": "abc", "officer": "x"}, {"device": "²", "officer": str(2**64)}):
        page = client.post(f"/records/cases/{case.pk}/upload/", data, follow=True)
        assert page.status_code == 400  # refused with the page and its message, not a 500
    for data in ({"before": "abc"}, {"before": "1", "after": "²"}):
        page = client.post(f"/records/cases/{case.pk}/interruptions/", data, follow=True)
        assert page.status_code == 400
