"""Writes of AV records: devices (REC-10), uploads with their deadline (REC-08), interruption notes (REC-07)."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from zhifa.core import workdays
from zhifa.core.errors import ZhifaError
from zhifa.ledger.services import Received, evidence_publish, evidence_put, record_event
from zhifa.org import permissions as org_perms
from zhifa.org.selectors import officer_assert_eligible, officer_eligibility
from zhifa.rules.catalogue import AV_ITEMS
from zhifa.rules.selectors import rule_get

from . import events
from .errors import RecordErrorCode
from .models import Device, InterruptionNote, Recording, RecordingRoom, UploadDeadline
from .probe import NotPlayable, media_type, probe

CLOCK_SKEW = dt.timedelta(minutes=10)
NO_RULE = "本地区尚未设定音像记录上传时限"
# Leading bytes of the media formats field devices produce. A file that starts with none of them is
# refused before it is stored: a document or a corrupt upload must not pass as a recording.
_SIGNATURES = (
    (4, b"ftyp"),               # MP4, MOV, 3GP, M4A
    (0, b"RIFF"),               # WAV, AVI
    (0, b"ID3"), (0, b"\xff\xfb"), (0, b"\xff\xf3"), (0, b"\xff\xf2"),  # MP3
    (0, b"\xff\xd8\xff"),       # JPEG
    (0, b"\x89PNG\r\n\x1a\n"),  # PNG
    (0, b"\x1a\x45\xdf\xa3"),   # Matroska, WebM
    (0, b"#!AMR"),              # AMR voice recordings
    (0, b"OggS"),               # Ogg
    (0, b"\x47"),               # MPEG transport stream (many body cameras)
)


def _not_archived(case) -> None:
    if case.stage == "archive":
        raise ZhifaError(RecordErrorCode.ARCHIVED, "案件已归档，案卷已封存，不能再添加音像记录或说明。")


def is_media(head: bytes) -> bool:
    return any(head[offset:offset + len(sig)] == sig for offset, sig in _SIGNATURES)


def device_register(*, agency, kind: str, serial: str, actor, label: str = "") -> Device:
    org_perms.require(actor, "records.manage_devices", agency=agency)
    if not serial.strip():
        raise ZhifaError(RecordErrorCode.DEVICE_UNREGISTERED, "请填写设备编号。")
    try:
        with transaction.atomic():
            device = Device.objects.create(agency=agency, kind=kind, serial=serial.strip(), label=label.strip(),
                                           registered_by=actor)
            record_event(events.DEVICE_REGISTERED, subject=f"records.device:{device.pk}", actor=actor,
                         payload={"agency": agency.pk, "kind": kind, "serial": device.serial})
            return device
    except IntegrityError as exc:
        raise ZhifaError(RecordErrorCode.DUPLICATE, f"设备编号 {serial} 已登记。") from exc


def room_register(*, agency, kind: str, name: str, location: str, actor) -> RecordingRoom:
    org_perms.require(actor, "records.manage_devices", agency=agency)
    with transaction.atomic():
        room = RecordingRoom.objects.create(agency=agency, kind=kind, name=name.strip(), location=location.strip())
        record_event(events.ROOM_REGISTERED, subject=f"records.room:{room.pk}", actor=actor,
                     payload={"agency": agency.pk, "kind": kind, "name": room.name, "location": room.location})
        return room


def _end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def upload_due(limit: dict, ended_at: dt.datetime, *, remote: bool = False,
               returned_at: dt.datetime | None = None) -> tuple[dt.datetime | None, bool]:
    """(due_at or None, provisional) of a clip that ended at `ended_at` under a `recording.upload_limit` value
    (REC-08): the one computation of the deadline, for the upload and for the to-do list. Pure: no query.

    IM-M §20: 24 hours; remote work: as soon as conditions allow (no fixed moment, None).
    AZ-R §17: 2 working days (to the end of the last one); remote work: 2 working days after returning to the unit.
    """
    if remote:
        remote_rule = limit["remote"]
        if remote_rule["rule"] == "when_possible":
            return None, False
        if returned_at is None:
            raise ZhifaError(RecordErrorCode.RETURNED_AT, "按本地规定，异地、边远地区执法应当填写返回单位的时间。")
        start, amount, unit = returned_at, remote_rule["amount"], remote_rule["unit"]
    else:
        start, amount, unit = ended_at, limit["amount"], limit["unit"]
    if unit == "hours":
        return workdays.add_hours(start, amount).due, False
    deadline = workdays.add_working_days(timezone.localdate(start), amount)
    return _end_of_day(deadline.due), deadline.provisional


def upload_deadline(case, *, ended_at: dt.datetime, remote: bool, returned_at: dt.datetime | None):
    """(due_at or None, provisional, rule text) for a clip of `case` that ended at `ended_at` (REC-08), under the
    rule of the case's place on that day (`upload_due`)."""
    try:
        rule = rule_get("recording.upload_limit", jurisdiction=case.place, as_of=timezone.localdate(ended_at))
    except ZhifaError:
        # No rule up the tree (the national baseline sets none): the clip is still stored; its deadline
        # says why it has no date, and the justice bureau sees it in the deadline list.
        return None, False, NO_RULE
    source = f"{rule.version.source}（{rule.version.effective_from}）"
    due, provisional = upload_due(rule.value, ended_at, remote=remote, returned_at=returned_at)
    return due, provisional, source


