"""Where the log entries about case-file evaluation may be read (registered in EvaluationConfig.ready): within the
organiser — its heads, and the justice bureaus whose subtree holds it."""

from zhifa.core.bounds import parse_id

from .models import EvalCampaign


def campaign_place(key: str, entry) -> dict | None:
    row = EvalCampaign.objects.select_related("organiser__jurisdiction").filter(pk=parse_id(key)).first()
    return None if row is None else {"agency": row.organiser}


def register() -> None:
    from zhifa.ledger.selectors import register_subject_scope

    register_subject_scope("evaluation.campaign", campaign_place)
