"""tus 1.0 resumable uploads for body cameras and phones (core + creation + termination + expiration extensions).

A field upload over a bad network resumes where it broke: each PATCH appends at the server's
offset and every byte that arrived is kept, even when the connection drops mid-request. When the
last byte arrives the file goes through `services.recording_upload` (media check, evidence store,
deadline, log) exactly like a browser upload.

Durability: a PATCH writes the body to the staged file as it arrives and, every ZHIFA_TUS_SYNC_BYTES or
ZHIFA_TUS_SYNC_SECONDS, fsyncs the file and only then records the new offset in the upload's row (its own short
autocommitted UPDATE). The row is the durable offset: it never names a byte that was not fsynced, so after a
crash (kill -9, power loss) HEAD answers an offset the client can resume from, and a torn or unsynced tail past
it is cut off by the next PATCH. The file's size is not used as the offset: after a power loss a file can be
longer than what reached the disk (a size whose last blocks read as zeros).

Written once, hashed once (issue 19 §4): the SHA-256 (and SM3 with ZHIFA_EVIDENCE_SM3) of the bytes is computed
as they arrive, and the digest of the durable prefix is recorded with each durable offset. When the last byte is
durable, the staged file is moved into the evidence store by a rename (`ledger.services.evidence_publish`), not
copied and hashed again. hashlib objects cannot be saved, so a PATCH that finds no live hash state of its own
(another process, a restart) hashes the durable prefix again from the disk, one read, and checks it against the
recorded digest; a PATCH of the same process continues its state if the staged file is unchanged since (same
inode, size, mtime and ctime). A staged file changed between PATCHes is caught either way: the upload fails and
nothing is stored.

Limits: a declared Upload-Length of at most ZHIFA_TUS_MAX_SIZE; per user at most ZHIFA_TUS_MAX_OPEN unfinished
uploads declaring at most ZHIFA_TUS_MAX_OPEN_BYTES together; an unfinished upload expires
ZHIFA_TUS_EXPIRY_HOURS after its last byte (Upload-Expires), then answers 410 and `cleanup_expired` (the
`tus_cleanup` command) removes its bytes and row. Under gunicorn each read of the body waits at most
ZHIFA_TUS_READ_TIMEOUT seconds; a sender that stalls longer ends its PATCH with what was received kept.

Auth: a bearer API token (devices), or the session with its CSRF token (browsers).
Metadata (Upload-Metadata, base64 values): case, device (serial), officer (person id), activity,
started_at, ended_at (ISO 8601), place, and optionally document, device_checked, opening_statement
("1"/"true": REC-06), external_id and document_external_id (REC-09: a clip already pushed under the
same external_id is refused at creation with 409 record_external_id_exists and its recording_id), remote, remote_reason,
returned_at, filename, filetype.
"""

import base64
import collections
import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from zhifa.cases.models import Document
from zhifa.cases.selectors import case_get_for
from zhifa.core.api import TokenAuth
from zhifa.core.bounds import normalise, parse_id, parse_moment, text_problem
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.core.files import clean_filename
from zhifa.ledger.services import Received, record_event
from zhifa.org import permissions as org_perms

from . import events, services
from .errors import RecordErrorCode
from .models import Device, Recording, TusUpload

VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
# One read of the body. Small enough that the time-based sync is checked often on a slow link (a WSGI read
# blocks until it has this much), large enough to cost nothing on a fast one.
READ_SIZE = 64 * 1024
# Where the digest of the durable prefix is kept in the row's metadata: a key no client can send (a tus
# metadata key is a token, `_KEY`, without ':'), written in the same UPDATE as the offset it belongs to.
RECEIVED_KEY = "zhifa:received"
# Live hash states of this process, by upload id (`_HashState`); a few hundred bytes each. An upload whose
# state was dropped (or that continues in another process) re-hashes its durable prefix once.
_STATES_MAX = 256
_STATES: "collections.OrderedDict[uuid.UUID, _HashState]" = collections.OrderedDict()
_STATES_LOCK = threading.Lock()  # PATCHes of different uploads may run in threads of one process


