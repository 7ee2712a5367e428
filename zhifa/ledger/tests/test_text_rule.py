"""The text rule (issue 14 §9, ADR 0006) on the log: a payload digested before it is saved is never rewritten,
and still may not hide an invisible control character."""

import json

import pytest

from zhifa.core.errors import ZhifaError


@pytest.mark.django_db
def test_a_log_entrys_digested_payload_is_never_rewritten(users):
    from zhifa.ledger.canonical import sha256_hex
    from zhifa.ledger.services import record_event

    entry = record_event("ledger.evidence_duplicate", subject="ledger.blob:x", actor=users.su,
                         payload={"name": "Jose\u0301"})
    entry.refresh_from_db()
    assert json.loads(entry.payload)["name"] == "Jose\u0301" and entry.payload_sha256 == sha256_hex(entry.payload)
    with pytest.raises(ZhifaError) as refused:
        record_event("ledger.evidence_duplicate", subject="ledger.blob:y", actor=users.su, payload={"n": "a\u202eb"})
    assert refused.value.code == "text_invisible_control"
