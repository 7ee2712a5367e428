"""Anonymous submissions on the portal are bounded and quarantined (issue 14 §2).

One anonymous POST to /portal/requests/new/ stored 20 files (49 MB, text/html) in 1.7 s, straight into the
evidence store and the tamper-evident log, which on S3 carries a 30-year lock. Now: size, count and type limits
(the type read from the bytes), per-address and global rate limits, and a quarantine the files leave for the
evidence store only when staff accept the request.
"""

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from zhifa.core.errors import ZhifaError
from zhifa.core.permissions import Role
from zhifa.ledger.models import Blob, Entry
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.publicity import attachments, services
from zhifa.publicity.models import PublicSubmission, Request, RequestAttachment
from zhifa.publicity.workflow import AttachmentState

URL = "/portal/requests/new/"
TYPED = {"name": "张三", "contact": "13912345678", "content": "公示的处罚金额有误，应为三千元，附缴款凭证。"}


def _pdf(size: int = 200) -> bytes:
    """A PDF of exactly `size` bytes: the header, padding, the end-of-file marker."""
    head, tail = b"%PDF-1.4\n", b"\n%%EOF\n"
    return head + b"%" * (size - len(head) - len(tail)) + tail


def _image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, fmt)
    return buf.getvalue()


def _ofd() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as package:
        package.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        package.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return buf.getvalue()


