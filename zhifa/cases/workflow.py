"""The case's stages as one transition table (STYLE habit 2; REC-01).

Each move names who may make it and which text records must exist first. Requirements are
groups: every group must be met, a group by any one of its forms. Where a requirement depends on
the action type and procedure, the most specific entry wins.
"""

from dataclasses import dataclass

from zhifa.core.workflow import Move

from .models import Stage


@dataclass(frozen=True)
class Transition(Move):
    """A move of the case's table (core.workflow): one source stage, one target stage."""

    @property
    def source(self) -> str:
        return self.sources[0]


# The table (issue 17): made by services.case_advance through core.workflow, drawn by flowchart.py and the case page.
TRANSITIONS = [
    Transition("approve_filing", (Stage.START,), (Stage.INVESTIGATION,), "cases.approve", "批准立案，开始调查取证"),
    Transition("end_investigation", (Stage.INVESTIGATION,), (Stage.DECISION,), "cases.handle", "调查终结，进入审核决定"),
    Transition("decide", (Stage.DECISION,), (Stage.SERVICE_ENFORCEMENT,), "cases.approve", "作出决定，进入送达执行"),
    Transition("archive", (Stage.SERVICE_ENFORCEMENT,), (Stage.ARCHIVE,), "cases.handle", "结案归档"),
]
NEXT = {t.source: t for t in TRANSITIONS}
# The moves made once the decision is taken: out of the decision stage and every stage after it. The
# decision in force must still be one the rules allow (REV-01; 行政处罚法 第五十一条) at each of them, so a
# correction after the decision cannot slip through to service or the archive.
DECIDED_FROM = (Stage.DECISION, Stage.SERVICE_ENFORCEMENT)

# (source stage) -> {(action type | "*", procedure | "*"): [groups of forms, any one of each group]}
REQUIRED: dict[str, dict[tuple[str, str], list[tuple[str, ...]]]] = {
    Stage.START: {("*", "*"): [("filing_approval",)]},
    Stage.INVESTIGATION: {
        ("*", "*"): [("inspection_record", "inquiry_record")],
        ("coercion", "*"): [("inspection_record", "inquiry_record"), ("seizure_decision",)],
    },
    Stage.DECISION: {
        ("*", "*"): [("penalty_decision", "enforcement_decision")],
        ("licence", "*"): [("enforcement_decision",)],
        ("levy", "*"): [("enforcement_decision",)],
        ("penalty", "ordinary"): [("penalty_notice",), ("penalty_decision",)],
        ("penalty", "simplified"): [("penalty_decision",)],
        ("coercion", "*"): [("seizure_decision",)],
        ("inspection", "*"): [("inspection_record",)],
    },
    Stage.SERVICE_ENFORCEMENT: {("*", "*"): [("service_receipt",), ("closing_report",)]},
}


def required_groups(stage: str, action_type: str, procedure: str) -> list[tuple[str, ...]]:
    table = REQUIRED.get(stage, {})
    for key in ((action_type, procedure), (action_type, "*"), ("*", procedure), ("*", "*")):
        if key in table:
            return table[key]
    return []


# Hooks: apps above cases (records, review) attach their own conditions and consequences here, so the
# dependency still points upwards. Registering twice is harmless (AppConfig.ready may run more than once).
def _registrar(hooks: list):
    def register(hook) -> None:
        if hook not in hooks:
            hooks.append(hook)
    return register


# Conditions on a move (records: mandatory AV coverage; review: the gate); each check(case) returns the
# problems (Chinese sentences) that stop the case from moving on, or raises.
ADVANCE_CHECKS: list = []
register_advance_check = _registrar(ADVANCE_CHECKS)

# What must happen in the same transaction once a move is made (records: sealing the case file on
# archiving); each hook(case, actor) runs after the stage has changed and may raise to undo it.
AFTER_ADVANCE: list = []
register_after_advance = _registrar(AFTER_ADVANCE)

# What must follow, in the same transaction, once a text record is recorded or corrected (review: the
# determination is assessed again when a draft decision changes); each hook(document, actor).
AFTER_RECORD: list = []
register_after_record = _registrar(AFTER_RECORD)

# Conditions on recording a text record: each check(case, form_code) raises to refuse it (review: a service
# or execution record while the decision in force has not passed its review).
RECORD_CHECKS: list = []
register_record_check = _registrar(RECORD_CHECKS)

# Conditions on issuing (signing and sealing) a document: each check(document) raises to refuse it (review:
# a major decision before its review passed, REV-01).
ISSUE_CHECKS: list = []
register_issue_check = _registrar(ISSUE_CHECKS)

# Duties that give a reader outside the case its reason without a statement (REC-15): each check(actor, case,
# what) returns a short name of the duty, or "" (review: the reviewer assigned to the case's review). Part of the
# one consultation check (selectors.consultation_check), so an exemption is never a door of its own.
CONSULTATION_DUTIES: list = []
register_consultation_duty = _registrar(CONSULTATION_DUTIES)