def recording_officer_check(*, case, officer, started_at: dt.datetime) -> None:
    """ORG-03: the officer a recording names recorded enforcement work, so a certificate of the case's field covering
    its place must be in force on the day the recording began (not the day it is uploaded). Raises with the reason,
    before anything is stored; a separate function so that the resumable door can ask it before accepting a byte."""
    officer_assert_eligible(officer, field=case.agency.field, jurisdiction=case.place,
                            on=timezone.localdate(started_at))


def _late_upload_explained(*, case, officer, started_at: dt.datetime, reason: str) -> None:
    """A recording begun before today whose officer's certificate is no longer in force today is accepted only with
    the reason it comes now (review18 finding 1): `started_at` is typed by the uploader, and a recording dated to
    before the certificate lapsed would otherwise pass unseen. `records.findings` lists every such upload."""
    today = timezone.localdate()
    if timezone.localdate(started_at) >= today or reason.strip():
        return
    result = officer_eligibility(officer, field=case.agency.field, jurisdiction=case.place, on=today)
    if not result.ok:
        raise ZhifaError(result.code,
                         f"补传 {timezone.localdate(started_at):%Y-%m-%d} 的音像记录：{result.message.rstrip('。')}。"
                         "请在“原因”中说明此时才上传的原因；补传情况将列入执法全过程记录问题清单。",
                         details={"late_entry": True, "person": officer.pk})


def recording_metadata_check(*, case, device: Device, officer, activity: str, document, started_at: dt.datetime,
                             ended_at: dt.datetime, remote: bool, remote_reason: str) -> None:
    """Every check of a recording's metadata, in one place: the page and API upload call it through
    `recording_upload`, and the resumable door (records.tus) calls it when an upload is created, so a body camera
    learns of a wrong time or an uncertified officer before it sends a byte, not after the whole file (issue 18 §4)."""
    if device.agency_id != case.agency_id or not device.active:
        raise ZhifaError(RecordErrorCode.DEVICE_UNREGISTERED, "该设备未在本机关登记或已停用（国办发〔2018〕118号“规范音像记录”：明确执法音像记录的设备配备、使用规范）。")
    if not case.officers.filter(person=officer).exists():
        raise ZhifaError(RecordErrorCode.OFFICER, f"{officer.name}不是本案承办执法人员。")
    if activity not in AV_ITEMS:
        raise ZhifaError(RecordErrorCode.ACTIVITY, "请选择音像记录事项清单中的执法环节。")
    if document is not None and document.case_id != case.pk:
        raise ZhifaError(RecordErrorCode.DOCUMENT, "所关联的文书不属于本案。")
    if not started_at < ended_at or ended_at > timezone.now() + CLOCK_SKEW:
        raise ZhifaError(RecordErrorCode.TIMES, "开始时间应早于结束时间，且结束时间不能晚于现在。")
    recording_officer_check(case=case, officer=officer, started_at=started_at)
    _late_upload_explained(case=case, officer=officer, started_at=started_at, reason=remote_reason)
    if remote and not remote_reason.strip():
        raise ZhifaError(RecordErrorCode.REMOTE_REASON, "请说明连续执法、异地执法或边远地区执法未能按时上传的原因。")


