"""M08: an enforcement decision not published within its jurisdiction's deadline (7 or 20 working days).

The deadline is the one publicity computed when it collected the decision (`Publication.due_on`, from the rule
`publicity.decision_days` of the agency's jurisdiction in force on the decision day: IM-M §12, AZ-P §13, KY
国办发〔2018〕118号), and publicity's overdue list reads the same field (publicity.selectors.overdue_for); this
model never recomputes it. The warning comes at 4/5 of those working days.
"""

from __future__ import annotations

from zhifa.cases import events as case_events
from zhifa.core import workdays
from zhifa.publicity import events as publicity_events
from zhifa.publicity.models import Publication
from zhifa.publicity.workflow import OPEN, Kind

from ..registry import Hit, ProblemModel, register
from ._shared import Marks, Params, level_on, publication_cases


@register
class DecisionUnpublished(ProblemModel):
    code = "M08"
    name = "行政执法决定未按期公示"
    basis = "《中华人民共和国行政处罚法》第四十八条；国办发〔2018〕118号；本地区行政执法公示期限（区域规则）"
    description = ("行政执法决定信息自作出决定之日起，应当在本级规则规定的工作日内（许可、处罚 7 个工作日，其他 20 个工作日）"
                   "公开；尚未发布、也未经批准不予公开的，到期限的五分之四时预警，超过期限报警；发布、批准不予公开或撤下后自动关闭。")
    triggers = (case_events.DECIDED, publicity_events.ITEM_COLLECTED, publicity_events.ITEM_SUBMITTED,
                publicity_events.ITEM_RETURNED, publicity_events.ITEM_APPROVED, publicity_events.EXEMPTION_REQUESTED,
                publicity_events.EXEMPTION_APPROVED, publicity_events.EXEMPTION_REJECTED)
    defaults = {"warning_ratio": 0.8}

    def cases_for_subject(self, subject):
        return publication_cases(subject)

    def evaluate(self, ctx):
        params, marks, limits = Params(ctx), Marks(), {}
        qs = Publication.objects.filter(kind=Kind.DECISION, state__in=OPEN, supersedes__isnull=True,
                                        case__isnull=False, decided_on__isnull=False, due_on__isnull=False)
        if ctx.case_ids is not None:
            qs = qs.filter(case_id__in=sorted(ctx.case_ids))
        if ctx.agency_ids is not None:
            qs = qs.filter(agency_id__in=sorted(ctx.agency_ids))
        for row in qs.values("id", "agency_id", "case_id", "state", "decided_on", "due_on").iterator(chunk_size=2000):
            decided, due = row["decided_on"], row["due_on"]
            if (decided, due) not in limits:
                limits[decided, due] = workdays.working_days_between(decided, due)
            days = limits[decided, due]
            warn_from, _ = marks(decided, days, float(params(row["agency_id"])["warning_ratio"]), working=True)
            level = level_on(ctx.today, warn_from, due)
            if level is None:
                continue
            state = dict(Publication._meta.get_field("state").choices)[row["state"]]
            yield Hit(agency_id=row["agency_id"], case_id=row["case_id"], level=level, due=due,
                      detail=f"{decided:%Y-%m-%d} 作出的执法决定尚未公示（{state}），公示期限 {days} 个工作日，至 {due:%Y-%m-%d}。",
                      evidence={"publication": row["id"], "decided_on": decided.isoformat(), "due_on": due.isoformat(),
                                "working_days": days, "state": row["state"]})
