"""The sealed campaign report (PDF, through the cases' printer and the organiser's PAdES signature, as special
inspections) and the results workbook (Excel, core.spreadsheet: every cell data, never a formula)."""

from decimal import Decimal

from django.template.loader import render_to_string

from zhifa.cases import rendering, signing
from zhifa.core.spreadsheet import workbook, workbook_bytes
from zhifa.org.models import ActionType

TITLE = "案卷评查情况报告"
EXTRACT_TITLE = "案卷评查结果（本机关摘录）"


def _d(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def scope_line(campaign) -> str:
    types = "、".join(ActionType(t).label for t in campaign.action_types)
    n = (f"每个机关随机抽取{campaign.sample_size}件" if campaign.sample_size is not None
         else f"每个机关按{(Decimal(str(campaign.sample_ratio)) * 100).normalize():f}%随机抽取（向上取整，至少一件）")
    return f"{_d(campaign.period_from)}至{_d(campaign.period_to)}归档的{types}案卷，{n}"


def report_context(campaign, *, number: str, issued_on, summary: str, tables: dict) -> dict:
    return {"bureau": campaign.organiser.name, "title": TITLE, "number": number, "subject": campaign.title,
            "scope": scope_line(campaign), "basis": [x.strip() for x in campaign.basis.splitlines() if x.strip()],
            "summary": [x.strip() for x in summary.splitlines() if x.strip()], "totals": tables["totals"],
            "agencies": tables["agencies"], "files": tables["files"], "date": rendering.chinese_date(issued_on),
            "seal": rendering._seal_data_uri(campaign.organiser)}


def sealed_report(campaign, *, number: str, issued_on, summary: str, tables: dict) -> tuple[bytes, str, int]:
    """(signed PDF, signing certificate's SHA-256, pages)."""
    context = report_context(campaign, number=number, issued_on=issued_on, summary=summary, tables=tables)
    pdf = rendering.html_to_pdf(render_to_string("evaluation/print/report.html", context))
    pages = rendering.pdf_pages(pdf)
    data, signer = signing.sign_pdf(pdf, agency=campaign.organiser, reason=f"{TITLE}（{number}）",
                                    location=campaign.organiser.jurisdiction.name)
    return data, signer, pages


def agency_extract(campaign, tables: dict) -> bytes:
    """An evaluated agency's own results of a closed campaign (tables filtered to its agencies), unsealed: the sealed
    report, covering every agency, stays with the organiser."""
    context = {"bureau": campaign.organiser.name, "title": EXTRACT_TITLE, "subject": campaign.title,
               "scope": scope_line(campaign), "totals": tables["totals"], "agencies": tables["agencies"],
               "files": tables["files"], "closed_on": _d(campaign.closed_on) if campaign.closed_on else "",
               "report": getattr(campaign, "report", None)}
    return rendering.html_to_pdf(render_to_string("evaluation/print/extract.html", context))


def results_xlsx(campaign, tables: dict) -> bytes:
    wb = workbook()
    ws = wb.active
    ws.title = "各机关"
    ws.append(["被评查机关", "案卷数", "平均分", "优秀", "合格", "不合格", "系统评定分值"])
    for a in tables["agencies"]:
        ws.append([a["agency"], a["files"], a["mean"], a["excellent"], a["pass"], a["fail"], a["machine_points"]])
    ws2 = wb.create_sheet("各案卷")
    ws2.append(["被评查机关", "案号", "案由", "得分", "等次", "扣分项目", "否决项目", "系统评定分值"])
    for f in tables["files"]:
        ws2.append([f["agency"], f["case"], f["title"], f["score"], f["grade"],
                    "；".join(f["deduction_lines"]), "；".join(f["veto_lines"]), f["machine_points"]])
    return workbook_bytes(wb)
