"""M12: a penalty decision not served within seven days of being made (《行政处罚法》第六十一条).

"七日" is seven working days (第八十五条: 本法中"二日""三日""五日""七日"的规定是指工作日，不含法定节假日). The decision day
is the one every model counts from (problems._shared.decided_at): the earlier of the move "作出决定" and the first issue
of the decision under the agency's seal; the service day is the time recorded on the earliest 送达回证 (service receipts are recorded only at the service stage, after the decision, so each is a service of
the decision or of a document that follows it).
"""

from __future__ import annotations

from zhifa.cases import events as case_events
from zhifa.cases.models import Procedure, Stage
from zhifa.org.models import ActionType

from ..registry import Hit, ProblemModel, register
from ._shared import (
    Marks,
    Params,
    cases_in,
    current_documents,
    decided_at,
    element_date,
    local_day,
    step_level,
)

SERVICE_FORM = "service_receipt"


@register
class LateService(ProblemModel):
    code = "M12"
    name = "处罚决定书未按期送达"
    basis = "《行政处罚法》第六十一条、第八十五条"
    description = ("适用普通程序的行政处罚决定书，自作出决定之日起七个工作日内未送达的：尚无送达回证的，到期限的五分之四时"
                   "预警、超过期限报警；送达回证记载的送达日期晚于期限的报警。记录送达回证（按期）后自动关闭。"
                   "简易程序的决定书当场交付（第五十二条），不适用。")
    triggers = (case_events.DECIDED, case_events.DOCUMENT_RECORDED, case_events.DOCUMENT_CORRECTED)
    defaults = {"days": 7, "working_days": True, "warning_ratio": 0.8}

    def evaluate(self, ctx):
        params, marks = Params(ctx), Marks()
        base = cases_in(ctx).filter(action_type=ActionType.PENALTY, procedure=Procedure.ORDINARY,
                                    stage__in=(Stage.SERVICE_ENFORCEMENT, Stage.ARCHIVE))
        moments = decided_at(ctx)
        rows = [row for row in base.values("id", "agency_id") if row["id"] in moments]
        if not rows:
            return
        receipts = current_documents(base, [SERVICE_FORM])
        for row in rows:
            decided = local_day(moments[row["id"]])
            p = params(row["agency_id"])
            limit, working = int(p["days"]), bool(p["working_days"])
            warn_from, due = marks(decided, limit, float(p["warning_ratio"]), working=working)
            served_days = [d for d in (element_date(doc, "time") for doc in receipts.get(row["id"], ())) if d]
            served = min(served_days) if served_days else None
            level = step_level(ctx.today, served, warn_from, due)
            if level is None:
                continue
            unit = "个工作日" if working else "日"
            if served is not None:
                detail = (f"{decided:%Y-%m-%d} 作出处罚决定，{served:%Y-%m-%d} 才送达，超过 {limit} {unit}的送达期限"
                          f"（应于 {due:%Y-%m-%d} 前）。")
            else:
                detail = f"{decided:%Y-%m-%d} 作出处罚决定，尚无送达回证；送达期限 {limit} {unit}，至 {due:%Y-%m-%d}。"
            yield Hit(agency_id=row["agency_id"], case_id=row["id"], level=level, due=due, detail=detail,
                      evidence={"decided_on": decided.isoformat(), "served_on": served and served.isoformat(),
                                "limit": limit, "working_days": working})
