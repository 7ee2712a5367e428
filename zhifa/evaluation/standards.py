"""Case-file evaluation standards (案卷评查标准) as versioned per-jurisdiction data (issue 21 §1; SUP-06).

INTERFACE (fixed by the lead before the work was split; the helper building this module fills in the bodies and may
add fields with defaults, never rename or remove): the campaign workflow (models/services) and the annual assessment
call only what is declared here and in prescore.py.

A standard is one entry per action type (org ActionType code, or "*" for every type without its own) of the rule key
"evaluation.standards" (rules.catalogue, by_entry): items in three sections (basic / form / content), points,
deduction per error, the veto semantics, the grade thresholds and whether two evaluators score each file.
"""

from dataclasses import dataclass, field


class Section:
    BASIC = "basic"  # 基本项目（否决项）: pass or fail, no points
    FORM = "form"  # 形式（文书规范）
    CONTENT = "content"  # 内容（实体、程序）


class Veto:
    # (a) any failed basic item makes the file 不合格 and its score 0 (测绘地理信息; Zhejiang's "扣100分")
    ZERO = "zero"
    # (b) a failed basic item only bars the grade 优秀 (generic 评分细则)
    BAR_EXCELLENT = "bar_excellent"


class Grade:
    EXCELLENT = "excellent"  # 优秀
    PASS = "pass"  # 合格
    FAIL = "fail"  # 不合格


GRADE_LABELS = {Grade.EXCELLENT: "优秀", Grade.PASS: "合格", Grade.FAIL: "不合格"}


@dataclass(frozen=True)
class Forms:
    """The documents a file must hold (the item's `forms`, for the check documents_present): for files of `procedure`
    ("*": any) that hold the decision document `outcome` (its form code; "" for any file), the form codes `required`.
    A file of the item's kind matching no entry (another procedure, or closed another way: no penalty, withdrawn) is
    left to the evaluator."""

    required: tuple[str, ...]
    procedure: str = "*"
    outcome: str = ""


@dataclass(frozen=True)
class Item:
    code: str  # stable within the standard ("B01", "F03", "C12"): what scores, overrides and deductions name
    section: str  # Section.*
    text: str  # 评查内容
    points: int = 0  # the item's points (0 for basic items)
    deduct: int = 0  # points off per error; 0 = the item's whole points are lost when it fails
    check: str | None = None  # a machine check's code (prescore.CHECKS) or None: only a person can judge it
    note: str = ""  # 评分说明
    forms: tuple[Forms, ...] = ()  # the documents the file must hold, for documents_present (rule data, validated)

    def __post_init__(self):
        # A standard pinned on a campaign is stored as JSON (dataclasses.asdict) and read back with Item(**row).
        object.__setattr__(self, "forms", tuple(forms_from_value(self.forms)))


@dataclass(frozen=True)
class Standard:
    action_type: str  # the entry's key ("*" for the default)
    title: str
    veto: str  # Veto.*
    grades: dict  # {"excellent": 90, "pass": 60}: the lowest score of each grade
    double: bool  # two evaluators per file, reconciled
    items: tuple[Item, ...]
    # Where it came from, so a score names the exact version it was made under.
    jurisdiction_id: int | None = None
    rule_version_id: int | None = None
    basis: str = ""

    def item(self, code: str) -> Item:
        for it in self.items:
            if it.code == code:
                return it
        raise KeyError(code)


@dataclass(frozen=True)
class ItemScore:
    """An item's outcome on one file: passed (True/False) and, for a failed points item, how many errors."""

    code: str
    passed: bool
    errors: int = 1


@dataclass(frozen=True)
class Result:
    score: float  # 0..sum of points; deductions stop at zero per item and overall
    grade: str  # Grade.*
    vetoed_by: tuple[str, ...]  # the failed basic items' codes
    deductions: tuple[tuple[str, float], ...] = field(default=())  # (item code, points off) in item order
    complete: bool = True  # False while some item has no ItemScore yet (the grade is then provisional)


