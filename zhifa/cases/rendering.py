"""Text records rendered from templates (REC-02: standard formats; electronic and paper agree).

PDF: the form's HTML template through WeasyPrint, with the Noto CJK fonts embedded, then sealed with
the agency's PAdES signature (signing.py). DOCX: the docxtpl template forms/document.docx, for
agencies that print from Word. Both are issued once per document version and kept in the evidence
store with a log entry (services.document_issue), so a later download is byte-for-byte what was issued.
"""

import datetime as dt
import io
import shutil
import subprocess
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone

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
    return {"agency": case.agency.name, "title": form.title, "number": f"{case.number}（第 {document.version} 版）",
            "case": case, "rows": rows, "issued": f"{case.agency.name}　{timezone.localdate():%Y年%m月%d日}"}


def _require_fonts() -> None:
    """WeasyPrint falls back silently to boxes when no CJK font is installed; refuse instead."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        raise ZhifaError(CaseErrorCode.RENDERING_UNAVAILABLE, "服务器缺少 fontconfig，无法生成 PDF 文书。")
    found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    if "Noto" not in found and "CJK" not in found and not found.strip():
        raise ZhifaError(CaseErrorCode.RENDERING_UNAVAILABLE,
                         "服务器未安装中文字体（Debian：apt install fonts-noto-cjk），无法生成 PDF 文书。")


def render_pdf(document) -> bytes:
    _require_fonts()
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango is missing on this machine
        raise ZhifaError(CaseErrorCode.RENDERING_UNAVAILABLE,
                         f"服务器缺少 PDF 排版所需的 Pango 库（Debian：apt install libpango-1.0-0 libpangoft2-1.0-0）：{exc}") from exc
    html = render_to_string("cases/print/document.html", document_context(document))
    return HTML(string=html).write_pdf()


def render_docx(document) -> bytes:
    from docxtpl import DocxTemplate

    template = DocxTemplate(str(DOCX_TEMPLATE))
    template.render(document_context(document))
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
