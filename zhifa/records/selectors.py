"""Reads about AV records: mandatory coverage (REC-03), gaps (REC-07), late uploads (REC-08, REC-17)."""

import datetime as dt

from django.utils import timezone

from zhifa.cases.doctypes import FORMS
from zhifa.org import permissions as org_perms
from zhifa.rules.catalogue import AV_ITEMS
from zhifa.rules.selectors import rule_get

from .models import InterruptionNote, Recording

# Which AV-list activities a record of each form documents (IM-M §17; AZ-R §10–11).
FORM_ACTIVITIES = {
    "seizure_decision": ("seal", "seize"),
    "hearing_record": ("hearing",),
    "inspection_record": ("evidence_taking", "dispute_prone_onsite"),
    "inquiry_record": ("evidence_taking",),
}
SERVICE_ACTIVITIES = {"leaving": "service_by_leaving", "public_notice": "service_by_public_notice"}
# Two clips this close are one continuous recording (the camera's own file splitting).
GAP_TOLERANCE = dt.timedelta(seconds=60)


def activities_of(document) -> tuple[str, ...]:
    if document.form == "service_receipt":
        method = SERVICE_ACTIVITIES.get(document.elements.get("service_method", ""))
        return (method,) if method else ()
    return FORM_ACTIVITIES.get(document.form, ())


def current_with_chains(documents) -> tuple[list, dict[int, set[int]]]:
    """From every version of some documents (loaded once): the current ones, in the given order, and
    for each the ids of the versions it corrects, itself included."""
    by_pk = {d.pk: d for d in documents}
    superseded = {d.supersedes_id for d in documents if d.supersedes_id}
    current, chains = [], {}
    for d in documents:
        if d.pk in superseded:
            continue
        chain, cur = set(), d
        while cur is not None:
            chain.add(cur.pk)
            cur = by_pk.get(cur.supersedes_id)
        current.append(d)
        chains[d.pk] = chain
    return current, chains


def av_problems(*, documents, recordings, notes, mandatory_for) -> list[tuple[str, str]]:
    """(kind, sentence) for each REC-03/06/07 problem of one case, from rows already loaded.

    documents: the case's current documents (each with .supersedes_id), plus `chains` {doc pk: ids of
    the versions it corrects}; recordings: ordered by start; notes: {(before_id, after_id)};
    mandatory_for(document) -> the set of mandatory AV items in force for it.
    """
    docs, chains = documents
    problems = []
    for document in docs:
        activities = activities_of(document)
        if not activities:
            continue
        required = [a for a in activities if a in mandatory_for(document)]
        if not required:
            continue
        title = FORMS[document.form].title
        chain = chains[document.pk]
        clips = [r for r in recordings if r.document_id in chain]
        if not clips:
            problems.append(("missing_recording", f"《{title}》记载的{AV_ITEMS[required[0]]}应当全程音像记录，尚无音像记录"))
            continue
        # REC-06 (IM-M §19; AZ-R §13–14): the device was checked and the recording opens with the spoken
        # statement; a clip after a noted interruption opens with the reason instead (REC-07).
        if not (clips[0].device_checked and clips[0].opening_statement):
            problems.append(("no_opening_statement",
                             f"《{title}》的音像记录未载明记录前检查设备、开始时语音说明时间、地点、执法人员、事由和对象"))
        for before, after in zip(clips, clips[1:], strict=False):
            if after.started_at - before.ended_at > GAP_TOLERANCE and (before.pk, after.pk) not in notes:
                problems.append(("gap_without_note",
                                 f"《{title}》的音像记录在 {timezone.localtime(before.ended_at):%Y-%m-%d %H:%M} 至 "
                                 f"{timezone.localtime(after.started_at):%H:%M} 中断，尚无中断说明"))
    return problems


def document_moment(document) -> dt.date:
    moment = document.elements.get("time")
    return dt.datetime.fromisoformat(moment).date() if moment else timezone.localdate()


def av_problems_for_advance(case) -> list[str]:
    """REC-03, REC-06 and REC-07: every record of an activity on the jurisdiction's mandatory list is
    covered by recordings that open properly, and every gap between them is explained by a note."""
    return [sentence for _kind, sentence in av_problems(
        documents=current_with_chains(list(case.documents.order_by("recorded_at", "id"))),
        recordings=list(Recording.objects.filter(case=case).order_by("started_at", "id")),
        notes={(n.before_id, n.after_id) for n in InterruptionNote.objects.filter(case=case)},
        mandatory_for=lambda d: set(rule_get("recording.mandatory_av", jurisdiction=case.place,
                                             as_of=document_moment(d)).value))]


def recordings_for(case):
    return (Recording.objects.filter(case=case).select_related("device", "officer", "blob", "deadline", "document")
            .order_by("started_at", "id"))


def late_recordings_for(*, actor):
    """REC-17: recordings uploaded after their deadline, in the actor's scope."""
    scope = org_perms.scope_for(actor, "cases.view")
    return (Recording.objects.filter(scope.agency_q("case__agency__"), deadline__late=True)
            .select_related("case", "officer", "deadline").order_by("-uploaded_at"))
