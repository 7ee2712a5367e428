"""The recording upload page in Chromium (issue 18 §4): the file goes through tus with a progress bar; a connection
lost mid-way (a PATCH cut off, the browser offline, the page reloaded) resumes where it stopped, and the end shows
the server's media check."""

import datetime as dt
import hashlib
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from zhifa.cases import services as cases
from zhifa.cases.tests.conftest import elements
from zhifa.records import services as records
from zhifa.records.models import Recording, TusUpload
from zhifa.records.tests.media import mp4
from zhifa.rules.services import ruleset_apply

CLIP = mp4(frames=20, size=(640, 480), noise=True, fps=10)  # two seconds, about 3 MB
CHUNK = 512 * 1024  # seven PATCHes, so that one can be lost in the middle


@pytest.fixture
def seizure(transactional_db, desk, settings, tmp_path):
    settings.ZHIFA_TUS_DIR = tmp_path / "tus"
    # A transactional test's flush also empties the national baseline its migration loaded: put it back.
    ruleset_apply(name="national", actor=get_user_model().objects.create_superuser("e2e_root", password="x-2026-pw"))
    case = cases.case_open(agency=desk.agency, handling_unit=desk.unit, title="扣押涉案车辆", action_type="coercion",
                           procedure="ordinary", place=desk.place, legal_basis="《行政强制法》", actor=desk.officer)
    for person in desk.officers:
        cases.officer_assign(case=case, person=person, actor=desk.officer)
    cases.document_record(case=case, form="filing_approval", elements=elements(
        desk, case_source="检查发现", opinion="同意", approver="局长"), actor=desk.officer)
    case = cases.case_advance(case=case, actor=desk.head)
    records.device_register(agency=desk.agency, kind="body_camera", serial="ZFY-0001", actor=desk.head)
    return case