def recording_upload(*, case, fileobj, device: Device, officer, activity: str, started_at: dt.datetime,
                     ended_at: dt.datetime, place: str, actor, document=None, remote: bool = False,
                     remote_reason: str = "", returned_at: dt.datetime | None = None, device_checked: bool = False,
                     opening_statement: bool = False, external_id: str = "", received: Received | None = None
                     ) -> Recording:
    """Store one clip through the evidence store and register it with its metadata and deadline.
    A clip pushed again under the same external ID (REC-09) is not stored twice: the first one is returned.
    Its type is the probe's (issue 14 §1): what the uploader declared is not an argument at all.

    `received`: `fileobj` is a local file already hashed as it arrived (records.tus); after the same media check
    it is published into the store by a rename instead of being copied and hashed again (issue 19 §4)."""
    org_perms.require(actor, "records.upload", agency=case.agency)
    _not_archived(case)
    if external_id:
        existing = Recording.objects.filter(case=case, external_id=external_id).first()
        if existing is not None:
            return existing
    recording_metadata_check(case=case, device=device, officer=officer, activity=activity, document=document,
                             started_at=started_at, ended_at=ended_at, remote=remote, remote_reason=remote_reason)
    head = fileobj.read(16)
    fileobj.seek(0)
    if not is_media(head):
        raise ZhifaError(RecordErrorCode.NOT_MEDIA, "该文件不是可识别的音视频或图片文件，未存储。")
    try:
        media = probe(fileobj)
    except NotPlayable as exc:
        raise ZhifaError(RecordErrorCode.NOT_MEDIA, "该文件已损坏或无法解析为音视频、图片，未存储。") from exc
    due_at, provisional, source = upload_deadline(case, ended_at=ended_at, remote=remote, returned_at=returned_at)
    name = getattr(fileobj, "name", "") or ""
    if received is not None:
        put = evidence_publish(received, actor=actor, content_type=media_type(media), name=name)
    else:
        put = evidence_put(fileobj, actor=actor, content_type=media_type(media), name=name)
    now = timezone.now()
    with transaction.atomic():
        entry = record_event(events.RECORDING_UPLOADED, subject=f"cases.case:{case.pk}", actor=actor, payload={
            "sha256": put.blob.sha256, "device": device.serial, "officer": officer.pk, "activity": activity,
            "document": document.pk if document else None, "started_at": started_at.isoformat(),
            "ended_at": ended_at.isoformat(), "place": place, "remote": remote,
            "device_checked": device_checked, "opening_statement": opening_statement, "external_id": external_id, "remote_reason": remote_reason,
            "due_at": due_at.isoformat() if due_at else None,
            # Canonical JSON has no floats: the duration is logged in whole milliseconds.
            "duration_ms": round(media.duration_seconds * 1000) if media.duration_seconds else None,
            "media_created_at": media.created_at.isoformat() if media.created_at else None,
        })
        recording = Recording.objects.create(
            case=case, document=document, activity=activity, device=device, officer=officer, blob=put.blob,
            started_at=started_at, ended_at=ended_at, place=place.strip(), remote=remote,
            remote_reason=remote_reason.strip(), returned_at=returned_at, recorded_by=actor, entry=entry,
            device_checked=device_checked, opening_statement=opening_statement, external_id=external_id,
            duration_seconds=media.duration_seconds, media_created_at=media.created_at, media_format=media.format[:60],
        )
        UploadDeadline.objects.create(recording=recording, due_at=due_at, provisional=provisional,
                                      late=bool(due_at and now > due_at), rule=source[:300])
        return recording


def interruption_note(*, case, before: Recording, after: Recording | None, reason: str, explanation: str, actor,
                      spoken_on_resume: bool = False, head_informed: bool = False) -> InterruptionNote:
    """IM-M §19; AZ-R §15: on restart the reason is stated by voice; if recording could not resume, the head
    is told and a written explanation is filed afterwards."""
    org_perms.require(actor, "records.upload", agency=case.agency)
    _not_archived(case)
    if before.case_id != case.pk or (after is not None and (after.case_id != case.pk or after.started_at < before.ended_at)):
        raise ZhifaError(RecordErrorCode.INTERRUPTION, "中断说明应当关联本案中前后相接的两段音像记录。")
    if not explanation.strip():
        raise ZhifaError(RecordErrorCode.INTERRUPTION, "请填写书面说明。")
    if after is not None and not spoken_on_resume:
        raise ZhifaError(RecordErrorCode.INTERRUPTION, "重新开始记录时应当对中断原因进行语音说明。")
    if after is None and not head_informed:
        raise ZhifaError(RecordErrorCode.INTERRUPTION, "确实无法继续记录的，应当向负责人报告。")
    with transaction.atomic():
        entry = record_event(events.INTERRUPTION_NOTED, subject=f"cases.case:{case.pk}", actor=actor, payload={
            "before": before.pk, "after": after.pk if after else None, "reason": reason,
            "explanation": explanation.strip(), "spoken_on_resume": spoken_on_resume, "head_informed": head_informed})
        return InterruptionNote.objects.create(case=case, before=before, after=after, reason=reason,
                                               explanation=explanation.strip(), spoken_on_resume=spoken_on_resume,
                                               head_informed=head_informed, written_by=actor, entry=entry)


@workdays.register_recompute
def recompute_provisional_deadlines(year: int) -> int:
    """Calendar year loaded: recompute the deadlines that were computed on weekends alone."""
    changed = 0
    for deadline in UploadDeadline.objects.filter(provisional=True).select_related("recording__case__place"):
        recording = deadline.recording
        due, provisional, source = upload_deadline(recording.case, ended_at=recording.ended_at, remote=recording.remote,
                                                   returned_at=recording.returned_at)
        deadline.due_at, deadline.provisional, deadline.rule = due, provisional, source[:300]
        deadline.late = bool(due and recording.uploaded_at > due)
        deadline.save(update_fields=["due_at", "provisional", "rule", "late"])
        changed += 1
    return changed
