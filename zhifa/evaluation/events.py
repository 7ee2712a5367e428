"""Ledger event kinds of case-file evaluation campaigns, one constructor each. Subjects: `evaluation.campaign:N`."""

from zhifa.ledger.events import register

CREATED = register("evaluation.created", "组织案卷评查")
AMENDED = register("evaluation.amended", "修改案卷评查方案")
POPULATION_FIXED = register("evaluation.population_fixed", "案卷评查抽取范围确定")
DRAWN = register("evaluation.drawn", "案卷评查随机抽取案卷")
EVALUATOR_ADDED = register("evaluation.evaluator_added", "确定评查人员")
ASSIGNED = register("evaluation.assigned", "分配评查案卷")
RECUSED = register("evaluation.recused", "评查人员回避")
SELF_SCORED = register("evaluation.self_scored", "机关自查评分")
SCORED = register("evaluation.scored", "评查人员评分")
RECONCILED = register("evaluation.reconciled", "评查组长复核确定分数")
SPOT_CHECK = register("evaluation.spot_check", "自查结束，开始抽查评查")
CLOSED = register("evaluation.closed", "完成评查并反馈结果")
RECTIFIED = register("evaluation.rectified", "被评查机关报告整改情况")
CANCELLED = register("evaluation.cancelled", "撤销案卷评查")
DOCUMENT_SEALED = register("evaluation.document_sealed", "案卷评查报告签章")


def subject(campaign) -> str:
    return f"evaluation.campaign:{campaign.pk}"


def _record(kind: str, campaign, actor, payload: dict):
    from zhifa.ledger.services import record_event

    return record_event(kind, subject=subject(campaign), actor=actor, payload=payload)


def created(campaign, *, actor):
    return _record(CREATED, campaign, actor, {
        "campaign": campaign.pk, "organiser": campaign.organiser_id, "title": campaign.title,
        "agencies": sorted(campaign.agencies.values_list("pk", flat=True)), "action_types": campaign.action_types,
        "period_from": campaign.period_from.isoformat(), "period_to": campaign.period_to.isoformat(),
        "sample_size": campaign.sample_size,
        "sample_ratio": str(campaign.sample_ratio) if campaign.sample_ratio is not None else None,
        "self_check": campaign.self_check, "lead": campaign.lead_id,
        "standards": {t: {"rule_version_id": s.get("rule_version_id"), "title": s.get("title")}
                      for t, s in campaign.standards.items()}})


def population_fixed(campaign, *, actor, size: int, digest: str):
    """Logged before the seed exists."""
    return _record(POPULATION_FIXED, campaign, actor, {"campaign": campaign.pk, "size": size, "sha256": digest})


def document_sealed(campaign, *, actor, number: str, sha256: str, signer_sha256: str):
    return _record(DOCUMENT_SEALED, campaign, actor, {"campaign": campaign.pk, "number": number, "sha256": sha256,
                                                      "signer_sha256": signer_sha256})


def moved(campaign, move, *, actor, action: str, from_state: str, to_state: str, note: str, data: dict):
    return _record(move.event, campaign, actor, {
        "campaign": campaign.pk, "action": action, "from": from_state, "to": to_state, "note": note, "data": data})
