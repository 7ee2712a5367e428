"""The case's stages as one transition table (STYLE habit 2; REC-01).

Each move names who may make it and which text records must exist first. Requirements are
groups: every group must be met, a group by any one of its forms. Where a requirement depends on
the action type and procedure, the most specific entry wins.
"""

from dataclasses import dataclass

from .models import Stage


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    permission: str
    label: str


TRANSITIONS = [
    Transition(Stage.START, Stage.INVESTIGATION, "cases.approve", "批准立案，开始调查取证"),
    Transition(Stage.INVESTIGATION, Stage.DECISION, "cases.handle", "调查终结，进入审核决定"),
    Transition(Stage.DECISION, Stage.SERVICE_ENFORCEMENT, "cases.approve", "作出决定，进入送达执行"),
    Transition(Stage.SERVICE_ENFORCEMENT, Stage.ARCHIVE, "cases.handle", "结案归档"),
]
NEXT = {t.source: t for t in TRANSITIONS}

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


# Apps above cases (records: mandatory AV coverage) add their own conditions on a move here;
# each check(case) returns the problems (Chinese sentences) that stop the case from moving on.
ADVANCE_CHECKS: list = []


def register_advance_check(check) -> None:
    if check not in ADVANCE_CHECKS:
        ADVANCE_CHECKS.append(check)


# And what must happen in the same transaction once a move is made (records: sealing the case file
# on archiving); each hook(case, actor) runs after the stage has changed and may raise to undo it.
AFTER_ADVANCE: list = []


def register_after_advance(hook) -> None:
    if hook not in AFTER_ADVANCE:
        AFTER_ADVANCE.append(hook)


# Conditions on issuing (signing and sealing) a document: each check(document) returns the problems that
# stop it (review: a major decision before its review passed, REV-01).
ISSUE_CHECKS: list = []


def register_issue_check(check) -> None:
    if check not in ISSUE_CHECKS:
        ISSUE_CHECKS.append(check)
