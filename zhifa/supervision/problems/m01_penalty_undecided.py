"""M01: an ordinary-procedure penalty case still undecided after 90 days from filing (《行政处罚法》第六十条).

第六十条 yields to other laws and rules ("法律、法规、规章另有规定的，从其规定"). Two of theirs move the limit, and the
model applies them as far as the case records them:
- an extension approved by the head (市场监督管理行政处罚程序规定 第六十四条; the 《延长办案期限审批表》): its days
  are added;
- periods not counted (第六十四条: 中止、听证、公告和检测、检验、检疫、鉴定、权利人辨认或者鉴别 … 等时间不计入):
  the case records a hearing by its 《听证笔录》, from its start to its end (`time`, `end_time`), so the calendar days
  of hearing sessions between filing and the day of the run are taken out. What the case does not record is counted:
  the days from the party's request to the hearing (the request and the notice of the hearing are no documents of
  the case), suspension (中止), public notices, and testing, inspection, quarantine or appraisal (no document form
  holds when they began and ended). An alarm on a case with such a period is answered by the agency's extension
  approval, or closed by the supervisor with the reason.
"""

from __future__ import annotations

import datetime as dt

from zhifa.cases import events as case_events
from zhifa.cases.models import Procedure, Stage
from zhifa.org.models import ActionType

from ..registry import Hit, ProblemModel, register
from ._shared import (
    Params,
    cases_in,
    current_documents,
    element_date,
    level_of,
    local_day,
    with_filed,
)

EXTENSION_FORM = "extension_approval"
HEARING_FORM = "hearing_record"


def hearing_days(documents, filed: dt.date, today: dt.date) -> set[dt.date]:
    """The calendar days of the hearing sessions the records state, after filing and up to `today`."""
    days: set[dt.date] = set()
    for doc in documents:
        if doc.form != HEARING_FORM:
            continue
        start = element_date(doc, "time")
        if start is None:
            continue
        end = max(element_date(doc, "end_time") or start, start)
        days.update(start + dt.timedelta(days=n) for n in range((end - start).days + 1))
    return {d for d in days if filed < d <= today}


@register
class PenaltyUndecided(ProblemModel):
    code = "M01"
    name = "普通程序处罚案件超期未作出决定"
    basis = "《行政处罚法》第六十条"
    description = ("适用普通程序的行政处罚案件，自立案之日起超过规定期限（默认九十日，自然日）仍未作出处罚决定的，"
                   "到期限的五分之四时预警，超过期限报警；经批准延长办案期限的（《延长办案期限审批表》），期限顺延批准的日数。"
                   "听证笔录记载的听证日期不计入期限；听证申请至举行听证前的期间、中止、公告以及检测、检验、检疫、鉴定等期间，案件未记载的，"
                   "仍计入期限，可通过延长办案期限审批表或说明理由处理。作出决定（案件进入送达执行阶段）后自动关闭。"
                   "简易程序当场作出决定，不适用。")
    triggers = (case_events.FILING_APPROVED, case_events.DECIDED, case_events.DOCUMENT_RECORDED,
                case_events.DOCUMENT_CORRECTED)
    defaults = {"days": 90, "warning_ratio": 0.8}

    def evaluate(self, ctx):
        params = Params(ctx)
        # Filed (in investigation or decision) and not yet decided; §60 is a rule of the ordinary procedure.
        base = cases_in(ctx).filter(action_type=ActionType.PENALTY, procedure=Procedure.ORDINARY,
                                    stage__in=(Stage.INVESTIGATION, Stage.DECISION))
        rows = list(with_filed(base).values("id", "agency_id", "filed_at"))
        if not rows:
            return
        documents = current_documents(base, [EXTENSION_FORM, HEARING_FORM])
        for row in rows:
            filed = local_day(row["filed_at"])
            if filed is None:  # moved by a path that left no filing step: nothing to count from
                continue
            p = params(row["agency_id"])
            docs = documents.get(row["id"], ())
            granted = sum(int(d.elements.get("days") or 0) for d in docs if d.form == EXTENSION_FORM)
            excluded = len(hearing_days(docs, filed, ctx.today))
            limit = int(p["days"]) + granted
            # 市场监督管理行政处罚程序规定 第六十四条: the hearing's days are not counted.
            elapsed = (ctx.today - filed).days - excluded
            level = level_of(elapsed, limit, float(p["warning_ratio"]))
            if level is None:
                continue
            due = filed + dt.timedelta(days=limit + excluded)
            extra = f"（含批准延长的 {granted} 日）" if granted else ""
            not_counted = f"（听证 {excluded} 日不计入）" if excluded else ""
            yield Hit(agency_id=row["agency_id"], case_id=row["id"], level=level, due=due,
                      detail=f"立案已 {elapsed} 日{not_counted}，尚未作出行政处罚决定；办案期限 {limit} 日{extra}，"
                             f"至 {due:%Y-%m-%d}。",
                      evidence={"filed_on": filed.isoformat(), "elapsed_days": elapsed, "limit_days": limit,
                                "extension_days": granted, "excluded_days": excluded})
