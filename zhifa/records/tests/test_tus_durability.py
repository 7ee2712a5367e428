"""Resumable uploads keep what arrived: the durable offset advances while a PATCH is still receiving, never runs
ahead of the fsynced bytes, and survives a SIGKILL of the server mid-body (issue 14 §8; REC-08)."""

import contextlib
import hashlib
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.storage import default_storage
from django.core.handlers.wsgi import LimitedStream
from django.db import connection
from django.test import RequestFactory

from zhifa.core.models import ApiToken
from zhifa.records import tus
from zhifa.records.models import Recording, TusUpload
from zhifa.records.tests.media import mp4
from zhifa.records.tests.test_tus import VIDEO, create, meta, patch

MIB = 1024 * 1024


def _upload_id(created) -> str:
    return created["Location"].rstrip("/").rsplit("/", 1)[1]


class Arriving(io.RawIOBase):
    """A request body that arrives `piece` bytes per read, calling `on_read(sent)` before each read: the test's
    window into the server while the PATCH is still receiving."""

    def __init__(self, data: bytes, piece: int, on_read, *, fail_after: int | None = None):
        self.data, self.piece, self.on_read, self.fail_after, self.sent = data, piece, on_read, fail_after, 0

    def readable(self):
        return True

    def readinto(self, buffer):
        self.on_read(self.sent)
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise ConnectionResetError("network gone")
        n = min(len(buffer), self.piece, len(self.data) - self.sent)
        buffer[:n] = self.data[self.sent:self.sent + n]
        self.sent += n
        return n


