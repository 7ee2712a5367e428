"""Ledger event kinds of special inspections, one constructor each (STYLE: Saleor's order/events.py).
Subjects: `campaigns.campaign:N`."""

from zhifa.ledger.events import register

CREATED = register("campaigns.created", "组织专项监督检查")
AMENDED = register("campaigns.amended", "修改专项监督检查方案")
POPULATION_FIXED = register("campaigns.population_fixed", "专项监督检查抽取范围确定")
DRAWN = register("campaigns.drawn", "专项监督检查随机抽取案件")
FINDINGS_RECORDED = register("campaigns.findings_recorded", "记录专项监督检查结果")
REPORTED = register("campaigns.reported", "形成专项监督检查报告")
PUBLISHED = register("campaigns.published", "发布专项监督检查通报")
ACKNOWLEDGED = register("campaigns.acknowledged", "被检查机关签收通报")
CANCELLED = register("campaigns.cancelled", "撤销专项监督检查")
DOCUMENT_SEALED = register("campaigns.document_sealed", "专项监督检查文书签章")


def subject(campaign) -> str:
    return f"campaigns.campaign:{campaign.pk}"


def _record(kind: str, campaign, actor, payload: dict):
    from zhifa.ledger.services import record_event  # the ledger's models load after the kinds register

    return record_event(kind, subject=subject(campaign), actor=actor, payload=payload)


def created(campaign, *, actor):
    return _record(CREATED, campaign, actor, {
        "campaign": campaign.pk, "bureau": campaign.bureau_id, "title": campaign.title,
        "agencies": sorted(campaign.agencies.values_list("pk", flat=True)), "action_types": campaign.action_types,
        "period_from": campaign.period_from.isoformat(), "period_to": campaign.period_to.isoformat(),
        "sample_size": campaign.sample_size, "checklist": campaign.checklist})


def population_fixed(campaign, *, actor, size: int, digest: str):
    """Logged before the seed exists: the population can no longer be chosen to suit a seed."""
    return _record(POPULATION_FIXED, campaign, actor, {"campaign": campaign.pk, "size": size, "sha256": digest})


def document_sealed(campaign, *, actor, kind: str, number: str, sha256: str, signer_sha256: str):
    return _record(DOCUMENT_SEALED, campaign, actor, {
        "campaign": campaign.pk, "document": kind, "number": number, "sha256": sha256, "signer_sha256": signer_sha256})


def moved(campaign, move, *, actor, action: str, from_state: str, to_state: str, note: str, data: dict):
    """A move of workflow.MOVES, under its own kind (`move.event`)."""
    return _record(move.event, campaign, actor, {
        "campaign": campaign.pk, "action": action, "from": from_state, "to": to_state, "note": note, "data": data})
