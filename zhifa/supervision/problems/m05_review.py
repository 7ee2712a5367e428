"""M05: a major decision made without a legal review that passed before it (《行政处罚法》第五十八条; IM-M §25, §33(一)).

"Major" is what legal review says it is: the case's current determination (review.Determination, the record of
whether its decision is major), or — where the draft decides more than the determination says, or no determination
was recorded — the draft decision itself against the agency's review catalogue in force on the day of the decision
(the catalogue's lines by amount, property value, measure, hearing, or "every decision of this kind"; a decision
after a hearing, IM-M §26(4); an agency that reviews every ordinary-procedure decision). That is the reading of
review.determination.assess; it is repeated here over catalogues loaded once, because assess reads the catalogue of
one case at a time (see the report of issue 20: an `assess(..., catalogue=)` argument would let this call it).

"Passed before the decision": a step of the review into 审核通过 (review.Step) at or before the moment the decision
was taken (the move 作出决定, or the first issue of the decision document under the agency's seal, whichever came
first). The gate (review.gate) refuses such decisions; this model finds those that came another way.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from zhifa.cases import decisions
from zhifa.cases import events as case_events
from zhifa.cases.models import Procedure
from zhifa.review import events as review_events
from zhifa.review.models import Catalogue, Determination, Review, Step
from zhifa.review.workflow import DECISION_FORMS, Criterion, State

from ..registry import Hit, Level, ProblemModel, register
from ._shared import case_rows, current_documents, decided_at, decided_cases, local

# The documents whose content makes a decision major: the drafts, a hearing transcript (IM-M §26(4)) and a
# seizure decision (the property concerned).
_FORMS = (*DECISION_FORMS, "hearing_record", "seizure_decision")


def catalogue_matches(catalogue: Catalogue | None, *, case, facts: decisions.DecisionFacts, hearing: bool
                      ) -> list[str]:
    """The catalogue's lines the decision meets, as review.determination.assess matches them."""
    if catalogue is None:
        return []
    involved = {case.action_type}
    if facts.fine > 0 or facts.other_penalties or facts.unreadable_fine:
        involved.add("penalty")
    if facts.seizure or facts.property_value > 0:
        involved.add("coercion")
    out = []
    for item in catalogue.items.all():
        if item.level and item.level != case.agency.jurisdiction.level:
            continue
        if item.criterion == Criterion.MEASURE:
            hit = item.measure in facts.measures
        elif item.action_type not in involved:
            continue
        else:
            amount = item.amount if item.amount is not None else Decimal(0)
            hit = (item.criterion == Criterion.ALWAYS
                   or (item.criterion == Criterion.FINE_AT_LEAST and facts.fine >= amount)
                   or (item.criterion == Criterion.PROPERTY_AT_LEAST and facts.property_value >= amount)
                   or (item.criterion == Criterion.HEARING and hearing))
        if hit:
            out.append(item.matter)
    return out


@register
class MajorDecisionUnreviewed(ProblemModel):
    code = "M05"
    name = "重大执法决定未经法制审核或审核未通过即作出"
    basis = "《中华人民共和国行政处罚法》第五十八条；国办发〔2018〕118号；本地区重大执法决定法制审核规定"
    description = ("属于重大执法决定（法制审核认定为重大，或者决定书内容符合本机关目录清单、经过听证、本机关普通程序一律审核）"
                   "的案件，作出决定（进入送达执行阶段或者签发决定书）时没有在此之前通过的法制审核的，报警。"
                   "该情形已成事实，不会因数据变化自动关闭，由监督人员核查后说明理由关闭。")
    triggers = (case_events.DECIDED, case_events.DOCUMENT_ISSUED, case_events.DOCUMENT_RECORDED,
                case_events.DOCUMENT_CORRECTED, review_events.DETERMINED, review_events.OPINION_GIVEN,
                review_events.HEAD_DECIDED, review_events.OPINION_WITHDRAWN, review_events.COSIGNED)
    defaults = {}

    def evaluate(self, ctx):
        decided = decided_at(ctx)
        if not decided:
            return
        scope = decided_cases(ctx)
        in_scope = scope.values("pk")
        rows = case_rows(scope, decided)
        latest: dict[int, Determination] = {}
        for det in Determination.objects.filter(case__in=in_scope).order_by("case_id", "-version"):
            latest.setdefault(det.case_id, det)
        documents = current_documents(scope, _FORMS)
        catalogues: dict[int, list[Catalogue]] = {}
        for catalogue in (Catalogue.objects.filter(agency_id__in=sorted({c.agency_id for c in rows.values()}))
                          .prefetch_related("items").order_by("agency_id", "-version")):
            catalogues.setdefault(catalogue.agency_id, []).append(catalogue)
        reviews = {r.case_id: r for r in Review.objects.filter(case__in=in_scope).only("id", "case_id", "state")}
        passes: dict[int, list] = {}
        for step in Step.objects.filter(review__case__in=in_scope, to_state=State.PASSED).values("review__case_id", "at"):
            passes.setdefault(step["review__case_id"], []).append(step["at"])
        ids = sorted(rows)
        for case_id in ids:
            case = rows.get(case_id)
            if case is None:
                continue
            moment = decided[case_id]
            reasons = self._major(case, latest.get(case_id), documents.get(case_id, []),
                                  catalogues.get(case.agency_id, []), moment)
            if not reasons:
                continue
            review = reviews.get(case_id)
            before = [at for at in passes.get(case_id, []) if at <= moment]
            if before:
                continue
            if review is None:
                what = "未经法制审核"
            elif passes.get(case_id):
                what = f"法制审核于 {local(min(passes[case_id]))} 才通过，晚于决定"
            else:
                what = f"法制审核未通过（当前：{State(review.state).label}）"
            yield Hit(agency_id=case.agency_id, case_id=case_id, level=Level.ALARM,
                      detail=f"重大执法决定（{'；'.join(reasons[:3])}）于 {local(moment)} 作出，{what}。",
                      evidence={"decided_at": moment.isoformat(), "reasons": reasons,
                                "review_state": review.state if review else None,
                                "passed_at": [at.isoformat() for at in passes.get(case_id, [])]})

    @staticmethod
    def _major(case, determination, documents, catalogues, moment) -> list[str]:
        """Why the decision is major (empty: it is not)."""
        reasons = ["认定为重大执法决定"] if determination is not None and determination.is_major else []
        if case.procedure == Procedure.SIMPLIFIED:
            # 行政处罚法 第五十一条: what a simplified procedure may decide is not major unless determined so (gate).
            return reasons
        facts = decisions.facts_of(documents)
        hearing = any(d.form == "hearing_record" for d in documents)
        if hearing:
            reasons.append("经过听证程序作出（《中华人民共和国行政处罚法》第五十八条第一款第（二）项）")
        day = timezone.localdate(moment)
        catalogue = next((c for c in catalogues if c.effective_from <= day), None)
        reasons += [f"目录清单：{matter}" for matter in catalogue_matches(catalogue, case=case, facts=facts,
                                                                     hearing=hearing)]
        if catalogue is not None and catalogue.review_all_ordinary and case.procedure == Procedure.ORDINARY:
            reasons.append("本机关普通程序决定一律审核")
        return list(dict.fromkeys(reasons))
