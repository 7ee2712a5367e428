"""Evaluation standards to and from Excel, and their pages (issue 21 §1; SUP-06): the readable table per jurisdiction
and action type, the download, and the upload that writes a new rule version — all or nothing, with each error's
sheet, row and column in Chinese — for whoever may set rules there, and for nobody else."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from zhifa.core.errors import ZhifaError
from zhifa.evaluation import standards, standards_io
from zhifa.evaluation.standards import standard_for
from zhifa.org.models import Role
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.rules.models import RuleVersion
from zhifa.rules.services import ruleset_read

pytestmark = [pytest.mark.req("SUP-06")]
ON = dt.date(2026, 6, 1)


def national() -> dict:
    return ruleset_read("national")["rules"]["evaluation.standards"]["value"]


def book(value=None) -> bytes:
    return standards_io.workbook_of(national() if value is None else value)


def edit(data: bytes, sheet: str, cell: str, new) -> io.BytesIO:
    wb = load_workbook(io.BytesIO(data))
    wb[sheet][cell] = new
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def test_the_workbook_reads_back_to_the_same_standards():
    parsed = standards_io.parse(io.BytesIO(book()))
    assert parsed.errors == []
    for name, entry in national().items():
        assert standards.standard_from_value(name, parsed.value[name]) == standards.standard_from_value(name, entry)


def test_every_bad_cell_is_named_with_its_sheet_row_and_column():
    data = book()
    f = edit(data, "评查标准", "C2", "扣一半")
    f = edit(f.getvalue(), "评查项目", "E12", "很多")
    f = edit(f.getvalue(), "评查项目", "G13", "telepathy")
    parsed = standards_io.parse(f)
    found = {(e.sheet, e.row, e.column) for e in parsed.errors}
    assert found == {("评查标准", 2, "基本项目不合格的"), ("评查项目", 12, "分值"), ("评查项目", 13, "系统预评")}
    assert all(e.message for e in parsed.errors)


def test_points_not_summing_to_the_total_is_refused_naming_the_standard():
    f = edit(book(), "评查项目", "E12", 7)  # the first standard's (coercion's) F02: 2 → 7, the points sum to 105
    parsed = standards_io.parse(f)
    assert len(parsed.errors) == 1 and parsed.errors[0].sheet == "评查标准" and parsed.errors[0].row == 2
    assert parsed.errors[0].message.startswith("“行政强制”标准") and "105" in parsed.errors[0].message


def test_an_unreadable_file_is_a_clear_error():
    with pytest.raises(ZhifaError, match="xlsx"):
        standards_io.parse(io.BytesIO(b"not a workbook"))


def test_a_missing_sheet_and_missing_columns_are_errors():
    from zhifa.core import spreadsheet

    wb = spreadsheet.workbook()
    wb.active.title = "评查标准"
    wb.active.append(["执法类别", "标准名称"])
    parsed = standards_io.parse(io.BytesIO(spreadsheet.workbook_bytes(wb)))
    messages = {(e.sheet, e.message) for e in parsed.errors}
    assert ("评查项目", "缺少此工作表。") in messages and ("评查标准", "缺少必填列。") in messages


@pytest.mark.django_db
def test_import_writes_one_new_version_at_the_node_through_the_rules(tree, users):
    value = {"penalty": national()["penalty"] | {"title": "甲市行政处罚案卷评查标准"}}
    version = standards_io.standards_import(io.BytesIO(book(value)), jurisdiction=tree.city_a, effective_from=ON,
                                            source="甲市司法局评查办法", actor=users.city_a_supervisor)
    assert version.jurisdiction == tree.city_a and set(version.value) == {"penalty"}
    assert standard_for(tree.a1, "penalty", ON).title == "甲市行政处罚案卷评查标准"
    assert standard_for(tree.a1, "licence", ON).title == "行政许可案卷评查标准"  # still the baseline's


@pytest.mark.django_db
def test_import_writes_only_the_entries_that_differ_from_those_in_force(tree, users):
    """The downloaded workbook holds every action type's standard: importing it with one standard changed writes that
    one only, and the others keep following the baseline (a later national change still reaches them)."""
    value = national()
    value["penalty"] = value["penalty"] | {"title": "甲市行政处罚案卷评查标准"}
    version = standards_io.standards_import(io.BytesIO(book(value)), jurisdiction=tree.city_a, effective_from=ON,
                                            source="甲市司法局评查办法", actor=users.city_a_supervisor)
    assert set(version.value) == {"penalty"}


@pytest.mark.django_db
def test_importing_the_standards_in_force_unchanged_writes_nothing_and_says_so(tree, users):
    before = RuleVersion.objects.count()
    with pytest.raises(ZhifaError) as exc:
        standards_io.standards_import(io.BytesIO(book()), jurisdiction=tree.city_a, effective_from=ON, source="x",
                                      actor=users.city_a_supervisor)
    assert exc.value.code == "evaluation_standards_unchanged" and "相同，未导入" in exc.value.message
    assert RuleVersion.objects.count() == before


@pytest.mark.django_db
def test_a_bad_import_writes_nothing(tree, users):
    before = RuleVersion.objects.count()
    f = edit(book(), "评查项目", "E12", "很多")
    with pytest.raises(ZhifaError) as exc:
        standards_io.standards_import(f, jurisdiction=tree.city_a, effective_from=ON, source="x",
                                      actor=users.city_a_supervisor)
    assert exc.value.details and exc.value.details[0]["row"] == 12
    assert RuleVersion.objects.count() == before


@pytest.mark.django_db
def test_import_is_refused_outside_the_actors_subtree_and_at_the_national_level(tree, users):
    before = RuleVersion.objects.count()
    for node in (tree.b1, None):
        with pytest.raises(ZhifaError) as exc:
            standards_io.standards_import(io.BytesIO(book()), jurisdiction=node, effective_from=ON, source="x",
                                          actor=users.city_a_supervisor)
        assert exc.value.status == 403
    assert RuleVersion.objects.count() == before


# --- pages ------------------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_page_shows_the_standard_in_force_as_a_table(client, tree, users):
    client.force_login(users.city_a_supervisor)
    r = client.get(reverse("evaluation-standards"), {"jurisdiction": tree.a1.pk, "as_of": "2026-06-01",
                                                     "type": "penalty"})
    html = r.content.decode()
    assert r.status_code == 200
    assert "行政处罚案卷评查标准" in html and "执法人员不少于两人" in html and "基本项目不合格的，案卷为不合格，得 0 分" in html
    assert "执法人员在执法当日持有有效执法证件" in html  # the machine check's label
    assert "应有文书：普通程序｜《行政处罚决定书》：《立案审批表》" in html  # F09's documents, from the standard
    assert "导入新版本" in html  # a supervisor of the city sets rules in its subtree


@pytest.mark.django_db
def test_an_officer_reads_the_standard_but_gets_no_upload_form(client, tree, users):
    client.force_login(users.officer_a1)
    r = client.get(reverse("evaluation-standards"))
    assert r.status_code == 200 and "导入新版本" not in r.content.decode()
    r = client.post(reverse("evaluation-standards-upload"), {})
    assert r.status_code == 403


@pytest.mark.django_db
def test_someone_without_rules_view_is_refused(client, users):
    client.force_login(users.nobody)
    assert client.get(reverse("evaluation-standards")).status_code == 403
    assert client.get(reverse("evaluation-standards-download")).status_code == 403


@pytest.mark.django_db
def test_the_download_is_the_workbook_the_upload_reads(client, tree, users):
    client.force_login(users.city_a_supervisor)
    r = client.get(reverse("evaluation-standards-download"), {"jurisdiction": tree.a1.pk})
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    data = b"".join(r.streaming_content) if r.streaming else r.content
    assert standards_io.parse(io.BytesIO(data)).value.keys() == national().keys()


@pytest.mark.django_db
def test_upload_through_the_page_and_its_refusals(client, tree, users):
    client.force_login(users.city_a_supervisor)
    url = reverse("evaluation-standards-upload")

    def post(node, data):
        return client.post(url, {"jurisdiction": node, "effective_from": "2026-06-01", "source": "甲市评查办法",
                                 "file": io.BytesIO(data) if isinstance(data, bytes) else data})

    bad = edit(book(), "评查项目", "E12", "很多")
    bad.name = "bad.xlsx"
    r = post(tree.city_a.pk, bad)
    assert r.status_code == 400 and "未导入" in r.content.decode() and "很多" in r.content.decode()
    good = io.BytesIO(book({"penalty": national()["penalty"] | {"title": "甲市标准"}}))
    good.name = "good.xlsx"
    r = post(tree.city_a.pk, good)
    assert r.status_code == 302
    assert standard_for(tree.a1, "penalty", ON).title == "甲市标准"
    other = io.BytesIO(book())
    other.name = "o.xlsx"
    assert post(tree.b1.pk, other).status_code == 403  # 乙一县: outside 甲市
    other.seek(0)
    assert post("national", other).status_code == 403


@pytest.mark.django_db
def test_the_page_reads_a_fixed_number_of_queries(client, tree, users, django_assert_max_num_queries):
    supervisor = grant(UserFactory(username="sup_r2"), Role.SUPERVISOR, jurisdiction=tree.region)
    client.force_login(supervisor)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("evaluation-standards"), {"jurisdiction": tree.a1.pk}).status_code == 200


# --- the documents a file must hold, in the workbook (review finding 8) ------------------------------------------------

def test_the_required_documents_round_trip_through_the_workbook():
    parsed = standards_io.parse(io.BytesIO(book()))
    assert not parsed.errors and parsed.value.keys() == national().keys()
    for name, entry in national().items():
        assert standards.standard_from_value(name, parsed.value[name]) == standards.standard_from_value(name, entry)
    f09 = next(it for it in parsed.value["penalty"]["items"] if it["code"] == "F09")
    assert f09["forms"][1] == {"procedure": "simplified", "outcome": "penalty_decision",
                                                                "required": ["penalty_decision"]}


def test_the_required_documents_cell_is_checked():
    wb = load_workbook(io.BytesIO(book()))
    ws = wb["评查项目"]
    header = [c.value for c in ws[1]]
    col = header.index("应有文书") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, col).value)
    ws.cell(row, col).value = "普通程序｜《行政处罚决定书》：《不存在的文书》"
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    parsed = standards_io.parse(out)
    assert [(e.row, e.column) for e in parsed.errors] == [(row, "应有文书")] and "不存在的文书" in parsed.errors[0].message


def test_the_required_documents_cell_reads_codes_and_any():
    assert standards_io.forms_parse("任何程序｜任何：penalty_decision、service_receipt") == [
        {"required": ["penalty_decision", "service_receipt"]}]
    with pytest.raises(ValueError, match="程序｜结案文书"):
        standards_io.forms_parse("《行政处罚决定书》")


# --- the upload's permission is checked before the workbook is read (review finding 5) ---------------------------------

@pytest.mark.django_db
def test_an_upload_for_a_node_the_user_may_not_manage_is_refused_unread_and_logged(client, tree, users):
    """A city supervisor posts an invalid workbook for 乙一县 (outside the city): refused 403 with the denial logged,
    its cells never discussed (before: a 400 listing the workbook's errors, nothing logged)."""
    from zhifa.core.models import SecurityEvent, SecurityEventKind

    client.force_login(users.city_a_supervisor)
    before = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).count()
    for node in (tree.b1.pk, "national"):
        bad = edit(book(), "评查项目", "E12", "很多")
        bad.name = "bad.xlsx"
        r = client.post(reverse("evaluation-standards-upload"), {
            "jurisdiction": node, "effective_from": "2026-06-01", "source": "乙县评查办法", "file": bad})
        assert r.status_code == 403 and "很多" not in r.content.decode()
    denied = SecurityEvent.objects.filter(kind=SecurityEventKind.DENIED).order_by("-id")
    assert denied.count() == before + 2 and "evaluation standards upload" in denied[0].detail
    assert not RuleVersion.objects.filter(key="evaluation.standards", jurisdiction=tree.b1).exists()
