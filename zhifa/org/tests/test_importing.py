"""Bulk import from the agencies' Excel sheets: row-level errors, nothing half-imported (issue 2 §3)."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from zhifa.core.errors import ZhifaError
from zhifa.org.importing import (
    AGENCY_SHEET,
    COLUMNS,
    PERSON_SHEET,
    UNIT_SHEET,
    template_workbook,
    workbook_import,
)
from zhifa.org.models import Agency, AgencyKind, Certificate, Person, Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(sheets: dict[str, list[dict]]) -> io.BytesIO:
    """Build a workbook the way an agency would: header row of Chinese column names, one row per record."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet, rows in sheets.items():
        ws = wb.create_sheet(sheet)
        headers = [c.header for c in COLUMNS[sheet]]
        ws.append(headers)
        for row in rows:
            ws.append([row.get(h) for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def good_sheets(code="T10101"):
    return {
        AGENCY_SHEET: [
            {"名称": "甲一县文化和旅游局", "主体类别": "行政机关", "执法领域": "文化旅游", "行政区划代码": code,
             "办公地址": "甲一县文化路1号", "咨询电话": "0999-5550001", "监督电话": "0999-5550002",
             "执法类型": "行政许可、行政处罚", "执法区域": "甲一县"},
            {"名称": "甲一县文化市场服务队", "主体类别": "受委托组织", "执法领域": "文化旅游", "行政区划代码": code,
             "委托机关": "甲一县文化和旅游局", "执法类型": "行政检查"},
        ],
        UNIT_SHEET: [
            {"执法主体": "甲一县文化和旅游局", "行政区划代码": code, "名称": "文化市场综合执法队", "类别": "执法承办机构"},
            {"执法主体": "甲一县文化和旅游局", "行政区划代码": code, "名称": "法制股", "类别": "法制审核机构"},
        ],
        PERSON_SHEET: [
            {"姓名": "赵一", "执法主体": "甲一县文化和旅游局", "行政区划代码": code, "内设机构": "文化市场综合执法队",
             "职务": "队长", "执法证号": "T101010000001", "执法类别": "文化旅游", "有效期自": dt.date(2025, 1, 1),
             "有效期至": dt.date(2028, 12, 31), "法制审核人员": "否"},
            {"姓名": "钱二", "执法主体": "甲一县文化和旅游局", "行政区划代码": code, "内设机构": "法制股",
             "职务": "法制审核员", "执法证号": "T101010000002", "执法类别": "文化旅游", "有效期自": "2025-01-01",
             "有效期至": "2028-12-31", "法制审核人员": "是", "法律职业资格证书编号": "A20181234567"},
            {"姓名": "孙三", "执法主体": "甲一县文化和旅游局", "行政区划代码": code, "职务": "科员"},
        ],
    }


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_a_good_workbook_imports_everything(users, tree):
    result = workbook_import(workbook(good_sheets()), actor=users.county_a1_supervisor)
    assert result.ok, result.errors
    assert result.created == {AGENCY_SHEET: 2, UNIT_SHEET: 2, PERSON_SHEET: 3, "执法证件": 2}
    entrusted = Agency.objects.get(name="甲一县文化市场服务队")
    assert entrusted.kind == AgencyKind.ENTRUSTED and entrusted.entrusted_by.name == "甲一县文化和旅游局"
    assert Agency.objects.get(name="甲一县文化和旅游局").enforcement_types == ["licence", "penalty"]
    reviewer = Person.objects.get(name="钱二")
    assert reviewer.is_reviewer and reviewer.unit.name == "法制股"
    assert Certificate.objects.get(number="T101010000001").valid_to == dt.date(2028, 12, 31)


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_importing_the_same_sheet_again_updates_instead_of_duplicating(users, tree):
    workbook_import(workbook(good_sheets()), actor=users.county_a1_supervisor)
    sheets = good_sheets()
    sheets[AGENCY_SHEET][0]["咨询电话"] = "0999-5559999"
    sheets[PERSON_SHEET][0]["有效期至"] = dt.date(2029, 6, 30)
    result = workbook_import(workbook(sheets), actor=users.county_a1_supervisor)
    assert result.ok and not result.created.get(AGENCY_SHEET) and result.updated[AGENCY_SHEET] == 2
    assert Agency.objects.filter(name="甲一县文化和旅游局").count() == 1
    assert Agency.objects.get(name="甲一县文化和旅游局").enquiry_phone == "0999-5559999"
    assert Certificate.objects.get(number="T101010000001").valid_to == dt.date(2029, 6, 30)
    assert Person.objects.filter(name="孙三").count() == 1


@pytest.mark.req("ORG-03")
@pytest.mark.django_db
def test_bad_rows_are_each_reported_and_nothing_is_written(users, tree):
    sheets = good_sheets()
    sheets[AGENCY_SHEET].append({"名称": "无效局", "主体类别": "某机关", "执法领域": "文化旅游", "行政区划代码": "T10101"})
    sheets[AGENCY_SHEET].append({"名称": "错区局", "主体类别": "行政机关", "执法领域": "文化旅游", "行政区划代码": "999999"})
    sheets[PERSON_SHEET].append({"姓名": "周四", "执法主体": "甲一县文化和旅游局", "行政区划代码": "T10101",
                                 "执法证号": "T101010000001", "执法类别": "文化旅游", "有效期自": "2025-01-01",
                                 "有效期至": "2028-12-31"})  # duplicate certificate number
    sheets[PERSON_SHEET].append({"姓名": "吴五", "执法主体": "甲一县文化和旅游局", "行政区划代码": "T10101",
                                 "执法证号": "T101010000009", "执法类别": "文化旅游", "有效期自": "2026-01-01",
                                 "有效期至": "2025-01-01"})  # period backwards
    sheets[PERSON_SHEET].append({"姓名": "郑六", "执法主体": "甲一县文化和旅游局", "行政区划代码": "T10101",
                                 "内设机构": "文化市场综合执法队", "法制审核人员": "是"})  # reviewer outside review unit, unqualified
    sheets[PERSON_SHEET].append({"姓名": "", "执法主体": "不存在局", "行政区划代码": "T10101"})
    before = (Agency.objects.count(), Unit.objects.count(), Person.objects.count(), Certificate.objects.count())
    result = workbook_import(workbook(sheets), actor=users.county_a1_supervisor)
    assert not result.ok
    where = {(e.sheet, e.row, e.column) for e in result.errors}
    assert (AGENCY_SHEET, 4, "主体类别") in where
    assert (AGENCY_SHEET, 5, "行政区划代码") in where
    assert (PERSON_SHEET, 5, "执法证号") in where
    assert (PERSON_SHEET, 6, "有效期至") in where
    assert (PERSON_SHEET, 7, "内设机构") in where and (PERSON_SHEET, 7, "法律职业资格证书编号") in where
    assert (PERSON_SHEET, 8, "姓名") in where and (PERSON_SHEET, 8, "执法主体") in where
    assert all(e.message for e in result.errors)
    after = (Agency.objects.count(), Unit.objects.count(), Person.objects.count(), Certificate.objects.count())
    assert after == before


@pytest.mark.req("ORG-05")
@pytest.mark.django_db
def test_rows_outside_the_importers_scope_are_errors(users, tree):
    result = workbook_import(workbook(good_sheets(code="T10201")), actor=users.county_a1_supervisor)
    assert not result.ok
    assert {e.sheet for e in result.errors} >= {AGENCY_SHEET}
    assert not Agency.objects.filter(name="甲一县文化和旅游局").exists()


@pytest.mark.django_db
def test_agency_head_imports_people_of_own_agency_only(users, tree):
    own = {PERSON_SHEET: [{"姓名": "新人", "执法主体": tree.agency_a1.name, "行政区划代码": "T10101"}]}
    assert workbook_import(workbook(own), actor=users.head_a1).ok
    other = {PERSON_SHEET: [{"姓名": "新人", "执法主体": tree.agency_a2.name, "行政区划代码": "T10102"}]}
    result = workbook_import(workbook(other), actor=users.head_a1)
    assert not result.ok and result.errors[0].column == "执法主体"


@pytest.mark.django_db
def test_certificate_number_already_held_by_someone_else_is_an_error(users, tree):
    workbook_import(workbook(good_sheets()), actor=users.county_a1_supervisor)
    clash = {PERSON_SHEET: [{"姓名": "冒名", "执法主体": "甲一县文化和旅游局", "行政区划代码": "T10101",
                             "执法证号": "T101010000001", "执法类别": "文化旅游", "有效期自": "2025-01-01", "有效期至": "2028-01-01"}]}
    result = workbook_import(workbook(clash), actor=users.county_a1_supervisor)
    assert not result.ok and "已登记在" in result.errors[0].message


@pytest.mark.django_db
def test_missing_required_column_and_unreadable_files(users, tree):
    wb = Workbook()
    ws = wb.active
    ws.title = PERSON_SHEET
    ws.append(["姓名", "职务"])
    ws.append(["甲", "科员"])
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    result = workbook_import(buf, actor=users.su)
    assert not result.ok and "缺少必填列" in result.errors[0].message
    with pytest.raises(ZhifaError) as exc:
        workbook_import(io.BytesIO(b"not a spreadsheet"), actor=users.su)
    assert exc.value.code == "import_invalid"
    empty = Workbook()
    empty.active.title = "别的表"
    buf = io.BytesIO()
    empty.save(buf)
    buf.seek(0)
    with pytest.raises(ZhifaError):
        workbook_import(buf, actor=users.su)


@pytest.mark.django_db
def test_template_has_every_sheet_and_required_marks():
    wb = load_workbook(io.BytesIO(template_workbook()))
    assert {AGENCY_SHEET, UNIT_SHEET, PERSON_SHEET, "说明"} <= set(wb.sheetnames)
    headers = [c.value for c in wb[AGENCY_SHEET][1]]
    assert headers[0] == "名称*" and "办公地址" in headers
    # The template itself imports as an empty file: no rows, no errors.
    assert workbook_import(io.BytesIO(template_workbook()), actor=None).ok is True


@pytest.mark.django_db
def test_import_through_the_page_and_the_api(client, users, tree):
    client.force_login(users.county_a1_supervisor)
    page = client.post("/org/import/", {"file": SimpleUploadedFile("org.xlsx", workbook(good_sheets()).read(), XLSX)})
    assert "导入完成" in page.content.decode()
    bad = good_sheets()
    bad[AGENCY_SHEET][0]["主体类别"] = "乱填"
    api = client.post("/api/org/import", {"file": SimpleUploadedFile("org.xlsx", workbook(bad).read(), XLSX)})
    body = api.json()
    assert api.status_code == 200 and body["ok"] is False and body["errors"][0]["column"] == "主体类别"
    wrong_type = client.post("/api/org/import", {"file": SimpleUploadedFile("org.csv", b"a,b", "text/csv")})
    assert wrong_type.status_code == 400 and wrong_type.json()["code"] == "invalid_input"
    page = client.post("/org/import/", {"file": SimpleUploadedFile("org.csv", b"a,b", "text/csv")})
    assert "请上传 .xlsx" in page.content.decode()
    assert client.get("/org/import/template.xlsx")["Content-Type"] == XLSX


@pytest.mark.req("ORG-02")
@pytest.mark.django_db
def test_an_imported_credit_code_is_checked_like_every_other_door(users, tree):
    sheets = good_sheets()
    sheets[AGENCY_SHEET][0]["统一社会信用代码"] = "91110000600037341M"
    result = workbook_import(workbook(sheets), actor=users.county_a1_supervisor)
    assert not result.ok
    error = next(e for e in result.errors if e.column == "统一社会信用代码")
    assert (error.sheet, error.row) == (AGENCY_SHEET, 2) and "第18位校验码应为L" in error.message
    assert not Agency.objects.filter(name="甲一县文化和旅游局").exists()
    sheets[AGENCY_SHEET][0]["统一社会信用代码"] = " 91110000600037341l"
    assert workbook_import(workbook(sheets), actor=users.county_a1_supervisor).ok
    assert Agency.objects.get(name="甲一县文化和旅游局").credit_code == "91110000600037341L"
