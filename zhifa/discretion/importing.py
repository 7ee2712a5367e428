"""A benchmark table to and from Excel (SUP-07): the sheet agencies already keep, one row per item and tier.

Columns (sheet "裁量基准"): 事项编码, 违法行为, 违法依据, 处罚依据, 罚款方式 (固定金额 / 倍数), 法定下限, 法定上限,
倍数基数, 首违不罚, 裁量阶次, 阶次下限, 阶次上限, 适用情形. The item's columns may be left blank on the second and later
rows of the same code (merged cells read that way); when given again they must agree with the item's first row.
An item's rows are consecutive: a code seen again after another code is a duplicate.

All or nothing, like org.importing: every row is validated first, and any error — with its row number, column and
a Chinese message — means nothing is written.
"""

import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from openpyxl import load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException

from zhifa.core import spreadsheet
from zhifa.core.errors import ZhifaError

from .errors import DiscretionErrorCode as Code
from .models import BenchmarkTable, RangeKind, Tier

SHEET = "裁量基准"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    item: bool = True  # an item's column (may be blank on the item's later rows)
    note: str = ""


COLUMNS = [
    Column("code", "事项编码", True, note="本机关内唯一，如：SC-001"),
    Column("name", "违法行为", True),
    Column("violated_provision", "违法依据", True, note="违反的法律条款"),
    Column("penalty_provision", "处罚依据", True, note="设定处罚的法律条款"),
    Column("range_kind", "罚款方式", True, note="固定金额 / 倍数"),
    Column("statutory_min", "法定下限", True, note="固定金额填元；倍数填倍数，如 1"),
    Column("statutory_max", "法定上限", True, note="固定金额填元；倍数填倍数，如 5"),
    Column("base_label", "倍数基数", note="倍数时必填：违法所得、货值金额等"),
    Column("first_violation_exempt", "首违不罚", note="是 / 否：列入首违不罚清单"),
    Column("tier", "裁量阶次", True, item=False, note="不予处罚 / 减轻处罚 / 从轻处罚 / 一般处罚 / 从重处罚"),
    Column("fine_min", "阶次下限", True, item=False, note="与罚款方式同单位"),
    Column("fine_max", "阶次上限", True, item=False, note="与罚款方式同单位"),
    Column("conditions", "适用情形", item=False),
]
ITEM_KEYS = [c.key for c in COLUMNS if c.item and c.key != "code"]
HEADERS = {c.key: c.header for c in COLUMNS}
KIND = {label: value for value, label in RangeKind.choices} | {v: v for v in RangeKind.values}
TIER = {label: value for value, label in Tier.choices} | {v: v for v in Tier.values} | {
    "不予行政处罚": Tier.NO_PENALTY, "减轻": Tier.MITIGATED, "从轻": Tier.LIGHTER, "一般": Tier.GENERAL,
    "从重": Tier.HEAVIER}
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", ""}


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"sheet": SHEET, "row": self.row, "column": self.column, "message": self.message}


@dataclass
class Parsed:
    items: list[dict] = field(default_factory=list)  # each with "tiers": [...], ready to write
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _number(value) -> Decimal | None:
    text = _text(value).replace(",", "").replace("，", "")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0 or number != number.quantize(Decimal("0.01")):
        return None
    return number.quantize(Decimal("0.01"))


