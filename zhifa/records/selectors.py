"""Reads about AV records: mandatory coverage (REC-03), gaps (REC-07), late uploads (REC-08, REC-17)."""

import datetime as dt

from django.utils import timezone

from zhifa.cases.doctypes import FORMS
from zhifa.cases.doctypes import activities_of as doctype_activities
from zhifa.cases.events import CONTENT_READ
from zhifa.ledger.selectors import recent_payloads
from zhifa.ledger.services import actor_label
from zhifa.org import permissions as org_perms
from zhifa.rules.catalogue import AV_IMPLIES, AV_ITEMS
from zhifa.rules.selectors import rule_get, rule_resolver

from .events import RECORDING_PLAYED
from .models import InterruptionNote, Recording

# Two clips this close are one continuous recording (the camera's own file splitting), and a recording that
# starts or ends this close to the record's times covers them.
GAP_TOLERANCE = dt.timedelta(seconds=60)
# Containers FFmpeg reads as a single picture: evidence photos, not recordings.
_STILL_FORMATS = ("png_pipe", "jpeg_pipe", "gif", "webp_pipe", "bmp_pipe", "tiff_pipe", "image2", "heif")


def activities_of(document) -> tuple[str, ...]:
    return doctype_activities(document.form, document.elements)


def is_recording(recording) -> bool:
    """Audio or video with a duration read from the media itself (REC-03): a still image is an evidence
    photo, whatever its uploader called it."""
    fmt = (recording.media_format or "").split(",")[0]
    return bool(recording.duration_seconds and recording.duration_seconds > 0 and fmt not in _STILL_FORMATS)


def effective_end(recording) -> dt.datetime:
    """Where a clip really ends: its start plus the duration read from the media, never later than the end its
    uploader gave. A 2-second clip does not cover two hours because its metadata says so."""
    return min(recording.ended_at, recording.started_at + dt.timedelta(seconds=recording.duration_seconds or 0))


