"""Where the log entries about publicity objects may be read (issue 15 §5; registered in PublicityConfig.ready):
a publication, a request (its handling agency) and an annual report, each within its agency."""

from zhifa.core.bounds import parse_id

from .models import AnnualReport, Publication, Request


def _agency_of(model):
    def place(key: str, entry) -> dict | None:
        row = model.objects.select_related("agency__jurisdiction").filter(pk=parse_id(key)).first()
        return None if row is None else {"agency": row.agency}
    return place


def register() -> None:
    from zhifa.ledger.selectors import register_subject_scope

    register_subject_scope("publicity.publication", _agency_of(Publication))
    register_subject_scope("publicity.request", _agency_of(Request))
    register_subject_scope("publicity.annual_report", _agency_of(AnnualReport))
