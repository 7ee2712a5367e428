"""Importing, versioning and exporting an agency's benchmark table (SUP-07)."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from zhifa.core.errors import PermissionDeniedError, ZhifaError
from zhifa.core.models import SecurityEvent
from zhifa.core.permissions import Role
from zhifa.discretion import importing, selectors, services
from zhifa.discretion.models import BenchmarkTable, Item, ItemTier, RangeKind, Tier
from zhifa.ledger.models import Entry
from zhifa.org.tests.factories import UserFactory, grant

from .helpers import GOOD_ROWS, HEADERS, issue, xlsx

pytestmark = [pytest.mark.req("SUP-07"), pytest.mark.django_db]


@pytest.fixture
def legal_head(tree):
    return grant(UserFactory(username="legal_a1"), Role.LEGAL_HEAD, agency=tree.agency_a1)


def test_a_good_workbook_becomes_version_one_with_items_tiers_and_a_log_entry(tree, legal_head):
    table = issue(tree.agency_a1, legal_head)
    assert (table.version, table.supersedes, table.agency) == (1, None, tree.agency_a1)
    items = list(table.items.order_by("position"))
    assert [i.code for i in items] == ["SC-001", "SC-002"]
    food, expired = items
    assert (food.range_kind, food.statutory_min, food.statutory_max, food.first_violation_exempt) == (
        RangeKind.FIXED, 5000, 50000, True)
    assert (expired.range_kind, expired.base_label, expired.first_violation_exempt) == (RangeKind.MULTIPLE, "违法所得", False)
    assert [t.tier for t in food.tiers.order_by("id")] == [Tier.NO_PENALTY, Tier.MITIGATED, Tier.LIGHTER, Tier.GENERAL,
                                                           Tier.HEAVIER]
    entry = Entry.objects.get(pk=table.entry_id)
    assert entry.kind == "discretion.table_issued" and entry.subject == f"org.agency:{tree.agency_a1.pk}"
    assert len(table.source_sha256) == 64


def test_a_new_version_supersedes_the_old_which_stays_readable_and_in_force_until_its_day(tree, legal_head):
    v1 = issue(tree.agency_a1, legal_head, effective_from=dt.date(2026, 1, 1))
    v2 = issue(tree.agency_a1, legal_head, rows=GOOD_ROWS[:5], effective_from=dt.date(2026, 7, 1))
    assert (v2.version, v2.supersedes) == (2, v1)
    assert selectors.table_in_force(tree.agency_a1, dt.date(2026, 6, 30)) == v1
    assert selectors.table_in_force(tree.agency_a1, dt.date(2026, 7, 1)) == v2
    assert selectors.table_in_force(tree.agency_a1, dt.date(2025, 12, 31)) is None
    assert v1.items.count() == 2 and v2.items.count() == 1
    with pytest.raises(ZhifaError) as exc:  # never edited: a correction is a new version
        v1.title = "改"
        v1.save()
    assert exc.value.code == "append_only"
    with pytest.raises(ZhifaError):
        Item.objects.filter(table=v1).update(name="改")
    with pytest.raises(ZhifaError) as exc:  # a version may not take effect before the one it supersedes
        issue(tree.agency_a1, legal_head, effective_from=dt.date(2026, 6, 1))
    assert exc.value.code == "discretion_table_invalid" and BenchmarkTable.objects.count() == 2


BAD = [
    # (row index in GOOD_ROWS to replace, the replacement row, expected (row number, column, words in the message))
    (3, ["SC-001", "", "", "", "", "", "", "", "", "一般处罚", 15000, 60000, ""], (5, "阶次上限", "超出法定幅度")),
    (2, ["SC-001", "", "", "", "", "", "", "", "", "从轻处罚", 4999.99, 15000, ""], (4, "阶次下限", "超出法定幅度")),
    (1, ["SC-001", "", "", "", "", "", "", "", "", "减轻处罚", 1000, 5000.01, ""], (3, "阶次上限", "应低于法定下限")),
    (0, ["SC-001", "未按规定建立", "a", "b", "固定金额", 50000, 5000, "", "是", "不予处罚", 0, 0, ""],
     (2, "法定上限", "小于法定下限")),
    (4, ["SC-001", "", "", "", "", "", "", "", "", "从重处罚", 50000, 35000, ""], (6, "阶次上限", "小于阶次下限")),
    (0, ["SC-001", "x", "a", "b", "按次", 1, 2, "", "是", "不予处罚", 0, 0, ""], (2, "罚款方式", "固定金额")),
    (5, ["SC-002", "经营超过保质期的食品", "a", "b", "倍数", 1, 5, "", "否", "从轻处罚", 1, 2, ""], (7, "倍数基数", "倍数基数")),
    (3, ["SC-001", "", "", "", "", "", "", "", "", "从轻处罚", 15000, 35000, ""], (5, "裁量阶次", "阶次重复")),
    (3, ["SC-001", "", "", "", "", "", "", "", "", "适中", 15000, 35000, ""], (5, "裁量阶次", "裁量阶次应为")),
    (3, ["SC-001", "", "", "", "", "", "", "", "", "一般处罚", "一万五", 35000, ""], (5, "阶次下限", "数字")),
    (3, ["SC-001", "", "", "", "", "", "", "", "", "一般处罚", 15000.123, 35000, ""], (5, "阶次下限", "两位小数")),
    (3, ["SC-001", "", "", "", "", 6000, "", "", "", "一般处罚", 15000, 35000, ""], (5, "法定下限", "不一致")),
    (0, ["SC-001", "", "a", "b", "固定金额", 5000, 50000, "", "是", "不予处罚", 0, 0, ""], (2, "违法行为", "必填")),
    (0, ["SC-001", "x", "a", "b", "固定金额", 5000, 50000, "", "也许", "不予处罚", 0, 0, ""], (2, "首违不罚", "是")),
    (0, ["SC-001", "x", "a", "b", "固定金额", 5000, 50000, "", "是", "不予处罚", 0, 100, ""], (2, "阶次上限", "应为 0")),
]


@pytest.mark.parametrize("index, row, expected", BAD)
def test_a_bad_row_is_named_by_row_and_column_and_nothing_is_imported(tree, legal_head, index, row, expected):
    rows = [list(r) for r in GOOD_ROWS]
    rows[index] = row
    result = services.table_import(xlsx(rows), agency=tree.agency_a1, actor=legal_head, effective_from=dt.date(2026, 1, 1),
                                   title="基准")
    assert not result.ok and result.table is None
    rownum, column, words = expected
    assert any(e.row == rownum and e.column == column and words in e.message for e in result.errors), result.errors
    assert not BenchmarkTable.objects.exists() and not Item.objects.exists() and not ItemTier.objects.exists()


def test_a_code_repeated_apart_is_a_duplicate(tree, legal_head):
    rows = [list(r) for r in GOOD_ROWS] + [["SC-001", "", "", "", "", "", "", "", "", "一般处罚", 15000, 35000, ""]]
    result = services.table_import(xlsx(rows), agency=tree.agency_a1, actor=legal_head, effective_from=dt.date(2026, 1, 1),
                                   title="基准")
    assert [(e.row, e.column) for e in result.errors] == [(10, "事项编码")] and "重复" in result.errors[0].message
    assert not BenchmarkTable.objects.exists()


def test_a_missing_column_or_sheet_or_a_non_excel_file_is_refused(tree, legal_head):
    result = services.table_import(xlsx(GOOD_ROWS, headers=HEADERS[:-2]), agency=tree.agency_a1, actor=legal_head,
                                   effective_from=dt.date(2026, 1, 1), title="基准")
    assert result.errors[0].row == 1 and "阶次上限" in result.errors[0].column
    with pytest.raises(ZhifaError) as exc:
        services.table_import(xlsx(GOOD_ROWS, sheet="Sheet1"), agency=tree.agency_a1, actor=legal_head,
                              effective_from=dt.date(2026, 1, 1), title="基准")
    assert exc.value.code == "discretion_import_invalid" and "裁量基准" in exc.value.message
    with pytest.raises(ZhifaError) as exc:
        services.table_import(io.BytesIO(b"not a workbook"), agency=tree.agency_a1, actor=legal_head,
                              effective_from=dt.date(2026, 1, 1), title="基准")
    assert exc.value.code == "discretion_import_invalid"
    assert not BenchmarkTable.objects.exists()


def test_only_the_agencys_own_legal_or_head_roles_may_import_and_denials_are_logged(tree, users, legal_head):
    before = SecurityEvent.objects.count()
    for outsider in (users.officer_a1, users.city_a_supervisor,
                     grant(UserFactory(username="legal_a2"), Role.LEGAL_HEAD, agency=tree.agency_a2)):
        with pytest.raises(PermissionDeniedError):
            issue(tree.agency_a1, outsider)
    assert SecurityEvent.objects.count() == before + 3
    assert not BenchmarkTable.objects.exists()
    assert issue(tree.agency_a1, users.head_a1).version == 1  # the agency head
    review_head = grant(UserFactory(username="rh_a1"), Role.REVIEW_HEAD, agency=tree.agency_a1)
    assert issue(tree.agency_a1, review_head).version == 2  # the head of its legal (review) unit


def test_an_export_reads_back_as_the_same_table(tree, legal_head):
    table = selectors.table_get_for(actor=legal_head, pk=issue(tree.agency_a1, legal_head).pk)
    data = importing.export_workbook(table)
    ws = load_workbook(io.BytesIO(data))[importing.SHEET]
    assert [c.value for c in ws[1]] == HEADERS and ws.max_row == 1 + len(GOOD_ROWS)
    again = services.table_import(io.BytesIO(data), agency=tree.agency_a1, actor=legal_head,
                                  effective_from=dt.date(2026, 2, 1), title="基准（重新导入）")
    assert again.ok

    def content(t):
        return [(i.code, i.name, i.violated_provision, i.penalty_provision, i.range_kind, i.statutory_min,
                 i.statutory_max, i.base_label, i.first_violation_exempt,
                 [(x.tier, x.fine_min, x.fine_max, x.conditions) for x in i.tiers.order_by("id")])
                for i in t.items.order_by("position")]
    assert content(again.table) == content(table)
    assert load_workbook(io.BytesIO(importing.template_workbook()))[importing.SHEET].max_row == 1