def _moment(value) -> dt.datetime | None:
    """A record's stored time; None when it has none or holds something that is not a time (old or pushed data)."""
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None
    return timezone.make_aware(moment) if moment is not None and timezone.is_naive(moment) else moment


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
    the versions it corrects}; recordings: ordered by start; notes: {(before_id, after_id)} (after_id None:
    recording could not resume); mandatory_for(document) -> the set of mandatory AV items in force for it.
    """
    docs, chains = documents
    problems = []
    for document in docs:
        activities = activities_of(document)
        if not activities:
            continue
        listed = mandatory_for(document)
        # An activity that is itself one of a listed kind counts (限制人身自由 is "直接涉及人身自由", IM-M §17).
        required = [a for a in activities if a in listed or AV_IMPLIES.get(a) in listed]
        if not required:
            continue
        title = FORMS[document.form].title
        what = AV_ITEMS[required[0]]
        chain = chains[document.pk]
        linked = [r for r in recordings if r.document_id in chain]
        clips = [r for r in linked if is_recording(r)]
        if not clips:
            problems.append(("missing_recording", f"《{title}》记载的{what}应当全程音像记录，尚无音像记录"
                             + ("（已上传的照片不是音像记录）" if linked else "")))
            continue
        # REC-06 (IM-M §19; AZ-R §13–14): the device was checked and the recording opens with the spoken
        # statement; a clip after a noted interruption opens with the reason instead (REC-07).
        if not (clips[0].device_checked and clips[0].opening_statement):
            problems.append(("no_opening_statement",
                             f"《{title}》的音像记录未载明记录前检查设备、开始时语音说明时间、地点、执法人员、事由和对象"))
        # REC-03 / REC-07: the clips, by what the media really hold, run without an unexplained break from the
        # record's start to its end (IM-M §19: 自现场执法开始至现场执法结束不间断进行; AZ-R §14).
        begin, end = _moment(document.elements.get("time")), _moment(document.elements.get("end_time"))
        if begin is None or end is None:
            problems.append(("not_covered", f"《{title}》未载明现场执法的开始和结束时间，无法核对{what}是否全程音像记录"))
            continue
        problems += [(kind, f"《{title}》{sentence}") for kind, sentence in _coverage(clips, begin, end, notes, what)]
    return problems


def _coverage(clips, begin: dt.datetime, end: dt.datetime, notes, what: str) -> list[tuple[str, str]]:
    """Sweep the clips (by start) over [begin, end], keeping the furthest end reached: overlapping clips never
    make a false gap, a clip from another day does not cover this record, and a note that recording could not
    resume excuses the rest only when it follows the last clip."""
    window = [c for c in clips if effective_end(c) > begin - GAP_TOLERANCE and c.started_at < end + GAP_TOLERANCE]
    if not window:
        return [("not_covered", f"记载的{what}自 {timezone.localtime(begin):%Y-%m-%d %H:%M} 至 "
                                f"{timezone.localtime(end):%H:%M}，已上传的音像记录都不在这段时间内")]
    out = []
    first = window[0]
    if first.started_at - begin > GAP_TOLERANCE:
        out.append(("not_covered", f"记载的{what}自 {timezone.localtime(begin):%Y-%m-%d %H:%M} 开始，音像记录自 "
                                   f"{timezone.localtime(first.started_at):%H:%M:%S} 才开始，未覆盖开始部分"))
    reach, furthest = effective_end(first), first
    for clip in window[1:]:
        if clip.started_at - reach > GAP_TOLERANCE and (furthest.pk, clip.pk) not in notes:
            out.append(("gap_without_note", f"的音像记录在 {timezone.localtime(reach):%Y-%m-%d %H:%M:%S} 至 "
                                            f"{timezone.localtime(clip.started_at):%H:%M:%S} 中断，尚无中断说明"))
        if effective_end(clip) > reach:
            reach, furthest = effective_end(clip), clip
    could_not_resume = furthest is window[-1] and (furthest.pk, None) in notes
    if end - reach > GAP_TOLERANCE and not could_not_resume:
        out.append(("not_covered", f"记载的{what}至 {timezone.localtime(end):%Y-%m-%d %H:%M} 结束，音像记录（按媒体实际时长）"
                                   f"只到 {timezone.localtime(reach):%H:%M:%S}，未覆盖全过程"))
    return out


def document_moment(document) -> dt.date:
    moment = _moment(document.elements.get("time"))
    return timezone.localdate(moment) if moment else timezone.localdate()


def av_problems_for_advance(case) -> list[str]:
    """REC-03, REC-06 and REC-07: every record of an activity on the jurisdiction's mandatory list is
    covered by recordings that open properly, and every gap between them is explained by a note."""
    # One query for the list's versions, not one per document (each document is judged as of its own date).
    resolve = rule_resolver("recording.mandatory_av")

    def mandatory_for(document) -> set:
        as_of = document_moment(document)
        value = resolve(case.place, as_of)
        if value is None:  # no node sets it: rule_get raises the clear "rule not set" error
            value = rule_get("recording.mandatory_av", jurisdiction=case.place, as_of=as_of).value
        return set(value)

    return [sentence for _kind, sentence in av_problems(
        documents=current_with_chains(list(case.documents.order_by("recorded_at", "id"))),
        recordings=list(Recording.objects.filter(case=case).order_by("started_at", "id")),
        notes={(n.before_id, n.after_id) for n in InterruptionNote.objects.filter(case=case)},
        mandatory_for=mandatory_for)]


def recordings_for(case):
    return (Recording.objects.filter(case=case).select_related("device", "officer", "blob", "deadline", "document")
            .order_by("started_at", "id"))


def late_recordings_for(*, actor):
    """REC-17: recordings uploaded after their deadline, in the actor's scope."""
    scope = org_perms.scope_for(actor, "cases.view")
    return (Recording.objects.filter(scope.agency_q("case__agency__"), deadline__late=True)
            .select_related("case", "officer", "deadline").order_by("-uploaded_at"))


# REC-15: one playback, one log entry, whatever ranges the player asks for. The server decides what a playback is:
# the same reader's requests for the same clip within this window (under the same consultation, for a reader
# outside the case). Never the Range header: a client chooses it, and `bytes=1-` or `bytes=0-999999999` would
# otherwise fetch a whole clip unlogged (issue 14, review #7).
PLAYBACK_LOG_WINDOW = dt.timedelta(minutes=10)


def playback_logged(*, actor, case, recording, consultation=None) -> bool:
    """Whether this reader's playback of this clip is already in the log within PLAYBACK_LOG_WINDOW."""
    since = timezone.now() - PLAYBACK_LOG_WINDOW
    for kind, payload in recent_payloads(subject=f"cases.case:{case.pk}", actor=actor_label(actor),
                                         kinds=(CONTENT_READ, RECORDING_PLAYED), since=since):
        if payload.get("recording") != recording.pk:
            continue
        if consultation is None and kind == RECORDING_PLAYED:
            return True
        if consultation is not None and kind == CONTENT_READ and payload.get("consultation") == consultation.pk:
            return True
    return False
