"""M14: a penalty for a violation not discovered within two years (five for life, health, safety or finance with
harmful consequences) after it was committed (《行政处罚法》第三十六条).

The act's day is the decision's 违法行为发生日期, or its 终了日期 for a continuing act (第三十六条第二款); the day of
discovery is the 立案审批表's 发现日期. Where the approval does not record the discovery, the filing day stands in
for it — later than the discovery, so the finding is only a warning that the case file does not show the act was
discovered in time.
"""

from __future__ import annotations

from zhifa.cases import events as case_events
from zhifa.cases.models import Document
from zhifa.org.models import ActionType

from ..registry import Hit, Level, ProblemModel, register
from ._shared import (
    Params,
    add_years,
    cases_in,
    current_documents,
    element_date,
    local_day,
    with_filed,
)

DECISION_FORM, FILING_FORM = "penalty_decision", "filing_approval"


@register
class TimeBarred(ProblemModel):
    code = "M14"
    name = "超过追责期限仍给予行政处罚"
    basis = "《行政处罚法》第三十六条"
    description = ("处罚决定书记载的违法行为发生（连续或者继续状态的，终了）之日起二年内未被发现（涉及公民生命健康安全、金融安全"
                   "且有危害后果的，五年），仍拟作出或作出行政处罚的报警；立案审批表未记载发现日期、以立案日期推算超过期限的预警。"
                   "更正文书使其不再超期后自动关闭。")
    triggers = (case_events.DOCUMENT_RECORDED, case_events.DOCUMENT_CORRECTED, case_events.FILING_APPROVED,
                case_events.DECIDED)
    defaults = {"years": 2, "grave_years": 5}

    def evaluate(self, ctx):
        params = Params(ctx)
        base = cases_in(ctx).filter(action_type=ActionType.PENALTY,
                                    pk__in=Document.objects.filter(form=DECISION_FORM).values("case_id"))
        rows = list(with_filed(base).values("id", "agency_id", "filed_at"))
        if not rows:
            return
        docs = current_documents(base, [DECISION_FORM, FILING_FORM])
        for row in rows:
            by_form = {d.form: d for d in docs.get(row["id"], ())}  # the latest current one of each form
            decision = by_form.get(DECISION_FORM)
            act = element_date(decision, "violation_end") or element_date(decision, "violation_date")
            if act is None:
                continue
            discovered = element_date(by_form.get(FILING_FORM), "discovered_on")
            inferred = discovered is None
            if inferred:
                discovered = local_day(row["filed_at"])
                if discovered is None:
                    continue
            p = params(row["agency_id"])
            grave = bool(decision.elements.get("grave_harm"))
            years = int(p["grave_years"] if grave else p["years"])
            limit = add_years(act, years)
            if discovered <= limit:
                continue
            said = "立案" if inferred else "发现"
            yield Hit(agency_id=row["agency_id"], case_id=row["id"], level=Level.WARNING if inferred else Level.ALARM,
                      due=limit,
                      detail=(f"违法行为{'终了' if element_date(decision, 'violation_end') else '发生'}于 {act:%Y-%m-%d}，"
                              f"{discovered:%Y-%m-%d} 才{said}，已超过 {years} 年的追责期限（至 {limit:%Y-%m-%d}）"
                              + ("；立案审批表未记载发现日期，请核实发现日期。" if inferred else "，不再给予行政处罚。")),
                      evidence={"act_on": act.isoformat(), "discovered_on": discovered.isoformat(),
                                "discovery_inferred_from_filing": inferred, "years": years, "grave_harm": grave})