RULE_KEY = "evaluation.standards"
DEFAULT = "*"  # the entry for every action type without its own
SECTION_LABELS = {Section.BASIC: "基本项目（否决项）", Section.FORM: "形式（文书规范）", Section.CONTENT: "内容（实体、程序）"}
VETO_LABELS = {Veto.ZERO: "基本项目不合格的，案卷为不合格，得 0 分",
               Veto.BAR_EXCELLENT: "基本项目不合格的，不得评为优秀"}


def standard_from_value(action_type: str, value: dict, *, jurisdiction_id=None, rule_version_id=None) -> Standard:
    """A Standard from one entry of the rule's value (validated by rules.catalogue when it was written)."""
    return Standard(
        action_type=action_type,
        title=value["title"],
        veto=value["veto"],
        grades=dict(value["grades"]),
        double=bool(value.get("double", False)),
        items=tuple(
            Item(code=it["code"], section=it["section"], text=it["text"], points=it.get("points", 0),
                 deduct=it.get("deduct", 0), check=it.get("check"), note=it.get("note", ""),
                 forms=it.get("forms") or ())
            for it in value["items"]
        ),
        jurisdiction_id=jurisdiction_id,
        rule_version_id=rule_version_id,
        basis=value.get("basis", ""),
    )


def standard_to_value(standard: Standard) -> dict:
    """The rule entry a Standard is read from (the inverse of standard_from_value)."""
    items = []
    for it in standard.items:
        row = {"code": it.code, "section": it.section, "text": it.text}
        if it.section != Section.BASIC:
            row["points"] = it.points
            if it.deduct:
                row["deduct"] = it.deduct
        row["check"] = it.check
        if it.note:
            row["note"] = it.note
        if it.forms:
            row["forms"] = forms_to_value(it.forms)
        items.append(row)
    value = {"title": standard.title, "veto": standard.veto, "grades": dict(standard.grades),
             "double": standard.double, "items": items}
    if standard.basis:
        value["basis"] = standard.basis
    points = points_total(standard)
    if points != 100:
        value["total"] = points
    return value


def forms_from_value(value) -> list[Forms]:
    """Forms from the rule's `forms` list (or from Forms already, or their asdict form)."""
    return [f if isinstance(f, Forms) else
            Forms(required=tuple(f["required"]), procedure=f.get("procedure") or "*", outcome=f.get("outcome") or "")
            for f in value or ()]


def forms_to_value(forms) -> list[dict]:
    out = []
    for f in forms:
        row = {}
        if f.procedure != "*":
            row["procedure"] = f.procedure
        if f.outcome:
            row["outcome"] = f.outcome
        row["required"] = list(f.required)
        out.append(row)
    return out


def points_total(standard: Standard) -> float:
    """The most a file can score: the points of the form and content items."""
    return sum(it.points for it in standard.items if it.section != Section.BASIC)


def _entry(value: dict, action_type: str):
    """(entry name, entry) for `action_type`: its own, else the default "*", else (None, None)."""
    for name in (action_type, DEFAULT):
        if isinstance(value, dict) and name in value:
            return name, value[name]
    return None, None


def standard_for(jurisdiction, action_type: str, on) -> Standard:
    """The standard in force for `action_type` in `jurisdiction` on date `on` (the nearest node's entry, then "*")."""
    from zhifa.core.errors import ZhifaError
    from zhifa.rules.errors import RulesErrorCode
    from zhifa.rules.selectors import rule_get

    rule = rule_get(RULE_KEY, jurisdiction=jurisdiction, as_of=on)  # the clear "rule not set" error when none is
    name, entry = _entry(rule.value, action_type)
    if entry is None:
        where = jurisdiction.name if jurisdiction is not None else "全国"
        raise ZhifaError(RulesErrorCode.RULE_NOT_SET,
                         f"{where}在 {on} 没有适用于“{action_type}”类案卷的评查标准，也没有通用标准（*），请由司法行政部门设定。")
    version = rule.entries_from.get(name, rule.version)
    return standard_from_value(action_type, entry, jurisdiction_id=version.jurisdiction_id, rule_version_id=version.pk)


