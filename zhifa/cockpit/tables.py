"""The cockpit's tables: each is shown on the page and downloads as an Excel workbook with the same rows, and each
chart is drawn from one of them (issue 20 §6: every table exports, every chart has its table)."""

from __future__ import annotations

from dataclasses import dataclass

from zhifa.core.spreadsheet import workbook, workbook_bytes
from zhifa.supervision.registry import Level

from .selectors import LEVELS, RATES, Cockpit, Figures, Row

LEVEL_LABELS = {lv: Level(lv).label for lv in LEVELS}


@dataclass
class Table:
    name: str  # the ?export= value; also the sheet's file name
    title: str
    headers: list[str]
    rows: list[list]
    links: list[str | None] | None = None  # the first cell's link, per row (drill-down), page only

    @property
    def lines(self) -> list[tuple[list, str | None]]:
        """(cells, link of the first cell) per row, for the page."""
        return list(zip(self.rows, self.links or [None] * len(self.rows), strict=True))


def level_cards(f: Figures) -> list[tuple[str, str, int]]:
    return [(lv, LEVEL_LABELS[lv], f.alerts[lv]) for lv in LEVELS]


def _rate_text(value: float | None) -> str:
    return "—" if value is None else f"{value}%"


def _figure_cells(f: Figures) -> list:
    cells = [f.alerts[lv] for lv in LEVELS] + [f.overdue]
    for _, _, rate, met, due in f.rates:
        cells += [_rate_text(rate), f"{met}/{due}"]
    return cells


FIGURE_HEADERS = [*(LEVEL_LABELS[lv] for lv in LEVELS), "超期事项",
                  *(h for _, label in RATES for h in (label, "达标/应达标"))]


def _rows_table(name: str, title: str, first: str, rows: list[Row], link) -> Table:
    return Table(name, title, [first, "执法主体数", *FIGURE_HEADERS],
                 [[r.label, r.agencies, *_figure_cells(r.figures)] for r in rows], [link(r) for r in rows])


def tables_of(cockpit: Cockpit, *, base_url: str) -> list[Table]:
    out = []
    if cockpit.children:
        out.append(_rows_table("areas", "下级区划", "区划", cockpit.children, lambda r: f"{base_url}?j={r.code}"))
    if cockpit.agencies:
        out.append(_rows_table("agencies", "执法主体", "执法主体", cockpit.agencies,
                               lambda r: f"{base_url}?agency={r.code}"))
    out.append(Table("models", "预警（按问题模型）", ["问题模型", "名称", "依据", *(LEVEL_LABELS[lv] for lv in LEVELS), "合计"],
                     [[m["model"], m["name"], m["basis"], *(m[lv] for lv in LEVELS), m["total"]]
                      for m in cockpit.by_model]))
    out.append(Table("trend", "三项制度落实情况（按月）",
                     ["月份", *(h for _, label in RATES for h in (label, "达标/应达标"))],
                     [[t["month"], *(c for k, _ in RATES for c in (_rate_text(t[k]), f"{t[k + '_met']}/{t[k + '_due']}"))]
                      for t in cockpit.trend]))
    out.append(Table("overdue", "超期事项", ["事项", "执法主体", "期限", "倒计时", "承办"],
                     [[i.overdue_text, i.agency, i.due.isoformat() if i.due else "", i.countdown, i.actor]
                      for i in cockpit.overdue], [i.url for i in cockpit.overdue]))
    return out


def chart_data(cockpit: Cockpit) -> dict:
    """What static/cockpit/cockpit.js draws (read from a json_script tag: no inline script, ADR 0007)."""
    return {
        "trend": {"months": [t["month"] for t in cockpit.trend],
                  "series": [{"key": k, "name": label, "data": [t[k] for t in cockpit.trend]} for k, label in RATES]},
        "models": {"codes": [m["model"] for m in cockpit.by_model],
                   "series": [{"key": lv, "name": LEVEL_LABELS[lv], "data": [m[lv] for m in cockpit.by_model]}
                              for lv in LEVELS]},
    }


def xlsx(table: Table, *, caption: str) -> bytes:
    wb = workbook()
    ws = wb.active
    ws.title = table.name
    ws.append([caption])
    ws.append(table.headers)
    for row in table.rows:
        ws.append(row)
    return workbook_bytes(wb)