def read_workbook(file) -> Parsed:
    """Parse and validate the workbook; `errors` lists every bad row (nothing is written here)."""
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ZhifaError(Code.IMPORT_INVALID, "无法读取该文件，请上传 Excel 2007 及以上版本的 .xlsx 文件。") from exc
    if SHEET not in wb.sheetnames:
        wb.close()
        raise ZhifaError(Code.IMPORT_INVALID, f"文件中没有名为“{SHEET}”的工作表，请使用导出的模板。")
    rows = list(wb[SHEET].iter_rows(values_only=True))
    wb.close()
    parsed = Parsed()
    if not rows:
        parsed.errors.append(RowError(1, "", "工作表为空。"))
        return parsed
    names = [_text(h).rstrip("*").strip() for h in rows[0]]
    by_header = {c.header: c for c in COLUMNS}
    index = {by_header[n].key: i for i, n in enumerate(names) if n in by_header}
    missing = [c.header for c in COLUMNS if c.required and c.key not in index]
    if missing:
        parsed.errors.append(RowError(1, "、".join(missing), "缺少必填列。"))
        return parsed

    items: dict[str, dict] = {}
    last_code = None
    for rownum, values in enumerate(rows[1:], start=2):
        if values is None or all(_text(v) == "" for v in values):
            continue
        raw = {key: (values[i] if i < len(values) else None) for key, i in index.items()}
        errors_before = len(parsed.errors)

        def error(key, message, rownum=rownum):
            parsed.errors.append(RowError(rownum, HEADERS.get(key, key), message))

        code = _text(raw.get("code"))
        if not code:
            error("code", "必填项为空。")
            continue
        if len(code) > 40:
            error("code", "事项编码不超过 40 个字符。")
        item = items.get(code)
        if item is not None and code != last_code:
            error("code", f"事项编码“{code}”重复（第 {item['row']} 行已有该编码；同一事项的各阶次应连续排列）。")
            last_code = code
            continue
        last_code = code
        if item is None:
            item = items[code] = {"code": code, "row": rownum, "tiers": [], "bad": False}
            for key in ("name", "violated_provision", "penalty_provision", "range_kind", "statutory_min",
                        "statutory_max"):
                if _text(raw.get(key)) == "":
                    error(key, "必填项为空。")
            item["name"] = _text(raw.get("name"))[:300]
            item["violated_provision"] = _text(raw.get("violated_provision"))
            item["penalty_provision"] = _text(raw.get("penalty_provision"))
            item["base_label"] = _text(raw.get("base_label"))[:40]
            kind = _text(raw.get("range_kind"))
            item["range_kind"] = KIND.get(kind)
            if kind and item["range_kind"] is None:
                error("range_kind", "罚款方式应为“固定金额”或“倍数”。")
            for key in ("statutory_min", "statutory_max"):
                item[key] = _number(raw.get(key))
                if _text(raw.get(key)) and item[key] is None:
                    error(key, "应为不小于零、最多两位小数的数字。")
            flag = _text(raw.get("first_violation_exempt")).lower()
            if flag not in YES | NO:
                error("first_violation_exempt", "应填“是”或“否”。")
            item["first_violation_exempt"] = flag in YES
            low, high = item["statutory_min"], item["statutory_max"]
            if low is not None and high is not None and low > high:
                error("statutory_max", f"法定上限（{high}）小于法定下限（{low}）。")
            if item["range_kind"] == RangeKind.MULTIPLE and not item["base_label"]:
                error("base_label", "罚款方式为倍数时，应写明倍数基数（如：违法所得）。")
            if item["range_kind"] == RangeKind.FIXED and item["base_label"]:
                error("base_label", "罚款方式为固定金额时，不填倍数基数。")
        else:
            # A later row of the same item: its item columns, when given, must say what the first row says.
            for key in ITEM_KEYS:
                text = _text(raw.get(key))
                if not text:
                    continue
                if key in ("statutory_min", "statutory_max"):
                    same = _number(text) == item[key]
                elif key == "range_kind":
                    same = KIND.get(text) == item[key]
                elif key == "first_violation_exempt":
                    same = (text.lower() in YES) == item[key]
                else:
                    same = text[:300] == item[key]
                if not same:
                    error(key, f"与本事项第 {item['row']} 行不一致。")
        tier_text = _text(raw.get("tier"))
        tier = TIER.get(tier_text)
        if not tier_text:
            error("tier", "必填项为空。")
        elif tier is None:
            error("tier", "裁量阶次应为不予处罚、减轻处罚、从轻处罚、一般处罚或从重处罚。")
        elif any(t["tier"] == tier for t in item["tiers"]):
            error("tier", f"事项“{code}”的“{Tier(tier).label}”阶次重复。")
        fine_min, fine_max = _number(raw.get("fine_min")), _number(raw.get("fine_max"))
        for key, value in (("fine_min", fine_min), ("fine_max", fine_max)):
            if _text(raw.get(key)) == "":
                error(key, "必填项为空。")
            elif value is None:
                error(key, "应为不小于零、最多两位小数的数字。")
        if fine_min is not None and fine_max is not None and tier is not None:
            for key, message in _tier_problems(item, tier, fine_min, fine_max):
                error(key, message)
        if len(parsed.errors) == errors_before and tier is not None:
            item["tiers"].append({"tier": tier, "fine_min": fine_min, "fine_max": fine_max,
                                  "conditions": _text(raw.get("conditions"))})
    if not items and not parsed.errors:
        parsed.errors.append(RowError(2, "", "没有可导入的事项。"))
    parsed.items = [{k: v for k, v in item.items() if k not in ("bad",)} for item in items.values()]
    return parsed


