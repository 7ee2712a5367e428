"""tus 1.0 resumable uploads for body cameras and phones (core + creation + termination extensions).

A field upload over a bad network resumes where it broke: each PATCH appends at the server's
offset and every byte that arrived is kept, even when the connection drops mid-request. When the
last byte arrives the file goes through `services.recording_upload` (media check, evidence store,
deadline, log) exactly like a browser upload.

Auth: a bearer API token (devices), or the session with its CSRF token (browsers).
Metadata (Upload-Metadata, base64 values): case, device (serial), officer (person id), activity,
started_at, ended_at (ISO 8601), place, and optionally document, device_checked, opening_statement
("1"/"true": REC-06), external_id and document_external_id (REC-09: a clip already pushed under the
same external_id is refused at creation with 409 record_external_id_exists and its recording_id), remote, remote_reason,
returned_at, filename, filetype.
"""

import base64
import fcntl
import json
import os
import re
import uuid
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from zhifa.cases.models import Document
from zhifa.cases.selectors import case_get_for
from zhifa.core.api import TokenAuth
from zhifa.core.bounds import parse_id, parse_moment, text_problem
from zhifa.core.errors import NotFoundError, ZhifaError
from zhifa.org import permissions as org_perms

from . import services
from .models import Device, Recording, TusUpload

VERSION = "1.0.0"
CHUNK = 1024 * 1024
MAX_SIZE = 8 * 1024**3


def staging_dir() -> Path:
    path = Path(getattr(settings, "ZHIFA_TUS_DIR", settings.DATA_DIR / "tus"))
    path.mkdir(parents=True, exist_ok=True)
    return path


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
        out[key] = text
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
    return dict(case=case, device=device, officer=officer.person, activity=meta.get("activity", ""), started_at=started,
                ended_at=ended, place=meta.get("place", ""), document=document, remote=meta.get("remote") in ("1", "true"),
                remote_reason=meta.get("remote_reason", ""), returned_at=returned,
                content_type=meta.get("filetype", ""), actor=actor,
                device_checked=meta.get("device_checked") in ("1", "true"),
                opening_statement=meta.get("opening_statement") in ("1", "true"),
                external_id=meta.get("external_id", "")[:100])


@csrf_exempt
def collection(request):
    if request.method == "OPTIONS":
        return _response(204, Tus_Version=VERSION, Tus_Extension="creation,termination", Tus_Max_Size=MAX_SIZE)
    if request.method != "POST":
        return _error(405, "method_not_allowed", "不支持的请求方法。")
    if request.headers.get("Tus-Resumable") != VERSION:
        return _response(412, Tus_Version=VERSION)
    user = _authenticate(request)
    if user is None:
        return _error(401, "unauthenticated", "请先登录或提供有效的接口令牌。")
    try:
        length = _number(request.headers.get("Upload-Length"))
        meta = _metadata(request.headers.get("Upload-Metadata", ""))
        if length is None:
            raise ValueError("Upload-Length")
    except ValueError:
        return _error(400, "invalid_input", "Upload-Length 或 Upload-Metadata 格式不正确。")
    if length <= 0:
        return _error(400, "evidence_empty_file", "文件为空。")
    if length > MAX_SIZE:
        return _error(413, "too_large", f"文件超过 {MAX_SIZE // 1024**3} GB 上限。")
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
    upload = TusUpload.objects.create(id=uuid.uuid4(), case=case, created_by=user, length=length, metadata=meta)
    (staging_dir() / str(upload.id)).touch()
    return _response(201, Location=request.build_absolute_uri(f"{upload.id}/"), Upload_Offset=0)


@csrf_exempt
def resource(request, upload_id):
    if request.method == "OPTIONS":
        return _response(204, Tus_Version=VERSION, Tus_Extension="creation,termination", Tus_Max_Size=MAX_SIZE)
    if request.headers.get("Tus-Resumable") != VERSION:
        return _response(412, Tus_Version=VERSION)
    user = _authenticate(request)
    if user is None:
        return _error(401, "unauthenticated", "请先登录或提供有效的接口令牌。")
    upload = TusUpload.objects.filter(pk=upload_id, created_by=user).select_related("case").first()
    if upload is None:
        return _error(404, "not_found", "未找到该上传。")
    if upload.terminated or upload.failed:
        return _error(410, "gone", upload.failed or "该上传已终止。")
    if request.method == "HEAD":
        return _response(200, Upload_Offset=upload.offset, Upload_Length=upload.length)
    if request.method == "DELETE":
        TusUpload.objects.filter(pk=upload.pk).update(terminated=True)
        (staging_dir() / str(upload.id)).unlink(missing_ok=True)
        return _response(204)
    if request.method != "PATCH":
        return _error(405, "method_not_allowed", "不支持的请求方法。")
    if request.content_type != "application/offset+octet-stream":
        return _error(415, "unsupported_media_type", "Content-Type 应为 application/offset+octet-stream。")
    return _append(request, upload)


def _append(request, upload: TusUpload) -> HttpResponse:
    """Append the body at the upload's offset. An exclusive lock on the staging file (not a database
    lock, which on SQLite would stop every other writer for the whole transfer) keeps PATCHes apart."""
    claimed = _number(request.headers.get("Upload-Offset"))
    if claimed is None:
        return _error(400, "invalid_input", "缺少 Upload-Offset，或其不是非负整数。")
    path = staging_dir() / str(upload.id)
    with open(path, "r+b") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _response(409, Upload_Offset=upload.offset)  # another PATCH of this upload is running
        upload.refresh_from_db(fields=["offset"])
        if claimed != upload.offset:
            return _response(409, Upload_Offset=upload.offset)
        fh.truncate(upload.offset)  # drop bytes of an earlier request that were never acknowledged
        fh.seek(upload.offset)
        received, too_much = upload.offset, False
        try:
            while received < upload.length:
                data = request.read(min(CHUNK, upload.length - received))
                if not data:
                    break
                fh.write(data)
                received += len(data)
            too_much = bool(request.read(1))
        except OSError:  # the connection broke: keep what arrived
            pass
        fh.flush()
        os.fsync(fh.fileno())
        if too_much:
            fh.truncate(upload.offset)
            return _error(413, "too_large", "上传内容超过声明的长度。")
        TusUpload.objects.filter(pk=upload.pk).update(offset=received)
        upload.offset = received
    if upload.offset < upload.length:
        return _response(204, Upload_Offset=upload.offset)
    return _complete(upload)


def _complete(upload: TusUpload) -> HttpResponse:
    path = staging_dir() / str(upload.id)
    try:
        arguments = _resolve(upload.case, upload.metadata, upload.created_by)
        with open(path, "rb") as fh:
            recording = services.recording_upload(fileobj=fh, **arguments)
    except ZhifaError as exc:
        TusUpload.objects.filter(pk=upload.pk).update(failed=exc.message[:300])
        path.unlink(missing_ok=True)
        return _error(exc.status, exc.code, exc.message)
    TusUpload.objects.filter(pk=upload.pk).update(recording=recording)
    path.unlink(missing_ok=True)
    return _response(204, Upload_Offset=upload.offset, Zhifa_Recording=recording.pk, Zhifa_Sha256=recording.blob.sha256)
