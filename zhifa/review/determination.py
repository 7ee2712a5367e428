"""Whether a decision is major (REV-02), assessed from the draft decision itself and the catalogue, with what
the officer declares as an addition that can raise the assessment but never lower it.

One function serves the determination the officer records, the automatic re-determination when a draft
changes, and the gate (REV-01), so the three can never disagree.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from zhifa.cases import decisions
from zhifa.cases.models import Case, Procedure

from .models import Catalogue
from .selectors import catalogue_in_force
from .workflow import CRITERIA, MEASURES, Criterion


@dataclass(frozen=True)
class Assessment:
    fine: Decimal
    property_value: Decimal
    measures: list[str]
    criteria: list[str]
    hearing_held: bool
    catalogue: Catalogue | None
    matched: list
    review_all: bool
    is_major: bool
    collective_discussion: bool
    reasons: list[str]
    facts: decisions.DecisionFacts

    def key(self) -> tuple:
        """What a new determination version must differ in to be worth recording."""
        return (self.fine, self.property_value, tuple(self.measures), tuple(self.criteria), self.is_major,
                self.collective_discussion, tuple(i.pk for i in self.matched), self.review_all)


def assess(case: Case, *, documents, on: dt.date, fine=Decimal(0), property_value=Decimal(0), measures=(),
           criteria=(), collective_discussion=False, reviewed=False) -> Assessment:
    """`documents`: the case's current documents. The declared amounts and measures are merged with what the
    draft decisions say (the larger amount, the union of measures). `reviewed`: the case was already submitted
    for review, and cannot be talked out of it (REV-01: no path around the gate)."""
    facts = decisions.facts_of(documents)
    fine, value = max(Decimal(fine), facts.fine), max(Decimal(property_value), facts.property_value)
    measures = sorted(set(measures) | set(facts.measures))
    criteria = set(criteria)
    hearing = any(d.form == "hearing_record" for d in documents)
    if hearing:
        criteria.add("hearing")  # IM-M §26(4): a decision after a hearing is major
    criteria = sorted(criteria)
    reasons = [CRITERIA[c] for c in criteria]
    if facts.fine > 0 or facts.property_value > 0 or facts.measures:
        reasons.append(f"执法决定书载明：{'、'.join(facts.describe())}")
    catalogue = catalogue_in_force(case.agency, on)
    # The catalogue is by action type; the draft says which it involves, whatever the case was filed as: a fine
    # or another penalty kind is a penalty (行政处罚法 第九条), sealed or seized property a coercive measure.
    involved = {case.action_type}
    if facts.fine > 0 or facts.other_penalties or facts.unreadable_fine:
        involved.add("penalty")
    if facts.seizure or facts.property_value > 0:
        involved.add("coercion")
    matched = []
    if catalogue is not None:
        level = case.agency.jurisdiction.level
        for item in catalogue.items.all():
            if item.level and item.level != level:
                continue
            # A measure is the same measure whatever the case was filed as (吊销许可证件 is a penalty even in a
            # licence case); the other standards are per action type, as the catalogue lists them.
            if item.criterion == Criterion.MEASURE:
                hit = item.measure in measures
            elif item.action_type not in involved:
                continue
            else:
                hit = (item.criterion == Criterion.ALWAYS
                       or (item.criterion == Criterion.FINE_AT_LEAST and fine >= item.amount)
                       or (item.criterion == Criterion.PROPERTY_AT_LEAST and value >= item.amount)
                       or (item.criterion == Criterion.HEARING and "hearing" in criteria))
            if hit:
                matched.append(item)
                reasons.append(f"目录清单第{catalogue.version}版：{item.matter}（{item.get_criterion_display()}"
                               f"{' ' + str(item.amount) + ' 元' if item.amount else ''}"
                               f"{' ' + MEASURES[item.measure] if item.measure else ''}）")
    # NM: every decision outside the simplified procedure, whatever its action type.
    review_all = bool(catalogue and catalogue.review_all_ordinary and case.procedure == Procedure.ORDINARY)
    if review_all:
        reasons.append("本机关对普通程序作出的执法决定一律进行法制审核")
    is_major = bool(criteria or matched or review_all)
    if reviewed and not is_major:
        is_major = True
        reasons.append("本案已送法制审核")
    collective = bool(collective_discussion or any(i.collective_discussion for i in matched))
    return Assessment(fine=fine, property_value=value, measures=measures, criteria=criteria, hearing_held=hearing,
                      catalogue=catalogue, matched=matched, review_all=review_all, is_major=is_major,
                      collective_discussion=collective, reasons=reasons, facts=facts)


def declared_args(declared: dict) -> dict:
    """A stored declaration as the keyword arguments of assess()."""
    return {"fine": Decimal(declared.get("fine_amount") or 0),
            "property_value": Decimal(declared.get("property_value") or 0),
            "measures": declared.get("measures", []), "criteria": declared.get("criteria", []),
            "collective_discussion": bool(declared.get("collective_discussion"))}


def declared_of(determination) -> dict:
    """The officer's declaration behind a determination; for one recorded before declarations were kept
    apart, its recorded values (which then count as declared)."""
    if determination.declared:
        return determination.declared
    return {"fine_amount": str(determination.fine_amount), "property_value": str(determination.property_value),
            "measures": determination.measures,
            "criteria": [c for c in determination.criteria if c != "hearing" or not determination.hearing_held],
            "collective_discussion": determination.collective_discussion}
