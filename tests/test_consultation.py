"""REC-15 (KY; AZ-R §19; issue 14 §4): every route that serves a case's records goes through the one consultation
check. Someone outside the case (a supervisor, a publicity editor, a reviewer not assigned to its review) is refused
until they state a reason; then the route serves, and each read is logged against the consultation.

ROUTES is the list of those routes, pages and API alike; test_every_case_content_route_is_listed keeps it complete
against the URL configuration."""

import datetime as dt
import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from zhifa.cases import selectors as case_selectors
from zhifa.cases import services as case_services
from zhifa.cases.errors import ConsultationRequired
from zhifa.cases.models import Consultation
from zhifa.core.models import ApiToken
from zhifa.core.permissions import Role
from zhifa.ledger.models import Entry
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.records import services as record_services
from zhifa.records.tests.test_recordings import MP4, clip
from zhifa.review.tests.conftest import agree, assigned, office, submitted  # noqa: F401  (office is a fixture)

# (name, kind, url template, what the check logs, status once consulted)
ROUTES = [
    ("case page", "page", "/cases/{case}/", "case", 200),
    ("document elements", "page", "/cases/{case}/fields/?supersedes={doc}", "document_fields", 200),
    ("document file", "page", "/cases/{case}/documents/{doc}.docx", "document_file", 200),
    ("recordings page", "page", "/records/cases/{case}/", "recordings", 200),
    ("media", "page", "/records/cases/{case}/media/{rec}/", "media", 200),
    ("case file", "page", "/records/cases/{case}/case-file.zip", "case_file", 200),
    ("case-file cover and index", "page", "/records/cases/{case}/case-file-cover.pdf", "case_file", 200),
    ("review workspace", "page", "/review/cases/{case}/", "review", 200),
    ("case API", "api", "/api/cases/{case}", "case", 200),
    ("recordings API", "api", "/api/records/cases/{case}/recordings", "recordings", 200),
    ("seal API", "api", "/api/records/cases/{case}/seal", "seal", 404),  # not archived yet: 404 record_not_sealed
    ("review API", "api", "/api/review/cases/{case}", "review", 200),
]
# The system administrator is an outsider too: trusted with accounts, not case content (issue 14, review #1).
OUTSIDERS = ["supervisor", "publicity_editor", "reviewer", "superuser"]

# Routes under a case that serve no content of it (writes, checked by their services' permissions), or that
# serve it only to its duty holders. Anything else that takes a case id must be in ROUTES.
NOT_CONTENT = {
    "case-consult", "case-document-create", "case-document-issue", "case-officer-add", "case-party-add",
    "case-advance", "case-recording-upload", "case-interruption-create", "case-disposal-create",
    "case-disposal-decide", "review-act",
}


@pytest.fixture
def world(desk, office, users, tree, settings, tmp_path):  # noqa: F811
    settings.ZHIFA_SIGNING_DIR = str(tmp_path / "signing")
    review = assigned(submitted(desk, office), office)
    case = review.case
    doc = next(d for d in case_selectors.current_documents(case) if d.form == "inspection_record")
    case_services.document_issue(document=doc, kind="docx", actor=users.head_a1)
    camera = record_services.device_register(agency=desk.agency, kind="body_camera", serial="ZFY-9", actor=desk.head)
    start = timezone.now() - dt.timedelta(hours=2)
    rec = record_services.recording_upload(
        case=case, fileobj=clip(MP4), device=camera, officer=desk.officers[0], activity="evidence_taking", started_at=start,
        ended_at=start + dt.timedelta(minutes=1), place="甲一县人民路8号", actor=desk.officer, device_checked=True,
        opening_statement=True)
    people = {
        "supervisor": users.city_a_supervisor,
        "publicity_editor": grant(UserFactory(username="pe_a1"), Role.PUBLICITY_EDITOR, agency=desk.agency),
        "reviewer": grant(UserFactory(username="rev2_a1"), Role.REVIEWER, agency=desk.agency),  # not assigned
        "superuser": users.su,
    }
    return {"case": case, "doc": doc, "rec": rec, "people": people, "office": office, "desk": desk}


def _get(client, kind, url, user):
    if kind == "api":
        _row, raw = ApiToken.issue(user=user, name="测试")
        return client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.force_login(user)
    return client.get(url)


def _reads():
    return [json.loads(e.payload) for e in Entry.objects.filter(kind="cases.content_read").order_by("id")]


