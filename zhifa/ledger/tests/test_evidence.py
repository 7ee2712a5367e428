"""The evidence store: content-addressed, streamed, stored once, logged, re-checked (REC-12, REC-17)."""

import hashlib
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from zhifa.core.errors import ZhifaError
from zhifa.ledger import services
from zhifa.ledger.models import Blob, Entry, Finding
from zhifa.ledger.testing import assert_stored, s3_evidence_store


def kill_when_inside(body: str, database_name: str, *, media_root: str | None = None) -> None:
    """Run `body` in a fresh Django process on this test database; SIGKILL it once it prints "inside"."""
    preamble = textwrap.dedent(f"""
        import os, sys, time
        sys.path.insert(0, {str(Path(__file__).resolve().parents[3])!r})
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        import django
        django.setup()
        from django.conf import settings
        settings.DATABASES["default"]["NAME"] = {database_name!r}
        if {media_root!r}:
            settings.MEDIA_ROOT = {media_root!r}
        from django.db import transaction
        from zhifa.ledger import models, services
    """)
    proc = subprocess.Popen([sys.executable, "-c", preamble + textwrap.dedent(body)], stdout=subprocess.PIPE,
                            env=dict(os.environ), text=True)
    try:
        assert proc.stdout.readline().strip() == "inside"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_file_is_stored_under_its_digest_once_and_each_put_is_logged(users):
    data = b"seizure video " * 100_000
    first = services.evidence_put(io.BytesIO(data), actor=users.su, content_type="video/mp4", name="a.mp4")
    digest = hashlib.sha256(data).hexdigest()
    assert first.created and first.blob.sha256 == digest and first.blob.size == len(data)
    assert first.blob.storage_name.endswith(f"/sha256/{digest[:2]}/{digest[2:4]}/{digest}")
    assert_stored(first.blob.storage_name, data)
    again = services.evidence_put(io.BytesIO(data), actor=users.su)
    assert not again.created and again.blob.pk == first.blob.pk
    assert Blob.objects.count() == 1
    kinds = list(Entry.objects.filter(subject=f"ledger.blob:{digest}").values_list("kind", flat=True))
    assert kinds == ["ledger.evidence_stored", "ledger.evidence_duplicate"]
    assert not default_storage.listdir("evidence/incoming")[1], "no upload left behind"


@pytest.mark.django_db
def test_sm3_digest_where_configured(settings):
    settings.ZHIFA_EVIDENCE_SM3 = True
    put = services.evidence_put(io.BytesIO(b"abc"))
    # GB/T 32905 example: SM3("abc").
    assert put.blob.sm3 == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


@pytest.mark.django_db
def test_an_empty_file_is_refused():
    with pytest.raises(ZhifaError) as exc:
        services.evidence_put(io.BytesIO(b""))
    assert exc.value.code == "evidence_empty_file"
    assert not Blob.objects.exists()


class Broken(io.RawIOBase):
    """A stream that fails half-way, like an upload whose connection drops."""

    def __init__(self):
        self.sent = 0

    def readable(self):
        return True

    def read(self, n=-1):
        if self.sent >= 3 * 1024 * 1024:
            raise ConnectionResetError("client went away")
        self.sent += 1024 * 1024
        return b"x" * (1024 * 1024)


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_a_put_cut_off_half_way_registers_nothing():
    with pytest.raises(ConnectionResetError):
        services.evidence_put(Broken())
    assert not Blob.objects.exists()
    assert not Entry.objects.filter(kind="ledger.evidence_stored").exists()
    sha_dir = Path(default_storage.location) / "evidence" / "sha256"
    assert not sha_dir.exists() or not any(sha_dir.rglob("*"))


