"""Where the log entries about special inspections may be read (registered in CampaignsConfig.ready): within the
organising bureau — its heads, and the justice bureaus whose subtree holds it."""

from zhifa.core.bounds import parse_id

from .models import Campaign


def campaign_place(key: str, entry) -> dict | None:
    row = Campaign.objects.select_related("bureau__jurisdiction").filter(pk=parse_id(key)).first()
    return None if row is None else {"agency": row.bureau}


def register() -> None:
    from zhifa.ledger.selectors import register_subject_scope

    register_subject_scope("campaigns.campaign", campaign_place)
