"""The sealed documents of special inspections, the report and the notice: laid out as a letter (GB/T 9704-2012
margins, the bundled fonts) through the cases' printer (`cases.rendering.html_to_pdf`) and sealed with the bureau's
PAdES signature (`cases.signing.sign_pdf`), as supervision instruments are."""

from django.template.loader import render_to_string

from zhifa.cases import rendering, signing
from zhifa.org.models import ActionType

from .models import DocumentKind


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _d(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def scope_line(campaign) -> str:
    types = "、".join(ActionType(t).label for t in campaign.action_types)
    return (f"{_d(campaign.period_from)}至{_d(campaign.period_to)}立案的{types}案件，每个被检查机关随机抽取"
            f"{campaign.sample_size}件")


def report_context(campaign, *, number: str, issued_on, summary: str, table: list[dict]) -> dict:
    return {"bureau": campaign.bureau.name, "title": DocumentKind.REPORT.label, "number": number,
            "subject": _subject(campaign.title), "basis": paragraphs(campaign.basis), "scope": scope_line(campaign),
            "summary": paragraphs(summary), "checklist": campaign.checklist, "table": table, "addressees": [],
            "date": rendering.chinese_date(issued_on), "seal": rendering._seal_data_uri(campaign.bureau)}


def notice_context(campaign, *, number: str, issued_on, text: str, agencies) -> dict:
    return {"bureau": campaign.bureau.name, "title": DocumentKind.NOTICE.label, "number": number,
            "subject": _subject(campaign.title), "basis": [], "scope": scope_line(campaign), "summary": paragraphs(text),
            "checklist": [], "table": [], "addressees": [a.name for a in agencies],
            "date": rendering.chinese_date(issued_on), "seal": rendering._seal_data_uri(campaign.bureau)}


def sealed_pdf(context: dict, *, bureau, reason: str) -> tuple[bytes, str, int]:
    """(signed PDF, signing certificate's SHA-256, pages)."""
    pdf = rendering.html_to_pdf(render_to_string("campaigns/print/document.html", context))
    pages = rendering.pdf_pages(pdf)
    data, signer = signing.sign_pdf(pdf, agency=bureau, reason=reason, location=bureau.jurisdiction.name)
    return data, signer, pages


def _subject(title: str) -> str:
    """The campaign as the document's first sentence names it: “{title}”专项监督检查, not twice when the title already
    ends so (the browser tryout found “…专项监督检查”专项监督检查)."""
    return f"“{title}”" if title.endswith("专项监督检查") else f"“{title}”专项监督检查"
