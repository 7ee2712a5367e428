"""Issue 16, finding 7: after a key rotation every verifier key stays published, with its validity period and the
signed statement of the rotation, and checkpoints signed by an old key still verify with it (REC-12)."""

import pytest

from zhifa.ledger import services
from zhifa.ledger.note import Signer, Verifier, open_checkpoint
from zhifa.ledger.tests.test_ledger_tiles_tiles import ORIGIN, append
from zhifa.verify import tiles as client_tiles


@pytest.mark.req("REC-12")
@pytest.mark.django_db
def test_every_key_is_published_with_its_period_and_signed_rotation_statement(client, settings):
    first, second = Signer.generate(ORIGIN), Signer.generate(ORIGIN, sm2_key=True)
    settings.ZHIFA_LEDGER_ORIGIN = ORIGIN
    settings.ZHIFA_LEDGER_KEY = first.encode()
    append(10)
    old_cp = services.checkpoint_create()
    # Rotation: the new key signs, the old one stays trusted (configuration) and co-signs the new key's first
    # checkpoint, which is the rotation statement (review16 H2).
    settings.ZHIFA_LEDGER_KEY = second.encode()
    settings.ZHIFA_LEDGER_PAST_VERIFIER_KEYS = first.verifier.encode()
    settings.ZHIFA_LEDGER_PREVIOUS_KEY = first.encode()
    append(300, start=10)
    new_cp = services.checkpoint_create()
    assert old_cp.key == first.verifier.encode() and new_cp.key == second.verifier.encode()

    # The plain list (API): the current key first, then every key used before — finding 7 was the current one only.
    listed = client.get("/api/ledger/verifier-keys").json()
    assert listed == [second.verifier.encode(), first.verifier.encode()]

    response = client.get("/ledger/verifier-keys")
    assert response.status_code == 200 and response["Cache-Control"] == "no-cache"
    keys = response.json()
    assert [k["key"] for k in keys] == [first.verifier.encode(), second.verifier.encode()]
    old, new = keys
    assert (old["algorithm"], new["algorithm"]) == ("Ed25519", "SM2-SM3")
    assert old["valid_until"] == new["valid_from"] and old["valid_until"] is not None
    assert old["replaced_by"] == new["key"] and new["replaces"] == old["key"] and old["replaces"] is None
    assert new["valid_until"] is None and new["current"] and not old["current"]
    assert old["checkpoints"]["last"]["note"] == old_cp.note and new["checkpoints"]["first_size"] == new_cp.size
    # Each rotation statement is the log's own key_in_use entry, proven in a checkpoint signed by the key it names;
    # an old checkpoint still verifies with the old key, and the new key's checkpoint extends it (tiles only).
    assert client_tiles.verify_rotation(old, [first.verifier]) == []
    # Who trusts the old key learns the new one: the statement is signed by both.
    assert client_tiles.verify_rotation(new, [first.verifier]) == []
    assert client_tiles.verify_rotation(new, [second.verifier]) != []  # the replaced key is not trusted here
    assert open_checkpoint(new["statement"]["checkpoint"]["note"], [first.verifier]).size == new_cp.size
    assert open_checkpoint(old["checkpoints"]["last"]["note"], [Verifier.decode(old["key"])]).size == old_cp.size
    fetch = client_tiles.TileClient(lambda path: client.get("/ledger/" + path).content)
    assert client_tiles.verify_consistency(fetch, [first.verifier, second.verifier], old_cp.note)[0] == []
    # A statement altered in transit (another key named) no longer verifies.
    forged = {**new, "key": first.verifier.encode()}
    assert client_tiles.verify_rotation(forged, [first.verifier]) != []
    tampered = {**new, "statement": {**new["statement"], "seq": new["statement"]["seq"] + 1}}
    assert client_tiles.verify_rotation(tampered, [first.verifier]) != []
