"""Several app servers append while sequencers integrate: consecutive indexes, each entry once."""

import threading

import pytest
from django.db import connection, transaction

from zhifa.ledger import merkle, selectors, services, storage
from zhifa.ledger.models import Entry


@pytest.mark.req("REC-12")
@pytest.mark.django_db(transaction=True)
def test_concurrent_appenders_and_sequencers_give_one_consecutive_log():
    errors = []
    stop = threading.Event()

    def appender(worker):
        try:
            for i in range(40):
                with transaction.atomic():
                    services.record_event("ledger.log_audit", subject=f"w{worker}:{i}", payload={"i": i})
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    def sequencer():
        try:
            while not stop.is_set():
                services.integrate(limit=7)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)
        finally:
            connection.close()

    writers = [threading.Thread(target=appender, args=(w,)) for w in range(4)]
    sequencers = [threading.Thread(target=sequencer) for _ in range(2)]
    for t in writers + sequencers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in sequencers:
        t.join()
    assert not errors, errors
    while services.integrate():
        pass
    seqs = list(enumerate(storage.entry_ids_between(0, storage.tree_size())))
    assert [s for s, _ in seqs] == list(range(160))
    assert len({e for _, e in seqs}) == 160 == Entry.objects.count()
    leaves = [services.entry_leaf_hash(storage.entry_at(s)) for s in range(160)]
    assert selectors.TreeReader().root(160) == merkle.root_from_leaf_hashes(leaves)
