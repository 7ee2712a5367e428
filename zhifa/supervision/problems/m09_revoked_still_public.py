"""M09: a decision changed, revoked, or confirmed unlawful or void, still public three days later (《行政处罚法》
第四十八条第二款; "三日" are working days, 第八十五条).

The case file records the outcome and the day it took effect (the form 原决定被变更、撤销、确认违法或者确认无效登记,
cases.doctypes "decision_change"); the decision's publication is still public while a version of it is in the state
"published" (withdrawing or superseding it takes it off the portal).
"""

from __future__ import annotations

from zhifa.cases import events as case_events
from zhifa.cases.doctypes import DECISION_OUTCOMES
from zhifa.publicity import events as publicity_events
from zhifa.publicity.models import Publication
from zhifa.publicity.workflow import Kind, State

from ..registry import Hit, ProblemModel, register
from ._shared import (
    Marks,
    Params,
    cases_in,
    current_documents,
    element_date,
    level_on,
    publication_cases,
)

CHANGE_FORM = "decision_change"


@register
class RevokedStillPublic(ProblemModel):
    code = "M09"
    name = "已撤销的执法决定未及时撤回公示"
    basis = "《行政处罚法》第四十八条第二款、第八十五条"
    description = ("公开的行政执法决定被依法变更、撤销、确认违法或者确认无效后，自该决定生效之日起三个工作日内仍未撤下的："
                   "期限最后一日预警，超过期限报警；撤下或以新版本取代后自动关闭。")
    triggers = (case_events.DOCUMENT_RECORDED, case_events.DOCUMENT_CORRECTED, publicity_events.ITEM_APPROVED,
                publicity_events.ITEM_WITHDRAWN, publicity_events.ITEM_SUPERSEDED)
    defaults = {"days": 3, "working_days": True, "warning_ratio": 0.8}

    def cases_for_subject(self, subject):
        return publication_cases(subject)

    def evaluate(self, ctx):
        params, marks = Params(ctx), Marks()
        public = Publication.objects.filter(kind=Kind.DECISION, state=State.PUBLISHED).values("case_id")
        base = cases_in(ctx).filter(pk__in=public)
        changes = current_documents(base, [CHANGE_FORM])
        if not changes:
            return
        published = {row["case_id"]: row for row in Publication.objects.filter(
            kind=Kind.DECISION, state=State.PUBLISHED, case_id__in=list(changes)).values("id", "case_id", "agency_id")}
        outcomes = dict(DECISION_OUTCOMES)
        for case_id, docs in changes.items():
            pub = published.get(case_id)
            effective = element_date(docs[-1], "effective_on")
            if pub is None or effective is None:
                continue
            p = params(pub["agency_id"])
            limit, working = int(p["days"]), bool(p["working_days"])
            warn_from, due = marks(effective, limit, float(p["warning_ratio"]), working=working)
            level = level_on(ctx.today, warn_from, due)
            if level is None:
                continue
            outcome = outcomes.get(docs[-1].elements.get("outcome"), "被变更或撤销")
            yield Hit(agency_id=pub["agency_id"], case_id=case_id, level=level, due=due,
                      detail=f"执法决定于 {effective:%Y-%m-%d} {outcome}，公示信息仍在发布中；应在 {limit} 个"
                             f"{'工作日' if working else '日'}内（至 {due:%Y-%m-%d}）撤下并说明理由。",
                      evidence={"publication": pub["id"], "effective_on": effective.isoformat(),
                                "outcome": docs[-1].elements.get("outcome")})
