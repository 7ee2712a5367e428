"""M02: a penalty case filed (立案) too long after its lead was discovered.

《行政处罚法》第五十四条第二款: a case meeting the filing standard is filed promptly (及时立案). How promptly is set by
the procedure rules of each field; 《市场监督管理行政处罚程序规定》第十八条 gives fifteen working days from discovering
the lead (or receiving the materials) to the head's decision whether to file. The number and whether it counts
working days are parameters of the jurisdiction's rule (`days`, `working_days`); the default is that figure.

The same article does not count the time testing, inspection, quarantine, appraisal or the right holder's
identification take (检测、检验、检疫、鉴定以及权利人辨认或者鉴别等所需时间，不计入前款规定期限), and lets the head extend
the fifteen days by fifteen more. Neither is recorded before filing: the 《立案审批表》 holds the day the lead was
found, not when a test was commissioned and its report received, and no document form holds either (a hearing, the
other period the procedure rules leave out, comes after filing: M01). So the model counts every day, and says so in
its description: an alarm on a case whose test explains the delay is closed by the supervisor with that reason.
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
    element_date,
    local_day,
    step_level,
    with_filed,
)

FILING_FORM = "filing_approval"


@register
class LateFiling(ProblemModel):
    code = "M02"
    name = "发现违法线索后未及时立案"
    basis = "《行政处罚法》第五十四条第二款；《市场监督管理行政处罚程序规定》第十八条"
    description = ("《立案审批表》记载的发现违法行为线索（收到材料）日期起，超过规定期限（默认十五个工作日）才批准立案的报警；"
                   "尚未批准立案的，到期限的五分之四时预警、超过期限报警，批准立案后按实际立案日期重新判断。"
                   "适用普通程序的行政处罚案件（简易程序当场处罚，不立案）；未记载发现日期的不判断。"
                   "检测、检验、检疫、鉴定以及权利人辨认或者鉴别等所需时间依法不计入期限，但立案前的案件材料未记载其起止日期，"
                   "本模型仍予计入：因此报警的，核实后说明理由关闭。")
    triggers = (case_events.DOCUMENT_RECORDED, case_events.DOCUMENT_CORRECTED, case_events.FILING_APPROVED)
    defaults = {"days": 15, "working_days": True, "warning_ratio": 0.8, "action_types": [ActionType.PENALTY.value]}

    def evaluate(self, ctx):
        params, marks = Params(ctx), Marks()
        base = cases_in(ctx).filter(procedure=Procedure.ORDINARY)
        rows = list(with_filed(base).values("id", "agency_id", "action_type", "stage", "filed_at"))
        if not rows:
            return
        approvals = current_documents(base, [FILING_FORM])
        for row in rows:
            p = params(row["agency_id"])
            if row["action_type"] not in p["action_types"]:
                continue
            docs = approvals.get(row["id"])
            discovered = element_date(docs[-1], "discovered_on") if docs else None
            if discovered is None:
                continue
            filed = local_day(row["filed_at"])
            if filed is None and row["stage"] != Stage.START:
                continue  # moved on by a path that left no filing step: nothing to measure
            limit, working = int(p["days"]), bool(p["working_days"])
            warn_from, due = marks(discovered, limit, float(p["warning_ratio"]), working=working)
            level = step_level(ctx.today, filed, warn_from, due)
            if level is None:
                continue
            unit = "个工作日" if working else "日"
            if filed is not None:
                detail = (f"{discovered:%Y-%m-%d} 发现违法线索，{filed:%Y-%m-%d} 才批准立案，超过 {limit} {unit}的立案期限"
                          f"（应于 {due:%Y-%m-%d} 前）。")
            else:
                detail = (f"{discovered:%Y-%m-%d} 发现违法线索，至今未批准立案；立案期限 {limit} {unit}，"
                          f"至 {due:%Y-%m-%d}。")
            yield Hit(agency_id=row["agency_id"], case_id=row["id"], level=level, due=due, detail=detail,
                      evidence={"discovered_on": discovered.isoformat(), "filed_on": filed and filed.isoformat(),
                                "limit": limit, "working_days": working})