def standard_of_version(rule_version_id: int, action_type: str) -> Standard:
    """The standard `action_type` was scored under, from the exact rule version a score names (Standard.rule_version_id):
    a later version of the rule does not change a file already scored."""
    from zhifa.rules.models import RuleVersion

    version = RuleVersion.objects.get(pk=rule_version_id, key=RULE_KEY)
    name, entry = _entry(version.value, action_type)
    if entry is None:
        raise KeyError(action_type)
    return standard_from_value(action_type, entry, jurisdiction_id=version.jurisdiction_id, rule_version_id=version.pk)


def _grade(standard: Standard, score: float, vetoed: bool) -> str:
    if vetoed and standard.veto == Veto.ZERO:
        return Grade.FAIL
    if score >= standard.grades["excellent"] and not vetoed:
        return Grade.EXCELLENT
    if score >= standard.grades["pass"]:
        return Grade.PASS
    return Grade.FAIL


def total(standard: Standard, scores: dict[str, ItemScore]) -> Result:
    """Score a file: per item, the points less its deductions (never below zero); the veto semantics; the grade.

    A points item that passed keeps its points; one that failed loses `deduct` per error (at least one error), or its
    whole points when the item has no deduction per error — never more than its points. The score is the sum, never
    below zero. A failed basic item vetoes: Veto.ZERO makes the file 不合格 with 0 points, Veto.BAR_EXCELLENT only bars
    优秀. An item without a score counts as passed while `complete` is False (the grade is provisional). Scores of codes
    the standard does not have are ignored."""
    vetoed, deductions, score, complete = [], [], 0.0, True
    for it in standard.items:
        given = scores.get(it.code)
        if given is None:
            complete = False
        if it.section == Section.BASIC:
            if given is not None and given.passed is False:
                vetoed.append(it.code)
            continue
        off = 0.0
        if given is not None and given.passed is False:
            off = min(it.points, it.deduct * max(given.errors, 1)) if it.deduct else it.points
        if off:
            deductions.append((it.code, float(off)))
        score += it.points - off
    score = max(0.0, score)
    if vetoed and standard.veto == Veto.ZERO:
        score = 0.0
    return Result(score=score, grade=_grade(standard, score, bool(vetoed)), vetoed_by=tuple(vetoed),
                  deductions=tuple(deductions), complete=complete)


ACTION_TYPE_LABELS = {"*": "通用（未单独设定的类别）"}


def action_type_label(code: str) -> str:
    from zhifa.org.models import ActionType

    return ACTION_TYPE_LABELS.get(code) or dict(ActionType.choices).get(code, code)


def rule_text(value: dict) -> str:
    """The rule "evaluation.standards" as sentences, for the rules page (rules.catalogue.register_text)."""
    parts = []
    for name in sorted(value or {}, key=lambda n: (n == DEFAULT, n)):
        s = standard_from_value(name, value[name])
        basic = [it for it in s.items if it.section == Section.BASIC]
        form = sum(it.points for it in s.items if it.section == Section.FORM)
        content = sum(it.points for it in s.items if it.section == Section.CONTENT)
        machine = sum(1 for it in s.items if it.check)
        parts.append(f"{action_type_label(name)}：《{s.title}》，基本项目 {len(basic)} 项（{VETO_LABELS[s.veto]}），"
                     f"形式 {form:g} 分、内容 {content:g} 分，优秀 ≥{s.grades['excellent']:g} 分、合格 ≥{s.grades['pass']:g} 分，"
                     f"{'每卷两名评查人员' if s.double else '每卷一名评查人员'}，系统预评 {machine} 项")
    return "；".join(parts) or "未设定"
