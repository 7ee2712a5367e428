"""Uploads written once (issue 19 §4): a tus upload is hashed as it arrives and moved into the evidence store,
never copied and hashed again; a staged file changed between PATCHes is caught and nothing is stored."""

import hashlib
import os

import pytest
from django.core.files.storage import default_storage

from zhifa.ledger.models import Blob, Entry
from zhifa.ledger.testing import assert_stored, s3_evidence_store
from zhifa.records import tus
from zhifa.records.errors import RecordErrorCode
from zhifa.records.models import Recording, TusUpload
from zhifa.records.tests.test_tus import VIDEO, create, patch


def _url(response) -> str:
    assert response.status_code == 201, response.content
    return response["Location"].replace("http://testserver", "")


def _staged(url: str):
    return tus.staging_dir() / url.rstrip("/").rsplit("/", 1)[1]


def _tamper(path, at: int) -> None:
    """Another writer changes one byte already received (a stray process, a bad disk, someone on the server)."""
    with open(path, "r+b") as fh:
        fh.seek(at)
        old = fh.read(1)
        fh.seek(at)
        fh.write(bytes([old[0] ^ 0xFF]))


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_an_upload_resumed_after_a_restart_is_stored_byte_for_byte_by_a_rename(client, desk, seizure, auth):
    """Two PATCHes with the process's hash state lost in between (a restart, or another worker): the second
    PATCH hashes the durable prefix again, checks it against the digest recorded with the offset, and the
    recording's digest is right. The stored object is the staged file itself (same inode: moved, not copied)
    and equals the upload byte for byte; the log entry and the media check are as for any upload."""
    case, _camera = seizure
    url = _url(create(client, auth, case, desk))
    assert patch(client, url, auth, 0, VIDEO[:300_000]).status_code == 204
    recorded = TusUpload.objects.get().metadata[tus.RECEIVED_KEY]
    assert recorded == {"offset": 300_000, "sha256": hashlib.sha256(VIDEO[:300_000]).hexdigest()}
    tus._STATES.clear()  # the process restarted: no hash state survives
    inode = _staged(url).stat().st_ino
    done = patch(client, url, auth, 300_000, VIDEO[300_000:])
    assert done.status_code == 204, done.content
    recording = Recording.objects.get()
    assert recording.blob.sha256 == hashlib.sha256(VIDEO).hexdigest() == done["Zhifa-Sha256"]
    stored = default_storage.path(recording.blob.storage_name)
    assert os.stat(stored).st_ino == inode and not _staged(url).exists()
    assert_stored(recording.blob.storage_name, VIDEO)
    assert recording.blob.content_type == "video/mp4" and recording.duration_seconds
    assert Entry.objects.filter(kind="ledger.evidence_stored", subject=f"ledger.blob:{recording.blob.sha256}").exists()
    assert Entry.objects.filter(kind="records.recording_uploaded").count() == 1
    assert TusUpload.objects.get().recording == recording


@pytest.mark.req("REC-08")
@pytest.mark.django_db
@pytest.mark.parametrize("restart", [False, True], ids=["same-process", "after-restart"])
def test_a_staged_file_changed_between_patches_is_caught_and_nothing_is_stored(client, desk, seizure, auth, restart):
    """Bytes changed on disk between two PATCHes: in the same process the file's identity changed, so its prefix
    is hashed again; after a restart it is hashed again anyway. Either way the digest recorded with the durable
    offset differs: the upload fails with a clear error, nothing reaches the store or the log."""
    case, _camera = seizure
    url = _url(create(client, auth, case, desk))
    assert patch(client, url, auth, 0, VIDEO[:300_000]).status_code == 204
    _tamper(_staged(url), 1234)
    if restart:
        tus._STATES.clear()
    refused = patch(client, url, auth, 300_000, VIDEO[300_000:])
    assert refused.status_code == 422 and refused.json()["code"] == RecordErrorCode.TUS_STAGED_ALTERED
    assert "摘要不符" in refused.json()["message"]
    assert not Recording.objects.exists() and not Blob.objects.exists()
    assert not Entry.objects.filter(kind__in=["ledger.evidence_stored", "records.recording_uploaded"]).exists()
    assert not _staged(url).exists() and TusUpload.objects.get().failed
    assert client.head(url, **auth).status_code == 410


@pytest.mark.django_db
def test_the_same_process_continues_its_hash_without_reading_the_file_again(client, desk, seizure, auth, monkeypatch):
    """Between PATCHes of one process the hash state is kept: the second PATCH reads no byte of the staged file
    back (a read of the prefix would be a second pass over it)."""
    case, _camera = seizure
    url = _url(create(client, auth, case, desk))
    assert patch(client, url, auth, 0, VIDEO[:300_000]).status_code == 204
    reads = []
    real = tus._HashState.update
    monkeypatch.setattr(tus._HashState, "update", lambda self, data: (reads.append(len(data)), real(self, data)))
    assert patch(client, url, auth, 300_000, VIDEO[300_000:]).status_code == 204
    assert sum(reads) == len(VIDEO) - 300_000  # only the new bytes were hashed


