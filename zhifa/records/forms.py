"""What the recording upload form offers: the documents a clip can be linked to, named as an officer reads them."""

from django.utils import timezone

from zhifa.cases.numbering import numbers_in_case
from zhifa.cases.selectors import current_documents


def document_label(document, number: str = "") -> str:
    """"《查封、扣押决定书》东市监强制〔2026〕3号（第1版）· 2026-11-30 14:51": the title, the 文号 where the document
    has one, the version and the full date and time it was recorded (issue 18 §2: "filing_approval · 11-30 14:51"
    led an officer to link a video to the wrong document)."""
    recorded = timezone.localtime(document.recorded_at)
    return f"《{document.get_form_display()}》{number}（第{document.version}版）· {recorded:%Y-%m-%d %H:%M}"


def document_choices(case) -> list[tuple]:
    """(document, label) for the documents in force, oldest first."""
    numbers = numbers_in_case(case)
    return [(document, document_label(document, numbers.get(document.pk, ""))) for document in current_documents(case)]
