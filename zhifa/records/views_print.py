"""The printed case file: cover, index with page numbers and note sheet (卷宗封面、卷内目录、备考表; issue 18 §2, REC-02,
REC-11). Read like the case file package: scoped, consulted (REC-15), logged."""

from django.http import Http404

from zhifa.cases.selectors import case_content_for
from zhifa.core import files
from zhifa.core.errors import NotFoundError
from zhifa.ledger.services import record_event

from . import events
from .casefile import case_file_print_pdf
from .views import asks_consultation  # the consultation rule of case pages (cases.views), via records.views


@asks_consultation
def case_file_print(request, pk):
    try:
        case = case_content_for(actor=request.user, id=pk, what="case_file", request=request)
    except NotFoundError:
        raise Http404 from None
    data = case_file_print_pdf(case)
    if case.consultation is None:  # a reader outside the case was logged by the consultation check
        record_event(events.CASE_FILE_EXPORTED, subject=f"cases.case:{case.pk}", actor=request.user,
                     payload={"number": case.number, "what": "cover_index"})
    return files.file_response(request, data, filename=f"{case.number}-卷宗封面及卷内目录.pdf",
                               content_type="application/pdf", generated=True)