def _patch_streaming(upload_id, auth, body: Arriving, *, offset=0):
    """Call the view with a raw WSGI input, so each read returns what has 'arrived' (as a real server does)."""
    length = len(body.data) - offset
    request = RequestFactory().generic("PATCH", f"/api/tus/{upload_id}/", b"",
                                       content_type="application/offset+octet-stream", HTTP_UPLOAD_OFFSET=str(offset),
                                       **auth)
    request.META["CONTENT_LENGTH"] = str(length)
    request.META["CONTENT_TYPE"] = request.content_type = "application/offset+octet-stream"  # unset for an empty body
    request._stream = LimitedStream(io.BufferedReader(body, buffer_size=body.piece), length)
    request.user = AnonymousUser()
    return tus.resource(request, upload_id)


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_the_offset_is_made_durable_while_the_body_is_still_arriving(client, desk, seizure, auth, settings, monkeypatch):
    """Every ZHIFA_TUS_SYNC_BYTES the file is fsynced and then the row's offset moves; the row never names a byte
    that had not been fsynced when it was written. Before: the offset moved only when the PATCH ended."""
    settings.ZHIFA_TUS_SYNC_BYTES, settings.ZHIFA_TUS_SYNC_SECONDS = 256 * 1024, 3600
    case, _camera = seizure
    upload_id = _upload_id(create(client, auth, case, desk))
    fsynced = [0]
    real_fsync = os.fsync

    def fsync(fd):
        real_fsync(fd)
        fsynced.append(os.fstat(fd).st_size)

    monkeypatch.setattr(tus.os, "fsync", fsync)
    seen = []

    def watch(sent):
        offset = TusUpload.objects.get(pk=upload_id).offset
        assert offset <= max(fsynced) and offset <= sent  # never ahead of the disk, never ahead of the wire
        seen.append(offset)

    response = _patch_streaming(upload_id, auth, Arriving(VIDEO, 64 * 1024, watch, fail_after=900_000))
    assert response.status_code == 204
    # Mid-body the row already said 256 KiB, 512 KiB, 768 KiB: a crash there loses less than one interval.
    assert [o for o in sorted(set(seen)) if o] == [256 * 1024, 512 * 1024, 768 * 1024]
    # The connection broke after 14 reads: everything read is kept.
    assert int(response["Upload-Offset"]) == TusUpload.objects.get(pk=upload_id).offset == 14 * 65536
    assert "GMT" in response["Upload-Expires"]


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_a_slow_sender_is_synced_by_time(client, desk, seizure, auth, settings, monkeypatch):
    """On a slow link the time bound syncs before the byte bound is reached (ZHIFA_TUS_SYNC_SECONDS)."""
    settings.ZHIFA_TUS_SYNC_BYTES, settings.ZHIFA_TUS_SYNC_SECONDS = 100 * MIB, 1
    case, _camera = seizure
    upload_id = _upload_id(create(client, auth, case, desk))
    clock = [1000.0]
    monkeypatch.setattr(tus, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    seen = []

    def watch(sent):
        clock[0] += 0.6  # each 64 KiB takes 0.6 s to arrive
        seen.append(TusUpload.objects.get(pk=upload_id).offset)

    _patch_streaming(upload_id, auth, Arriving(VIDEO, 64 * 1024, watch, fail_after=5 * 65536))
    assert sorted(set(seen)) == [0, 2 * 65536, 4 * 65536]


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_a_torn_tail_past_the_durable_offset_is_dropped_on_resume(client, desk, seizure, auth):
    """After a crash the staged file may hold bytes past the durable offset: unsynced, possibly torn or zeros.
    HEAD names the durable offset; the next PATCH cuts the tail off and the file comes out exact."""
    case, _camera = seizure
    created = create(client, auth, case, desk)
    url = created["Location"].replace("http://testserver", "")
    assert patch(client, url, auth, 0, VIDEO[:300_000]).status_code == 204
    staged = Path(django_settings.ZHIFA_TUS_DIR) / _upload_id(created)
    with open(staged, "ab") as fh:
        fh.write(b"\0" * 70_000 + b"torn")  # what a power cut can leave behind
    head = client.head(url, **auth)
    assert head.status_code == 200 and head["Upload-Offset"] == "300000"
    done = patch(client, url, auth, 300_000, VIDEO[300_000:])
    assert done.status_code == 204 and done["Zhifa-Sha256"] == hashlib.sha256(VIDEO).hexdigest()
    # The answer to the last PATCH was lost; the client sends it again and is told the upload is complete.
    again = client.generic("PATCH", url, b"", CONTENT_TYPE="application/offset+octet-stream",
                           HTTP_UPLOAD_OFFSET=str(len(VIDEO)), **auth)
    assert again.status_code == 204 and again["Upload-Offset"] == str(len(VIDEO))
    assert Recording.objects.count() == 1


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_a_body_longer_than_the_upload_is_refused_before_any_byte_is_kept(client, desk, seizure, auth):
    case, _camera = seizure
    url = create(client, auth, case, desk, length=1000)["Location"].replace("http://testserver", "")
    refused = patch(client, url, auth, 0, b"x" * 1001)
    assert refused.status_code == 413 and refused.json()["code"] == "too_large"
    assert client.head(url, **auth)["Upload-Offset"] == "0"


# A real server, really killed ---------------------------------------------------------------------------------

BIG = mp4(frames=40, size=(640, 480), noise=True)  # a playable clip of about 6 MB


def _database_url() -> str:
    db = django_settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextlib.contextmanager
def gunicorn(tmp_path: Path, **env):
    """gunicorn as the README runs it (gthread), on this test's database, in a session of its own."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    environment = {**os.environ, "DATABASE_URL": _database_url(), "ZHIFA_DATA_DIR": str(tmp_path / "server"),
                   "ZHIFA_TUS_DIR": str(django_settings.ZHIFA_TUS_DIR), "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
                   "DJANGO_SETTINGS_MODULE": "config.settings", **{k: str(v) for k, v in env.items()}}
    log = open(tmp_path / f"gunicorn-{port}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                             "--workers", "1", "--worker-class", "gthread", "--threads", "4", "--timeout", "120"],
                            cwd=django_settings.BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                    probe.sendall(b"OPTIONS /api/tus/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    if b"Tus-Version" in probe.recv(4096):
                        break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / f"gunicorn-{port}.log").read_text()
            time.sleep(0.2)
        yield proc, port
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
        log.close()


def _request(port, method, path, token, body=b"", **headers):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, path, body=body, headers={"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {token}",
                                                    **{k.replace("_", "-"): str(v) for k, v in headers.items()}})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response


def _start_patch(port, path, token, *, offset, length) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.sendall((f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nTus-Resumable: 1.0.0\r\n"
                  f"Authorization: Bearer {token}\r\nContent-Type: application/offset+octet-stream\r\n"
                  f"Upload-Offset: {offset}\r\nContent-Length: {length}\r\n\r\n").encode())
    return sock


def _row_offset(upload_id) -> int:
    connection.close()  # a fresh read of what the server committed
    return TusUpload.objects.get(pk=upload_id).offset


def _wait_for(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _post(port, token, case, desk, length) -> str:
    created = _request(port, "POST", "/api/tus/", token, Upload_Length=length, Upload_Metadata=meta(case, desk))
    assert created.status == 201, created.status
    return created.getheader("Location").split(str(port), 1)[1]


@pytest.mark.req("REC-08")
@pytest.mark.django_db(transaction=True)
def test_a_server_killed_mid_patch_keeps_what_it_had_fsynced(desk, seizure, tmp_path):
    """The review's finding: kill -9 of the server 4 MB into a PATCH left the offset at 0 and the bytes lost.
    Now: the server (gunicorn, as in production) is SIGKILLed 4 000 000 bytes into a 6 MB PATCH sent slowly;
    after a restart HEAD names the durable offset (3 MiB with a 1 MiB interval: less than one interval lost),
    those bytes are on disk and exact, and the upload resumes and completes with the original digest."""
    case, _camera = seizure
    _row, token = ApiToken.issue(user=desk.officer, name="执法记录仪")
    sent = 4_000_000
    sync = {"ZHIFA_TUS_SYNC_BYTES": MIB, "ZHIFA_TUS_SYNC_SECONDS": 3600}
    with gunicorn(tmp_path, **sync) as (server, port):
        path = _post(port, token, case, desk, len(BIG))
        upload_id = path.rstrip("/").rsplit("/", 1)[1]
        body = _start_patch(port, path, token, offset=0, length=len(BIG))
        for start in range(0, sent, 200_000):
            body.sendall(BIG[start:min(start + 200_000, sent)])
            time.sleep(0.02)
        _wait_for(lambda: _row_offset(upload_id) >= 3 * MIB)
        time.sleep(0.3)  # give the server every chance to go past what it may claim
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(30)
        body.close()
    durable = _row_offset(upload_id)
    assert durable == 3 * MIB and 0 < durable <= sent and sent - durable < MIB
    staged = Path(django_settings.ZHIFA_TUS_DIR) / upload_id
    with open(staged, "rb") as fh:
        assert fh.read(durable) == BIG[:durable]  # the bytes the row vouches for are there, and right

    with gunicorn(tmp_path, **sync) as (_server, port):
        head = _request(port, "HEAD", path, token)
        assert head.status == 200 and int(head.getheader("Upload-Offset")) == durable
        done = _request(port, "PATCH", path, token, body=BIG[durable:], Upload_Offset=durable,
                        Content_Type="application/offset+octet-stream")
        assert done.status == 204, done.status
    digest = hashlib.sha256(BIG).hexdigest()
    assert done.getheader("Zhifa-Sha256") == digest
    recording = Recording.objects.select_related("blob").get()
    with default_storage.open(recording.blob.storage_name) as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == recording.blob.sha256 == digest
    assert not staged.exists()


@pytest.mark.req("REC-08")
@pytest.mark.django_db(transaction=True)
def test_a_stalled_sender_is_cut_off_and_its_bytes_are_kept(desk, seizure, tmp_path):
    """A sender that stops mid-body (connection still open) does not hold the upload for ever: after
    ZHIFA_TUS_READ_TIMEOUT the PATCH ends with everything received durable, and the client resumes at once.
    Before: the PATCH waited on the socket with the upload locked (409) and the offset at 0."""
    case, _camera = seizure
    _row, token = ApiToken.issue(user=desk.officer, name="执法记录仪")
    no_sync_until_the_end = {"ZHIFA_TUS_SYNC_BYTES": 100 * MIB, "ZHIFA_TUS_SYNC_SECONDS": 3600}
    with gunicorn(tmp_path, ZHIFA_TUS_READ_TIMEOUT=1, **no_sync_until_the_end) as (_server, port):
        path = _post(port, token, case, desk, len(BIG))
        upload_id = path.rstrip("/").rsplit("/", 1)[1]
        stalled = _start_patch(port, path, token, offset=0, length=len(BIG))
        arrived = 23 * tus.READ_SIZE  # whole reads: a read the timeout interrupts returns nothing
        stalled.sendall(BIG[:arrived])
        try:
            _wait_for(lambda: _row_offset(upload_id) > 0, seconds=15)
            assert _row_offset(upload_id) == arrived
            head = _request(port, "HEAD", path, token)
            assert int(head.getheader("Upload-Offset")) == arrived
            done = _request(port, "PATCH", path, token, body=BIG[arrived:], Upload_Offset=arrived,
                            Content_Type="application/offset+octet-stream")
            assert done.status == 204 and done.getheader("Zhifa-Sha256") == hashlib.sha256(BIG).hexdigest()
        finally:
            stalled.close()


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_a_termination_during_a_patch_stops_it(client, desk, seizure, auth, settings):
    """DELETE while a PATCH is still receiving: the PATCH stops at its next sync, and nothing becomes a recording."""
    settings.ZHIFA_TUS_SYNC_BYTES = 128 * 1024
    case, _camera = seizure
    url = create(client, auth, case, desk)["Location"].replace("http://testserver", "")
    upload_id = url.rstrip("/").rsplit("/", 1)[1]

    def terminate_midway(sent):
        if sent == 256 * 1024:
            assert client.delete(url, **auth).status_code == 204

    response = _patch_streaming(upload_id, auth, Arriving(VIDEO, 64 * 1024, terminate_midway))
    assert response.status_code == 410 and json.loads(response.content)["code"] == "gone"
    assert not Recording.objects.exists() and not (Path(django_settings.ZHIFA_TUS_DIR) / upload_id).exists()
