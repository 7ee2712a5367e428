"""The sealed documents of supervision instruments: laid out as a letter (GB/T 9704-2012 margins, the bundled
fonts) through the cases' printer (`cases.rendering.html_to_pdf`) and sealed with the bureau's PAdES signature
(`cases.signing.sign_pdf`), exactly as an agency's documents are."""

from django.template.loader import render_to_string

from zhifa.cases import rendering, signing

from .models import DOCUMENT_TITLE, Kind, ReviewOutcome


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def instrument_context(instrument, *, number: str, issued_on) -> dict:
    kind = Kind(instrument.kind)
    limit = f"{instrument.due_on.year}年{instrument.due_on.month}月{instrument.due_on.day}日"
    sections = [("发现的问题", _paragraphs(instrument.findings)), ("依据", [instrument.basis])]
    if kind == Kind.DECISION:
        sections.append(("决定事项", [instrument.get_order_display()] + _paragraphs(instrument.requirement)))
    elif kind == Kind.SUMMONS:
        talk = instrument.talk or {}
        sections += [("约谈时间", [talk.get("at", "")]), ("约谈地点", [talk.get("place", "")]),
                     ("参加人员", [talk.get("attendees", "")]), ("约谈内容", _paragraphs(talk.get("record", ""))),
                     ("整改要求", _paragraphs(instrument.requirement))]
    else:
        sections.append(("整改要求", _paragraphs(instrument.requirement)))
    closing = f"请于{limit}前将整改（执行）情况书面报告本机关，并附相关证明材料。"
    if kind in (Kind.OPINION, Kind.DECISION) and instrument.review_due_on:
        closing += (f"对本{DOCUMENT_TITLE[kind][4:]}有异议的，可以于{instrument.review_due_on.year}年"
                    f"{instrument.review_due_on.month}月{instrument.review_due_on.day}日前向本机关申请复查；"
                    "复查期间不停止执行。")
    cases = [f"{c.number} {c.title}" for c in instrument.cases.all()]
    return {"bureau": instrument.bureau.name, "title": DOCUMENT_TITLE[kind], "number": number,
            "addressee": instrument.agency.name, "subject": instrument.title, "sections": sections,
            "cases": cases, "closing": closing, "date": rendering.chinese_date(issued_on),
            "seal": rendering._seal_data_uri(instrument.bureau)}


def review_context(instrument, *, number: str, issued_on, outcome: str, reasons: str, requirement: str) -> dict:
    outcome_label = ReviewOutcome(outcome).label
    original = instrument.documents.filter(kind=instrument.kind).first()
    sections = [("复查申请", [f"{instrument.agency.name}对本机关{original.number if original else instrument.number}"
                                f"《{DOCUMENT_TITLE[Kind(instrument.kind)]}》申请复查。"]),
                ("复查意见", _paragraphs(reasons)), ("复查决定", [f"{outcome_label}原监督文书。"])]
    if outcome == ReviewOutcome.CHANGED:
        sections.append(("变更后的要求", _paragraphs(requirement)))
    closing = ""
    if outcome != ReviewOutcome.REVOKED:
        closing = (f"请于{instrument.due_on.year}年{instrument.due_on.month}月{instrument.due_on.day}日前将整改（执行）"
                   "情况书面报告本机关。")
    return {"bureau": instrument.bureau.name, "title": "行政执法监督复查决定书", "number": number,
            "addressee": instrument.agency.name, "subject": instrument.title, "sections": sections, "cases": [],
            "closing": closing, "date": rendering.chinese_date(issued_on),
            "seal": rendering._seal_data_uri(instrument.bureau)}


def sealed_pdf(context: dict, *, bureau, reason: str) -> tuple[bytes, str, int]:
    """(signed PDF, signing certificate's SHA-256, pages)."""
    pdf = rendering.html_to_pdf(render_to_string("instruments/print/instrument.html", context))
    pages = rendering.pdf_pages(pdf)
    data, signer = signing.sign_pdf(pdf, agency=bureau, reason=reason, location=bureau.jurisdiction.name)
    return data, signer, pages
