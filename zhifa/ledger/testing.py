"""Test helpers for the evidence store, shared by the tests of the apps that store evidence (ledger, records):
an S3-compatible bucket with Object Lock (moto), and the one check that a stored object is the file, byte for byte;
and ids for log entries that a test writes by hand (`free_entry_ids`).

Imported only by tests; boto3 and moto are imported when used."""

import contextlib

from django.core.files.storage import default_storage

BUCKET = "zhifa-evidence"
REGION = "cn-north-1"


@contextlib.contextmanager
def s3_evidence_store(settings, monkeypatch):
    """The default storage as an S3 bucket with Object Lock (production's, ADR on evidence storage), mocked by moto
    for the block; yields the boto3 client to look at the bucket with."""
    import boto3
    from moto import mock_aws

    for key, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                       "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, ObjectLockEnabledForBucket=True,
                         CreateBucketConfiguration={"LocationConstraint": REGION})
        settings.STORAGES = {**settings.STORAGES, "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": BUCKET, "region_name": REGION, "file_overwrite": False}}}
        yield s3


def assert_stored(storage_name: str, data: bytes, *, s3=None) -> None:
    """The evidence store holds `data` under `storage_name`, byte for byte. On S3 (`s3`, the client of
    s3_evidence_store) it is the bucket's only object and it is locked (COMPLIANCE); on the filesystem the file at
    that name."""
    if s3 is None:
        with default_storage.open(storage_name, "rb") as fh:
            assert fh.read() == data, f"{storage_name} differs from the file stored"
        return
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert keys == [storage_name], keys
    assert s3.get_object(Bucket=BUCKET, Key=storage_name)["Body"].read() == data, f"{storage_name} differs"
    assert s3.head_object(Bucket=BUCKET, Key=storage_name)["ObjectLockMode"] == "COMPLIANCE"


def free_entry_ids(n: int) -> int:
    """The first of `n` consecutive log-entry ids no row has and the id sequence will never hand out, for a test that
    writes entries with ids of its own (late commits, old log layouts). On PostgreSQL the ids a rolled-back test took
    lie above the highest row, so the range starts past the sequence and the sequence is moved past the range:
    otherwise a later insert collides with a hand-written id (it did, in a different test order under xdist)."""
    from django.db import connection

    from zhifa.ledger.models import Entry

    base = (Entry.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT nextval(pg_get_serial_sequence('ledger_entry', 'id'))")
            base = max(base, cur.fetchone()[0])
            cur.execute("SELECT setval(pg_get_serial_sequence('ledger_entry', 'id'), %s)", [base + n])
    return base