@pytest.mark.req("REC-12")
@pytest.mark.django_db(transaction=True)
def test_killing_the_process_during_a_put_leaves_no_complete_file(tmp_path, settings):
    """A real SIGKILL half-way through a 200 MB put: no Blob row, nothing under the content address."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and (db["NAME"] == ":memory:" or "mode=memory" in str(db["NAME"])):
        pytest.skip("needs a database file another process can open")
    kill_when_inside("""
        class Slow:
            sent = 0
            def read(self, n=-1):
                if self.sent > 200 * 1024 * 1024:
                    return b""
                if self.sent == 8 * 1024 * 1024:
                    print("inside", flush=True)
                    time.sleep(30)
                self.sent += 1024 * 1024
                return os.urandom(1024) * 1024
        services.evidence_put(Slow())
    """, str(db["NAME"]), media_root=settings.MEDIA_ROOT)
    assert not Blob.objects.exists()
    root = Path(settings.MEDIA_ROOT) / "evidence"
    assert not (root / "sha256").exists() or not any(p.is_file() for p in (root / "sha256").rglob("*"))
    assert any(p.is_file() for p in (root / "incoming").rglob("*")), "the partial upload stays under incoming/"
    time.sleep(0)


@pytest.mark.req("REC-17")
@pytest.mark.django_db
def test_fixity_finds_missing_and_altered_files_and_logs_every_result():
    kept = services.evidence_put(io.BytesIO(b"kept")).blob
    gone = services.evidence_put(io.BytesIO(b"gone")).blob
    changed = services.evidence_put(io.BytesIO(b"changed")).blob
    os.remove(default_storage.path(gone.storage_name))
    with open(default_storage.path(changed.storage_name), "ab") as fh:
        fh.write(b" (edited)")
    result = services.fixity_run()
    assert (result.checked, result.ok, result.missing, result.altered) == (3, 1, 1, 1)
    assert set(Finding.objects.values_list("kind", "blob_id")) == {("missing", gone.pk), ("altered", changed.pk)}
    assert Entry.objects.filter(kind="ledger.fixity_ok", subject=f"ledger.blob:{kept.sha256}").count() == 1
    assert Entry.objects.filter(kind="ledger.fixity_failed").count() == 2


@pytest.mark.django_db
def test_a_person_reviews_a_finding_and_it_stays(users):
    blob = services.evidence_put(io.BytesIO(b"x")).blob
    os.remove(default_storage.path(blob.storage_name))
    services.fixity_run()
    finding = Finding.objects.get()
    with pytest.raises(ZhifaError):
        services.finding_review(finding=finding, note=" ", actor=users.su)
    review = services.finding_review(finding=finding, note="已从备份恢复并报告", actor=users.su)
    assert review.finding == finding and Finding.objects.count() == 1


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_application_role_cannot_change_or_unprotect_the_log():
    """PostgreSQL: the app role may insert into the log but not update it, and cannot drop the triggers."""
    from django.core.management import call_command
    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("roles are a PostgreSQL feature")
    call_command("ledger_harden_db", "zhifa_app_test", "--create")
    services.record_event("ledger.log_audit", subject="ledger.log", payload={})
    attempts = ["UPDATE ledger_entry SET payload = '{}'", "DELETE FROM ledger_entry", "TRUNCATE ledger_entry CASCADE",
                "DROP TRIGGER ledger_entry_no_change ON ledger_entry", "ALTER TABLE ledger_entry DISABLE TRIGGER ALL",
                "DROP TABLE ledger_entry CASCADE"]
    for sql in attempts:
        with pytest.raises(Exception) as exc, transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET LOCAL ROLE zhifa_app_test")
            cur.execute(sql)
        assert "permission denied" in str(exc.value) or "must be owner" in str(exc.value), sql
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL ROLE zhifa_app_test")
        cur.execute("SELECT count(*) FROM ledger_entry")
        assert cur.fetchone()[0] >= 1


@pytest.mark.req("REC-12")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stage", ["append", "integrate"])
def test_killing_the_process_mid_append_or_mid_integration_leaves_nothing_partial(settings, stage):
    """SIGKILL inside the transaction of an append (or of a sequencing batch): nothing of it remains."""
    from django.db import connection

    from zhifa.ledger import storage
    from zhifa.ledger.models import Node

    if stage == "integrate":
        for i in range(300):
            services.record_event("ledger.log_audit", subject=f"pre:{i}", payload={})
    db = settings.DATABASES["default"]
    body = """
        with transaction.atomic():
            services.record_event("ledger.log_audit", subject="killed", payload={})
            print("inside", flush=True)
            time.sleep(30)
    """ if stage == "append" else """
        def slow_bulk_create(*a, **k):
            print("inside", flush=True)
            time.sleep(30)
        models.Node.objects.bulk_create = slow_bulk_create
        services.integrate()
    """
    kill_when_inside(body, str(db["NAME"]))
    connection.close()
    assert not Entry.objects.filter(subject="killed").exists()
    assert storage.tree_size() == 0 and Node.objects.count() == 0
    if stage == "integrate":
        assert services.integrate() == 300  # the batch is simply done again
        assert Node.objects.filter(level=8).count() == 1


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_evidence_on_s3_compatible_storage_with_object_lock(settings, monkeypatch):
    """Production storage: an S3 bucket with Object Lock; the upload is promoted by a server-side copy."""
    with s3_evidence_store(settings, monkeypatch) as s3:
        data = b"body camera clip " * 50_000
        put = services.evidence_put(io.BytesIO(data), content_type="video/mp4")
        assert put.blob.sha256 == hashlib.sha256(data).hexdigest()
        assert_stored(put.blob.storage_name, data, s3=s3)
        keys = [put.blob.storage_name]
        head = s3.head_object(Bucket="zhifa-evidence", Key=keys[0])
        assert head["ObjectLockRetainUntilDate"].year >= 2056
        # Locked: a delete leaves the locked version in place.
        version = s3.list_object_versions(Bucket="zhifa-evidence", Prefix=keys[0])["Versions"][0]["VersionId"]
        from botocore.exceptions import ClientError

        with pytest.raises(ClientError, match="AccessDenied"):
            s3.delete_object(Bucket="zhifa-evidence", Key=keys[0], VersionId=version)
        assert services.evidence_put(io.BytesIO(data)).created is False
        assert services.fixity_run().ok == 1