def signed_in(page, live_server, user):
    """The browser carries a session of `user` (password and second factor passed, as client.force_login)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])


def fill_form(page, desk, clip_path):
    start = timezone.localtime() - dt.timedelta(hours=2)
    page.set_input_files("#f", str(clip_path))
    page.select_option("#of", str(desk.officers[0].pk))
    page.select_option("#ac", "seize")
    page.fill("#s", f"{start:%Y-%m-%dT%H:%M}")
    page.fill("#e", f"{start + dt.timedelta(minutes=20):%Y-%m-%dT%H:%M}")
    page.fill("#pl", "甲一县人民路8号")
    page.check("input[name=device_checked]")
    page.check("input[name=opening_statement]")
    page.evaluate(f"document.getElementById('upload-form').dataset.chunkSize = '{CHUNK}'")


class Wire:
    """What went over the wire to /api/tus/, with a hook that may cut a PATCH off."""

    def __init__(self, page, cut=lambda n, route: False):
        self.requests = []  # (method, Upload-Offset)
        self.patches = 0
        self.cut = cut
        page.route(re.compile(r".*/api/tus/.*"), self.handle)

    def handle(self, route):
        request = route.request
        if request.method == "PATCH":
            self.patches += 1
            if self.cut(self.patches, route):
                self.requests.append(("PATCH cut", request.headers.get("upload-offset")))
                return
        self.requests.append((request.method, request.headers.get("upload-offset")))
        route.continue_()

    def methods(self, name):
        return [offset for method, offset in self.requests if method == name]


def finished(page, clip):
    page.wait_for_selector("#upload-status.ok", timeout=30000)
    status = page.locator("#upload-status").inner_text()
    assert status.startswith("校验通过：时长 2 秒"), status
    assert page.locator("#upload-bar").evaluate("el => el.value") == 100
    assert "100%" in page.locator("#upload-percent").inner_text()
    recording = Recording.objects.select_related("blob").get()
    assert recording.blob.sha256 == hashlib.sha256(clip).hexdigest()
    assert recording.blob.sha256[:16] in status
    assert recording.duration_seconds == pytest.approx(2, abs=0.2)
    return recording


@pytest.mark.req("REC-05")
@pytest.mark.req("REC-08")
def test_a_patch_cut_off_mid_way_resumes_and_shows_the_media_check(page, live_server, desk, seizure, tmp_path, shot):
    clip_path = tmp_path / "ZFY-0001-clip.mp4"
    clip_path.write_bytes(CLIP)
    signed_in(page, live_server, desk.officer)

    def cut_the_third(n, route):
        if n == 3:
            route.abort("connectionreset")
            return True
        return False

    wire = Wire(page, cut_the_third)
    page.goto(f"/records/cases/{seizure.pk}/")
    fill_form(page, desk, clip_path)
    page.get_by_role("button", name="上传", exact=True).click()
    finished(page, CLIP)
    shot("upload-resumed-after-cut")
    # One upload created; the cut PATCH was at 1 MiB; the client asked the server where it stood (HEAD) and went on
    # from there, not from the start.
    assert len(wire.methods("POST")) == 1 and TusUpload.objects.count() == 1
    assert wire.methods("PATCH cut") == [str(2 * CHUNK)]
    assert wire.methods("HEAD"), wire.requests
    after = wire.requests[wire.requests.index(("PATCH cut", str(2 * CHUNK))) + 1:]
    first_patch = next(offset for method, offset in after if method == "PATCH")
    assert int(first_patch) == 2 * CHUNK, wire.requests
    assert "0" not in wire.methods("PATCH")[1:], wire.requests  # never restarted from byte 0
    # The list on the page shows the new clip (refreshed in place), and the file input is cleared.
    assert page.locator("#recordings-list video").count() == 1
    assert page.locator("#f").evaluate("el => el.files.length") == 0


@pytest.mark.req("REC-08")
def test_offline_mid_way_says_so_and_continues_when_the_network_returns(page, live_server, desk, seizure, tmp_path):
    clip_path = tmp_path / "clip.mp4"
    clip_path.write_bytes(CLIP)
    signed_in(page, live_server, desk.officer)
    state = {}

    def go_offline_at_the_fourth(n, route):
        if n == 4 and "offline" not in state:
            state["offline"] = True
            page.context.set_offline(True)
            route.abort("internetdisconnected")
            return True
        return False

    wire = Wire(page, go_offline_at_the_fourth)
    page.goto(f"/records/cases/{seizure.pk}/")
    fill_form(page, desk, clip_path)
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator("#upload-status")).to_contain_text("网络已断开")
    assert 0 < page.locator("#upload-bar").evaluate("el => el.value") < 100
    assert page.locator("#upload-resume").is_visible()
    assert not Recording.objects.exists()
    page.context.set_offline(False)
    finished(page, CLIP)
    assert len(wire.methods("POST")) == 1 and wire.methods("PATCH cut") == [str(3 * CHUNK)]


@pytest.mark.req("REC-08")
def test_pause_then_reload_then_the_same_file_resumes_the_same_upload(page, live_server, desk, seizure, tmp_path):
    """The officer pauses, the page is reloaded (or the phone's browser dropped it): choosing the same file again
    continues the upload the server holds (the fingerprint in localStorage), not a new one."""
    clip_path = tmp_path / "clip.mp4"
    clip_path.write_bytes(CLIP)
    signed_in(page, live_server, desk.officer)
    gate = {"held": False}

    def hold_after_the_second(n, route):
        if n >= 3 and gate["held"]:
            route.abort("connectionreset")
            return True
        if n == 2:
            gate["held"] = True
        return False

    wire = Wire(page, hold_after_the_second)
    page.goto(f"/records/cases/{seizure.pk}/")
    fill_form(page, desk, clip_path)
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator("#upload-percent")).to_contain_text(re.compile(r"^([3-9][0-9])%"))  # two chunks or more
    page.get_by_role("button", name="暂停").click()
    assert "已暂停" in page.locator("#upload-status").inner_text()
    assert page.locator("#upload-resume").is_visible()
    upload = TusUpload.objects.get()
    assert 0 < upload.offset < upload.length and upload.recording_id is None

    gate["held"] = False
    page.reload()
    fill_form(page, desk, clip_path)
    expect(page.locator("#upload-status")).to_contain_text("未完成的上传")
    page.get_by_role("button", name="上传", exact=True).click()
    finished(page, CLIP)
    assert TusUpload.objects.get().pk == upload.pk and TusUpload.objects.get().recording_id is not None
    assert len(wire.methods("POST")) == 1, wire.requests


@pytest.mark.req("REC-05")
def test_without_javascript_the_form_posts_the_file(browser, live_server, desk, seizure, tmp_path):
    """The fallback: with scripts off the same form posts to the page upload, and nothing goes through tus."""
    clip_path = tmp_path / "clip.mp4"
    clip_path.write_bytes(CLIP)
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", java_script_enabled=False)
    try:
        page = context.new_page()
        signed_in(page, live_server, desk.officer)
        page.goto(f"/records/cases/{seizure.pk}/")
        assert page.locator("#upload-progress").is_hidden()
        start = timezone.localtime() - dt.timedelta(hours=2)
        page.set_input_files("#f", str(clip_path))
        page.select_option("#ac", "seize")
        page.fill("#s", f"{start:%Y-%m-%dT%H:%M}")
        page.fill("#e", f"{start + dt.timedelta(minutes=20):%Y-%m-%dT%H:%M}")
        page.fill("#pl", "甲一县人民路8号")
        with page.expect_navigation():
            page.get_by_role("button", name="上传", exact=True).click()
        assert "已上传音像记录" in page.locator(".messages").inner_text()
        assert not TusUpload.objects.exists()
        assert Recording.objects.get().blob.sha256 == hashlib.sha256(CLIP).hexdigest()
    finally:
        context.close()


@pytest.mark.req("REC-05")
def test_a_file_the_media_check_refuses_is_named_in_chinese_and_the_form_stays_filled(page, live_server, desk, seizure,
                                                                                     tmp_path):
    fake = tmp_path / "clip.mp4"
    fake.write_bytes(b"<html><body>not a video</body></html>" * 2000)
    signed_in(page, live_server, desk.officer)
    page.goto(f"/records/cases/{seizure.pk}/")
    fill_form(page, desk, fake)
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator("#upload-status.bad")).to_contain_text("未能上传：该文件不是可识别的音视频或图片文件，未存储。")
    assert page.locator("#pl").input_value() == "甲一县人民路8号" and page.locator("#ac").input_value() == "seize"
    assert page.locator("input[name=device_checked]").is_checked()
    assert page.locator("#upload-submit").is_enabled() and page.locator("#upload-resume").is_hidden()
    assert not Recording.objects.exists()


@pytest.mark.req("REC-04")
def test_an_end_before_the_start_is_refused_before_any_byte_is_sent(page, live_server, desk, seizure, tmp_path):
    """The server checks the times only when the last byte has arrived; the page checks them before the first."""
    clip_path = tmp_path / "clip.mp4"
    clip_path.write_bytes(CLIP)
    signed_in(page, live_server, desk.officer)
    wire = Wire(page)
    page.goto(f"/records/cases/{seizure.pk}/")
    fill_form(page, desk, clip_path)
    start = timezone.localtime() - dt.timedelta(hours=2)
    page.fill("#e", f"{start - dt.timedelta(minutes=5):%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="上传", exact=True).click()
    assert page.locator("#e").evaluate("el => el.validationMessage") == "开始时间应早于结束时间，且结束时间不能晚于现在。"
    assert wire.requests == [] and page.locator("#upload-progress").is_hidden()
    page.fill("#e", f"{start + dt.timedelta(minutes=20):%Y-%m-%dT%H:%M}")
    page.get_by_role("button", name="上传", exact=True).click()
    finished(page, CLIP)


# Every text the status line shows, in order (the line changes faster than a poll sees it).
RECORD_STATUS = """() => {
  window.__statuses = [];
  const status = document.getElementById("upload-status");
  new MutationObserver(() => window.__statuses.push(status.textContent)).observe(status, {childList: true, characterData: true, subtree: true});
}"""


@pytest.mark.req("REC-04")
@pytest.mark.req("REC-08")
@pytest.mark.parametrize("go_on", ["继续上传", "上传"])
def test_a_document_changed_during_a_pause_is_the_one_the_recording_is_linked_to(page, live_server, desk, seizure,
                                                                                 tmp_path, go_on):
    """Review finding 12 (the "video linked to the wrong document" bug of issue 18 §3): the upload on the server
    carries the metadata it was created with. The officer pauses, corrects the linked document and goes on (with
    "继续上传" or "上传"): the page says the form changed, ends the old upload and sends the file again, and the
    recording is linked to the document chosen now."""
    inspection = cases.document_record(case=seizure, form="inspection_record", elements=elements(desk),
                                       actor=desk.officer)
    filing = seizure.documents.get(form="filing_approval")
    clip_path = tmp_path / "clip.mp4"
    clip_path.write_bytes(CLIP)
    signed_in(page, live_server, desk.officer)
    gate = {"held": False}

    def hold_after_the_second(n, route):
        if n >= 3 and gate["held"]:
            route.abort("connectionreset")
            return True
        if n == 2:
            gate["held"] = True
        return False

    wire = Wire(page, hold_after_the_second)
    page.goto(f"/records/cases/{seizure.pk}/")
    page.evaluate(RECORD_STATUS)
    fill_form(page, desk, clip_path)
    page.select_option("#doc", str(filing.pk))
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator("#upload-percent")).to_contain_text(re.compile(r"^([3-9][0-9])%"))
    page.get_by_role("button", name="暂停").click()
    first = TusUpload.objects.get()
    assert 0 < first.offset < first.length and first.recording_id is None
    assert first.metadata["document"] == str(filing.pk)  # created with the document chosen first

    gate["held"] = False
    page.select_option("#doc", str(inspection.pk))
    page.get_by_role("button", name=go_on, exact=True).click()
    finished(page, CLIP)
    statuses = page.evaluate("window.__statuses")
    assert any(s.startswith("表单已更改，将重新上传。") for s in statuses), statuses
    recording = Recording.objects.get()
    assert recording.document_id == inspection.pk
    # A second upload was created with the new metadata; the first was ended on the server (tus termination).
    assert len(wire.methods("POST")) == 2 and wire.methods("DELETE") == [None], wire.requests
    first.refresh_from_db()
    assert first.terminated and first.recording_id is None
    assert TusUpload.objects.exclude(pk=first.pk).get().recording_id == recording.pk
    # Nothing of the old upload is left in the browser to be resumed by mistake.
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('tus::')).length") == 0


@pytest.mark.req("REC-08")
def test_after_a_reload_a_changed_form_starts_a_new_upload_and_says_so(page, live_server, desk, seizure, tmp_path):
    """The stored upload (localStorage) is for the same file but another linked document: it is not resumed."""
    inspection = cases.document_record(case=seizure, form="inspection_record", elements=elements(desk),
                                       actor=desk.officer)
    clip_path = tmp_path / "clip.mp4"
    clip_path.write_bytes(CLIP)
    signed_in(page, live_server, desk.officer)
    gate = {"held": False}

    def hold_after_the_second(n, route):
        if n >= 3 and gate["held"]:
            route.abort("connectionreset")
            return True
        if n == 2:
            gate["held"] = True
        return False

    wire = Wire(page, hold_after_the_second)
    page.goto(f"/records/cases/{seizure.pk}/")
    fill_form(page, desk, clip_path)
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator("#upload-percent")).to_contain_text(re.compile(r"^([3-9][0-9])%"))
    page.get_by_role("button", name="暂停").click()
    first = TusUpload.objects.get()

    gate["held"] = False
    page.reload()
    page.evaluate(RECORD_STATUS)
    fill_form(page, desk, clip_path)
    page.select_option("#doc", str(inspection.pk))
    page.get_by_role("button", name="上传", exact=True).click()
    finished(page, CLIP)
    assert any(s.startswith("表单已更改，将重新上传。") for s in page.evaluate("window.__statuses"))
    assert Recording.objects.get().document_id == inspection.pk
    assert len(wire.methods("POST")) == 2
    first.refresh_from_db()
    assert first.terminated and first.recording_id is None


@pytest.mark.req("REC-05")
def test_opened_from_a_todo_the_form_holds_the_record_and_a_second_copy_of_a_file_is_said(page, live_server, desk,
                                                                                          seizure, tmp_path):
    """Tryout defects 7 and 18: the to-do's link (?document=&activity=) opens the form with that record, its
    activity and the times of its work, which the document's option also shows; the same file sent again is
    stored, and the result says which recording holds the same bytes."""
    began = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    record = cases.document_record(case=seizure, form="seizure_decision", elements=elements(
        desk, items="货车一辆", legal_basis="依据", period="三十日", time=began.isoformat(),
        end_time=(began + dt.timedelta(minutes=20)).isoformat()), actor=desk.officer)
    clip_path = tmp_path / "ZFY-0001-clip.mp4"
    clip_path.write_bytes(CLIP)
    signed_in(page, live_server, desk.officer)
    page.goto(f"/records/cases/{seizure.pk}/?document={record.pk}&activity=seize#upload")
    assert page.locator("#doc").input_value() == str(record.pk)
    assert page.locator("#ac").input_value() == "seize"
    assert page.locator("#s").input_value() == f"{began:%Y-%m-%dT%H:%M}"
    assert page.locator("#e").input_value() == f"{began + dt.timedelta(minutes=20):%Y-%m-%dT%H:%M}"
    assert f"{began:%H:%M}–" in page.locator("#doc option:checked").inner_text()
    for attempt in (1, 2):
        if attempt == 2:
            # Tryout of issue 19: the stored clip's fields are cleared (device and officer kept); the next is typed.
            for field in ("#s", "#e", "#pl", "#rr"):
                assert page.locator(field).input_value() == "", field
            assert page.locator("#doc").input_value() == "" and not page.locator("input[name=device_checked]").is_checked()
            assert page.locator("#of").input_value() == str(desk.officers[0].pk)
            page.select_option("#doc", str(record.pk))
            page.select_option("#ac", "seize")
            page.fill("#s", f"{began:%Y-%m-%dT%H:%M}")
            page.fill("#e", f"{began + dt.timedelta(minutes=20):%Y-%m-%dT%H:%M}")
            page.fill("#pl", "甲一县人民路8号")
        page.set_input_files("#f", str(clip_path))
        page.select_option("#of", str(desk.officers[0].pk))
        page.check("input[name=device_checked]")
        page.check("input[name=opening_statement]")
        page.get_by_role("button", name="上传", exact=True).click()
        expect(page.locator("#upload-status")).to_contain_text("已上传音像记录", timeout=30000)
        assert Recording.objects.count() == attempt
    first, second = Recording.objects.order_by("pk")
    assert first.document_id == second.document_id == record.pk and first.blob_id == second.blob_id
    status = page.locator("#upload-status")
    expect(status).to_contain_text(f"该文件与已上传的音像记录 #{first.pk} 相同（SHA-256 一致）")
    assert "warn" in status.get_attribute("class")
    expect(page.locator(f"#recording-{first.pk}")).to_contain_text(f"#{first.pk}")
