"""Bulk import of the registry from the Excel sheets agencies already keep (issue 2 §3).

All or nothing: every row of every sheet is validated first, against the database and against the
other rows of the file; if any row is wrong the result lists each error (sheet, row, column,
Chinese message) and nothing is written. Otherwise everything is written in one transaction.

Rows are matched on natural keys so that importing the same sheet again updates instead of
duplicating: an agency by (jurisdiction code, name), a unit by (agency, name), an officer by
certificate number (or by agency and name when the row has no certificate).
"""

import datetime as dt
import zipfile
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from zhifa.core import idnumbers, spreadsheet
from zhifa.core.errors import ZhifaError
from zhifa.ledger.services import record_event

from . import events
from . import permissions as perms
from .errors import OrgErrorCode
from .models import ActionType, Agency, AgencyKind, Certificate, Field, Jurisdiction, Person, Unit, UnitKind


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    note: str = ""


AGENCY_SHEET = "执法主体"
UNIT_SHEET = "内设机构"
PERSON_SHEET = "执法人员"

COLUMNS: dict[str, list[Column]] = {
    AGENCY_SHEET: [
        Column("name", "名称", True),
        Column("kind", "主体类别", True, "行政机关 / 法律法规授权组织 / 受委托组织"),
        Column("field", "执法领域", True, "如：市场监管"),
        Column("code", "行政区划代码", True),
        Column("entrusted_by", "委托机关", False, "受委托组织必填，写委托机关名称（同一行政区划）"),
        Column("credit_code", "统一社会信用代码"),
        Column("office_address", "办公地址"),
        Column("mailing_address", "通信地址"),
        Column("enquiry_phone", "咨询电话"),
        Column("supervision_phone", "监督电话"),
        Column("duties", "职责"),
        Column("enforcement_types", "执法类型", False, "用顿号分隔，如：行政许可、行政处罚"),
        Column("enforcement_area", "执法区域"),
    ],
    UNIT_SHEET: [
        Column("agency", "执法主体", True),
        Column("code", "行政区划代码", True),
        Column("name", "名称", True),
        Column("kind", "类别", True, "执法承办机构 / 法制审核机构 / 其他内设机构"),
        Column("duties", "职责"),
    ],
    PERSON_SHEET: [
        Column("name", "姓名", True),
        Column("agency", "执法主体", True),
        Column("code", "行政区划代码", True),
        Column("unit", "内设机构"),
        Column("post", "职务"),
        Column("phone", "联系电话"),
        Column("cert_number", "执法证号"),
        Column("cert_category", "执法类别", False, "有执法证号时必填"),
        Column("cert_area", "执法区域代码", False, "默认为所属行政区划"),
        Column("valid_from", "有效期自", False, "YYYY-MM-DD"),
        Column("valid_to", "有效期至", False, "YYYY-MM-DD"),
        Column("is_reviewer", "法制审核人员", False, "是 / 否"),
        Column("legal_qualification_number", "法律职业资格证书编号"),
    ],
}


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _by_label(choices) -> dict[str, str]:
    return {label: value for value, label in choices} | {value: value for value, _ in choices}


KIND = _by_label(AgencyKind.choices)
FIELD = _by_label(Field.choices)
UNIT_KIND = _by_label(UnitKind.choices)
ACTION = _by_label(ActionType.choices)
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", ""}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    return dt.date.fromisoformat(text)


def template_workbook() -> bytes:
    """An empty workbook with the three sheets, their headers and a notes row."""
    wb = spreadsheet.workbook()
    wb.remove(wb.active)
    for sheet, columns in COLUMNS.items():
        ws = wb.create_sheet(sheet)
        ws.append([c.header + ("*" if c.required else "") for c in columns])
        for i, c in enumerate(columns, start=1):
            ws.cell(row=1, column=i).comment = None
            ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = max(12, len(c.header) * 3)
    notes = wb.create_sheet("说明")
    notes.append(["工作表", "列", "必填", "说明"])
    for sheet, columns in COLUMNS.items():
        for c in columns:
            notes.append([sheet, c.header, "是" if c.required else "", c.note])
    return spreadsheet.workbook_bytes(wb)


