"""M01: an ordinary-procedure penalty case still undecided after 90 days from filing (《行政处罚法》第六十条)."""

from __future__ import annotations

import datetime as dt

from zhifa.cases import events as case_events
from zhifa.cases.models import Procedure, Stage
from zhifa.org.models import ActionType

from ..registry import Hit, ProblemModel, register
from ._s2_case_time import (
    ParamCache,
    cases_in,
    current_documents,
    level_of,
    local_day,
    with_filed_and_decided,
)

EXTENSION_FORM = "extension_approval"


@register
class PenaltyUndecided(ProblemModel):
    code = "M01"
    name = "普通程序处罚案件超期未作出决定"
    basis = "《行政处罚法》第六十条"
    description = ("适用普通程序的行政处罚案件，自立案之日起超过规定期限（默认九十日，自然日）仍未作出处罚决定的，"
                   "到期限的五分之四时预警，超过期限报警；经批准延长办案期限的（《延长办案期限审批表》），期限顺延批准的日数。"
                   "作出决定（案件进入送达执行阶段）后自动关闭。简易程序当场作出决定，不适用。")
    triggers = (case_events.FILING_APPROVED, case_events.DECIDED, case_events.DOCUMENT_RECORDED,
                case_events.DOCUMENT_CORRECTED)
    defaults = {"days": 90, "warning_ratio": 0.8}

    def evaluate(self, ctx):
        params = ParamCache(ctx)
        # Filed (in investigation or decision) and not yet decided; §60 is a rule of the ordinary procedure.
        base = cases_in(ctx).filter(action_type=ActionType.PENALTY, procedure=Procedure.ORDINARY,
                                    stage__in=(Stage.INVESTIGATION, Stage.DECISION))
        rows = list(with_filed_and_decided(base).values("id", "agency_id", "filed_at"))
        if not rows:
            return
        extensions = current_documents(base.values("id"), [EXTENSION_FORM])
        for row in rows:
            filed = local_day(row["filed_at"])
            if filed is None:  # moved by a path that left no filing step: nothing to count from
                continue
            p = params(row["agency_id"])
            granted = sum(int(d.elements.get("days") or 0) for d in extensions.get(row["id"], ()))
            limit = int(p["days"]) + granted
            elapsed = (ctx.today - filed).days
            level = level_of(elapsed, limit, float(p["warning_ratio"]))
            if level is None:
                continue
            due = filed + dt.timedelta(days=limit)
            extra = f"（含批准延长的 {granted} 日）" if granted else ""
            yield Hit(agency_id=row["agency_id"], case_id=row["id"], level=level, due=due,
                      detail=f"立案已 {elapsed} 日，尚未作出行政处罚决定；办案期限 {limit} 日{extra}，至 {due:%Y-%m-%d}。",
                      evidence={"filed_on": filed.isoformat(), "elapsed_days": elapsed, "limit_days": limit,
                                "extension_days": granted})