@pytest.mark.req("REC-08")
@pytest.mark.django_db
def test_a_crash_between_the_move_and_the_rows_counts_nothing_and_a_retry_adopts_the_file(client, desk, seizure, auth,
                                                                                        monkeypatch):
    """The process dies after the staged file was moved to its content address but before the Blob row committed:
    no recording, no blob, the upload not complete. The client finds offset 0 (the staged file is gone), sends the
    clip again, and the upload completes on the file already at its address."""
    from zhifa.ledger import services as ledger

    case, _camera = seizure
    url = _url(create(client, auth, case, desk))
    real = ledger.record_event

    def crash(kind, **kwargs):
        if kind == "ledger.evidence_stored":
            raise SystemExit("killed")
        return real(kind, **kwargs)

    monkeypatch.setattr(ledger, "record_event", crash)
    with pytest.raises(SystemExit):
        patch(client, url, auth, 0, VIDEO)
    monkeypatch.undo()
    assert not Recording.objects.exists() and not Blob.objects.exists()
    assert TusUpload.objects.get().recording is None
    final = default_storage.path(ledger._evidence_name(hashlib.sha256(VIDEO).hexdigest()))
    assert os.path.exists(final)  # the orphan: at its content address, registered nowhere
    assert client.head(url, **auth)["Upload-Offset"] == "0"
    done = patch(client, url, auth, 0, VIDEO)
    assert done.status_code == 204, done.content
    recording = Recording.objects.get()
    assert recording.blob.storage_name == ledger._evidence_name(recording.blob.sha256)
    assert_stored(recording.blob.storage_name, VIDEO)


@pytest.mark.django_db
def test_sm3_is_computed_as_the_bytes_arrive(client, desk, seizure, auth, settings):
    """With ZHIFA_EVIDENCE_SM3 the SM3 digest is fed with the same bytes, recorded and registered."""
    settings.ZHIFA_EVIDENCE_SM3 = True
    case, _camera = seizure
    url = _url(create(client, auth, case, desk))
    assert patch(client, url, auth, 0, VIDEO[:200_000]).status_code == 204
    tus._STATES.clear()
    assert patch(client, url, auth, 200_000, VIDEO[200_000:]).status_code == 204
    assert Recording.objects.get().blob.sm3 == hashlib.new("sm3", VIDEO).hexdigest()


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_tus_upload_is_stored_on_s3_at_its_content_address_and_locked(client, desk, seizure, auth, settings,
                                                                         monkeypatch):
    """S3-compatible storage: the staged file is sent once, straight to its content address (the digest is known
    before the first byte is sent), then locked; no incoming/ object is left and the staged file is removed."""
    case, _camera = seizure
    with s3_evidence_store(settings, monkeypatch) as s3:
        url = _url(create(client, auth, case, desk))
        assert patch(client, url, auth, 0, VIDEO[:300_000]).status_code == 204
        done = patch(client, url, auth, 300_000, VIDEO[300_000:])
        assert done.status_code == 204, done.content
        assert_stored(Recording.objects.get().blob.storage_name, VIDEO, s3=s3)  # the only object, locked
        assert not _staged(url).exists()


@pytest.mark.django_db
def test_staging_on_another_filesystem_is_copied_once_into_the_store(client, desk, seizure, auth, monkeypatch):
    """ZHIFA_TUS_DIR on another filesystem than MEDIA_ROOT: a rename cannot cross, so the file is copied into the
    store (a new inode), fsynced and renamed to its address there, and the staged file is removed."""
    from zhifa.ledger import services as ledger

    monkeypatch.setattr(ledger, "_same_filesystem", lambda path, folder: False)
    case, _camera = seizure
    url = _url(create(client, auth, case, desk))
    assert patch(client, url, auth, 0, VIDEO[:300_000]).status_code == 204
    inode = _staged(url).stat().st_ino
    assert patch(client, url, auth, 300_000, VIDEO[300_000:]).status_code == 204
    blob = Recording.objects.get().blob
    assert os.stat(default_storage.path(blob.storage_name)).st_ino != inode and not _staged(url).exists()
    assert_stored(blob.storage_name, VIDEO)


@pytest.mark.django_db
def test_a_patch_that_waited_for_the_lock_reads_the_digest_recorded_by_the_one_before(client, desk, seizure, auth):
    """A PATCH whose row was read before another process's PATCH moved the offset (it waited for the lock) checks
    the prefix against the digest recorded with the offset it resumes from, not a stale one: no false alarm."""
    from django.test import RequestFactory

    case, _camera = seizure
    url = _url(create(client, auth, case, desk))
    assert patch(client, url, auth, 0, VIDEO[:100_000]).status_code == 204
    stale = TusUpload.objects.select_related("case").get()  # read before the next PATCH moved the row
    assert patch(client, url, auth, 100_000, VIDEO[100_000:200_000]).status_code == 204
    tus._STATES.clear()  # the next PATCH runs in another process
    request = RequestFactory().generic("PATCH", url, VIDEO[200_000:], content_type="application/offset+octet-stream",
                                       HTTP_UPLOAD_OFFSET="200000")
    done = tus._append(request, stale)
    assert done.status_code == 204, done.content
    assert Recording.objects.get().blob.sha256 == hashlib.sha256(VIDEO).hexdigest()
