"""Workbooks and tables for the discretion tests."""

import datetime as dt
import io

from openpyxl import Workbook

from zhifa.discretion import services
from zhifa.discretion.importing import COLUMNS, SHEET

HEADERS = [c.header for c in COLUMNS]

# 食品安全法 第一百二十六条 style item (fixed range 5 000–50 000 yuan) and a multiple item (1–5 times 违法所得).
GOOD_ROWS = [
    ["SC-001", "未按规定建立并遵守进货查验记录制度", "《食品安全法》第五十三条", "《食品安全法》第一百二十六条第一款",
     "固定金额", 5000, 50000, "", "是", "不予处罚", 0, 0, "初次违法、危害后果轻微并及时改正"],
    ["SC-001", "", "", "", "", "", "", "", "", "减轻处罚", 1000, 5000, "主动消除或者减轻违法行为危害后果"],
    ["SC-001", "", "", "", "", "", "", "", "", "从轻处罚", 5000, 15000, "配合调查、如实陈述"],
    ["SC-001", "", "", "", "", "", "", "", "", "一般处罚", 15000, 35000, "不具有从轻、从重情形"],
    ["SC-001", "", "", "", "", "", "", "", "", "从重处罚", 35000, 50000, "拒不改正、一年内再次违法"],
    ["SC-002", "经营超过保质期的食品", "《食品安全法》第三十四条", "《食品安全法》第一百二十四条第一款",
     "倍数", 1, 5, "违法所得", "否", "从轻处罚", 1, 2, "货值金额较小"],
    ["SC-002", "", "", "", "", "", "", "", "", "一般处罚", 2, 4, ""],
    ["SC-002", "", "", "", "", "", "", "", "", "从重处罚", 4, 5, "造成危害后果"],
]


def xlsx(rows, headers=None, sheet=SHEET) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers if headers is not None else HEADERS)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "benchmark.xlsx"
    return buf


def issue(agency, actor, rows=None, effective_from=dt.date(2026, 1, 1), title="行政处罚裁量基准"):
    result = services.table_import(xlsx(GOOD_ROWS if rows is None else rows), agency=agency, actor=actor,
                                   effective_from=effective_from, title=title, document_number="市监法〔2026〕1号")
    assert result.ok, result.errors
    return result.table
