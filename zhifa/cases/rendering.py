"""Text records rendered from templates (REC-02: standard formats; electronic and paper agree).

PDF: the form's HTML template through WeasyPrint, set in the fonts bundled with the code
(zhifa.core.fonts: Noto Serif CJK SC, and HanaMinB for rare characters; none of the server's),
embedded, then sealed with the agency's PAdES signature (signing.py). DOCX: the docxtpl template
forms/document.docx, for agencies that print from Word. Both are issued once per document version and
kept in the evidence store with a log entry (services.document_issue), so a later download is
byte-for-byte what was issued.
"""

import datetime as dt
import io
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone

from zhifa.core import fonts
from zhifa.core.bounds import reveal_invisible
from zhifa.core.errors import ZhifaError

from .doctypes import FORMS
from .errors import CaseErrorCode

DOCX_TEMPLATE = Path(__file__).resolve().parent / "forms" / "document.docx"


def _display(element, value, officers: dict) -> str:
    if element.kind == "bool":
        return "是" if value else "否"
    if value in (None, ""):
        return ""
    if element.kind == "datetime":
        return f"{timezone.localtime(dt.datetime.fromisoformat(value)):%Y年%m月%d日 %H时%M分}"
    if element.kind == "officers":
        return "、".join(officers.get(pk, str(pk)) for pk in value)
    if element.kind == "choice":
        return dict(element.choices).get(value, value)
    if element.kind == "choices":  # a list of codes printed "['seize']" on the page and in the sealed PDF
        labels = dict(element.choices)
        return "、".join(labels.get(v, str(v)) for v in value) if isinstance(value, list) else str(value)
    return str(value)


def element_rows(document, officers: dict) -> list[dict]:
    """[{label, value}] in the form's order, values as a person reads them. (Templates must not walk
    `elements.items`: a form with an element named "items" would shadow the dict method.)"""
    return [{"label": e.label, "value": _display(e, document.elements.get(e.name), officers)}
            for e in FORMS[document.form].elements]


def document_context(document) -> dict:
    case = document.case
    form = FORMS[document.form]
    officers = {o.person_id: f"{o.person.name}（执法证号 {o.certificate_number}）"
                for o in case.officers.select_related("person")}
    rows = element_rows(document, officers)
    if document.supersedes_id:
        rows.append({"label": "更正说明", "value": f"本件为第 {document.version} 版，更正原因：{document.correction_reason}"})
    # Issue 14 §9: a row stored before invisible control characters were refused prints them as [U+202E], so a
    # right-to-left override cannot make "gnp.exe" read "exe.png" under the agency's seal, in PDF or Word.
    rows = [{"label": row["label"], "value": reveal_invisible(row["value"])} for row in rows]
    return {"agency": reveal_invisible(case.agency.name), "title": form.title,
            "number": reveal_invisible(f"{case.number}（第 {document.version} 版）"), "case": case, "rows": rows,
            "issued": reveal_invisible(f"{case.agency.name}　{timezone.localdate():%Y年%m月%d日}")}


def _require_fonts() -> None:
    """WeasyPrint falls back silently to empty boxes when a font is missing; refuse instead. The fonts
    ship with the code, so this fails only on a broken checkout (e.g. Git LFS pointers)."""
    if problems := fonts.problems():
        raise ZhifaError(CaseErrorCode.RENDERING_UNAVAILABLE,
                         f"文书字体文件（zhifa/core/fonts）缺失或损坏：{'；'.join(problems)}，无法生成 PDF 文书。")


def html_to_pdf(html: str) -> bytes:
    """Every PDF the product prints (documents, the annual report): the bundled fonts checked, Pango present,
    one font configuration per process."""
    _require_fonts()
    html = reveal_invisible(html)  # issue 14 §9: nothing printed reads differently from what is stored
    try:
        import weasyprint  # noqa: F401 — loads Pango
    except OSError as exc:  # Pango is missing on this machine
        raise ZhifaError(CaseErrorCode.RENDERING_UNAVAILABLE,
                         f"服务器缺少 PDF 排版所需的 Pango 库（Debian：apt install libpango-1.0-0 libpangoft2-1.0-0）：{exc}") from exc
    return fonts.write_pdf(html)


def render_pdf(document) -> bytes:
    return html_to_pdf(render_to_string("cases/print/document.html", document_context(document)))


def render_docx(document) -> bytes:
    from docxtpl import DocxTemplate

    template = DocxTemplate(str(DOCX_TEMPLATE))
    template.render(document_context(document))
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
