"""The alert as one transition table (ADR 0008; issue 20 §3).

An alert is opened by the engine when a problem model hits, raised or lowered as the data warrants, refreshed when
the level stays but its detail, due date or evidence change, and closed either
by the engine when the data no longer triggers (`auto_close`) or by a supervisor with a reason (`close`). The engine's
moves are the system's alone (no role makes them: `admits` refuses everyone and `transition` lets the system, actor
None, through); the supervisor's move needs the close permission in the alert's agency (org scope).
"""

from django.db import models

from zhifa.core.workflow import Move

from . import events
from .permissions import CLOSE


class AlertState(models.TextChoices):
    OPEN = "open", "未关闭"
    CLOSED = "closed", "已关闭"


def _system_only(alert, actor) -> bool:
    return False


NEW = ""  # an alert not opened yet
MOVES = {m.name: m for m in (
    Move("open", (NEW,), (AlertState.OPEN,), "", "生成预警", event=events.OPENED, admits=_system_only),
    Move("raise", (AlertState.OPEN,), (AlertState.OPEN,), "", "升级预警", event=events.RAISED, admits=_system_only),
    Move("lower", (AlertState.OPEN,), (AlertState.OPEN,), "", "降级预警", event=events.LOWERED, admits=_system_only),
    # The same level, new words and figures (detail, due date, evidence): a step of its own, never a silent edit.
    Move("refresh", (AlertState.OPEN,), (AlertState.OPEN,), "", "更新预警情况", event=events.REFRESHED,
         admits=_system_only),
    Move("auto_close", (AlertState.OPEN,), (AlertState.CLOSED,), "", "自动关闭预警", event=events.CLOSED_AUTO,
         admits=_system_only),
    Move("close", (AlertState.OPEN,), (AlertState.CLOSED,), CLOSE, "关闭预警", event=events.CLOSED),
)}

# The reasons the engine writes when it closes an alert.
REASON_NO_LONGER = "数据不再触发"
REASON_DISABLED = "该地区已停用此问题模型"