@pytest.mark.req("REC-15")
@pytest.mark.django_db
@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize(("name", "kind", "template", "what", "served"), ROUTES, ids=[r[0] for r in ROUTES])
def test_an_outsider_reads_case_content_only_with_a_reason_and_every_read_is_logged(
        client, world, role, name, kind, template, what, served):
    """Refused without a consultation (403: the form on pages, code case_consultation_reason_required on the API);
    after one, served, and the read is in the log with the consultation and what was read."""
    case, user = world["case"], world["people"][role]
    url = template.format(case=case.pk, doc=world["doc"].pk, rec=world["rec"].pk)
    refused = _get(client, kind, url, user)
    assert refused.status_code == 403, (name, role, refused.status_code)
    if kind == "api":
        assert refused.json()["code"] == "case_consultation_reason_required"
    else:
        assert "调阅事由" in refused.content.decode()
    assert _reads() == []

    if kind == "api":
        _row, raw = ApiToken.issue(user=user, name="调阅")
        opened = client.post(f"/api/cases/{case.pk}/consultations", {"reason": "专项监督检查"},
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert opened.status_code == 201
    else:
        opened = client.post(f"/cases/{case.pk}/consult/", {"consultation_reason": "专项监督检查", "next": url})
        assert opened.status_code == 302 and opened["Location"] == url  # back where they were going
    consultation = Consultation.objects.get(case=case, actor=user)
    assert Entry.objects.filter(kind="cases.consulted", pk=consultation.entry_id).exists()

    response = _get(client, kind, url, user)
    assert response.status_code == served, (name, role, response.status_code)
    if response.streaming:
        b"".join(response.streaming_content)
    (read,) = _reads()
    assert read["consultation"] == consultation.pk and read["what"] == what


@pytest.mark.req("REC-15")
@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kind", "template", "what", "served"), ROUTES, ids=[r[0] for r in ROUTES])
def test_those_handling_the_case_and_its_assigned_reviewer_read_without_a_statement(
        client, world, name, kind, template, what, served):
    """The handling officer reads freely; so does the reviewer assigned to the case's review (the assignment is
    the reason: cases.workflow.CONSULTATION_DUTIES, part of the one check). Neither read is a consultation."""
    case = world["case"]
    url = template.format(case=case.pk, doc=world["doc"].pk, rec=world["rec"].pk)
    for user in (world["desk"].officer, world["office"].reviewer_user):
        response = _get(client, kind, url, user)
        assert response.status_code == served, (name, user, response.status_code)
    assert _reads() == [] and not Consultation.objects.exists()


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_a_consultation_expires_and_is_kept(client, world, settings):
    """One statement covers ZHIFA_CONSULTATION_MINUTES; after that the reader states a reason again. The row stays."""
    import time_machine

    case, user = world["case"], world["people"]["supervisor"]
    client.force_login(user)
    client.post(f"/cases/{case.pk}/consult/", {"consultation_reason": "专项监督检查"})
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    later = timezone.now() + dt.timedelta(minutes=settings.ZHIFA_CONSULTATION_MINUTES + 1)
    with time_machine.travel(later), pytest.raises(ConsultationRequired):  # the selector: sessions time out too
        case_selectors.consultation_check(actor=user, case=case, what="case")
    assert Consultation.objects.count() == 1


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_a_reason_is_a_reason_and_next_stays_on_this_site(client, world):
    case, user = world["case"], world["people"]["supervisor"]
    client.force_login(user)
    short = client.post(f"/cases/{case.pk}/consult/", {"consultation_reason": "查"})
    assert short.status_code == 200 and "请说明调阅事由" in short.content.decode()
    assert not Consultation.objects.exists()
    away = client.post(f"/cases/{case.pk}/consult/", {"consultation_reason": "案卷评查抽查", "next": "https://evil.example/"})
    assert away.status_code == 302 and away["Location"] == f"/cases/{case.pk}/"


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_media_ranges_are_logged_once_per_playback(client, world):
    case, rec, user = world["case"], world["rec"], world["people"]["supervisor"]
    client.force_login(user)
    client.post(f"/cases/{case.pk}/consult/", {"consultation_reason": "专项监督检查"})
    url = f"/records/cases/{case.pk}/media/{rec.pk}/"
    for header in ("bytes=0-", "bytes=4-11", "bytes=12-"):
        response = client.get(url, HTTP_RANGE=header)
        b"".join(response.streaming_content)
        assert response.status_code in (200, 206)
    assert [r["what"] for r in _reads()] == ["media"]
    assert not Entry.objects.filter(kind="records.recording_played").exists()  # one entry per read, not two


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_an_htmx_partial_sends_the_page_to_the_form(client, world):
    case, user = world["case"], world["people"]["reviewer"]
    client.force_login(user)
    response = client.get(f"/cases/{case.pk}/fields/?supersedes={world['doc'].pk}", HTTP_HX_REQUEST="true")
    assert response.status_code == 403 and response["HX-Redirect"].startswith(f"/cases/{case.pk}/consult/?next=")


@pytest.mark.django_db
def test_consulting_a_case_out_of_scope_is_the_same_404(client, world, tree):
    other = grant(UserFactory(username="sup_b"), Role.SUPERVISOR, jurisdiction=tree.city_b)
    client.force_login(other)
    case = world["case"]
    assert client.post(f"/cases/{case.pk}/consult/", {"consultation_reason": "专项监督检查"}).status_code == 404
    assert client.get(f"/cases/{case.pk}/").status_code == 404
    assert not Consultation.objects.exists()


def _patterns(resolver, prefix=""):
    for item in resolver.url_patterns:
        if isinstance(item, URLResolver):
            yield from _patterns(item, prefix + str(item.pattern))
        elif isinstance(item, URLPattern):
            yield prefix + str(item.pattern), item.name


def test_every_case_content_route_is_listed():
    """A new page under a case must go through the check and join ROUTES, or be named in NOT_CONTENT."""
    pages = {name for path, name in _patterns(get_resolver()) if ("<int:pk>" in path and (
        path.startswith("cases/") or path.startswith("records/cases/") or path.startswith("review/cases/")))}
    listed = {"case-detail", "case-document-fields", "case-document-file", "case-recordings", "case-recording-media",
              "case-file", "case-file-print", "review-workspace"}
    assert pages - NOT_CONTENT == listed


def test_every_case_api_read_is_listed():
    from config.api import api

    schema = api.get_openapi_schema()
    reads = {path for path, ops in schema["paths"].items() if "get" in ops and "{case_id}" in path}
    assert reads == {"/api/cases/{case_id}", "/api/records/cases/{case_id}/recordings",
                     "/api/records/cases/{case_id}/seal", "/api/review/cases/{case_id}"}


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_a_log_entry_about_a_case_is_read_under_the_same_check(client, world, tree):
    """A log entry carries the record it logs (a document's elements): the ledger page and API read it through the
    same scope and consultation check; its proof stays public."""
    from zhifa.ledger import services as ledger_services

    case, user = world["case"], world["people"]["supervisor"]
    while ledger_services.integrate():
        pass
    ledger_services.checkpoint_create()
    seq = Entry.objects.get(kind="cases.document_recorded", payload__contains="investigation_report").seq
    _row, raw = ApiToken.issue(user=user, name="测试")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    refused = client.get(f"/api/ledger/entries/{seq}", **bearer)
    assert refused.status_code == 403 and refused.json()["code"] == "case_consultation_reason_required"
    client.force_login(user)
    page = client.get(f"/ledger/?seq={seq}").content.decode()
    assert "调阅案件应当先说明事由" in page and "现场检查笔录" not in page
    assert client.get(f"/api/ledger/proofs/inclusion?seq={seq}").status_code == 200  # proofs carry no payload
    other = grant(UserFactory(username="sup_b"), Role.SUPERVISOR, jurisdiction=tree.city_b)
    _row, other_raw = ApiToken.issue(user=other, name="测试")
    assert client.get(f"/api/ledger/entries/{seq}", HTTP_AUTHORIZATION=f"Bearer {other_raw}").status_code == 404
    client.post(f"/api/cases/{case.pk}/consultations", {"reason": "核对日志"}, content_type="application/json", **bearer)
    served = client.get(f"/api/ledger/entries/{seq}", **bearer)
    assert served.status_code == 200 and "investigation_report" in served.json()["entry"]["payload"]
    assert [r["what"] for r in _reads()] == ["ledger_entry"]


def _strings(value):
    """The text leaves of a log payload."""
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_the_admin_site_shows_log_entries_without_their_payloads(client, world, users):
    """Administrators are trusted with accounts, not case content (issue 14, review #1): /admin/ lists the log, but
    a payload (a document's elements) is read only on the ledger page and API, under the consultation check."""
    entry = Entry.objects.filter(kind="cases.document_recorded").order_by("id").last()
    texts = [t for t in _strings(json.loads(entry.payload)) if len(t) >= 4 and not t.isascii()]
    assert texts
    client.force_login(users.su)
    page = client.get(f"/admin/ledger/entry/{entry.pk}/change/")
    assert page.status_code == 200 and entry.subject in page.content.decode()
    shown = page.content.decode()
    assert not [t for t in texts if t in shown]


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_a_review_move_answers_with_the_review_only_through_the_check(client, world, users):
    """An unassigned reviewer may pause the review's clock (review.review), but the API's answer carries the
    review's content (opinions, checklists, timeline) only after a consultation, as its GET does (review #3). The
    administrator may not make the move at all (review #1)."""
    case, outsider = world["case"], world["people"]["reviewer"]
    url = f"/api/review/cases/{case.pk}"

    def post(user, action, body):
        _row, raw = ApiToken.issue(user=user, name="测试")
        return client.post(f"{url}/{action}", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {raw}")

    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    pause = {"kind": "supplement", "reason": "请补充证据材料", "due_date": due}
    assert post(users.su, "pause", pause).status_code == 403
    paused = post(outsider, "pause", pause)
    assert paused.status_code == 200, paused.content
    body = paused.json()
    assert body["state"] == "paused" and body["content_withheld"] == "case_consultation_reason_required"
    assert not {"timeline", "opinions", "reviewers", "rules"} & set(body)
    assert _reads() == []

    _row, raw = ApiToken.issue(user=outsider, name="调阅")
    client.post(f"/api/cases/{case.pk}/consultations", {"reason": "专项监督检查"}, content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {raw}")
    returned = post(outsider, "return", {"reason": "材料不齐全"})
    assert returned.status_code == 200 and returned.json()["timeline"] and "content_withheld" not in returned.json()
    assert set(returned.json()["timeline"][-1]) == {"round", "action", "from", "to", "actor", "at", "note", "data",
                                                    "log_entry_id"}  # issue 17: typed, the same keys as before
    assert [r["what"] for r in _reads()] == ["review"]


def _play(client, url, header):
    response = client.get(url, HTTP_RANGE=header) if header else client.get(url)
    assert response.status_code in (200, 206), (header, response.status_code)
    b"".join(response.streaming_content)


@pytest.mark.req("REC-15")
@pytest.mark.django_db
@pytest.mark.parametrize("header", ["bytes=0-", "bytes=0-99999999999", "bytes=-5", "bytes=12-", None])
@pytest.mark.parametrize("who", ["officer", "supervisor"])
def test_a_playback_is_logged_whatever_range_it_starts_with(client, world, header, who):
    """Which request is a new playback is decided on the server, never by the Range header (review #7:
    `bytes=0-99999999999` fetched a whole clip unlogged): the first request of a reader for a clip is logged,
    whatever its range; the player's further ranges within records.selectors.PLAYBACK_LOG_WINDOW are not; after
    it, a playback is logged again."""
    import time_machine

    from zhifa.records.selectors import PLAYBACK_LOG_WINDOW

    case, rec = world["case"], world["rec"]
    user = world["desk"].officer if who == "officer" else world["people"]["supervisor"]
    client.force_login(user)
    if who == "supervisor":
        client.post(f"/cases/{case.pk}/consult/", {"consultation_reason": "专项监督检查"})
    url = f"/records/cases/{case.pk}/media/{rec.pk}/"

    def logged():
        if who == "officer":
            return [json.loads(e.payload)["recording"] for e in Entry.objects.filter(kind="records.recording_played")]
        return [r["recording"] for r in _reads() if r["what"] == "media"]

    _play(client, url, header)
    assert logged() == [rec.pk]
    for more in ("bytes=4-11", "bytes=0-", "bytes=-3", None):
        _play(client, url, more)
    assert logged() == [rec.pk]
    with time_machine.travel(timezone.now() + PLAYBACK_LOG_WINDOW + dt.timedelta(minutes=1)):
        _play(client, url, "bytes=4-11")
    assert logged() == [rec.pk, rec.pk]


@pytest.mark.req("REC-15")
@pytest.mark.django_db
def test_an_assigned_reviewer_reads_by_duty_only_while_the_review_is_open(client, world):
    """The assignment is the reviewer's reason to read the case, and the review unit head's to read the review,
    while the review goes on; once it is closed (passed), they state a reason like anyone else (review #11)."""
    case, unit = world["case"], world["office"]
    reviewer, head = unit.reviewer_user, unit.review_head
    client.force_login(reviewer)
    assert client.get(f"/cases/{case.pk}/").status_code == 200
    client.force_login(head)
    assert client.get(f"/review/cases/{case.pk}/").status_code == 200
    agree(case.review, unit)
    case.review.refresh_from_db()
    assert case.review.state == "passed"
    for user, url in ((reviewer, f"/cases/{case.pk}/"), (reviewer, f"/records/cases/{case.pk}/"),
                      (reviewer, f"/review/cases/{case.pk}/"), (head, f"/review/cases/{case.pk}/")):
        client.force_login(user)
        refused = client.get(url)
        assert refused.status_code == 403 and "调阅事由" in refused.content.decode(), (user, url)
    with pytest.raises(ConsultationRequired):
        case_selectors.consultation_check(actor=reviewer, case=case, what="case")
    assert _reads() == []
