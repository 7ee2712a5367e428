"""The standards page and its import as a bureau uses them (browser tryout of issue 21, items 4, 5, 11, 16, 17; SUP-06):
the page's import form lists the nodes the user may set rules at and a date an <input type=date> can show; an import
lists every error at once, cell and standard alike, each one sentence; no version id is shown to people; the Excel names
the system checks in Chinese and still imports; the 行政处罚 standard cites what binds every field."""

import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from zhifa.core.names import person_label
from zhifa.evaluation import prescore, standards_io
from zhifa.rules.models import RuleVersion
from zhifa.rules.services import ruleset_read

pytestmark = [pytest.mark.req("SUP-06")]


def national() -> dict:
    return ruleset_read("national")["rules"]["evaluation.standards"]["value"]


def book(value=None) -> bytes:
    return standards_io.workbook_of(national() if value is None else value)


def edited(data: bytes, changes) -> io.BytesIO:
    """The workbook with cells changed: changes is [(sheet, (action type label, item code or None), column, value)]."""
    wb = load_workbook(io.BytesIO(data))
    for sheet, (label, code), column, value in changes:
        ws = wb[sheet]
        header = [str(c.value).rstrip("*") for c in ws[1]]
        row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == label
                   and (code is None or ws.cell(r, 2).value == code))
        ws.cell(row, header.index(column) + 1).value = value
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    out.name = "standards.xlsx"
    return out


def row_of(data: bytes, sheet: str, label: str, code=None) -> int:
    ws = load_workbook(io.BytesIO(data))[sheet]
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == label
                and (code is None or ws.cell(r, 2).value == code))


# --- tryout #4 and #16: the page's import form -------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_pages_import_form_lists_the_nodes_the_user_may_set_rules_at(client, tree, users):
    """Before: the 设定于 select on /evaluation/standards/ was empty (the page never passed the nodes)."""
    client.force_login(users.region_supervisor)
    html = client.get(reverse("evaluation-standards"), {"jurisdiction": tree.region.pk}).content.decode()
    select = re.search(r'<select id="up-j" name="jurisdiction">(.*?)</select>', html, re.S).group(1)
    options = dict(re.findall(r'<option value="(\w+)"[^>]*>([^<]+)</option>', select))
    assert set(options) == {str(j.pk) for j in (tree.region, tree.city_a, tree.city_b, tree.a1, tree.a2, tree.b1)}
    assert "national" not in options  # the baseline is a system administrator's
    assert re.search(rf'<option value="{tree.region.pk}" selected>', select)  # the node being read
    # A city supervisor is offered the city and its counties only.
    client.force_login(users.city_a_supervisor)
    html = client.get(reverse("evaluation-standards"), {"jurisdiction": tree.a1.pk}).content.decode()
    select = re.search(r'<select id="up-j" name="jurisdiction">(.*?)</select>', html, re.S).group(1)
    assert set(re.findall(r'<option value="(\w+)"', select)) == {str(tree.city_a.pk), str(tree.a1.pk), str(tree.a2.pk)}
    assert re.search(rf'<option value="{tree.a1.pk}" selected>', select)


@pytest.mark.django_db
def test_the_effective_date_is_an_iso_date_and_every_label_ends_with_a_colon(client, tree, users):
    """Before: value="2026/12/02", which an <input type=date> shows as empty; 设定于 had no colon, 施行日期： had one."""
    client.force_login(users.region_supervisor)
    html = client.get(reverse("evaluation-standards"), {"jurisdiction": tree.region.pk}).content.decode()
    field = re.search(r'<input type="date" name="effective_from"[^>]*>', html).group(0)
    assert f'value="{timezone.localdate().isoformat()}"' in field
    form = html[html.index('action="' + reverse("evaluation-standards-upload")):]
    labels = re.findall(r"<label[^>]*>([^<]*)</label>", form)
    assert labels == ["设定于：", "施行日期：", "依据（文件名称和文号）：", "评查标准（.xlsx）："]


# --- tryout #5: every error at once, each one sentence ------------------------------------------------------------------

