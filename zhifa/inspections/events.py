"""Ledger event kinds of random inspections, one constant each (STYLE: Saleor's order/events.py).

Subjects: `inspections.item_list:N`, `inspections.directory:<agency id>` (imports and recusal links),
`inspections.plan:N`, `inspections.draw:N`, `inspections.inspection:N`. Every workflow move is logged by `moved`
with the move's kind; the other kinds are written by the service that owns them, through `record`.
"""

from zhifa.ledger.events import register

ITEM_LIST_CREATED = register("inspections.item_list_created", "编制随机抽查事项清单")
ITEM_LIST_SUBMITTED = register("inspections.item_list_submitted", "随机抽查事项清单报送审核")
ITEM_LIST_RETURNED = register("inspections.item_list_returned", "随机抽查事项清单退回修改")
ITEM_LIST_PUBLISHED = register("inspections.item_list_published", "随机抽查事项清单审核通过并公示")
ITEM_LIST_SUPERSEDED = register("inspections.item_list_superseded", "随机抽查事项清单被新版本替代")
DIRECTORY_IMPORTED = register("inspections.directory_imported", "导入检查对象名录")
RECUSAL_DECLARED = register("inspections.recusal_declared", "登记检查人员回避关系")
RECUSAL_ENDED = register("inspections.recusal_ended", "解除检查人员回避关系")
PLAN_CREATED = register("inspections.plan_created", "编制随机抽查年度计划")
BATCH_ADDED = register("inspections.batch_added", "增加抽查批次")
PLAN_FILED = register("inspections.plan_filed", "随机抽查年度计划报备")
DRAW_FROZEN = register("inspections.draw_frozen", "固定双随机抽取范围和随机源")
# Logged when a draw is due and no checkpoint after its moment exists yet: a quiet log would otherwise never be signed
# again (checkpoint_create returns the last checkpoint when nothing new was logged).
DRAW_BEACON_REQUESTED = register("inspections.draw_beacon_requested", "请求签署双随机抽取随机源检查点")
DRAW_MADE = register("inspections.draw_made", "双随机抽取")
DRAW_SUPERSEDED = register("inspections.draw_superseded", "重新抽取（原抽取保留）")
INSPECTION_RECORDED = register("inspections.inspection_recorded", "记录抽查检查情况")
INSPECTION_PUBLISHED = register("inspections.inspection_published", "公示抽查检查结果")

SUBJECT_PREFIX = {"item_list": "inspections.item_list", "directory": "inspections.directory",
                  "plan": "inspections.plan", "draw": "inspections.draw", "inspection": "inspections.inspection"}


def subject(kind: str, pk) -> str:
    return f"{SUBJECT_PREFIX[kind]}:{pk}"


def record(kind: str, *, subject: str, actor, payload: dict):
    from zhifa.ledger.services import record_event  # the ledger's models load after the kinds register

    return record_event(kind, subject=subject, actor=actor, payload=payload)


def moved(kind: str, subject_: str, move, *, actor, action: str, from_state: str, to_state: str, note: str,
          data: dict):
    """A workflow move: one entry with the move, the states, the note and the step's data."""
    return record(kind, subject=subject_, actor=actor, payload={
        "move": move.name, "action": action, "from": from_state, "to": to_state, "note": note, "data": data})
