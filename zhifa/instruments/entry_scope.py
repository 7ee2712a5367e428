"""Where the log entries about supervision instruments may be read (registered in InstrumentsConfig.ready): within the
supervised agency — its heads, and the justice bureaus whose subtree holds it, the issuing bureau among them (a
supervisor found her own instrument's steps missing from the ledger lookup)."""

from zhifa.core.bounds import parse_id

from .models import Instrument


def instrument_place(key: str, entry) -> dict | None:
    row = Instrument.objects.select_related("agency__jurisdiction").filter(pk=parse_id(key)).first()
    return None if row is None else {"agency": row.agency}


def register() -> None:
    from zhifa.ledger.selectors import register_subject_scope

    register_subject_scope("instruments.instrument", instrument_place)