def test_an_import_lists_the_cell_errors_and_the_standards_errors_together():
    """The tryout's file: a non-numeric 优秀分数线 and C01 worth 50 (the points then total 145). Before: only the cell
    error, "…不是数字。。"; the total only after the cell was fixed."""
    data = book()
    f = edited(data, [("评查标准", ("行政处罚", None), "优秀分数线", "九十"),
                      ("评查项目", ("行政处罚", "C01"), "分值", 50)])
    parsed = standards_io.parse(f)
    head = row_of(data, "评查标准", "行政处罚")
    assert [(e.sheet, e.row, e.column) for e in parsed.errors] == [("评查标准", head, "优秀分数线"),
                                                                  ("评查标准", head, "总分")]
    assert "“九十”不是数字" in parsed.errors[0].message
    assert "合计 145 分，应为总分 100 分" in parsed.errors[1].message


def test_each_standard_level_error_names_its_cell_and_all_are_listed():
    data = book()
    f = edited(data, [
        ("评查标准", ("行政强制", None), "合格分数线", 95),  # above 优秀 90
        ("评查项目", ("行政许可", "F02"), "编号", "F01"),  # a duplicate code
        ("评查项目", ("行政许可", "B01"), "分值", 3),  # points on a basic item (not counted in the total)
        ("评查项目", ("行政处罚", "F02"), "每处扣分", 9),  # more than the item's 4 points
        ("评查项目", ("行政处罚", "F09"), "应有文书", None),  # documents_present without its documents
        ("评查项目", ("行政处罚", "C02"), "分值", "很多"),  # a bad cell: the penalty total is then not compared
    ])
    parsed = standards_io.parse(f)
    found = {(e.sheet, e.row, e.column) for e in parsed.errors}
    assert found == {
        ("评查标准", row_of(data, "评查标准", "行政强制"), "合格分数线"),
        ("评查项目", row_of(data, "评查项目", "行政许可", "F02"), "编号"),
        ("评查项目", row_of(data, "评查项目", "行政许可", "B01"), "分值"),
        ("评查项目", row_of(data, "评查项目", "行政处罚", "F02"), "每处扣分"),
        ("评查项目", row_of(data, "评查项目", "行政处罚", "F09"), "应有文书"),
        ("评查项目", row_of(data, "评查项目", "行政处罚", "C02"), "分值"),
    }
    by_column = {e.column: e.message for e in parsed.errors}
    assert "案卷文书齐全" in by_column["应有文书"] and "documents_present" not in by_column["应有文书"]


def test_no_error_message_ends_in_two_full_stops():
    data = book()
    f = edited(data, [("评查标准", ("行政处罚", None), "优秀分数线", "九十"),
                      ("评查项目", ("行政处罚", "C01"), "分值", 50),
                      ("评查项目", ("行政处罚", "F09"), "应有文书", "普通程序｜《不存在》：《行政处罚决定书》"),
                      ("评查项目", ("行政处罚", "C03"), "系统预评", "读心术")])
    parsed = standards_io.parse(f)
    assert len(parsed.errors) == 4
    assert all(e.message.endswith("。") and not e.message.endswith("。。") for e in parsed.errors)
    with pytest.raises(Exception) as exc:
        standards_io.standards_import(f, jurisdiction=None, effective_from=timezone.localdate(), source="x", actor=None)
    message = exc.value.message
    assert message.startswith("评查标准有 4 处错误，未导入：") and "。。" not in message and "。；" not in message
    assert message.endswith("。")


@pytest.mark.django_db
def test_the_upload_page_lists_every_error_once_in_its_table(client, tree, users):
    client.force_login(users.city_a_supervisor)
    f = edited(book(), [("评查标准", ("行政处罚", None), "优秀分数线", "九十"),
                        ("评查项目", ("行政处罚", "C01"), "分值", 50)])
    r = client.post(reverse("evaluation-standards-upload"), {
        "jurisdiction": tree.city_a.pk, "effective_from": "2026-06-01", "source": "甲市评查办法", "file": f})
    html = r.content.decode()
    assert r.status_code == 400 and "发现 2 处错误，未导入任何内容" in html
    assert html.count("“九十”不是数字。") == 1 and "。。" not in html  # the table only, not a summary line besides
    assert "合计 145 分，应为总分 100 分。" in html
    assert not RuleVersion.objects.filter(key="evaluation.standards", jurisdiction=tree.city_a).exists()


# --- tryout #11: no version ids; the checks by their Chinese names ------------------------------------------------------