class _Reader:
    def __init__(self, result: ImportResult):
        self.result = result

    def error(self, sheet, row, column, message):
        self.result.errors.append(RowError(sheet, row, column, message))

    def rows(self, wb, sheet: str) -> list[tuple[int, dict]]:
        if sheet not in wb.sheetnames:
            return []
        ws = wb[sheet]
        it = ws.iter_rows(values_only=True)
        header = next(it, None)
        if header is None:
            return []
        names = [_text(h).rstrip("*").strip() for h in header]
        columns = {c.header: c for c in COLUMNS[sheet]}
        index = {columns[n].key: i for i, n in enumerate(names) if n in columns}
        missing = [c.header for c in COLUMNS[sheet] if c.required and c.key not in index]
        if missing:
            self.error(sheet, 1, "、".join(missing), "缺少必填列。")
            return []
        out = []
        for rownum, values in enumerate(it, start=2):
            if values is None or all(_text(v) == "" for v in values):
                continue
            row = {key: (values[i] if i < len(values) else None) for key, i in index.items()}
            for c in COLUMNS[sheet]:
                if c.required and _text(row.get(c.key)) == "":
                    self.error(sheet, rownum, c.header, "必填项为空。")
            out.append((rownum, row))
        return out


def workbook_import(file, *, actor) -> ImportResult:
    """Validate and (only if every row is valid) import a workbook. Never writes half."""
    result = ImportResult()
    reader = _Reader(result)
    try:
        wb = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        raise ZhifaError(OrgErrorCode.IMPORT_INVALID, "无法读取该文件，请上传 Excel 2007 及以上版本的 .xlsx 文件。") from exc
    if not any(s in wb.sheetnames for s in COLUMNS):
        raise ZhifaError(OrgErrorCode.IMPORT_INVALID, f"文件中没有可导入的工作表（{'、'.join(COLUMNS)}）。")

    agency_rows = reader.rows(wb, AGENCY_SHEET)
    unit_rows = reader.rows(wb, UNIT_SHEET)
    person_rows = reader.rows(wb, PERSON_SHEET)
    wb.close()

    codes = {_text(r.get("code")) for _, r in agency_rows + unit_rows + person_rows}
    codes |= {_text(r.get("cert_area")) for _, r in person_rows if _text(r.get("cert_area"))}
    jurisdictions = {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}
    existing_agencies = {
        (a.jurisdiction.code, a.name): a
        for a in Agency.objects.select_related("jurisdiction").filter(jurisdiction__code__in=codes)
    }
    import_scope = perms.scope_for(actor, "org.import")
    register_scope = perms.scope_for(actor, "org.confirm_agency")

    # --- agencies
    planned_agencies: dict[tuple[str, str], dict] = {}
    for rownum, row in agency_rows:
        code, name = _text(row.get("code")), _text(row.get("name"))
        j = jurisdictions.get(code)
        if code and j is None:
            reader.error(AGENCY_SHEET, rownum, "行政区划代码", f"行政区划代码 {code} 不存在。")
            continue
        if j is not None and not register_scope.covers_jurisdiction(j):
            reader.error(AGENCY_SHEET, rownum, "行政区划代码", f"您无权登记{j.name}的执法主体。")
            continue
        data = {"name": name}
        for key, table, header in (("kind", KIND, "主体类别"), ("field", FIELD, "执法领域")):
            value = _text(row.get(key))
            if value and value not in table:
                reader.error(AGENCY_SHEET, rownum, header, f"“{value}”不是有效的{header}。")
            data[key] = table.get(value)
        types = [t for t in (_text(row.get("enforcement_types")).replace(",", "、").replace("，", "、").split("、")) if t]
        bad = [t for t in types if t not in ACTION]
        if bad:
            reader.error(AGENCY_SHEET, rownum, "执法类型", f"未知的执法类型：{'、'.join(bad)}。")
        data["enforcement_types"] = [ACTION[t] for t in types if t in ACTION]
        for key in ("credit_code", "office_address", "mailing_address", "enquiry_phone", "supervision_phone",
                    "duties", "enforcement_area"):
            data[key] = _text(row.get(key))
        if data["credit_code"]:
            checked = idnumbers.check_credit_code(data["credit_code"])  # GB 32100, the same check as every door
            if checked.ok:
                data["credit_code"] = checked.number
            else:
                reader.error(AGENCY_SHEET, rownum, "统一社会信用代码", checked.message)
        data["entrusted_by_name"] = _text(row.get("entrusted_by"))
        if data.get("kind") == AgencyKind.ENTRUSTED and not data["entrusted_by_name"]:
            reader.error(AGENCY_SHEET, rownum, "委托机关", "受委托组织必须写明委托机关。")
        if (code, name) in planned_agencies:
            reader.error(AGENCY_SHEET, rownum, "名称", f"与第 {planned_agencies[(code, name)]['_row']} 行重复。")
            continue
        data["_row"], data["_jurisdiction"] = rownum, j
        planned_agencies[(code, name)] = data
    for (code, _name), data in planned_agencies.items():
        entruster = data["entrusted_by_name"]
        if entruster and (code, entruster) not in existing_agencies and (code, entruster) not in planned_agencies:
            reader.error(AGENCY_SHEET, data["_row"], "委托机关", f"委托机关“{entruster}”不存在于同一行政区划。")

    def agency_known(code: str, name: str, sheet: str, rownum: int, column="执法主体") -> bool:
        if (code, name) in planned_agencies or (code, name) in existing_agencies:
            return True
        reader.error(sheet, rownum, column, f"执法主体“{name}”（{code}）不存在，且未在本文件中登记。")
        return False

    def agency_in_scope(code: str, name: str, sheet: str, rownum: int) -> bool:
        agency = existing_agencies.get((code, name))
        if agency is not None:
            ok = import_scope.covers_agency(agency)
        else:
            j = jurisdictions.get(code)
            ok = j is not None and register_scope.covers_jurisdiction(j)
        if not ok:
            reader.error(sheet, rownum, "执法主体", f"您无权导入“{name}”的数据。")
        return ok

    # --- units
    existing_units = {
        (u.agency.jurisdiction.code, u.agency.name, u.name): u
        for u in Unit.objects.select_related("agency__jurisdiction").filter(agency__jurisdiction__code__in=codes)
    }
    planned_units: dict[tuple[str, str, str], dict] = {}
    for rownum, row in unit_rows:
        code, agency_name, name = _text(row.get("code")), _text(row.get("agency")), _text(row.get("name"))
        if not agency_known(code, agency_name, UNIT_SHEET, rownum) or not agency_in_scope(code, agency_name, UNIT_SHEET, rownum):
            continue
        kind = _text(row.get("kind"))
        if kind not in UNIT_KIND:
            reader.error(UNIT_SHEET, rownum, "类别", f"“{kind}”不是有效的内设机构类别。")
            continue
        key = (code, agency_name, name)
        if key in planned_units:
            reader.error(UNIT_SHEET, rownum, "名称", f"与第 {planned_units[key]['_row']} 行重复。")
            continue
        planned_units[key] = {"kind": UNIT_KIND[kind], "duties": _text(row.get("duties")), "_row": rownum}

    def unit_kind(code, agency_name, unit_name):
        if (code, agency_name, unit_name) in planned_units:
            return planned_units[(code, agency_name, unit_name)]["kind"]
        unit = existing_units.get((code, agency_name, unit_name))
        return unit.kind if unit else None

    # --- people and certificates
    numbers = [_text(r.get("cert_number")) for _, r in person_rows if _text(r.get("cert_number"))]
    existing_certs = {c.number: c for c in Certificate.objects.select_related("person__agency__jurisdiction").filter(number__in=numbers)}
    seen_numbers: dict[str, int] = {}
    planned_people: list[dict] = []
    for rownum, row in person_rows:
        code, agency_name, name = _text(row.get("code")), _text(row.get("agency")), _text(row.get("name"))
        if not agency_known(code, agency_name, PERSON_SHEET, rownum) or not agency_in_scope(code, agency_name, PERSON_SHEET, rownum):
            continue
        unit_name = _text(row.get("unit"))
        kind = unit_kind(code, agency_name, unit_name) if unit_name else None
        if unit_name and kind is None:
            reader.error(PERSON_SHEET, rownum, "内设机构", f"内设机构“{unit_name}”不存在。")
            continue
        flag = _text(row.get("is_reviewer")).lower()
        if flag not in YES | NO:
            reader.error(PERSON_SHEET, rownum, "法制审核人员", "请填写“是”或“否”。")
            continue
        is_reviewer = flag in YES
        qualification = _text(row.get("legal_qualification_number"))
        if is_reviewer and kind != UnitKind.REVIEW:
            reader.error(PERSON_SHEET, rownum, "内设机构", "法制审核人员应当在法制审核机构任职（国办发〔2018〕118号“明确审核机构”）。")
        if is_reviewer and not qualification:
            reader.error(PERSON_SHEET, rownum, "法律职业资格证书编号", "初次从事法制审核工作的人员应当取得国家统一法律职业资格（《中华人民共和国行政处罚法》第五十八条第二款）。")
        person = {"name": name, "code": code, "agency": agency_name, "unit": unit_name, "post": _text(row.get("post")),
                  "phone": _text(row.get("phone")), "is_reviewer": is_reviewer,
                  "legal_qualification_number": qualification, "_row": rownum, "cert": None}
        number = _text(row.get("cert_number"))
        if number:
            if number in seen_numbers:
                reader.error(PERSON_SHEET, rownum, "执法证号", f"执法证号 {number} 与第 {seen_numbers[number]} 行重复。")
                continue
            seen_numbers[number] = rownum
            owner = existing_certs.get(number)
            if owner is not None and (owner.person.name != name or owner.person.agency.name != agency_name):
                reader.error(PERSON_SHEET, rownum, "执法证号", f"执法证号 {number} 已登记在{owner.person.agency.name}的{owner.person.name}名下。")
                continue
            category = _text(row.get("cert_category"))
            if category not in FIELD:
                reader.error(PERSON_SHEET, rownum, "执法类别", f"“{category}”不是有效的执法类别。" if category else "有执法证号时执法类别必填。")
                continue
            area_code = _text(row.get("cert_area")) or code
            if area_code not in jurisdictions:
                reader.error(PERSON_SHEET, rownum, "执法区域代码", f"行政区划代码 {area_code} 不存在。")
                continue
            try:
                valid_from, valid_to = _date(row.get("valid_from")), _date(row.get("valid_to"))
            except (TypeError, ValueError):
                reader.error(PERSON_SHEET, rownum, "有效期", "有效期应为日期（YYYY-MM-DD）。")
                continue
            if valid_to < valid_from:
                reader.error(PERSON_SHEET, rownum, "有效期至", "有效期截止日期早于起始日期。")
                continue
            person["cert"] = {"number": number, "category": FIELD[category], "area": jurisdictions[area_code],
                              "valid_from": valid_from, "valid_to": valid_to, "existing": owner}
        planned_people.append(person)

    if result.errors:
        result.errors.sort(key=lambda e: (list(COLUMNS).index(e.sheet) if e.sheet in COLUMNS else 9, e.row))
        return result
    try:
        _write(planned_agencies, planned_units, planned_people, existing_agencies, existing_units, result, actor)
    except IntegrityError as exc:
        raise ZhifaError(OrgErrorCode.IMPORT_INVALID, "导入时数据发生冲突（可能有人同时修改），未导入任何数据，请重试。") from exc
    return result


