"""Case-file evaluation standards to and from Excel (issue 21 §1): the bureau keeps its 评查标准 as a workbook, reads
it back into a new version of the rule "evaluation.standards".

Two sheets: 评查标准 (one row per action type: title, veto, grades, two evaluators, basis) and 评查项目 (one row per
item). All or nothing, as org.importing: every cell is checked and every standard validated (rules.catalogue and the
machine checks of prescore) before anything is written; the errors name sheet, row, column and what is wrong, in
Chinese; then one new rule version at the node, written by rules.services (permission, validation, ledger entry).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from dataclasses import dataclass, field
from enum import StrEnum

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from zhifa.core import spreadsheet
from zhifa.core.errors import ZhifaError
from zhifa.org.models import ActionType
from zhifa.rules import catalogue

from . import prescore, standards
from .standards import GRADE_LABELS, Section, Veto

STANDARD_SHEET = "评查标准"
ITEM_SHEET = "评查项目"
MAX_ROWS = 2000  # items in one workbook: a standard has dozens

STANDARD_COLUMNS = [("action_type", "执法类别", True), ("title", "标准名称", True), ("veto", "基本项目不合格的", True),
                    ("excellent", "优秀分数线", True), ("pass", "合格分数线", True),
                    ("double", "每卷两名评查人员", False), ("total", "总分", False), ("basis", "依据", False)]
ITEM_COLUMNS = [("action_type", "执法类别", True), ("code", "编号", True), ("section", "类别", True),
                ("text", "评查内容", True), ("points", "分值", False), ("deduct", "每处扣分", False),
                ("check", "系统预评", False), ("note", "评分说明", False), ("forms", "应有文书", False)]
VETO_WORDS = {Veto.ZERO: "案卷不合格，得 0 分", Veto.BAR_EXCELLENT: "不得评为优秀"}
SECTION_WORDS = {Section.BASIC: "基本项目", Section.FORM: "形式", Section.CONTENT: "内容"}
YES, NO = {"是", "y", "yes", "true", "1", "√"}, {"否", "n", "no", "false", "0", ""}
# 应有文书 (Item.forms), one line per entry: "普通程序｜《行政处罚决定书》：《立案审批表》、《调查终结报告》…" — the
# procedure (or 任何程序), the decision document the list assumes (or 任何), then the documents; titles in 《》 or codes.
ANY_PROCEDURE, ANY_OUTCOME = "任何程序", "任何"


class StandardsErrorCode(StrEnum):
    IMPORT_UNREADABLE = "evaluation_standards_unreadable"
    IMPORT_INVALID = "evaluation_standards_invalid"
    IMPORT_UNCHANGED = "evaluation_standards_unchanged"


@dataclass(frozen=True)
class CellError:
    sheet: str
    row: int
    column: str
    message: str

    def __post_init__(self):
        # Every message is one sentence ending in exactly one "。", however the reason was phrased.
        object.__setattr__(self, "message", self.message.rstrip("。；;. ") + "。")

    def __str__(self):
        where = f"“{self.sheet}”第 {self.row} 行" + (f"“{self.column}”" if self.column else "")
        return f"{where}：{self.message.rstrip('。')}"


@dataclass
class Parsed:
    value: dict = field(default_factory=dict)  # {action type: rule entry}
    errors: list[CellError] = field(default_factory=list)


def _action_types() -> dict[str, str]:
    """Label or code → code: 行政处罚 / penalty → penalty; 通用 / * → *."""
    out = {"*": "*", "通用": "*", standards.action_type_label("*"): "*"}
    for value, label in ActionType.choices:
        out[value], out[label] = value, value
    return out


def _by_words(words: dict) -> dict[str, str]:
    return {w: code for code, w in words.items()} | {code: code for code in words}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(text: str):
    """A cell's number: an int when whole, else a float; ValueError when it is none."""
    number = float(text)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(text)
    return int(number) if number.is_integer() else number


# --- export ----------------------------------------------------------------------------------------------------------

