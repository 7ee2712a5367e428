"""M11: a penalty decided without first telling the party the facts, reasons and basis of the proposed penalty and
their rights to state their case and defend themselves (《行政处罚法》第四十四条、第四十五条; 第六十二条: otherwise the
decision may not be made).

The notice is the case's 《行政处罚事先告知书》 (`penalty_notice`: facts, legal basis, proposed penalty, rights). A
penalty decision (the move 作出决定, or the decision issued under the agency's seal) with no notice recorded before
it is an alarm; a notice that was there but does not state the facts and basis, or the rights to 陈述 and 申辩, is a
warning. Ordinary procedure by default (`procedures`): on the spot (第五十二条) the officers tell the party orally,
and no form records it.
"""

from __future__ import annotations

from zhifa.cases import events as case_events
from zhifa.cases.models import Document
from zhifa.org.models import ActionType

from ..registry import Hit, Level, ProblemModel, register
from ._shared import Params, case_rows, current_documents, decided_at, decided_cases, local

NOTICE = "penalty_notice"
PENALTY_FORMS = ("penalty_decision", "enforcement_decision")


def penalty_cases(ctx, decided: dict) -> dict[int, object]:
    """{case id: case} of the decided cases whose decision is a penalty: a 行政处罚决定书 in force, or any decision of a
    case filed as a penalty."""
    scope = decided_cases(ctx)
    drafts = current_documents(scope, PENALTY_FORMS)
    return {case.pk: case for case in case_rows(scope, decided).values()
            if any(d.form == "penalty_decision" or case.action_type == ActionType.PENALTY
                                          for d in drafts.get(case.pk, ()))}


def notices_before(ctx, decided: dict, forms=(NOTICE,)) -> dict[int, list[Document]]:
    """{case id: every version of the `forms` recorded at or before the case's decision}. One query."""
    out: dict[int, list[Document]] = {}
    for document in (Document.objects.filter(case__in=decided_cases(ctx).values("pk"), form__in=forms)
                     .only("id", "case_id", "form", "elements", "recorded_at").order_by("recorded_at", "id")):
        if document.case_id in decided and document.recorded_at <= decided[document.case_id]:
            out.setdefault(document.case_id, []).append(document)
    return out


@register
class NoPriorNotice(ProblemModel):
    code = "M11"
    name = "作出处罚决定前未告知事实、理由、依据和陈述申辩权利"
    basis = "《中华人民共和国行政处罚法》第四十四条、第四十五条、第六十二条"
    description = ("适用普通程序的行政处罚案件，作出处罚决定（进入送达执行阶段或者签发决定书）前没有《行政处罚事先告知书》的，"
                   "报警；告知书未载明违法事实、依据，或者未告知陈述、申辩权利的，预警。"
                   "已成事实，由监督人员核查后说明理由关闭。")
    triggers = (case_events.DECIDED, case_events.DOCUMENT_ISSUED, case_events.DOCUMENT_RECORDED,
                case_events.DOCUMENT_CORRECTED)
    defaults = {"procedures": ["ordinary"]}

    def evaluate(self, ctx):
        params = Params(ctx)
        decided = decided_at(ctx)
        if not decided:
            return
        penalties = {case_id: case for case_id, case in penalty_cases(ctx, decided).items()
                     if case.procedure in params(case.agency_id)["procedures"]}
        notices = notices_before(ctx, decided)
        for case_id, case in penalties.items():
            moment = decided[case_id]
            found = notices.get(case_id, [])
            if not found:
                yield Hit(agency_id=case.agency_id, case_id=case_id, level=Level.ALARM,
                          detail=f"行政处罚决定于 {local(moment)} 作出，此前没有《行政处罚事先告知书》，未告知当事人拟作出的"
                                 f"行政处罚内容及事实、理由、依据和陈述、申辩权利。",
                          evidence={"decided_at": moment.isoformat(), "notice": None})
                continue
            lacking = self.lacking(found[-1].elements)
            if lacking:
                yield Hit(agency_id=case.agency_id, case_id=case_id, level=Level.WARNING,
                          detail=f"作出决定前的《行政处罚事先告知书》未载明{'、'.join(lacking)}。",
                          evidence={"decided_at": moment.isoformat(), "notice": found[-1].pk, "lacking": lacking})

    @staticmethod
    def lacking(elements: dict) -> list[str]:
        """What §44 asks the notice to say that it does not."""
        out = []
        if not str(elements.get("facts") or "").strip():
            out.append("违法事实")
        if not str(elements.get("legal_basis") or "").strip():
            out.append("理由和依据")
        if not str(elements.get("proposed_penalty") or "").strip():
            out.append("拟作出的行政处罚内容")
        rights = str(elements.get("rights") or "")
        if "陈述" not in rights or "申辩" not in rights:
            out.append("陈述、申辩的权利")
        return out