@transaction.atomic
def _write(planned_agencies, planned_units, planned_people, existing_agencies, existing_units, result, actor):
    counts = {"created": {}, "updated": {}}

    def bump(kind, sheet):
        counts[kind][sheet] = counts[kind].get(sheet, 0) + 1

    agencies = dict(existing_agencies)
    # Entrusting agencies first, so an entrusted organisation can point at one created in this file.
    ordered = sorted(planned_agencies.items(), key=lambda kv: bool(kv[1]["entrusted_by_name"]))
    for (code, name), data in ordered:
        fields = {k: v for k, v in data.items() if not k.startswith("_") and k != "entrusted_by_name"}
        fields["entrusted_by"] = agencies.get((code, data["entrusted_by_name"])) if data["entrusted_by_name"] else None
        agency = agencies.get((code, name))
        if agency is None:
            agencies[(code, name)] = Agency.objects.create(jurisdiction=data["_jurisdiction"], **fields)
            bump("created", AGENCY_SHEET)
        else:
            for key, value in fields.items():
                setattr(agency, key, value)
            agency.save()
            bump("updated", AGENCY_SHEET)
    units = dict(existing_units)
    for (code, agency_name, name), data in planned_units.items():
        unit = units.get((code, agency_name, name))
        if unit is None:
            units[(code, agency_name, name)] = Unit.objects.create(
                agency=agencies[(code, agency_name)], name=name, kind=data["kind"], duties=data["duties"])
            bump("created", UNIT_SHEET)
        else:
            unit.kind, unit.duties = data["kind"], data["duties"]
            unit.save(update_fields=["kind", "duties"])
            bump("updated", UNIT_SHEET)
    for data in planned_people:
        agency = agencies[(data["code"], data["agency"])]
        unit = units.get((data["code"], data["agency"], data["unit"])) if data["unit"] else None
        fields = {"unit": unit, "post": data["post"], "phone": data["phone"], "is_reviewer": data["is_reviewer"],
                  "legal_qualification_number": data["legal_qualification_number"]}
        cert = data["cert"]
        person = cert["existing"].person if cert and cert["existing"] else None
        if person is None and not cert:
            person = Person.objects.filter(agency=agency, name=data["name"], phone=data["phone"]).first()
        if person is None:
            person = Person.objects.create(agency=agency, name=data["name"], **fields)
            bump("created", PERSON_SHEET)
        else:
            for key, value in fields.items():
                setattr(person, key, value)
            person.save()
            bump("updated", PERSON_SHEET)
        if cert and cert["existing"] is None:
            Certificate.objects.create(person=person, number=cert["number"], category=cert["category"], area=cert["area"],
                                       valid_from=cert["valid_from"], valid_to=cert["valid_to"])
            bump("created", "执法证件")
        elif cert:
            existing = cert["existing"]
            existing.category, existing.area = cert["category"], cert["area"]
            existing.valid_from, existing.valid_to = cert["valid_from"], cert["valid_to"]
            existing.save(update_fields=["category", "area", "valid_from", "valid_to"])
            bump("updated", "执法证件")
    result.created, result.updated = counts["created"], counts["updated"]
    record_event(events.IMPORTED, subject="org.import", actor=actor,
                 payload={"created": counts["created"], "updated": counts["updated"]})