def workbook_of(value: dict) -> bytes:
    """The standards of a rule value (every entry: {action type: standard}) as the workbook import reads."""
    wb = spreadsheet.workbook()
    ws = wb.active
    ws.title = STANDARD_SHEET
    ws.append([h + ("*" if req else "") for _k, h, req in STANDARD_COLUMNS])
    items = wb.create_sheet(ITEM_SHEET)
    items.append([h + ("*" if req else "") for _k, h, req in ITEM_COLUMNS])
    labels = prescore.check_labels()
    for name in sorted(value, key=lambda n: (n == standards.DEFAULT, n)):
        s = standards.standard_from_value(name, value[name])
        label = standards.action_type_label(name)
        ws.append([label, s.title, VETO_WORDS[s.veto], s.grades["excellent"], s.grades["pass"],
                   "是" if s.double else "否", value[name].get("total", standards.points_total(s)), s.basis])
        for it in s.items:
            items.append([label, it.code, SECTION_WORDS[it.section], it.text,
                          it.points if it.section != Section.BASIC else None, it.deduct or None,
                          labels.get(it.check, it.check) if it.check else "", it.note,
                          forms_text(it.forms)])
    for sheet, widths in ((ws, (18, 28, 20, 10, 10, 14, 8, 60)), (items, (18, 8, 10, 60, 8, 10, 36, 30, 60))):
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = width
    notes = wb.create_sheet("说明")
    notes.append(["说明"])
    for line in (
        f"执法类别：{'、'.join(label for _v, label in ActionType.choices)}，或“通用”（* ，适用于未单独设定的类别）。",
        f"基本项目不合格的：{'；'.join(VETO_WORDS.values())}。",
        f"类别：{'、'.join(SECTION_WORDS.values())}；基本项目不设分值，形式与内容项目分值合计应为总分（未填为 100）。",
        "每处扣分：每处错误扣的分数，扣完该项分值为止；不填则该项不合格时扣除全部分值。",
        f"优秀、合格分数线：{GRADE_LABELS['excellent']}、{GRADE_LABELS['pass']}的最低分。",
        "应有文书：每行一条，“程序｜结案文书：应有文书”，如“普通程序｜《行政处罚决定书》：《立案审批表》、《行政处罚决定书》”；"
        f"程序可写“{ANY_PROCEDURE}”，结案文书可写“{ANY_OUTCOME}”；卷内没有所列结案文书的案卷由评查人员判断。"
        f"由系统预评“{labels.get(prescore.FORMS_CHECKS[0], '')}”判断的项目必填。",
        "系统预评：照抄下列系统核查之一的名称，留空则由评查人员判断。可选：",
        *[f"  {label}" for _code, label in sorted(labels.items(), key=lambda kv: kv[1])],
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    return spreadsheet.workbook_bytes(wb)


def _procedures() -> dict[str, str]:
    from zhifa.cases.models import Procedure

    return {"*": ANY_PROCEDURE} | dict(Procedure.choices)


def forms_text(forms) -> str:
    """An item's `forms` as the cell 应有文书 (one line per entry)."""
    from zhifa.cases.doctypes import FORMS

    def title(code):
        return f"《{FORMS[code].title}》" if code in FORMS else code

    procedures = _procedures()
    return "\n".join(f"{procedures.get(f.procedure, f.procedure)}｜{title(f.outcome) if f.outcome else ANY_OUTCOME}："
                     + "、".join(title(code) for code in f.required) for f in forms)


def forms_parse(text: str) -> list[dict]:
    """The cell 应有文书 as the item's `forms`; ValueError with the reason in Chinese."""
    import re

    from zhifa.cases.doctypes import FORMS

    procedures = {label: code for code, label in _procedures().items()} | {code: code for code in _procedures()}
    codes = {f.title: code for code, f in FORMS.items()} | {code: code for code in FORMS}

    def code_of(word: str) -> str:
        word = word.strip().strip("《》").strip()
        if word not in codes:
            raise ValueError(f"“{word}”不是文书名称或代码")
        return codes[word]

    out = []
    for line in re.split(r"[\n；;]+", text):
        line = line.strip()
        if not line:
            continue
        match = re.fullmatch(r"([^:：]*)[:：](.*)", line)
        head, tail = (match.group(1), match.group(2)) if match else ("", "")
        parts = re.split(r"[｜|]", head)
        if match is None or len(parts) != 2:
            raise ValueError(f"“{line}”应写作“程序｜结案文书：应有文书”")
        procedure = procedures.get(parts[0].strip())
        if procedure is None:
            raise ValueError(f"“{parts[0].strip()}”不是程序（{'、'.join(_procedures().values())}）")
        outcome = "" if parts[1].strip() in (ANY_OUTCOME, "") else code_of(parts[1])
        words = re.findall(r"《(.+?)》", tail) if "《" in tail else [w for w in re.split(r"[、,，\s]+", tail) if w]
        if not words:
            raise ValueError(f"“{line}”没有列明应有文书")
        entry = {"procedure": procedure, "outcome": outcome, "required": [code_of(w) for w in words]}
        if outcome and outcome not in entry["required"]:
            raise ValueError(f"“{line}”的结案文书{parts[1].strip()}应同时列在应有文书中")
        if len(set(entry["required"])) != len(entry["required"]):
            raise ValueError(f"“{line}”重复列出了同一文书")
        out.append({k: v for k, v in entry.items() if not (k == "procedure" and v == "*") and not (k == "outcome" and not v)})
    return out


# --- import ----------------------------------------------------------------------------------------------------------

def _rows(wb, sheet: str, columns, errors: list[CellError]) -> list[tuple[int, dict]]:
    if sheet not in wb.sheetnames:
        errors.append(CellError(sheet, 1, "", "缺少此工作表。"))
        return []
    it = wb[sheet].iter_rows(values_only=True)
    header = next(it, None) or ()
    names = [_text(h).rstrip("*").strip() for h in header]
    index = {key: names.index(h) for key, h, _req in columns if h in names}
    missing = [h for key, h, req in columns if req and key not in index]
    if missing:
        errors.append(CellError(sheet, 1, "、".join(missing), "缺少必填列。"))
        return []
    out = []
    for rownum, values in enumerate(it, start=2):
        if values is None or all(_text(v) == "" for v in values):
            continue
        if len(out) >= MAX_ROWS:
            errors.append(CellError(sheet, rownum, "", f"行数超过 {MAX_ROWS} 行。"))
            break
        row = {key: _text(values[i]) if i < len(values) else "" for key, i in index.items()}
        for key, h, req in columns:
            if req and not row.get(key):
                errors.append(CellError(sheet, rownum, h, "必填项为空。"))
        out.append((rownum, row))
    return out


def parse(file) -> Parsed:
    """The standards of a workbook, or the errors of its cells (nothing is written)."""
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ZhifaError(StandardsErrorCode.IMPORT_UNREADABLE,
                         "无法读取该文件，请上传 Excel 2007 及以上版本的 .xlsx 文件（可先下载现行标准作为模板）。") from exc
    out = Parsed()
    err = out.errors
    try:
        heads = _rows(wb, STANDARD_SHEET, STANDARD_COLUMNS, err)
        rows = _rows(wb, ITEM_SHEET, ITEM_COLUMNS, err)
    finally:
        wb.close()
    types, vetoes, sections = _action_types(), _by_words(VETO_WORDS), _by_words(SECTION_WORDS)
    checks = prescore.check_labels()
    by_label = {label: code for code, label in checks.items()}
    where: dict[str, int] = {}
    unsure: set[str] = set()  # standards with a bad number or section cell: their points total is not checked

    def number(sheet, rownum, header, text):
        try:
            value = _number(text)
        except ValueError:
            err.append(CellError(sheet, rownum, header, f"“{text}”不是数字"))
            return None
        if value < 0:
            err.append(CellError(sheet, rownum, header, f"“{text}”不应为负数"))
            return None
        return value

    for rownum, row in heads:
        name = types.get(row["action_type"])
        if row["action_type"] and name is None:
            err.append(CellError(STANDARD_SHEET, rownum, "执法类别", f"“{row['action_type']}”不是执法类别（{'、'.join(t for t in types if not t.isascii())}）"))
            continue
        if name in where:
            err.append(CellError(STANDARD_SHEET, rownum, "执法类别", f"与第 {where[name]} 行重复"))
            continue
        entry = {"title": row["title"], "veto": vetoes.get(row["veto"]), "double": False, "items": []}
        if row["veto"] and entry["veto"] is None:
            err.append(CellError(STANDARD_SHEET, rownum, "基本项目不合格的", f"应为“{'”或“'.join(VETO_WORDS.values())}”"))
        grades = {}
        for key, header in (("excellent", "优秀分数线"), ("pass", "合格分数线"), ("total", "总分")):
            if row.get(key):
                grades[key] = number(STANDARD_SHEET, rownum, header, row[key])
                if grades[key] is None and key == "total" and name is not None:
                    unsure.add(name)
        entry["grades"] = {k: grades[k] for k in ("excellent", "pass") if grades.get(k) is not None}
        if grades.get("total") is not None:
            entry["total"] = grades["total"]
        double = row.get("double", "").lower()
        if double not in YES | NO:
            err.append(CellError(STANDARD_SHEET, rownum, "每卷两名评查人员", "应为“是”或“否”"))
        entry["double"] = double in YES
        if row.get("basis"):
            entry["basis"] = row["basis"]
        if name is not None:
            where[name] = rownum
            out.value[name] = entry
    for rownum, row in rows:
        name = types.get(row["action_type"])
        if name is None or name not in out.value:
            if row["action_type"]:
                err.append(CellError(ITEM_SHEET, rownum, "执法类别", f"“{row['action_type']}”在“{STANDARD_SHEET}”中没有对应的标准"))
            continue
        section = sections.get(row["section"])
        if section is None:
            unsure.add(name)
            if row["section"]:
                err.append(CellError(ITEM_SHEET, rownum, "类别", f"应为{'、'.join(SECTION_WORDS.values())}之一"))
        item = {"code": row["code"], "section": section, "text": row["text"]}
        bad = set()  # this row's cells already reported: not reported again as the standard's errors
        for key, header in (("points", "分值"), ("deduct", "每处扣分")):
            if row.get(key):
                item[key] = number(ITEM_SHEET, rownum, header, row[key])
                if item[key] is None:
                    del item[key]
                    unsure.add(name)
                    bad.add(key)
        written = row.get("check", "")
        # The Chinese label (what the download writes); a code, or an older download's "code label", is read too.
        check = by_label.get(written) or (written if written in checks else None) or by_label.get(
            written.split(" ", 1)[-1].strip()) or (written.split(" ")[0] if written.split(" ")[0] in checks else None)
        if written and check is None:
            err.append(CellError(ITEM_SHEET, rownum, "系统预评", f"“{written}”不是系统核查的名称（可选的见“说明”工作表）"))
        item["check"] = check
        if row.get("note"):
            item["note"] = row["note"]
        if row.get("forms"):
            try:
                item["forms"] = forms_parse(row["forms"])
            except ValueError as exc:
                err.append(CellError(ITEM_SHEET, rownum, "应有文书", str(exc)))
                bad.add("forms")
        item["_row"], item["_bad"] = rownum, bad
        out.value[name]["items"].append(item)
    # The standard as a whole, whatever else is wrong, so that one pass lists every error: what the cells that could be
    # read already show (points total, grade marks, duplicate codes, …), naming the cell; then, for a standard with no
    # error found, the rule's own validation as a last guard.
    failed = set()
    for name, entry in out.value.items():
        found = _standard_errors(name, entry, where[name], name in unsure, checks)
        err.extend(found)
        if found or any(e.sheet == STANDARD_SHEET and e.row == where[name] for e in err) or any(
                e.sheet == ITEM_SHEET and e.row in {it["_row"] for it in entry["items"]} for e in err):
            failed.add(name)
    for name, entry in out.value.items():
        rows_of = {it["code"]: it.pop("_row") for it in entry["items"]}
        for it in entry["items"]:
            it.pop("_bad")
        if name in failed:
            continue
        try:
            catalogue.validate(standards.RULE_KEY, {name: entry})
        except catalogue.RuleValueError as exc:
            message = str(exc).replace(f"标准“{name}”", f"“{standards.action_type_label(name)}”标准")
            row = next((r for code, r in rows_of.items() if f"项目 {code}" in message or f"编号 {code}" in message),
                       None)
            err.append(CellError(ITEM_SHEET, row, "", message) if row is not None
                       else CellError(STANDARD_SHEET, where[name], "", message))
    err.sort(key=lambda e: (e.sheet != STANDARD_SHEET, e.sheet, e.row or 0))
    return out


def _standard_errors(name: str, entry: dict, head_row: int, unsure: bool, checks: dict) -> list[CellError]:
    """The errors of one standard as a whole, from the cells that could be read (rules.catalogue's checks, each naming
    the cell to change). `unsure`: some number or section cell of the standard could not be read, so its points
    total is not compared (the cell errors say what to fix first)."""
    out = []
    label = f"“{standards.action_type_label(name)}”标准"
    total = entry.get("total", 100)
    grades = entry["grades"]
    if total == 0:
        out.append(CellError(STANDARD_SHEET, head_row, "总分", "总分应大于 0"))
    if {"excellent", "pass"} <= set(grades) and not 0 < grades["pass"] <= grades["excellent"] <= total:
        out.append(CellError(STANDARD_SHEET, head_row, "合格分数线",
                             f"{label}的分数线应满足 0 < 合格 ≤ 优秀 ≤ 总分 {total:g} 分"))
    if not entry["items"]:
        out.append(CellError(STANDARD_SHEET, head_row, "", f"{label}在“{ITEM_SHEET}”中没有评查项目"))
        return out
    seen: dict[str, int] = {}
    points = 0
    for it in entry["items"]:
        row = it["_row"]
        if it["code"] in seen:
            out.append(CellError(ITEM_SHEET, row, "编号", f"编号 {it['code']} 与第 {seen[it['code']]} 行重复"))
        elif it["code"]:
            seen[it["code"]] = row
        if len(it["code"]) > 20:
            out.append(CellError(ITEM_SHEET, row, "编号", "编号至多 20 个字"))
        if it["section"] == Section.BASIC:
            if it.get("points") or it.get("deduct"):
                out.append(CellError(ITEM_SHEET, row, "分值", "基本项目（否决项）不设分值和扣分"))
        elif it["section"] is not None:
            if "points" in it["_bad"]:
                pass  # already reported as a cell error
            elif not it.get("points"):
                out.append(CellError(ITEM_SHEET, row, "分值", "形式、内容项目应填写大于 0 的分值"))
            elif it.get("deduct", 0) > it["points"]:
                out.append(CellError(ITEM_SHEET, row, "每处扣分", "每处扣分不应超过该项分值"))
            points += it.get("points", 0)
        if it["check"] in prescore.FORMS_CHECKS and not it.get("forms") and "forms" not in it["_bad"]:
            out.append(CellError(ITEM_SHEET, row, "应有文书",
                                 f"由系统预评“{checks[it['check']]}”判断的项目须填写应有文书"))
    if not unsure and abs(points - total) > 1e-9:
        out.append(CellError(STANDARD_SHEET, head_row, "总分",
                             f"{label}形式与内容项目分值合计 {points:g} 分，应为总分 {total:g} 分"))
    return out


def standards_import(file, *, jurisdiction, effective_from: dt.date, source: str, actor):
    """Read a workbook and set its standards at `jurisdiction` (None: the national baseline) from `effective_from` on:
    one new version of the rule, holding the node's own entries with those of the workbook replacing theirs (other
    entries keep following the nodes above). Raises ZhifaError listing every error; writes nothing then."""
    from zhifa.rules.errors import RulesErrorCode
    from zhifa.rules.models import RuleVersion
    from zhifa.rules.services import rule_version_create

    parsed = parse(file)
    if parsed.errors:
        raise ZhifaError(StandardsErrorCode.IMPORT_INVALID,
                         f"评查标准有 {len(parsed.errors)} 处错误，未导入：" + "；".join(str(e) for e in parsed.errors[:5])
                         + ("等。" if len(parsed.errors) > 5 else "。"),
                         details=[e.__dict__ for e in parsed.errors])
    if not parsed.value:
        raise ZhifaError(StandardsErrorCode.IMPORT_INVALID, "文件中没有评查标准。")
    if RuleVersion.objects.filter(jurisdiction=jurisdiction, key=standards.RULE_KEY, effective_from__gt=effective_from,
                                  superseded_by__isnull=True).exists():
        raise ZhifaError(RulesErrorCode.RULE_LATER_VERSION,
                         "本级已有更晚生效的评查标准版本，此次导入会在其生效时失效；请在该版本生效日或之后导入。")
    own = (RuleVersion.objects.filter(jurisdiction=jurisdiction, key=standards.RULE_KEY,
                                      effective_from__lte=effective_from, superseded_by__isnull=True)
           .order_by("-effective_from", "-id").first())
    # Only what differs from the standards in force at the node that day is written (the downloaded workbook holds
    # every action type's standard, most of them inherited): an entry equal to what the node already follows stays
    # inherited, so a later change above still reaches it. Nothing different: nothing to import, said so.
    from zhifa.rules.selectors import rules_effective
    from zhifa.rules.services import require_manage

    require_manage(actor, jurisdiction)  # a refusal before "unchanged": outside one's subtree is a 403 whatever the file
    current = rules_effective(jurisdiction=jurisdiction, as_of=effective_from, keys=[standards.RULE_KEY])
    in_force = current[standards.RULE_KEY].value if standards.RULE_KEY in current else {}
    def same(code, entry) -> bool:  # by meaning, not spelling: the workbook states defaults ("total": 100) outright
        return code in in_force and (standards.standard_from_value(code, in_force[code])
                                     == standards.standard_from_value(code, entry))

    changed = {code: entry for code, entry in parsed.value.items() if not same(code, entry)}
    if not changed:
        raise ZhifaError(StandardsErrorCode.IMPORT_UNCHANGED,
                         f"文件中的评查标准与 {effective_from:%Y-%m-%d} 施行的标准相同，未导入。")
    value = (dict(own.value) if own is not None and isinstance(own.value, dict) else {}) | changed
    return rule_version_create(key=standards.RULE_KEY, value=value, effective_from=effective_from, source=source,
                               jurisdiction=jurisdiction, actor=actor)