def _file(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _form(pubdesk, **extra) -> dict:
    return {"kind": "disclosure", "agency": pubdesk.agency.pk, **TYPED, **extra}


def _quarantine_files() -> list[str]:
    root = Path(default_storage.location) / "quarantine"
    return [str(p) for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _nothing_stored():
    assert not Request.objects.exists() and not RequestAttachment.objects.exists()
    assert not Blob.objects.exists()
    assert not Entry.objects.filter(kind__in=["ledger.evidence_stored", "publicity.request"]).exists()
    assert _quarantine_files() == []


@pytest.fixture
def limits(settings):
    settings.ZHIFA_PUBLIC_ATTACHMENTS_MAX = 3
    settings.ZHIFA_PUBLIC_ATTACHMENT_MAX_BYTES = 1000
    settings.ZHIFA_PUBLIC_ATTACHMENTS_TOTAL_BYTES = 2000
    settings.ZHIFA_PUBLIC_RATE_PER_ADDRESS = 2
    settings.ZHIFA_PUBLIC_RATE_GLOBAL = 4
    return settings


# --- the attack, reproduced ----------------------------------------------------------------------------------

@pytest.mark.req("PUB-10")
def test_the_reported_upload_of_twenty_html_files_is_refused_and_stores_nothing(pubdesk, client):
    """The reported attack: one anonymous POST, 20 files, 49 MB, text/html. Refused before the body is read,
    with nothing in the evidence store, the log or the quarantine."""
    page = b"<html><script>alert(document.cookie)</script>" + b" " * (49 * 1024 * 1024 // 20)
    files = [_file(f"evidence{i}.html", page, "text/html") for i in range(20)]
    response = client.post(URL, _form(pubdesk, evidence=files))
    assert response.status_code == 413
    assert "提交的内容过大" in response.content.decode()
    _nothing_stored()


@pytest.mark.req("PUB-10")
def test_twenty_small_html_files_are_refused_by_count_and_by_type(pubdesk, client):
    """The same attack within the size limits: refused for the count; one HTML page declared as a PNG image
    and named .png is refused for its bytes. The form keeps what the person typed."""
    html = b"<!doctype html><script>alert(1)</script>"
    response = client.post(URL, _form(pubdesk, evidence=[_file(f"e{i}.html", html, "text/html") for i in range(20)]))
    assert response.status_code == 400
    body = response.content.decode()
    assert "证明材料最多 5 个文件，本次选择了 20 个" in body
    assert TYPED["content"] in body and 'value="13912345678"' in body
    response = client.post(URL, _form(pubdesk, evidence=[_file("photo.png", html, "image/png")]))
    assert response.status_code == 400
    assert "文件“photo.png”不是可接受的类型" in response.content.decode()
    _nothing_stored()


# --- limits: just past each --------------------------------------------------------------------------------

@pytest.mark.req("PUB-10")
def test_count_limit_takes_the_limit_and_refuses_one_more(pubdesk, limits):
    with pytest.raises(ZhifaError) as refused:
        services.request_submit(kind="disclosure", agency=pubdesk.agency, **_service_typed(),
                                files=[_file(f"{i}.pdf", _pdf(100)) for i in range(4)])
    assert refused.value.code == "publicity_attachments_too_many"
    req, _ = services.request_submit(kind="disclosure", agency=pubdesk.agency, **_service_typed(),
                                     files=[_file(f"{i}.pdf", _pdf(100 + i)) for i in range(3)])
    assert req.attachments.count() == 3


@pytest.mark.req("PUB-10")
def test_size_limit_of_each_file_takes_the_limit_and_refuses_one_byte_more(pubdesk, limits):
    with pytest.raises(ZhifaError) as refused:
        services.request_submit(kind="disclosure", agency=pubdesk.agency, **_service_typed(),
                                files=[_file("big.pdf", _pdf(1001))])
    assert refused.value.code == "publicity_attachment_too_large" and refused.value.status == 413
    assert "超过单个文件 1000 字节 的上限" in refused.value.message
    req, _ = services.request_submit(kind="disclosure", agency=pubdesk.agency, **_service_typed(),
                                     files=[_file("exact.pdf", _pdf(1000))])
    assert req.attachments.get().size == 1000


@pytest.mark.req("PUB-10")
def test_total_size_takes_the_limit_and_refuses_one_byte_more(pubdesk, limits):
    with pytest.raises(ZhifaError) as refused:
        services.request_submit(kind="disclosure", agency=pubdesk.agency, **_service_typed(),
                                files=[_file("a.pdf", _pdf(1000)), _file("b.pdf", _pdf(1000)), _file("c.pdf", _pdf(100))])
    assert refused.value.code == "publicity_attachments_total_too_large"
    assert not RequestAttachment.objects.exists()
    req, _ = services.request_submit(kind="disclosure", agency=pubdesk.agency, **_service_typed(),
                                     files=[_file("a.pdf", _pdf(1000)), _file("b.pdf", _pdf(999) + b"\n")])
    assert sum(a.size for a in req.attachments.all()) == 2000


@pytest.mark.req("PUB-10")
@pytest.mark.parametrize("name,content,declared,accepted", [
    ("scan.pdf", _pdf(), "application/pdf", "application/pdf"),
    ("photo.jpg", _image("JPEG"), "image/jpeg", "image/jpeg"),
    ("photo.png", _image("PNG"), "image/png", "image/png"),
    ("invoice.ofd", _ofd(), "application/octet-stream", "application/ofd"),
    # The type is what the bytes are, whatever the name or the declared type says.
    ("looks-like.html", _image("PNG"), "text/html", "image/png"),
    ("page.pdf", b"<html><script>alert(1)</script></html>", "application/pdf", None),
    ("page.png", b"\x89PNG\r\n\x1a\n<script>alert(1)</script>", "image/png", None),  # a PNG signature, no PNG
    ("half.pdf", b"%PDF-1.4\n<script>alert(1)</script>", "application/pdf", None),  # no end-of-file marker
    ("letter.docx", _ofd().replace(b"OFD.xml", b"DOC.xml"), "application/vnd.openxmlformats", None),
    ("image.svg", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/svg+xml", None),
    ("empty.pdf", b"", "application/pdf", None),
])
def test_type_is_read_from_the_bytes(pubdesk, name, content, declared, accepted):
    upload = _file(name, content, declared)
    if accepted is None:
        with pytest.raises(ZhifaError) as refused:
            services.request_submit(kind="disclosure", agency=pubdesk.agency, **_service_typed(), files=[upload])
        assert refused.value.code == "publicity_attachment_type_refused"
        assert "只接受 PDF、JPEG、PNG、OFD" in refused.value.message
        assert _quarantine_files() == []
    else:
        req, _ = services.request_submit(kind="disclosure", agency=pubdesk.agency, **_service_typed(), files=[upload])
        assert req.attachments.get().content_type == accepted


def _service_typed() -> dict:
    return {"requester_name": TYPED["name"], "requester_contact": TYPED["contact"], "content": TYPED["content"]}


# --- rate limits -------------------------------------------------------------------------------------------

@pytest.mark.req("PUB-10")
def test_per_address_limit_then_another_address_still_submits(pubdesk, client, limits):
    for _ in range(2):
        assert client.post(URL, _form(pubdesk), REMOTE_ADDR="203.0.113.7").status_code == 200
    response = client.post(URL, _form(pubdesk), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    body = response.content.decode()
    assert "同一网络地址在 60 分钟内最多提交 2 件申请" in body and TYPED["content"] in body
    assert client.post(URL, _form(pubdesk), REMOTE_ADDR="203.0.113.8").status_code == 200
    assert Request.objects.count() == 3
    # Only a keyed hash of the address is kept.
    keys = set(PublicSubmission.objects.values_list("client_key", flat=True))
    assert len(keys) == 2 and not any("203.0.113" in k for k in keys)


@pytest.mark.req("PUB-10")
def test_window_passes_and_the_address_may_submit_again(pubdesk, client, limits, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    for _ in range(2):
        client.post(URL, _form(pubdesk), REMOTE_ADDR="203.0.113.7")
    assert client.post(URL, _form(pubdesk), REMOTE_ADDR="203.0.113.7").status_code == 429
    time_machine.move_to(dt.datetime(2026, 3, 2, 11, 1, tzinfo=dt.UTC))
    assert client.post(URL, _form(pubdesk), REMOTE_ADDR="203.0.113.7").status_code == 200


@pytest.mark.req("PUB-10")
def test_an_ipv6_client_is_counted_by_its_slash_64(pubdesk, client, limits):
    """A subscriber holds a /64 at least: counting each IPv6 address would give one household 2^64 tries."""
    client.post(URL, _form(pubdesk), REMOTE_ADDR="2001:db8:1:2::1")
    client.post(URL, _form(pubdesk), REMOTE_ADDR="2001:db8:1:2::ffff")
    assert client.post(URL, _form(pubdesk), REMOTE_ADDR="2001:db8:1:2:abcd::9").status_code == 429
    assert client.post(URL, _form(pubdesk), REMOTE_ADDR="2001:db8:1:3::1").status_code == 200


@pytest.mark.req("PUB-10")
def test_global_limit_holds_across_addresses(pubdesk, client, limits):
    for n in range(4):
        assert client.post(URL, _form(pubdesk), REMOTE_ADDR=f"198.51.100.{n}").status_code == 200
    response = client.post(URL, _form(pubdesk), REMOTE_ADDR="198.51.100.99")
    assert response.status_code == 429 and "当前提交的申请较多" in response.content.decode()
    assert Request.objects.count() == 4


@pytest.mark.req("PUB-10")
def test_forwarded_for_does_not_escape_the_address_limit_without_a_trusted_proxy(pubdesk, client, limits, settings):
    """Without a configured trusted proxy, X-Forwarded-For is the client's own words and is ignored."""
    settings.ZHIFA_PROXY_CLIENT_HEADER = "X-Forwarded-For"
    settings.ZHIFA_TRUSTED_PROXIES = []
    for n in range(3):
        response = client.post(URL, _form(pubdesk), REMOTE_ADDR="203.0.113.7",
                               HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert response.status_code == 429
    assert Request.objects.count() == 2


@pytest.mark.req("PUB-10")
def test_behind_a_trusted_proxy_each_client_is_counted_by_the_forwarded_address(pubdesk, client, limits, settings):
    settings.ZHIFA_PROXY_CLIENT_HEADER = "X-Forwarded-For"
    settings.ZHIFA_TRUSTED_PROXIES = ["10.0.0.0/8"]
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(2):
        assert client.post(URL, _form(pubdesk), HTTP_X_FORWARDED_FOR="192.0.2.1", **proxy).status_code == 200
    # A client's own X-Forwarded-For entry comes first; the proxy appends the address it saw, which counts.
    assert client.post(URL, _form(pubdesk), HTTP_X_FORWARDED_FOR="198.51.100.50, 192.0.2.1",
                       **proxy).status_code == 429
    assert client.post(URL, _form(pubdesk), HTTP_X_FORWARDED_FOR="192.0.2.2", **proxy).status_code == 200


# --- quarantine ------------------------------------------------------------------------------------------

def _submitted(pubdesk, client, *files):
    response = client.post(URL, _form(pubdesk, evidence=list(files)))
    assert response.status_code == 200, response.content.decode()
    return Request.objects.get(reference=response.context["done"]["reference"])


@pytest.mark.req("PUB-10")
def test_attachment_waits_in_quarantine_and_enters_the_evidence_store_only_on_acceptance(
        pubdesk, client, django_capture_on_commit_callbacks):
    scan, photo = _pdf(300), _image("PNG")
    req = _submitted(pubdesk, client, _file("缴款凭证.pdf", scan), _file("现场.png", photo, "image/png"))
    held = list(req.attachments.order_by("id"))
    assert [a.state for a in held] == [AttachmentState.QUARANTINED] * 2
    assert all(a.file.name.startswith("quarantine/publicity/") for a in held)
    assert not Blob.objects.exists() and not Entry.objects.filter(kind="ledger.evidence_stored").exists()
    receive = Entry.objects.get(kind="publicity.request")
    assert "缴款凭证" not in str(receive.payload)  # the sender's names stay out of the permanent log

    # Not for the public, nor for staff of another agency; staff handling it download it, never inline.
    url = reverse("publicity-request-attachment", args=[req.pk, held[1].pk])
    assert client.get(url).status_code in (302, 404)
    client.force_login(grant(UserFactory(), Role.PUBLICITY_EDITOR, agency=pubdesk.tree.agency_b1))
    assert client.get(url).status_code == 404
    client.force_login(pubdesk.editor)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == photo
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;") and "sandbox" in response["Content-Security-Policy"]
    assert "待审查" in client.get(reverse("publicity-request", args=[req.pk])).content.decode()

    # Taking the request up is not taking its files in (review finding 6): each file is decided on by itself.
    with django_capture_on_commit_callbacks(execute=True):
        services.request_act(request=req, actor=pubdesk.editor, action="verify", note="已收到，开始核实。")
        for attachment in held:
            services.request_attachment_decide(attachment=attachment, actor=pubdesk.editor, decision="accept")
    accepted = list(req.attachments.order_by("id"))
    assert [a.state for a in accepted] == [AttachmentState.ACCEPTED] * 2
    assert {a.decided_by for a in accepted} == {pubdesk.editor}
    assert {b.sha256 for b in Blob.objects.all()} == {a.sha256 for a in held}
    assert Entry.objects.filter(kind="ledger.evidence_stored").count() == 2
    logged = [json.loads(e.payload) for e in Entry.objects.filter(kind="publicity.request_evidence").order_by("id")]
    assert [f["sha256"] for entry in logged for f in entry["files"]] == [a.sha256 for a in held]
    assert _quarantine_files() == []  # deleted once the acceptance committed
    response = client.get(url)  # still downloadable by staff, now from the evidence store
    assert b"".join(response.streaming_content) == photo


@pytest.mark.req("PUB-10")
def test_starting_verification_takes_no_file_into_the_evidence_store(pubdesk, client):
    """Review finding 6: "开始核实" — the routine first click on any request — moved every attachment into the
    evidence store (on S3 under a 30-year lock) without anyone looking at the files. Now it moves none."""
    req = _submitted(pubdesk, client, _file("a.pdf", _pdf(310)), _file("b.pdf", _pdf(311)))
    services.request_act(request=req, actor=pubdesk.editor, action="verify", note="已收到，开始核实。")
    assert list(req.attachments.values_list("state", flat=True)) == [AttachmentState.QUARANTINED] * 2
    assert not Blob.objects.exists()
    assert not Entry.objects.filter(kind__in=["ledger.evidence_stored", "publicity.request_evidence"]).exists()
    assert len(_quarantine_files()) == 2


def _api(client, user, path, data):
    client.force_login(user)  # the API under a session: the same door as a Bearer token, without a token row
    return client.post(path, data, content_type="application/json")


@pytest.mark.req("PUB-10")
def test_each_file_is_accepted_or_rejected_by_handling_staff_with_a_reason_and_logged(
        pubdesk, client, django_capture_on_commit_callbacks):
    """The page and the API decide on one file at a time: accept (evidence store, logged) or reject (a reason is
    required, logged, the quarantined bytes deleted after commit). Once per file, only by staff handling the
    request, only while it is open."""
    req = _submitted(pubdesk, client, _file("收据.pdf", _pdf(320)), _file("伪造.pdf", _pdf(321)),
                     _file("照片.png", _image("PNG"), "image/png"))
    receipt, junk, photo = req.attachments.order_by("id")
    decide = lambda a: reverse("publicity-request-attachment-decide", args=[req.pk, a.pk])  # noqa: E731
    page = reverse("publicity-request", args=[req.pk])

    # Outsiders: the public is sent to log in, another agency's editor and an officer of this one get the 404.
    assert client.post(decide(junk), {"decision": "reject", "reason": "x"}).status_code == 302
    for outsider in (grant(UserFactory(), Role.PUBLICITY_EDITOR, agency=pubdesk.tree.agency_b1), pubdesk.officer):
        client.force_login(outsider)
        assert client.post(decide(junk), {"decision": "reject", "reason": "无关材料"}).status_code == 404
        assert _api(client, outsider, f"/api/publicity/requests/{req.pk}/attachments/{junk.pk}/decide",
                    {"decision": "accept"}).status_code == 404
    assert set(req.attachments.values_list("state", flat=True)) == {AttachmentState.QUARANTINED}

    # A rejection needs its reason; the page keeps the file and says why.
    client.force_login(pubdesk.editor)
    response = client.post(decide(junk), {"decision": "reject", "reason": "  "}, follow=True)
    assert "不予接收的，请填写理由" in response.content.decode()
    assert req.attachments.get(pk=junk.pk).state == AttachmentState.QUARANTINED
    assert 'name="decision" value="accept"' in client.get(page).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(decide(junk), {"decision": "reject", "reason": "与申请事项无关"}, follow=True)
    assert "已不予接收" in response.content.decode()
    junk.refresh_from_db()
    assert junk.state == AttachmentState.REJECTED and junk.file.name == "" and junk.reason == "与申请事项无关"
    assert junk.decided_by == pubdesk.editor and junk.deleted_at is not None
    rejected = json.loads(Entry.objects.get(kind="publicity.request_attachment_rejected").payload)
    assert rejected["sha256"] == junk.sha256 and rejected["reason"] == "与申请事项无关"
    assert "伪造" not in str(rejected)  # the sender's name of a file not taken in stays out of the log
    assert len(_quarantine_files()) == 2  # its bytes are gone, the two others wait
    assert client.get(reverse("publicity-request-attachment", args=[req.pk, junk.pk])).status_code == 404
    assert not Blob.objects.exists()

    # Through the API twin: accept one file; the others are untouched.
    with django_capture_on_commit_callbacks(execute=True):
        response = _api(client, pubdesk.editor, f"/api/publicity/requests/{req.pk}/attachments/{receipt.pk}/decide",
                        {"decision": "accept", "reason": "缴款凭证，与申请相关"})
    assert response.status_code == 200, response.content
    states = {a["id"]: a["state"] for a in response.json()["attachments"]}
    assert states == {receipt.pk: "accepted", junk.pk: "rejected", photo.pk: "quarantined"}
    assert [e["sha256"] for e in response.json()["evidence"]] == [receipt.sha256]
    assert Entry.objects.filter(kind="publicity.request_evidence").count() == 1

    # Once per file, and a decision is one of the two.
    for attachment, decision in ((receipt, "reject"), (junk, "accept")):
        with pytest.raises(ZhifaError) as refused:
            services.request_attachment_decide(attachment=attachment, actor=pubdesk.editor, decision=decision,
                                               reason="改变主意")
        assert refused.value.code == "publicity_attachment_already_decided"
    response = _api(client, pubdesk.editor, f"/api/publicity/requests/{req.pk}/attachments/{photo.pk}/decide",
                    {"decision": "delete"})
    assert response.status_code == 400 and response.json()["code"] == "publicity_attachment_decision_invalid"

    # Closed: no more decisions; the undecided file waits for the purge.
    services.request_act(request=req, actor=pubdesk.editor, action="answer", note="所申请的信息已主动公开，见平台。")
    with pytest.raises(ZhifaError) as refused:
        services.request_attachment_decide(attachment=photo, actor=pubdesk.editor, decision="accept")
    assert refused.value.code == "wrong_state" and refused.value.status == 409
    assert 'name="decision"' not in client.get(page).content.decode()
    assert req.attachments.get(pk=photo.pk).state == AttachmentState.QUARANTINED


@pytest.mark.req("PUB-10")
def test_closing_without_acceptance_keeps_the_files_out_of_the_evidence_store(pubdesk, client):
    req = _submitted(pubdesk, client, _file("a.pdf", _pdf()))
    services.request_act(request=req, actor=pubdesk.editor, action="answer", note="所申请的信息已主动公开，见平台。")
    assert req.attachments.get().state == AttachmentState.QUARANTINED
    assert not Blob.objects.exists()
    with pytest.raises(ZhifaError):  # closed: no later decision can take them in
        services.request_attachment_decide(attachment=req.attachments.get(), actor=pubdesk.editor, decision="accept")
    assert not Blob.objects.exists()


@pytest.mark.req("PUB-10")
def test_refused_requests_files_are_removed_by_the_cleanup_after_the_retention_period(pubdesk, client, settings,
                                                                                     time_machine):
    settings.ZHIFA_QUARANTINE_RETENTION_DAYS = 30
    settings.ZHIFA_QUARANTINE_UNHANDLED_DAYS = 60
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    refused = _submitted(pubdesk, client, _file("a.pdf", _pdf(301)))
    kept_open = _submitted(pubdesk, client, _file("b.pdf", _pdf(302)))
    services.request_act(request=refused, actor=pubdesk.editor, action="answer", note="所申请的信息已主动公开，见平台。")
    assert len(_quarantine_files()) == 2

    time_machine.move_to(dt.datetime(2026, 3, 31, 10, 0, tzinfo=dt.UTC))  # 29 days: within retention
    call_command("publicity_quarantine_purge")
    assert len(_quarantine_files()) == 2

    time_machine.move_to(dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.UTC))
    call_command("publicity_quarantine_purge")
    gone = refused.attachments.get()
    assert gone.state == AttachmentState.DELETED and gone.file.name == "" and gone.deleted_at is not None
    assert "办结满 30 日" in gone.reason
    assert kept_open.attachments.get().state == AttachmentState.QUARANTINED  # open, within 60 days: kept
    assert len(_quarantine_files()) == 1
    assert not PublicSubmission.objects.exists()  # rate rows older than the window are dropped too
    assert client.get(reverse("publicity-request-attachment", args=[refused.pk, gone.pk])).status_code in (302, 404)


@pytest.mark.req("PUB-10")
def test_files_of_requests_nobody_handles_are_purged_after_the_unhandled_period(
        pubdesk, client, settings, time_machine, django_capture_on_commit_callbacks):
    """Review finding 6: the purge took only closed requests, so the files of a flood nobody handles stayed for
    ever. A request still in its first state (已受理) past ZHIFA_QUARANTINE_UNHANDLED_DAYS loses its undecided
    files; one taken up for verification keeps them until it is closed (then the retention applies), and a
    decided file is never touched."""
    settings.ZHIFA_QUARANTINE_UNHANDLED_DAYS = 30
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC))
    ignored = _submitted(pubdesk, client, _file("a.pdf", _pdf(330)))
    handled = _submitted(pubdesk, client, _file("b.pdf", _pdf(331)), _file("c.pdf", _pdf(332)))
    services.request_act(request=handled, actor=pubdesk.editor, action="verify", note="开始核实。")
    kept = handled.attachments.order_by("id").first()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_attachment_decide(attachment=kept, actor=pubdesk.editor, decision="accept")

    time_machine.move_to(dt.datetime(2026, 3, 31, 10, 0, tzinfo=dt.UTC))  # 29 days
    assert services.quarantine_purge()["unhandled_deleted"] == 0
    time_machine.move_to(dt.datetime(2026, 4, 2, 10, 0, tzinfo=dt.UTC))  # 31 days
    call_command("publicity_quarantine_purge")
    gone = ignored.attachments.get()
    assert gone.state == AttachmentState.DELETED and gone.file.name == "" and "30 日内无人办理" in gone.reason
    assert Request.objects.get(pk=ignored.pk).state == "received"  # the request itself stays, to be answered
    assert sorted(handled.attachments.values_list("state", flat=True)) == [AttachmentState.ACCEPTED,
                                                                          AttachmentState.QUARANTINED]
    assert len(_quarantine_files()) == 1
    assert services.quarantine_purge()["unhandled_deleted"] == 0  # safe to repeat


@pytest.mark.req("PUB-10")
def test_a_flood_to_one_agency_stops_at_its_quarantine_cap_and_others_still_receive(pubdesk, client, limits,
                                                                                   settings):
    """Review finding 6: within the rate limits, a few networks could still put 4 GB an hour into the quarantine.
    Each receiving agency holds at most ZHIFA_QUARANTINE_AGENCY_MAX_MB of undecided files; past it, files for
    that agency are refused with 507 (its store is full — not this sender's rate) and a Chinese message, while
    a request without files, and files for another agency, are still received. Deciding frees the room."""
    settings.ZHIFA_PUBLIC_RATE_PER_ADDRESS = 100
    settings.ZHIFA_PUBLIC_RATE_GLOBAL = 100
    settings.ZHIFA_QUARANTINE_AGENCY_MAX_BYTES = 2500
    first = _submitted(pubdesk, client, _file("a.pdf", _pdf(1000)), _file("b.pdf", _pdf(1000)))
    response = client.post(URL, _form(pubdesk, evidence=[_file("c.pdf", _pdf(501))]))
    assert response.status_code == 507
    body = response.content.decode()
    assert "待审查的证明材料已达存储上限" in body and "不附文件先行提交" in body and TYPED["content"] in body
    assert RequestAttachment.objects.count() == 2 and len(_quarantine_files()) == 2
    _submitted(pubdesk, client, _file("c.pdf", _pdf(500)))  # exactly up to the cap
    assert client.post(URL, _form(pubdesk, evidence=[_file("d.pdf", _pdf(100))])).status_code == 507
    assert client.post(URL, _form(pubdesk)).status_code == 200  # no files: received
    other = client.post(URL, _form(pubdesk, agency=pubdesk.tree.agency_b1.pk,
                                   evidence=[_file("e.pdf", _pdf(900))]))
    assert other.status_code == 200
    with pytest.raises(ZhifaError) as refused:
        services.request_submit(kind="disclosure", agency=pubdesk.agency, **_service_typed(),
                                files=[_file("f.pdf", _pdf(100))])
    assert refused.value.code == "publicity_quarantine_full" and refused.value.status == 507
    services.request_attachment_decide(attachment=first.attachments.first(), actor=pubdesk.editor,
                                       decision="reject", reason="与申请无关")
    _submitted(pubdesk, client, _file("g.pdf", _pdf(900)))  # room again


def test_client_key_is_keyed_and_groups_ipv6_by_slash_64():
    assert attachments.client_key("2001:db8::1") == attachments.client_key("2001:db8::2")
    assert attachments.client_key("203.0.113.7") != attachments.client_key("203.0.113.8")
    assert attachments.client_key("::ffff:203.0.113.7") == attachments.client_key("203.0.113.7")
    assert len(attachments.client_key("203.0.113.7")) == 64


@pytest.mark.req("PUB-10")
def test_the_form_still_needs_its_csrf_token(pubdesk):
    """The view checks CSRF itself (after the size check), so the middleware's exemption opens nothing."""
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    assert browser.post(URL, _form(pubdesk)).status_code == 403
    assert not Request.objects.exists()
    browser.get(URL)
    token = browser.cookies["csrftoken"].value
    assert browser.post(URL, _form(pubdesk, csrfmiddlewaretoken=token)).status_code == 200
    assert Request.objects.count() == 1


@pytest.mark.req("PUB-14")
@pytest.mark.django_db
def test_the_query_code_cannot_be_guessed_from_one_address(pubdesk, client, settings):
    """The status page answered every wrong (reference, code) pair at once, so the 8-character query code of a
    known reference could be tried value by value. Wrong pairs are now counted per address, then 429."""
    settings.ZHIFA_PUBLIC_LOOKUP_FAILURES = 3
    response = client.post(URL, _form(pubdesk))
    req, code = Request.objects.get(), response.context["done"]["code"]
    status_url = reverse("portal-request-status")
    for guess in ("00000000", "00000001", "00000002"):
        assert client.post(status_url, {"reference": req.reference, "code": guess}).status_code == 404
    # The fourth try is refused even with the right code, and from another address the right code still works.
    blocked = client.post(status_url, {"reference": req.reference, "code": code})
    assert blocked.status_code == 429 and "错误次数过多" in blocked.content.decode()
    other = client.post(status_url, {"reference": req.reference, "code": code}, REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200 and req.reference in other.content.decode()
    # Only keyed hashes are kept, never the address.
    assert not PublicSubmission.objects.filter(client_key__contains="127.0.0.1").exists()


@pytest.mark.req("PUB-14")
@pytest.mark.django_db
def test_the_status_page_takes_the_code_by_post_and_a_link_with_the_reference_is_no_guess(pubdesk, client, settings):
    """The confirmation page links to the status page with the reference only: that opened with a 404 (the code
    missing) and counted as a wrong guess; and the query code, a secret, travelled in the URL (history, logs)."""
    settings.ZHIFA_PUBLIC_LOOKUP_FAILURES = 1
    response = client.post(URL, _form(pubdesk))
    req, code = Request.objects.get(), response.context["done"]["code"]
    status_url = reverse("portal-request-status")
    link = client.get(status_url, {"reference": req.reference})
    assert link.status_code == 200 and f'value="{req.reference}"' in link.content.decode()
    assert 'method="post"' in link.content.decode()
    # A code in the query string is not read: nothing is looked up, nothing is counted.
    assert "受理机关" not in client.get(status_url, {"reference": req.reference, "code": code}).content.decode()
    assert not PublicSubmission.objects.filter(kind=PublicSubmission.Kind.LOOKUP_FAILED).exists()
    assert client.post(status_url, {"reference": req.reference, "code": ""}).status_code == 400
    assert not PublicSubmission.objects.filter(kind=PublicSubmission.Kind.LOOKUP_FAILED).exists()
    found = client.post(status_url, {"reference": req.reference, "code": code})
    assert found.status_code == 200 and "受理机关" in found.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/", "/\t/evil.example"])
def test_the_large_text_switch_never_sends_the_reader_to_another_site(client, target):
    """Every `next` goes through core.net.safe_next: `/\\host` starts with one slash and is still another host."""
    response = client.get(reverse("portal-large-text"), {"on": "1", "next": target})
    assert response.status_code == 302 and response["Location"] == "/portal/"
