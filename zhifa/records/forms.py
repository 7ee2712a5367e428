"""What the recording upload form offers: the documents a clip can be linked to, named as an officer reads them,
and the values the form opens with when a to-do sends the officer to upload the recording of one record."""

import datetime as dt

from django.utils import timezone

from zhifa.cases.numbering import numbers_in_case
from zhifa.cases.selectors import current_documents
from zhifa.core.bounds import parse_moment
from zhifa.rules.catalogue import AV_ITEMS

from .selectors import activities_of


def work_period(document) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The work a record states, local time: its `time` and `end_time` elements (None where it has none, or holds
    something that is not a time). An end before the start is not an end."""
    begin, end = parse_moment(document.elements.get("time")), parse_moment(document.elements.get("end_time"))
    begin = timezone.localtime(begin) if begin else None
    end = timezone.localtime(end) if end and (begin is None or end >= begin) else None
    return begin, (end if begin else None)


def _when(document) -> str:
    """"11-26 02:16–02:56 的执法活动": the time of the work the clip must cover (issue 18 tryout, defect 7: the
    record's creation time made a wrong link easy). The year is given when it is not this year; an end on another
    day gives its date. A record without a work time falls back to when it was recorded, and says so."""
    begin, end = work_period(document)
    if begin is None:
        return f"{timezone.localtime(document.recorded_at):%Y-%m-%d %H:%M} 录入"
    day = "%m-%d" if begin.year == timezone.localdate().year else "%Y-%m-%d"
    text = begin.strftime(f"{day} %H:%M")
    if end is not None and end != begin:
        text += "–" + end.strftime("%H:%M" if end.date() == begin.date() else f"{day} %H:%M")
    return f"{text} 的执法活动"


def document_label(document, number: str = "") -> str:
    """"《询问笔录》（第1版）· 11-26 02:16–02:56 的执法活动", with the 文号 after the title where the document has one
    ("《查封、扣押决定书》东市监强制〔2026〕3号（第1版）· …"). Issue 18 §2: "filing_approval · 11-30 14:51" led an
    officer to link a video to the wrong document."""
    return f"《{document.get_form_display()}》{number}（第{document.version}版）· {_when(document)}"


def document_choices(case, documents=None) -> list[tuple]:
    """(document, label) for the documents in force, oldest first: three queries whatever their number."""
    numbers = numbers_in_case(case)
    documents = current_documents(case) if documents is None else documents
    return [(document, document_label(document, numbers.get(document.pk, ""))) for document in documents]


def _local_input(moment: dt.datetime | None) -> str:
    """A moment as a datetime-local field holds it."""
    return moment.strftime("%Y-%m-%dT%H:%M") if moment else ""


def upload_initial(query, documents) -> dict:
    """The upload form's opening values from a to-do's link (`?document=<id>&activity=<code>`): the document only
    when it is one of the case's documents in force, the activity only when it is on the AV list; anything else is
    ignored. A chosen document gives the times and place of the work it records, and, without a valid activity in
    the link, the first activity it states."""
    initial = {}
    document = next((d for d in documents if str(d.pk) == str(query.get("document", "")).strip()), None)
    activity = str(query.get("activity", "")).strip()
    if activity in AV_ITEMS:
        initial["activity"] = activity
    if document is not None:
        initial["document"] = str(document.pk)
        begin, end = work_period(document)
        initial["started_at"], initial["ended_at"] = _local_input(begin), _local_input(end)
        place = document.elements.get("place")
        if isinstance(place, str) and place.strip():
            initial["place"] = place.strip()
        stated = [a for a in activities_of(document) if a in AV_ITEMS]
        if "activity" not in initial and stated:
            initial["activity"] = stated[0]
    return {k: v for k, v in initial.items() if v}
