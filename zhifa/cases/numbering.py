"""文号: the number an agency gives each outgoing legal document (issue 18 §2, REC-02).

Chinese practice numbers documents per agency, per year and per kind of document: the agency's abbreviation
(机关代字, `Agency.abbreviation`, e.g. "东市监"), the kind characters of the form (`DocForm.number_kind`, e.g.
"罚决"), the year in 六角括号 and the serial: "东市监罚决〔2026〕9号" (GB/T 9704-2012 §7.2.4 for 发文字号; the
市场监管 行政处罚文书格式范本 (2021) number their 决定书 and 告知书 the same way). Records (笔录) and internal forms
(审批表、报告) carry no 文号; they print the case number.

A number is given once, when the first version of a document is first issued, and a corrected version keeps it
(a correction is the same document), with the document's date (成文日期, `DocumentNumber.issued_on`): the day of that
first issue, printed by every rendition and the case-file index.

One numbering mechanism, as for case numbers (`services.case_open`): the agency's row is locked
(select_for_update), then the serial is the last one plus one. `ensure_number` is called inside the transaction that
renders, signs and stores the rendition carrying the number (`services._issue`), so the lock is held until that
transaction ends and a failure in rendering, signing or storage rolls the number back with it: a serial is spent
only on a document that was issued. The unique constraint (agency, year, kind, serial) stays as a guard. The row is
append-only and its assignment is logged (cases.document_numbered).
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from zhifa.core.errors import ZhifaError
from zhifa.org.models import Agency

from . import events
from .doctypes import FORMS
from .errors import CaseErrorCode
from .models import Document, DocumentNumber
from .selectors import document_numbers

ABBREVIATION_MISSING = CaseErrorCode.ABBREVIATION_MISSING


def first_version(document: Document) -> Document:
    """The first version of a document's chain of corrections: the one that holds the number."""
    while document.supersedes_id:
        document = document.supersedes
    return document


def number_for(document: Document) -> str:
    """The document's 文号, or "" when it has none (yet, or by its kind)."""
    record = record_for(document)
    return record.text if record is not None else ""


def numbers_in_case(case) -> dict[int, str]:
    """{document id: 文号} for every version of every numbered document of the case, in one query
    (selectors.document_numbers; a list of documents must not look each number up: `number_for` walks a chain per
    document)."""
    return document_numbers(Document.objects.filter(case=case).values_list("id", flat=True))


def format_number(abbreviation: str, kind: str, year: int, serial: int) -> str:
    return f"{abbreviation}{kind}〔{year}〕{serial}号"


def record_for(document: Document) -> DocumentNumber | None:
    """The number record of the document's chain of versions, if it has one."""
    if document.pk is None:
        return None
    return DocumentNumber.objects.filter(document=first_version(document)).first()


def ensure_number(document: Document, *, actor) -> DocumentNumber | None:
    """Give the document its 文号 if its form carries one and it has none yet; return the record (None for a form
    without number). Call it inside the transaction that issues the document: the agency's row stays locked until
    that transaction ends, and rolling it back gives the serial back.

    Refuses, with a message the administrator can act on, when the agency has no abbreviation: a made-up number on
    a sealed decision would be worse than none."""
    kind = FORMS[document.form].number_kind
    if not kind:
        return None
    root = first_version(document)
    agency = document.case.agency
    abbreviation = (agency.abbreviation or "").strip()
    with transaction.atomic():
        Agency.objects.select_for_update(of=("self",)).filter(pk=agency.pk).first()  # serialise numbering
        existing = DocumentNumber.objects.filter(document=root).first()  # read after the lock: numbered meanwhile?
        if existing is not None:
            return existing
        if not abbreviation:
            form = FORMS[document.form]
            raise ZhifaError(ABBREVIATION_MISSING,
                             f"“{agency.name}”尚未设置文书简称（机关代字），无法为{form.print_title or form.title}编制文号。"
                             "请系统管理员在“执法主体”中填写“文书简称”（如“东市监”）后再签发。")
        today = timezone.localdate()
        year = today.year
        last = (DocumentNumber.objects.filter(agency=agency, year=year, kind=kind)
                .aggregate(last=Max("serial"))["last"] or 0)
        serial = last + 1
        text = format_number(abbreviation, kind, year, serial)
        entry = events.document_numbered(document.case, actor=actor, document=root.pk, form=document.form,
                                         number=text, year=year, kind=kind, serial=serial)
        return DocumentNumber.objects.create(document=root, agency=agency, year=year, kind=kind, serial=serial,
                                             text=text, issued_on=today, entry=entry)
