"""The sealed result report of an assessment (PDF, the bureau's PAdES signature, as campaigns.rendering) and the
Excel workbook of the results (openpyxl)."""


from django.template.loader import render_to_string

from zhifa.cases import rendering, signing


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _indicators(assessment) -> list[dict]:
    from .indicators import REGISTRY

    return [{"code": i["code"], "name": i["name"], "weight": _two(i["weight"]),
             "formula_label": REGISTRY[i["formula"]].label if i["formula"] in REGISTRY else i["formula"]}
            for i in assessment.indicators.get("indicators", [])]


RANK_NONE = "不参加排名"  # an agency with no enforcement record to assess (selectors.Row.no_records)
NO_RECORDS = "无可考核的执法记录"


def _two(value) -> str:
    """Scores and points with two decimals, everywhere (docs/assessment.md "Number formats")."""
    from decimal import Decimal

    return f"{Decimal(str(value)):.2f}"


def _cell(figure: dict, item: dict) -> str:
    from .selectors import is_exempt

    if is_exempt(figure, item):
        return "不计分"
    return _two(figure["points"]) if "points" in figure else ""


def report_context(assessment, *, number: str, issued_on, summary: str, rows) -> dict:
    indicators = _indicators(assessment)
    codes = {i["code"]: i for i in assessment.indicators.get("indicators", [])}
    table = [{"rank": RANK_NONE if r.rank is None else r.rank, "agency": r.agency, "points": _two(r.points),
              "qualitative": _two(r.qualitative), "total": _two(r.total), "no_records": r.no_records,
              "scored": f"{_two(r.raw)} / {_two(r.scored_of)}",
              "points_list": [_cell(r.figures.get(i["code"], {}), codes[i["code"]]) for i in indicators]}
             for r in rows]
    return {"bureau": assessment.bureau.name, "title": "行政执法评议考核结果报告", "number": number,
            "subject": f"“{assessment.title}”", "year": assessment.year, "count": len(rows),
            "summary": paragraphs(summary), "indicators": indicators, "rows": table,
            "reasons": [r for r in rows if r.reason], "addressees": [],
            "date": rendering.chinese_date(issued_on), "seal": rendering._seal_data_uri(assessment.bureau)}


def sealed_pdf(context: dict, *, bureau, reason: str) -> tuple[bytes, str, int]:
    pdf = rendering.html_to_pdf(render_to_string("assessment/print/report.html", context))
    pages = rendering.pdf_pages(pdf)
    data, signer = signing.sign_pdf(pdf, agency=bureau, reason=reason, location=bureau.jurisdiction.name)
    return data, signer, pages


def workbook(assessment, rows) -> bytes:
    """The results as an Excel workbook: one row per agency (rank, every indicator's figure and points, the
    qualitative score with its reason, the total)."""
    from zhifa.core import spreadsheet  # every workbook through the helper: a reason typed "=…" stays text

    indicators = _indicators(assessment)
    wb = spreadsheet.workbook()
    ws = wb.active
    ws.title = "考核结果"
    ws.append([assessment.title])
    head = ["名次", "执法机关"]
    for i in indicators:
        head += [f"{i['name']}（指标值）", f"{i['name']}（得分，满分{i['weight']}）"]
    ws.append(head + ["计分项目得分", "计分项目满分", "指标得分（折算）", "评议加减分", "评议理由", "总分", "说明"])
    codes = {i["code"]: i for i in assessment.indicators.get("indicators", [])}
    for r in rows:
        line = [RANK_NONE if r.rank is None else r.rank, r.agency]
        for i in indicators:
            f = r.figures.get(i["code"], {})
            points = _cell(f, codes[i["code"]])
            line += [f.get("value"), float(points) if points not in ("", "不计分") else (points or None)]
        ws.append(line + [float(r.raw), float(r.scored_of), float(r.points), float(r.qualitative), r.reason,
                          float(r.total), NO_RECORDS if r.no_records else ("按实际考核项目折算" if r.rescaled else "")])
    return spreadsheet.workbook_bytes(wb)