def _tier_problems(item: dict, tier: str, low: Decimal, high: Decimal) -> list[tuple[str, str]]:
    """Whether a tier's range fits the statutory range: 不予处罚 is 0; 减轻处罚 lies below the statutory minimum
    (行政处罚法 第三十二条); the other tiers lie inside the statutory range."""
    out = []
    if low > high:
        out.append(("fine_max", f"阶次上限（{high}）小于阶次下限（{low}）。"))
        return out
    s_low, s_high = item.get("statutory_min"), item.get("statutory_max")
    if s_low is None or s_high is None or s_low > s_high:
        return out
    label = Tier(tier).label
    if tier == Tier.NO_PENALTY:
        if low != 0 or high != 0:
            out.append(("fine_max", "“不予处罚”阶次的上下限应为 0。"))
    elif tier == Tier.MITIGATED:
        if high > s_low:
            out.append(("fine_max", f"“减轻处罚”应低于法定下限（{s_low}），阶次上限为 {high}。"))
    elif low < s_low or high > s_high:
        out.append(("fine_min" if low < s_low else "fine_max",
                    f"“{label}”阶次 {low}–{high} 超出法定幅度 {s_low}–{s_high}。"))
    return out


def export_workbook(table: BenchmarkTable) -> bytes:
    """The table as the import sheet (so an export imports back unchanged), plus a notes sheet."""
    wb = spreadsheet.workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([c.header for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for item in table.items.all():
        for t in item.tiers.all():
            ws.append([item.code, item.name, item.violated_provision, item.penalty_provision,
                       item.get_range_kind_display(), item.statutory_min, item.statutory_max, item.base_label,
                       "是" if item.first_violation_exempt else "否", t.get_tier_display(), t.fine_min, t.fine_max,
                       t.conditions])
    widths = {"name": 30, "violated_provision": 30, "penalty_provision": 30, "conditions": 40}
    for i, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = widths.get(c.key, 12)
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    notes = wb.create_sheet("说明")
    notes.append(["名称", table.title])
    notes.append(["文号", table.document_number])
    notes.append(["版本", table.version])
    notes.append(["施行日期", table.effective_from.isoformat()])
    notes.append(["执法主体", table.agency.name])
    notes.append([])
    notes.append(["列", "必填", "说明"])
    for c in COLUMNS:
        notes.append([c.header, "是" if c.required else "", c.note])
    return spreadsheet.workbook_bytes(wb)


def template_workbook() -> bytes:
    """An empty import sheet with its headers and a notes sheet."""
    wb = spreadsheet.workbook()
    ws = wb.active
    ws.title = SHEET
    ws.append([c.header + ("*" if c.required else "") for c in COLUMNS])
    notes = wb.create_sheet("说明")
    notes.append(["列", "必填", "说明"])
    for c in COLUMNS:
        notes.append([c.header, "是" if c.required else "", c.note])
    notes.append([])
    notes.append(["同一事项的各阶次连续排列；第二行起可只填事项编码和阶次各列。"])
    return spreadsheet.workbook_bytes(wb)


