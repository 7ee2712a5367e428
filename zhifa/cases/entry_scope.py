"""Where the log entries about a case may be read (issue 15 §5; registered in CasesConfig.ready).

An entry `cases.case:N` is read within the case's agency, by someone holding `ledger.view` there; then, as any other
read of the case's records, through the consultation check (REC-15: `selectors.ledger_entry_guard`)."""

from zhifa.core.bounds import parse_id

from .models import Case
from .selectors import ledger_entry_guard


def case_place(key: str, entry) -> dict | None:
    case = Case.objects.select_related("agency__jurisdiction").filter(pk=parse_id(key)).first()
    return None if case is None else {"agency": case.agency}


def case_read_check(actor, key: str, entry, request=None) -> None:
    ledger_entry_guard(actor, entry, request)


def register() -> None:
    from zhifa.ledger.selectors import register_subject_scope

    register_subject_scope("cases.case", case_place, read_check=case_read_check)
