"""M10: a heavy penalty decided without telling the party of their right to a hearing (《行政处罚法》第六十三条、
第六十四条).

Heavy (第六十三条): a large fine (第（一）项 较大数额罚款), or the confiscation of large gains or property (第（二）项);
lowering a qualification or revoking a licence; ordering a stop to production or business, closing down, restricting
employment. The fine and the confiscations are weighed apart, each against the figure (第九条: a fine and a
confiscation are two kinds of penalty; a 6 000 yuan fine with 5 000 yuan of gains confiscated is neither a large fine
nor a large confiscation for a person): problems._shared.amounts_of reads them apart from the decision. "较大数额" is
set by provinces and sectors, so it is a parameter per party kind; the shipped figures are those of
《市场监督管理行政处罚听证办法》（2021）第五条 — 10 000 yuan for a natural person, 100 000 yuan for a legal person or
other organisation, for a fine, and for the total of gains and property confiscated — which a province's rule
replaces. A case with any natural person among its parties (or none recorded) is held to the natural person's figure.

Told: a 《行政处罚事先告知书》 recorded before the decision whose rights name the hearing (听证), or a hearing held (a
听证笔录). Neither: an alarm. Told, but the decision came before the party's time to ask for a hearing was out
(第六十四条第（一）项: five days after the notice, working days by 第八十五条) and no hearing was held: a warning.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from zhifa.cases import decisions
from zhifa.cases import events as case_events
from zhifa.cases.decisions import Measure
from zhifa.cases.models import Party, PartyKind
from zhifa.core import workdays

from ..registry import Hit, Level, ProblemModel, register
from ._shared import Amounts, Params, amounts_of, current_documents, decided_at, decided_cases, local
from .m11_prior_notice import NOTICE, PENALTY_FORMS, notices_before, penalty_cases

HEARING = "hearing_record"
# 第六十三条第（三）（四）项: the measures that always call for a hearing notice.
HEAVY_MEASURES = (Measure.REVOKE_LICENCE, Measure.SUSPEND_BUSINESS, Measure.CLOSE_DOWN, Measure.RESTRICT_PRACTICE)
LOWER_QUALIFICATION = "降低资质等级"


def _notice_day(document) -> dt.date:
    try:
        moment = dt.datetime.fromisoformat(document.elements.get("time") or "")
    except (TypeError, ValueError):
        return timezone.localdate(document.recorded_at)
    return timezone.localdate(timezone.make_aware(moment) if timezone.is_naive(moment) else moment)


@register
class HeavyPenaltyWithoutHearingNotice(ProblemModel):
    code = "M10"
    name = "较重行政处罚未告知听证权利"
    basis = "《中华人民共和国行政处罚法》第六十三条、第六十四条"
    description = ("拟作出较大数额罚款、没收较大数额违法所得或较大价值非法财物、降低资质等级、吊销许可证件、责令停产停业、"
                   "责令关闭、限制从业的行政处罚，作出决定前没有载明听证权利的《行政处罚事先告知书》也未举行听证的，报警；"
                   "已告知但在当事人要求听证的期限（默认告知后五个工作日）届满前即作出决定、且未举行听证的，预警。"
                   "较大数额按当事人类别设定（默认自然人一万元、法人或者其他组织十万元）。")
    triggers = (case_events.DECIDED, case_events.DOCUMENT_ISSUED, case_events.DOCUMENT_RECORDED,
                case_events.DOCUMENT_CORRECTED, case_events.PARTY_ADDED)
    defaults = {"large_fine_natural": 10000, "large_fine_organisation": 100000, "hearing_request_days": 5}

    def evaluate(self, ctx):
        params = Params(ctx)
        decided = decided_at(ctx)
        if not decided:
            return
        penalties = penalty_cases(ctx, decided)
        if not penalties:
            return
        scope = decided_cases(ctx)
        drafts = current_documents(scope, PENALTY_FORMS)
        kinds: dict[int, set] = {}
        for case_id, kind in Party.objects.filter(case__in=scope.values("pk")).values_list("case_id", "kind"):
            kinds.setdefault(case_id, set()).add(kind)
        told = notices_before(ctx, decided, forms=(NOTICE, HEARING))
        for case_id, case in penalties.items():
            p = params(case.agency_id)
            documents = drafts.get(case_id, [])
            heavy = self.heavy(decisions.facts_of(documents), amounts_of(documents), kinds.get(case_id, set()), p)
            if not heavy:
                continue
            moment = decided[case_id]
            found = told.get(case_id, [])
            if any(d.form == HEARING for d in found):
                continue
            notices = [d for d in found if "听证" in str(d.elements.get("rights") or "")]
            what = "、".join(heavy)
            if not notices:
                yield Hit(agency_id=case.agency_id, case_id=case_id, level=Level.ALARM,
                          detail=f"拟作出的行政处罚（{what}）属于应当告知听证权利的情形，{local(moment)} 作出决定前未告知"
                                 f"当事人有要求听证的权利，也未举行听证。",
                          evidence={"decided_at": moment.isoformat(), "heavy": heavy, "notice": None})
                continue
            told_on = _notice_day(notices[0])
            window = workdays.add_working_days(told_on, int(p["hearing_request_days"])).due
            if timezone.localdate(moment) <= window:
                yield Hit(agency_id=case.agency_id, case_id=case_id, level=Level.WARNING, due=window,
                          detail=f"{told_on:%Y-%m-%d} 告知听证权利，当事人可于 {window:%Y-%m-%d} 前要求听证，"
                                 f"但决定已于 {local(moment)} 作出，且未举行听证（{what}）。",
                          evidence={"decided_at": moment.isoformat(), "heavy": heavy, "notice": notices[0].pk,
                                    "told_on": told_on.isoformat(), "request_until": window.isoformat()})

    @staticmethod
    def heavy(facts: decisions.DecisionFacts, amounts: Amounts, party_kinds: set, p: dict) -> list[str]:
        """Why the penalty is one of 第六十三条 (empty: it is not)."""
        out = [Measure(m).label for m in sorted(facts.measures) if m in HEAVY_MEASURES]
        if any(LOWER_QUALIFICATION in w for w in facts.other_penalties):
            out.append(LOWER_QUALIFICATION)
        organisation = party_kinds == {PartyKind.ORGANISATION}
        limit = Decimal(str(p["large_fine_organisation"] if organisation else p["large_fine_natural"]))
        who = "法人或者其他组织" if organisation else "自然人"
        if amounts.fine >= limit:
            out.append(f"罚款 {amounts.fine:,.2f} 元（对{who}较大数额 {limit:,.0f} 元以上）")
        if amounts.confiscated >= limit:
            out.append(f"没收违法所得、非法财物 {amounts.confiscated:,.2f} 元（对{who}较大数额 {limit:,.0f} 元以上）")
        return out