@pytest.mark.django_db
def test_the_page_names_a_version_by_its_date_node_and_setter_never_its_id(client, tree, users):
    client.force_login(users.city_a_supervisor)
    f = io.BytesIO(book({"penalty": national()["penalty"] | {"title": "甲市行政处罚案卷评查标准"}}))
    f.name = "good.xlsx"
    r = client.post(reverse("evaluation-standards-upload"), {
        "jurisdiction": tree.city_a.pk, "effective_from": "2026-06-01", "source": "甲市评查办法", "file": f})
    assert r.status_code == 302
    version = RuleVersion.objects.get(key="evaluation.standards", jurisdiction=tree.city_a)
    html = client.get(reverse("evaluation-standards"), {"jurisdiction": tree.a1.pk, "as_of": "2026-06-01",
                                                        "type": "penalty"}).content.decode()
    shown = re.search(r"<dt>版本</dt><dd>(.*?)</dd>", html).group(1)
    assert shown == f"2026-06-01 起施行，甲市，设定人：{person_label(users.city_a_supervisor)}"
    assert f"#{version.pk}" not in html and users.city_a_supervisor.username not in shown
    # The baseline (loaded by the migrations) is set by nobody: "系统".
    html = client.get(reverse("evaluation-standards"), {"jurisdiction": "national", "type": "penalty"}).content.decode()
    assert "起施行，全国基线，设定人：系统" in html


def test_the_workbook_names_the_checks_in_chinese_and_still_imports():
    data = book()
    wb = load_workbook(io.BytesIO(data))
    ws = wb["评查项目"]
    header = [str(c.value).rstrip("*") for c in ws[1]]
    column = [ws.cell(r, header.index("系统预评") + 1).value for r in range(2, ws.max_row + 1)]
    codes, labels = set(prescore.check_labels()), set(prescore.check_labels().values())
    assert {v for v in column if v} <= labels and "officers_certified" not in str(column)
    notes = "\n".join(str(r[0]) for r in wb["说明"].iter_rows(values_only=True))
    assert not any(re.search(rf"\b{code}\b", notes) for code in codes)  # the 说明 sheet names them in Chinese too
    assert "执法人员在执法当日持有有效执法证件" in notes
    parsed = standards_io.parse(io.BytesIO(data))
    assert parsed.errors == []
    for name, entry in national().items():
        assert [it["check"] for it in parsed.value[name]["items"]] == [it.get("check") for it in entry["items"]]


def test_an_older_download_with_codes_still_imports():
    """A workbook downloaded before (系统预评 "officers_certified 执法人员…", or the code alone) reads the same."""
    data = book()
    f = edited(data, [("评查项目", ("行政处罚", "B02"), "系统预评", "officers_certified 执法人员在执法当日持有有效执法证件"),
                      ("评查项目", ("行政处罚", "B09"), "系统预评", "two_officers")])
    parsed = standards_io.parse(f)
    assert parsed.errors == []
    items = {it["code"]: it["check"] for it in parsed.value["penalty"]["items"]}
    assert (items["B02"], items["B09"]) == ("officers_certified", "two_officers")


# --- tryout #17: what the 行政处罚 standard rests on ---------------------------------------------------------------------

def test_the_penalty_standard_cites_what_binds_every_field():
    basis = national()["penalty"]["basis"]
    assert basis.startswith("《中华人民共和国行政处罚法》")
    assert "国办发〔2018〕118号" in basis and "案卷评查" in basis
    assert "测绘" not in basis  # one ministry's standard is where the structure came from, not what binds


@pytest.mark.django_db
def test_a_database_with_the_old_basis_gets_the_new_one_from_the_rules_migration(tree):
    """0015 brings a database that loaded the earlier wording to the shipped one (a new version superseding it)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("zhifa.rules.migrations.0015_evaluation_standards_one_check_per_item")
    current = RuleVersion.objects.get(jurisdiction=None, key="evaluation.standards", superseded_by__isnull=True)
    old = current.value | {"penalty": current.value["penalty"] | {
        "basis": "《中华人民共和国行政处罚法》；测绘地理信息行政处罚案卷评查标准（基本项否决、形式 20 分、内容 80 分，扣分扣完为止）"}}
    stale = RuleVersion.objects.create(jurisdiction=None, key="evaluation.standards", value=old,
                                       effective_from=current.effective_from, source=current.source,
                                       ruleset=current.ruleset, supersedes=current)
    migration.supersede(apps, None)
    now = RuleVersion.objects.get(jurisdiction=None, key="evaluation.standards", superseded_by__isnull=True)
    assert now.supersedes_id == stale.pk and now.value["penalty"]["basis"] == national()["penalty"]["basis"]
