"""Pre-scoring from the record (issue 21 §3): every item the system can decide from data, with the evidence.

INTERFACE (fixed by the lead; the helper building this module fills it in and may add checks and optional
arguments, never rename): CHECKS is the registry of machine checks by code; prescore() decides them for many case
files at once with a query count that does not grow with the number of files.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    passed: bool | None  # None: the data cannot decide it (a person judges; the evaluator sees why)
    errors: int = 0  # for a failed points item: how many errors were found (deductions per error)
    evidence: tuple[str, ...] = ()  # Chinese lines an evaluator reads: what was checked and what was found
    refs: tuple[tuple[str, int], ...] = ()  # the records behind it: ("document", 12), ("recording", 5) …


# code -> (label, function): function(batch: checks.Batch) -> {case id: Outcome}. Filled in by checks.catalogue.
CHECKS: dict = {}

BATCH = 1000  # cases per batch: the queries of a call grow with the number of batches, never with each case


def prescore(case_ids, codes, *, today=None, items=None) -> dict[int, dict[str, Outcome]]:
    """{case id: {check code: Outcome}} for the checks `codes` on each case in `case_ids`.

    Each check reads the whole batch in a fixed number of queries (batches of BATCH cases). A case a check cannot
    decide gets passed=None with the reason; a case id that does not exist gets passed=None for every check. An
    unknown check code raises KeyError. `today`: the day the records are read as of (default: today). `items`:
    {check code: the standard's Item it decides}, for a check reading the item's data (documents_present: its
    `forms`) from the version a campaign scores under; without it, the standard in force for each file that day."""
    from .checks.base import Batch

    codes = list(dict.fromkeys(codes))
    unknown = [c for c in codes if c not in CHECKS]
    if unknown:
        raise KeyError(unknown[0])
    ids = sorted(dict.fromkeys(int(i) for i in case_ids))
    out: dict[int, dict[str, Outcome]] = {i: {} for i in ids}
    for start in range(0, len(ids), BATCH):
        batch = Batch(ids[start:start + BATCH], today=today, items=items)
        for code in codes:
            found = CHECKS[code][1](batch)
            for case_id in batch.case_ids:
                out[case_id][code] = found.get(case_id) or Outcome(None, evidence=(MISSING,))
    return out


MISSING = "系统中没有该案件的记录，无法核查，由评查人员判断。"


def check_labels() -> dict[str, str]:
    """{check code: its Chinese label}, for pages and the rules' validation."""
    return {code: label for code, (label, _fn) in CHECKS.items()}


def check_code_validate(value) -> None:
    """rules.catalogue.register_check for "evaluation.standards": every item's `check` names a machine check."""
    from zhifa.cases.doctypes import FORMS
    from zhifa.cases.models import Procedure
    from zhifa.rules.catalogue import RuleValueError

    for action_type, standard in (value or {}).items():
        for item in standard.get("items", ()):
            check = item.get("check")
            at = f"标准“{action_type}”项目 {item.get('code')}"
            if check is not None and check not in CHECKS:
                raise RuleValueError(f"{at}的机器核查“{check}”不存在，可选：{'、'.join(sorted(CHECKS))}")
            forms = item.get("forms") or []
            if check in FORMS_CHECKS and not forms:
                raise RuleValueError(f"{at}由机器核查“{check}”判断，应列明应有文书（forms）")
            for entry in forms:
                procedure = entry.get("procedure", "*")
                if procedure != "*" and procedure not in Procedure.values:
                    raise RuleValueError(f"{at}应有文书的程序“{procedure}”应为 {'、'.join(Procedure.values)} 或 *")
                unknown = [f for f in (entry.get("outcome") or None, *entry.get("required", ())) if f and f not in FORMS]
                if unknown:
                    raise RuleValueError(f"{at}应有文书中的“{unknown[0]}”不是文书代码")
                if entry.get("outcome") and entry["outcome"] not in entry.get("required", ()):
                    raise RuleValueError(f"{at}应有文书的结案文书“{entry['outcome']}”应列在应有文书（required）中")


# The checks that read the item's `forms`: an item decided by one of them must list them.
FORMS_CHECKS = ("documents_present",)


from .checks import catalogue as _catalogue  # noqa: E402,F401  fills CHECKS
