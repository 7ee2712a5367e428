"""The calendar through the API and the page."""

import pytest

from zhifa.core.models import CalendarYear, SecurityEvent, SecurityEventKind


@pytest.mark.req("PUB-07")
@pytest.mark.django_db
def test_deadline_endpoint(client, users):
    client.force_login(users.officer_a1)
    body = client.get("/api/core/calendar/deadline?start=2025-09-30&working_days=7").json()
    assert body == {"start": "2025-09-30", "working_days": 7, "due": "2025-10-16", "provisional": False,
                    "provisional_years": []}
    body = client.get("/api/core/calendar/deadline?start=2026-12-28&working_days=7").json()
    assert body["provisional"] is True and body["provisional_years"] == [2027]
    paused = client.get("/api/core/calendar/deadline?start=2026-03-02&working_days=5&paused=2026-03-04/2026-03-06").json()
    assert paused["due"] == "2026-03-12"
    bad = client.get("/api/core/calendar/deadline?start=2026-03-02&working_days=5&paused=2026-03-04")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    assert client.get("/api/core/calendar/deadline?start=2026-03-02&working_days=999").status_code == 400


@pytest.mark.req("PUB-07")
@pytest.mark.django_db
def test_year_endpoint_tells_the_source(client, users):
    client.force_login(users.officer_a1)
    y2026 = client.get("/api/core/calendar/years/2026").json()
    assert y2026["origin"] == "package" and "2026-10-01" in y2026["holidays"] and "2026-09-20" in y2026["workdays"]
    y2027 = client.get("/api/core/calendar/years/2027").json()
    # No notice yet: the statutory holidays from the lunar calendar, and no make-up days.
    assert y2027["origin"] == "statutory" and "795" in y2027["source"] and y2027["workdays"] == []
    assert {"2027-01-01", "2027-02-05", "2027-02-08", "2027-04-05", "2027-06-09", "2027-09-15"} <= set(y2027["holidays"])


@pytest.mark.django_db
def test_only_administrators_load_a_year(client, users):
    payload = {"year": 2027, "source": "测试", "holidays": ["2027-01-01"], "workdays": []}
    client.force_login(users.region_supervisor)
    refused = client.post("/api/core/calendar/years", payload, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED, permission="core.manage_calendar").exists()
    client.force_login(users.su)
    created = client.post("/api/core/calendar/years", payload, content_type="application/json")
    assert created.status_code == 201
    bad = client.post("/api/core/calendar/years", payload | {"holidays": ["2026-01-01"]}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "calendar_invalid"
    assert CalendarYear.objects.count() == 1


@pytest.mark.django_db
def test_calendar_page_loads_a_year_with_ranges_and_computes_deadlines(client, users):
    client.force_login(users.su)
    page = client.get("/calendar/").content.decode()
    assert "未收录" in page and "法定节日（国务院令第795号）" in page  # 2027/2028 are not in the package
    response = client.post("/calendar/", {"year": 2027, "source": "测试安排", "holidays": "2027-01-01\n2027-02-05~2027-02-11",
                                          "workdays": "2027-02-13"})
    assert response.status_code == 302
    row = CalendarYear.objects.get()
    assert len(row.holidays) == 8 and row.workdays == ["2027-02-13"]
    partial = client.get("/calendar/deadline/?start=2027-02-04&days=1", HTTP_HX_REQUEST="true").content.decode()
    assert "2027年2月12日" in partial and "<html" not in partial
    bad = client.post("/calendar/", {"year": 2027, "source": "x", "holidays": "2027-02-11~2027-02-05"})
    assert "结束日期早于开始日期" in bad.content.decode()
    client.force_login(users.officer_a1)
    assert client.post("/calendar/", {"year": 2028, "source": "x", "holidays": "2028-01-01"}).status_code == 403
