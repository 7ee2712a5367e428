"""M13: the same party fined twice for one act (《行政处罚法》第二十九条: 对当事人的同一个违法行为，不得给予两次以上罚款的行政处罚).

The same party is the same ID number or unified social credit code (cases.Party.id_number, checked at entry), in
any case of any agency. The same act is the same provision violated (the decision's 违反的法律规定, or its 依据 when
that is not given) over overlapping periods (违法行为发生日期 to 终了日期). Each decision must impose a fine
(problems._shared.amounts_of, with cases.decisions' reader of amounts): confiscating illegal gains or property is a
penalty of another kind (第九条), not a fine, so a fine and a confiscation are not two fines. Both decisions made: an alarm; one of them
still a draft: a warning, while the second fine can still be stopped.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from django.db.models import Subquery

from zhifa.cases import events as case_events
from zhifa.cases.models import Document, Party, Stage
from zhifa.org.models import ActionType

from ..registry import Hit, Level, ProblemModel, register
from ._shared import amounts_of, cases_in, element_date

DECISION_FORM = "penalty_decision"
DECIDED_STAGES = (Stage.SERVICE_ENFORCEMENT, Stage.ARCHIVE)
_NOISE = re.compile(r"[\s《》〈〉“”\"'「」（）()，,。.;；:：、]|的规定|之规定|规定")


def provision_key(elements: dict) -> str:
    """The provision violated, in one spelling: 《中华人民共和国食品安全法》第三十四条 = 中华人民共和国食品安全法第三十四条."""
    text = str(elements.get("violated_provision") or elements.get("legal_basis") or "")
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("违反了", "").replace("违反", "")
    return _NOISE.sub("", text)


@register
class FinedTwice(ProblemModel):
    code = "M13"
    name = "同一违法行为重复罚款"
    basis = "《行政处罚法》第二十九条"
    description = ("同一当事人（身份证号或统一社会信用代码相同）因违反同一法律规定、违法行为期间重叠，被两份处罚决定书分别罚款的，"
                   "两份决定均已作出的报警，其中一份尚为拟作出的决定的预警；更正决定书使其不再重复后自动关闭。")
    triggers = (case_events.DOCUMENT_RECORDED, case_events.DOCUMENT_CORRECTED, case_events.PARTY_ADDED,
                case_events.DECIDED)
    defaults = {}

    def evaluate(self, ctx):
        decided_penalties = Document.objects.filter(form=DECISION_FORM, superseded_by__isnull=True,
                                                    case__action_type=ActionType.PENALTY)
        scope = cases_in(ctx).filter(pk__in=decided_penalties.values("case_id"))
        in_scope = Party.objects.filter(case__in=scope.values("id")).exclude(id_number="")
        scope_ids = set(in_scope.values_list("case_id", flat=True))
        if not scope_ids:
            return
        # Every case, of any agency, naming a party of the cases in scope.
        parties = defaultdict(set)
        for case_id, number in Party.objects.filter(
                id_number__in=Subquery(in_scope.values("id_number"))).values_list("case_id", "id_number"):
            parties[number].add(case_id)
        decisions = {}
        for doc in (decided_penalties.filter(case_id__in=Subquery(
                Party.objects.filter(id_number__in=Subquery(in_scope.values("id_number"))).values("case_id")))
                .select_related("case").only("id", "case_id", "form", "elements", "case__agency_id", "case__stage",
                                             "case__number")):
            start = element_date(doc, "violation_date")
            if start is None:
                continue
            decisions[doc.case_id] = (doc, start, element_date(doc, "violation_end") or start, provision_key(doc.elements))
        fines: dict[int, bool] = {}

        def fined(case_id: int) -> bool:
            # Read only for decisions paired with another (most parties have one case): reading the text costs.
            if case_id not in fines:
                amounts = amounts_of([decisions[case_id][0]])
                fines[case_id] = amounts.fine > 0 or amounts.unreadable_fine
            return fines[case_id]

        found: dict[int, list] = defaultdict(list)
        for case_ids in parties.values():
            ids = sorted(i for i in case_ids if i in decisions)
            for i, a in enumerate(ids):
                for b_id in ids[i + 1:]:
                    da, db = decisions[a], decisions[b_id]
                    if (da[3] and da[3] == db[3] and da[1] <= db[2] and db[1] <= da[2] and fined(a) and fined(b_id)
                            and db[0] not in found[a]):
                        found[a].append(db[0])
                        found[b_id].append(da[0])
        for case_id, others in found.items():
            if not others or case_id not in scope_ids:
                continue
            doc = decisions[case_id][0]
            both_decided = doc.case.stage in DECIDED_STAGES and all(o.case.stage in DECIDED_STAGES for o in others)
            # The agency's own cases by number; another agency's only as a count (review: every officer of the alerted
            # agency read a case number of another county's police, which they may not view; the ids stay in evidence).
            own = sorted({o.case.number for o in others if o.case.agency_id == doc.case.agency_id})
            foreign = len({o.case_id for o in others if o.case.agency_id != doc.case.agency_id})
            where = "、".join([*(f"本机关案件 {n}" for n in own), *([f"其他执法主体的 {foreign} 件案件"] if foreign else [])])
            yield Hit(agency_id=doc.case.agency_id, case_id=case_id, level=Level.ALARM if both_decided else Level.WARNING,
                      detail=f"同一当事人因同一违法行为（{doc.elements.get('violated_provision') or doc.elements.get('legal_basis')}，"
                             f"期间重叠）已在{where}中被处以罚款，不得给予两次以上罚款的行政处罚。",
                      evidence={"other_cases": sorted({o.case_id for o in others}), "provision": decisions[case_id][3]})
