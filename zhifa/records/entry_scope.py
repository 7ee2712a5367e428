"""Where the log entries about this app's own objects may be read (issue 15 §5; registered in RecordsConfig.ready):
a device or a recording room, within its agency. Entries about a case's recordings are `cases.case:N` (cases)."""

from zhifa.core.bounds import parse_id

from .models import Device, RecordingRoom


def _agency_of(model):
    def place(key: str, entry) -> dict | None:
        row = model.objects.select_related("agency__jurisdiction").filter(pk=parse_id(key)).first()
        return None if row is None else {"agency": row.agency}
    return place


def register() -> None:
    from zhifa.ledger.selectors import register_subject_scope

    register_subject_scope("records.device", _agency_of(Device))
    register_subject_scope("records.room", _agency_of(RecordingRoom))