def staging_dir() -> Path:
    path = Path(getattr(settings, "ZHIFA_TUS_DIR", settings.DATA_DIR / "tus"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def max_size() -> int:
    return settings.ZHIFA_TUS_MAX_SIZE


def _expiry() -> dt.datetime:
    """tus Expiration: an unfinished upload lives this long after its last activity (creation or bytes)."""
    return timezone.now() + dt.timedelta(hours=settings.ZHIFA_TUS_EXPIRY_HOURS)


def _open_uploads(user):
    """The user's unfinished uploads that still count: not completed, failed, terminated or expired."""
    return TusUpload.objects.filter(created_by=user, recording__isnull=True, failed="", terminated=False,
                                    expires_at__gt=timezone.now())


def _fsync_dir(path: Path) -> None:
    """Make a new directory entry durable, so a crash cannot lose the staged file its row points at."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _identity(fh) -> tuple:
    """What changes when anyone writes the file: inode, size, mtime and ctime (ctime cannot be set back by a
    writer; Linux ≥ 6.13 gives a fine-grained ctime to a change made after the file was last examined)."""
    st = os.fstat(fh.fileno())
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


@dataclass
class _HashState:
    """The digests of the first `offset` bytes of a staged file, fed as the bytes are received."""

    offset: int = 0
    sha256: object = field(default_factory=hashlib.sha256)
    sm3: object = None
    identity: tuple = ()

    @classmethod
    def new(cls) -> "_HashState":
        return cls(sm3=hashlib.new("sm3") if settings.ZHIFA_EVIDENCE_SM3 else None)

    def update(self, data: bytes) -> None:
        self.sha256.update(data)
        if self.sm3 is not None:
            self.sm3.update(data)
        self.offset += len(data)

    def digests(self) -> dict:
        """{offset, sha256[, sm3]} of the bytes so far (copies: the state goes on)."""
        out = {"offset": self.offset, "sha256": self.sha256.copy().hexdigest()}
        if self.sm3 is not None:
            out["sm3"] = self.sm3.copy().hexdigest()
        return out


class _Altered(Exception):
    """The staged file no longer holds the bytes that were received: changed on disk between PATCHes."""


def _hash_state(fh, upload: TusUpload, durable: int) -> _HashState:
    """The hash state of the staged file's first `durable` bytes. This process's own state when the file is
    unchanged since it was kept; otherwise the prefix is read and hashed again (a second read, not a second
    write) and must give the digest recorded with the durable offset, or _Altered is raised."""
    with _STATES_LOCK:
        state = _STATES.pop(upload.id, None)
    if state is not None and state.offset == durable and state.identity == _identity(fh):
        return state
    state = _HashState.new()
    recorded = upload.metadata.get(RECEIVED_KEY)
    fh.seek(0)
    while state.offset < durable:
        data = fh.read(min(16 * READ_SIZE, durable - state.offset))
        if not data:
            raise _Altered
        state.update(data)
    # A row written before issue 19 has no recorded digest: its prefix is taken as it is, as it was then.
    if recorded is not None and durable > 0:
        ours = state.digests()
        if recorded.get("offset") != durable or any(recorded.get(k, ours[k]) != ours[k] for k in ours):
            raise _Altered
    return state


def _keep_state(upload: TusUpload, state: _HashState, fh) -> None:
    """Keep the state for this upload's next PATCH in this process, with the identity of the file as left."""
    state.identity = _identity(fh)
    with _STATES_LOCK:
        _STATES[upload.id] = state
        while len(_STATES) > _STATES_MAX:
            _STATES.popitem(last=False)


def _response(status: int, **headers) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Tus-Resumable"] = VERSION
    response["Cache-Control"] = "no-store"
    for key, value in headers.items():
        response[key.replace("_", "-")] = str(value)
    return response


def _error(status: int, code: str, message: str, **details) -> HttpResponse:
    body = {"code": code, "message": message} | ({"details": details} if details else {})
    response = HttpResponse(json.dumps(body, ensure_ascii=False), status=status,
                            content_type="application/json; charset=utf-8")
    response["Tus-Resumable"] = VERSION
    return response


def _authenticate(request):
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = TokenAuth().authenticate(request, header.split(" ", 1)[1].strip())
        return user
    if request.user.is_authenticated:
        if CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) is not None:
            return None
        return request.user
    return None


def _unauthenticated(request) -> HttpResponse:
    """401 with the reason the token auth found (expired, revoked), as the rest of the API answers it."""
    code, message = getattr(request, "zhifa_auth_error", (None, None))
    return _error(401, code or "unauthenticated", message or "请先登录或提供有效的接口令牌。")


METADATA_PAIRS = 32
METADATA_VALUE_CHARS = 2000
_KEY = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_NUMBER = re.compile(r"[0-9]{1,20}")


def _metadata(header: str) -> dict:
    """tus Upload-Metadata: comma-separated `key base64value` pairs. Anything else — a key that is not a token,
    a value that is not strict base64 or not UTF-8 text, NUL characters, too many or too long values — raises
    ValueError, which the caller answers with 400 (issue 13 §5)."""
    out = {}
    pairs = [p.strip() for p in header.split(",") if p.strip()]
    if len(pairs) > METADATA_PAIRS:
        raise ValueError("too many metadata pairs")
    for pair in pairs:
        key, _, value = pair.partition(" ")
        if not _KEY.fullmatch(key):
            raise ValueError(f"bad metadata key {key!r}")
        text = base64.b64decode(value.strip(), validate=True).decode() if value.strip() else ""
        if len(text) > METADATA_VALUE_CHARS or text_problem(text):
            raise ValueError(f"bad metadata value for {key}")
        # Issue 14 §9: typed values in NFC (invisible controls in them are refused when saved); the file name is
        # the device's, so its invisible controls and path are removed instead.
        out[key] = clean_filename(text) if key == "filename" else normalise(text)
    return out


def _number(header: str | None) -> int | None:
    """A tus length or offset header: plain decimal digits (no sign, spaces or underscores), or None."""
    value = (header or "").strip()
    return int(value) if _NUMBER.fullmatch(value) else None


def _moment(value: str | None):
    if not value:
        return None
    moment = parse_moment(value)
    if moment is None:
        raise ValueError(value)
    return moment


def _resolve(case, meta: dict, actor) -> dict:
    """Turn metadata into recording_upload arguments, with the same checks, before any byte is accepted."""
    device = Device.objects.filter(agency=case.agency, serial=meta.get("device", ""), active=True).first()
    if device is None:
        raise ZhifaError("record_device_unregistered", "该设备未在本机关登记或已停用。")
    officer = case.officers.filter(person_id=parse_id(meta.get("officer"))).select_related("person").first()
    if officer is None:
        raise ZhifaError("record_officer_not_assigned", "执法人员不是本案承办人员。")
    document = None
    if meta.get("document_external_id"):  # an external system names the record by its own ID (REC-09)
        document = (Document.objects.filter(case=case, external_id=meta["document_external_id"])
                    .order_by("-version").first())
        while document is not None and hasattr(document, "superseded_by"):
            document = document.superseded_by
        if document is None:
            raise ZhifaError("record_document_not_in_case", "所关联的文书不属于本案。")
    elif meta.get("document"):
        document = Document.objects.filter(pk=parse_id(meta["document"]), case=case).first()
        if document is None:
            raise ZhifaError("record_document_not_in_case", "所关联的文书不属于本案。")
    try:
        started, ended, returned = _moment(meta.get("started_at")), _moment(meta.get("ended_at")), _moment(meta.get("returned_at"))
    except ValueError:
        raise ZhifaError("record_times_invalid", "时间应为 ISO 8601 格式。") from None
    if started is None or ended is None:
        raise ZhifaError("record_times_invalid", "请提供开始和结束时间。")
    remote = meta.get("remote") in ("1", "true")
    # The upload's own checks, now rather than after the last byte (issue 18 §4): times, activity, certificate.
    services.recording_metadata_check(case=case, device=device, officer=officer.person, activity=meta.get("activity", ""),
                                      document=document, started_at=started, ended_at=ended, remote=remote,
                                      remote_reason=meta.get("remote_reason", ""))
    return dict(case=case, device=device, officer=officer.person, activity=meta.get("activity", ""), started_at=started,
                ended_at=ended, place=meta.get("place", ""), document=document, remote=remote,
                remote_reason=meta.get("remote_reason", ""), returned_at=returned,
                actor=actor,
                device_checked=meta.get("device_checked") in ("1", "true"),
                opening_statement=meta.get("opening_statement") in ("1", "true"),
                external_id=meta.get("external_id", "")[:100])


@csrf_exempt
def collection(request):
    if request.method == "OPTIONS":
        return _response(204, Tus_Version=VERSION, Tus_Extension=EXTENSIONS, Tus_Max_Size=max_size())
    if request.method != "POST":
        return _error(405, "method_not_allowed", "不支持的请求方法。")
    if request.headers.get("Tus-Resumable") != VERSION:
        return _response(412, Tus_Version=VERSION)
    user = _authenticate(request)
    if user is None:
        return _unauthenticated(request)
    try:
        length = _number(request.headers.get("Upload-Length"))
        meta = _metadata(request.headers.get("Upload-Metadata", ""))
        if length is None:
            raise ValueError("Upload-Length")
    except ValueError:
        return _error(400, "invalid_input", "Upload-Length 或 Upload-Metadata 格式不正确。")
    if length <= 0:
        return _error(400, "evidence_empty_file", "文件为空。")
    if length > max_size():
        return _error(413, "too_large", f"文件超过 {_size_text(max_size())} 上限。", limit=max_size())
    try:
        case = case_get_for(actor=user, id=parse_id(meta.get("case")), request=request)
        org_perms.require(user, "records.upload", agency=case.agency, request=request)
        _resolve(case, meta, user)
        known = Recording.objects.filter(case=case, external_id=meta["external_id"]).first() if meta.get("external_id") else None
        if known is not None:  # REC-09: a clip pushed again is not uploaded again
            return _error(409, "record_external_id_exists", f"外部编号 {known.external_id} 的音像记录已存在，无需重复上传。",
                          recording_id=known.pk, sha256=known.blob.sha256)
    except NotFoundError as exc:
        return _error(404, "not_found", exc.message)
    except ZhifaError as exc:
        return _error(exc.status, exc.code, exc.message)
    with transaction.atomic():
        # Two POSTs at once must not both slip under the quota: lock the user's row first (on SQLite the
        # IMMEDIATE transaction already serialises writers; PostgreSQL needs the row lock).
        get_user_model().objects.select_for_update().filter(pk=user.pk).exists()
        refused = _quota_refusal(user, length)
        if refused is not None:
            return refused
        upload = TusUpload.objects.create(id=uuid.uuid4(), case=case, created_by=user, length=length, metadata=meta,
                                          expires_at=_expiry())
    path = staging_dir() / str(upload.id)
    path.touch()
    _fsync_dir(path.parent)
    return _response(201, Location=request.build_absolute_uri(f"{upload.id}/"), Upload_Offset=0,
                     Upload_Expires=_expires_header(upload))


def _size_text(n: int) -> str:
    return f"{n / 1024**3:g} GB" if n >= 1024**3 else f"{n / 1024**2:g} MB"


def _quota_refusal(user, length: int) -> HttpResponse | None:
    """Per-user limits on unfinished uploads: staged bytes sit on the app server's disk until they complete or
    expire, so one account (or one stolen device token) must not fill it."""
    held = _open_uploads(user).aggregate(count=Count("pk"), bytes=Sum("length"))
    count, held_bytes = held["count"], held["bytes"] or 0
    limit = settings.ZHIFA_TUS_MAX_OPEN
    hours = f"{settings.ZHIFA_TUS_EXPIRY_HOURS:g}"
    if count + 1 > limit:
        return _error(429, RecordErrorCode.TUS_TOO_MANY_OPEN,
                      f"未完成的上传已达上限（{limit} 个）。请先续传完成或终止已有的上传；未完成的上传在最后一次传输 {hours} "
                      f"小时后过期。", open=count, limit=limit)
    limit = settings.ZHIFA_TUS_MAX_OPEN_BYTES
    if held_bytes + length > limit:
        return _error(413, RecordErrorCode.TUS_OPEN_BYTES,
                      f"未完成上传的声明总大小将超过上限（{_size_text(limit)}）。请先续传完成或终止已有的上传。",
                      open_bytes=held_bytes, requested=length, limit=limit)
    return None


def _expires_header(upload: TusUpload) -> str:
    """Upload-Expires (tus Expiration extension): an RFC 9110 date."""
    return http_date(upload.expires_at.timestamp())


def _expired(upload: TusUpload) -> bool:
    return upload.recording_id is None and upload.expires_at <= timezone.now()


def _gone_expired() -> HttpResponse:
    hours = f"{settings.ZHIFA_TUS_EXPIRY_HOURS:g}"
    return _error(410, RecordErrorCode.TUS_EXPIRED, f"该上传已过期（超过 {hours} 小时没有收到数据），请重新上传。")


@csrf_exempt
def resource(request, upload_id):
    if request.method == "OPTIONS":
        return _response(204, Tus_Version=VERSION, Tus_Extension=EXTENSIONS, Tus_Max_Size=max_size())
    if request.headers.get("Tus-Resumable") != VERSION:
        return _response(412, Tus_Version=VERSION)
    user = _authenticate(request)
    if user is None:
        return _unauthenticated(request)
    upload = TusUpload.objects.filter(pk=upload_id, created_by=user).select_related("case").first()
    if upload is None:
        if TusUpload.objects.filter(pk=upload_id).exists():  # someone else's: the same 404, the attempt logged
            org_perms.record_denial(user, "records.upload", request=request, detail=f"tus upload {upload_id}")
        return _error(404, "not_found", "未找到该上传。")
    if upload.terminated or upload.failed:
        return _error(410, "gone", upload.failed or "该上传已终止。")
    if _expired(upload):
        return _gone_expired()
    if request.method == "HEAD":
        if upload.recording_id is not None:
            return _response(200, Upload_Offset=upload.offset, Upload_Length=upload.length)
        return _response(200, Upload_Offset=_resumable_offset(upload), Upload_Length=upload.length,
                         Upload_Expires=_expires_header(upload))
    if request.method == "DELETE":
        TusUpload.objects.filter(pk=upload.pk).update(terminated=True)
        with _STATES_LOCK:
            _STATES.pop(upload.id, None)
        (staging_dir() / str(upload.id)).unlink(missing_ok=True)
        return _response(204)
    if request.method != "PATCH":
        return _error(405, "method_not_allowed", "不支持的请求方法。")
    if request.content_type != "application/offset+octet-stream":
        return _error(415, "unsupported_media_type", "Content-Type 应为 application/offset+octet-stream。")
    return _append(request, upload)


def _resumable_offset(upload: TusUpload) -> int:
    """Where the client resumes: the durable offset of the row, unless the staged file is shorter (lost with
    its disk, or removed by hand). Then it starts again from 0: what the file still holds cannot be checked
    against the digest recorded with the offset (issue 19 §4)."""
    try:
        size = (staging_dir() / str(upload.id)).stat().st_size
    except FileNotFoundError:
        size = 0
    return upload.offset if size >= upload.offset else 0


class _Removed(Exception):
    """The upload was terminated, or its row removed, while its bytes were arriving."""


def _completed(upload: TusUpload, claimed: int) -> HttpResponse:
    """A PATCH repeated after the upload completed (its answer was lost): say where it stands, store nothing."""
    if claimed != upload.length:
        return _response(409, Upload_Offset=upload.length)
    recording = Recording.objects.select_related("blob").get(pk=upload.recording_id)
    return _response(204, Upload_Offset=upload.length, Zhifa_Recording=recording.pk, Zhifa_Sha256=recording.blob.sha256)


def _append(request, upload: TusUpload) -> HttpResponse:
    """Append the body at the upload's durable offset, making it durable as it lands. An exclusive lock on the
    staging file (not a database lock, which on SQLite would stop every other writer for the whole transfer)
    keeps PATCHes and the cleanup apart; the kernel drops it when the process dies, so a crash leaves nothing
    locked."""
    claimed = _number(request.headers.get("Upload-Offset"))
    if claimed is None:
        return _error(400, "invalid_input", "缺少 Upload-Offset，或其不是非负整数。")
    if upload.recording_id is not None:
        return _completed(upload, claimed)
    path = staging_dir() / str(upload.id)
    # O_CREAT: a staged file that is missing (lost with its disk, or a crash between the row and the file)
    # is recreated empty, and _resumable_offset sends the client back to 0.
    with open(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _response(409, Upload_Offset=upload.offset)  # another PATCH of this upload is running
        try:  # re-read under the lock: a PATCH that held it may have moved, completed or lost the upload
            upload.refresh_from_db(fields=["offset", "metadata", "expires_at", "recording", "failed", "terminated"])
        except TusUpload.DoesNotExist:
            path.unlink(missing_ok=True)
            return _error(404, "not_found", "未找到该上传。")
        if upload.recording_id is not None:
            return _completed(upload, claimed)
        if upload.terminated or upload.failed:
            return _error(410, "gone", upload.failed or "该上传已终止。")
        if _expired(upload):
            return _gone_expired()
        # A file shorter than the row's offset lost acknowledged bytes: it starts again from 0 (_resumable_offset).
        durable = upload.offset if os.fstat(fh.fileno()).st_size >= upload.offset else 0
        if claimed != durable:
            return _response(409, Upload_Offset=durable)
        if (_number(request.META.get("CONTENT_LENGTH")) or 0) > upload.length - durable:
            return _error(413, "too_large", "上传内容超过声明的长度。")
        try:  # before the truncation below, which changes the file's identity
            state = _hash_state(fh, upload, durable)
        except _Altered:
            return _staged_altered(upload, path)
        # Bytes past the durable offset were never acknowledged: the tail of a PATCH cut off (or killed) between
        # two syncs, possibly torn. They are dropped, and the body is appended where the row says.
        fh.truncate(durable)
        fh.seek(durable)
        try:
            if durable < upload.offset:
                _sync(fh, upload, state)
            _receive(request, fh, upload, state)
        except _Removed:
            path.unlink(missing_ok=True)
            if TusUpload.objects.filter(pk=upload.pk).exists():
                return _error(410, "gone", "该上传已终止。")
            return _error(404, "not_found", "未找到该上传。")
        if upload.offset < upload.length:
            _keep_state(upload, state, fh)
            return _response(204, Upload_Offset=upload.offset, Upload_Expires=_expires_header(upload))
        return _complete(upload, state)


def _staged_altered(upload: TusUpload, path: Path) -> HttpResponse:
    """The staged bytes differ from what was received (issue 19 §4): the upload fails, nothing is stored."""
    message = "暂存的上传文件在两次传输之间被改动，与已接收内容的摘要不符。本次上传作废，未存储，请重新上传。"
    TusUpload.objects.filter(pk=upload.pk).update(failed=message)
    path.unlink(missing_ok=True)
    return _error(422, RecordErrorCode.TUS_STAGED_ALTERED, message)


@contextlib.contextmanager
def _read_timeout(request):
    """Bound each read of the body, so a sender that stalls does not hold the upload's lock and a worker thread
    for ever. WSGI has no portable way to do this; gunicorn (the production server) passes the connection's
    socket, and a timeout on it turns a stalled read into socket.timeout, an OSError, which ends the PATCH with
    what arrived kept. Other servers (runserver, the test client) read without a bound."""
    sock = request.META.get("gunicorn.socket")
    if sock is None or not hasattr(sock, "settimeout"):
        yield
        return
    previous = sock.gettimeout()
    sock.settimeout(settings.ZHIFA_TUS_READ_TIMEOUT)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            sock.settimeout(previous)


def _receive(request, fh, upload: TusUpload, state: _HashState) -> None:
    """Copy the body into the staged file at upload.offset, hashing it on the way (`state`), syncing every
    ZHIFA_TUS_SYNC_BYTES or ZHIFA_TUS_SYNC_SECONDS and once more when the body ends — complete, cut off, or
    stalled."""
    every_bytes, every_seconds = settings.ZHIFA_TUS_SYNC_BYTES, settings.ZHIFA_TUS_SYNC_SECONDS
    synced_at = time.monotonic()
    with _read_timeout(request):
        try:
            while state.offset < upload.length:
                data = request.read(min(READ_SIZE, upload.length - state.offset))
                if not data:
                    break
                fh.write(data)
                state.update(data)
                if state.offset - upload.offset >= every_bytes or time.monotonic() - synced_at >= every_seconds:
                    _sync(fh, upload, state)
                    synced_at = time.monotonic()
        except OSError:  # the connection broke, or the sender stalled past the read timeout: keep what arrived
            pass
    if state.offset != upload.offset:
        _sync(fh, upload, state)


def _sync(fh, upload: TusUpload, state: _HashState) -> None:
    """fsync the staged file, then (never before) record `state.offset` as durable, with the digest of the bytes
    up to it, and push the expiry back."""
    fh.flush()
    os.fsync(fh.fileno())
    # An UPDATE of its own, outside any transaction (autocommit): durable when it returns, and it holds SQLite's
    # one write lock for a single statement, not for the transfer. The digest goes with the offset it covers.
    expires = _expiry()
    metadata = upload.metadata | {RECEIVED_KEY: state.digests()}
    if not TusUpload.objects.filter(pk=upload.pk, terminated=False).update(offset=state.offset, expires_at=expires,
                                                                             metadata=metadata):
        raise _Removed  # a DELETE (termination) during the transfer stops it here
    upload.offset, upload.expires_at, upload.metadata = state.offset, expires, metadata


def _complete(upload: TusUpload, state: _HashState) -> HttpResponse:
    """The last byte is durable: the file becomes a recording (called with the staged file still locked). The
    digests are those computed as the bytes arrived; after the media check the file is moved into the store."""
    path = staging_dir() / str(upload.id)
    digests = state.digests()
    received = Received(path=str(path), size=state.offset, sha256=digests["sha256"], sm3=digests.get("sm3", ""))
    try:
        arguments = _resolve(upload.case, upload.metadata, upload.created_by)
        with open(path, "rb") as fh:
            recording = services.recording_upload(fileobj=fh, received=received, **arguments)
    except ZhifaError as exc:
        TusUpload.objects.filter(pk=upload.pk).update(failed=exc.message[:300])
        path.unlink(missing_ok=True)
        return _error(exc.status, exc.code, exc.message)
    TusUpload.objects.filter(pk=upload.pk).update(recording=recording)
    path.unlink(missing_ok=True)
    return _response(204, Upload_Offset=upload.offset, Zhifa_Recording=recording.pk, Zhifa_Sha256=recording.blob.sha256)


@contextlib.contextmanager
def _locked(path: Path):
    """Yield True holding the staged file's lock (or when there is no file), False when a PATCH holds it."""
    try:
        fh = open(path, "rb")
    except FileNotFoundError:
        yield True
        return
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True


def cleanup_expired() -> dict:
    """Remove what expired uploads left behind; run on every server that stages uploads (`manage.py tus_cleanup`).

    - An unfinished upload past its expiry: its staged bytes and its row. One that was still live (not failed
      or terminated) is logged (records.tus_upload_expired): evidence that never reached the store. A file a
      running PATCH holds is left for the next run (that PATCH pushes the expiry back anyway).
    - A staged file with no unfinished upload behind it (a failed unlink, a row removed on another server).
    """
    now = timezone.now()
    folder = staging_dir()
    rows = files = 0
    for upload in list(TusUpload.objects.filter(recording__isnull=True, expires_at__lte=now)):
        path = folder / str(upload.id)
        with _locked(path) as free:
            if not free:
                continue
            with transaction.atomic():
                deleted, _ = TusUpload.objects.filter(pk=upload.pk, recording__isnull=True, expires_at__lte=now).delete()
                if deleted and not (upload.failed or upload.terminated):
                    record_event(events.TUS_UPLOAD_EXPIRED, subject=f"cases.case:{upload.case_id}", payload={
                        "upload": str(upload.id), "created_by": upload.created_by_id, "length": upload.length,
                        "received": upload.offset, "filename": upload.metadata.get("filename", "")[:200],
                        "expired_at": upload.expires_at.isoformat()})
            if deleted:
                rows += 1
                if path.exists():
                    path.unlink()
                    files += 1
    for path in folder.iterdir():
        try:
            upload_id = uuid.UUID(path.name)
        except ValueError:
            continue  # not ours
        live = TusUpload.objects.filter(pk=upload_id, recording__isnull=True, failed="", terminated=False).exists()
        if not live:
            with _locked(path) as free:
                if free:
                    path.unlink(missing_ok=True)
                    files += 1
    return {"rows": rows, "files": files}
