"""Reads about AV records: mandatory coverage (REC-03), gaps (REC-07), late uploads (REC-08, REC-17)."""

import datetime as dt

from django.utils import timezone

from zhifa.cases.doctypes import FORMS
from zhifa.cases.selectors import current_documents
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


def _chain_ids(document) -> set[int]:
    ids, d = set(), document
    while d is not None:
        ids.add(d.pk)
        d = d.supersedes
    return ids


def av_problems_for_advance(case) -> list[str]:
    """REC-03 and REC-07: every record of an activity on the jurisdiction's mandatory list is covered by
    recordings, and every gap between them is explained by an interruption note."""
    problems = []
    recordings = list(Recording.objects.filter(case=case).order_by("started_at", "id"))
    notes = {(n.before_id, n.after_id) for n in InterruptionNote.objects.filter(case=case)}
    for document in current_documents(case):
        activities = activities_of(document)
        if not activities:
            continue
        moment = document.elements.get("time")
        on = dt.datetime.fromisoformat(moment).date() if moment else timezone.localdate()
        mandatory = set(rule_get("recording.mandatory_av", jurisdiction=case.place, as_of=on).value)
        required = [a for a in activities if a in mandatory]
        if not required:
            continue
        title = FORMS[document.form].title
        chain = _chain_ids(document)
        clips = [r for r in recordings if r.document_id in chain]
        if not clips:
            problems.append(f"《{title}》记载的{AV_ITEMS[required[0]]}应当全程音像记录，尚无音像记录")
            continue
        for before, after in zip(clips, clips[1:], strict=False):
            if after.started_at - before.ended_at > GAP_TOLERANCE and (before.pk, after.pk) not in notes:
                problems.append(f"《{title}》的音像记录在 {timezone.localtime(before.ended_at):%H:%M} 至 "
                                f"{timezone.localtime(after.started_at):%H:%M} 中断，尚无中断说明")
    return problems


def recordings_for(case):
    return (Recording.objects.filter(case=case).select_related("device", "officer", "blob", "deadline", "document")
            .order_by("started_at", "id"))


def late_recordings_for(*, actor):
    """REC-17: recordings uploaded after their deadline, in the actor's scope."""
    scope = org_perms.scope_for(actor, "cases.view")
    return (Recording.objects.filter(scope.agency_q("case__agency__"), deadline__late=True)
            .select_related("case", "officer", "deadline").order_by("-uploaded_at"))
