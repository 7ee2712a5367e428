"""Serving file bytes (issue 14 §1): the type the server determined, never the one an uploader declared.

A WAV with `<script>` appended, uploaded as `text/html`, passed every media check and ran as script in the
agency head's browser, because playback answered with the declared type. So:

- `determine(head, hint)` is the only way a stored file gets a type, when it is stored and again when it is
  served: the type follows the file's leading bytes (its signature) from a fixed allow-list. A hint (the
  media probe's result, the type of a document the server rendered, or the type on an old row) is taken
  only when the signature allows it; no signature maps to HTML, SVG or XML, so no stored file is served as
  a page. Anything unknown is `application/octet-stream`.
- `file_response(...)` builds every response that carries stored or generated file bytes: recordings (with
  HTTP ranges), issued documents, case-file packages, Excel and PDF exports, generated images. It sets the
  type, `X-Content-Type-Options: nosniff`, a sandboxing Content-Security-Policy, and `Content-Disposition`
  (RFC 6266, `filename*=UTF-8''…`): `inline` only for audio, video and raster images, `attachment` for
  everything else (PDF included: the browser's PDF viewer runs the document's scripts in our origin's tab).
- `clean_filename(name)` neutralises a name a device or a browser made up (issue 14 §9): no path, no
  invisible control characters, NFC.
"""

import mimetypes
import re
from urllib.parse import quote

from django.core.files.storage import default_storage
from django.http import HttpResponse, StreamingHttpResponse

from .bounds import normalise, strip_invisible

OCTET_STREAM = "application/octet-stream"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEAD_BYTES = 512  # enough for every signature below (MPEG-TS checks its second packet at 188)
CHUNK = 512 * 1024

# Leading bytes → the types such a file may be served as; the first is the default. Types not listed here
# are never served for stored bytes.
_FTYP = ("video/mp4", "audio/mp4", "video/quicktime", "video/3gpp")
_ZIP = ("application/zip", DOCX, XLSX, "application/ofd")  # OFD: GB/T 33190 documents


def _candidates(head: bytes) -> tuple[str, ...]:
    if head.startswith(b"%PDF-"):
        return ("application/pdf",)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _ZIP
    if head.startswith(b"RIFF") and len(head) >= 12:
        return {b"WAVE": ("audio/wav",), b"AVI ": ("video/x-msvideo",), b"WEBP": ("image/webp",)}.get(head[8:12], ())
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        first = ("audio/mp4" if brand in (b"M4A ", b"M4B ") else "video/quicktime" if brand == b"qt  "
                 else "video/3gpp" if brand.startswith(b"3g") else "video/mp4")
        return (first, *(t for t in _FTYP if t != first))
    if head.startswith((b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")):
        return ("audio/mpeg",)
    if head.startswith(b"\xff\xd8\xff"):
        return ("image/jpeg",)
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return ("image/png",)
    if head.startswith((b"GIF87a", b"GIF89a")):
        return ("image/gif",)
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return ("video/webm", "audio/webm", "video/x-matroska")
    if head.startswith(b"OggS"):
        return ("audio/ogg", "video/ogg")
    if head.startswith(b"#!AMR"):
        return ("audio/amr",)
    if head[:1] == b"\x47" and (len(head) <= 188 or head[188:189] == b"\x47"):  # MPEG-TS: a sync byte per packet
        return ("video/mp2t",)
    return ()


# What a browser may show in the tab rather than save: media and raster images, which run no script.
INLINE_TYPES = frozenset({
    "audio/wav", "audio/mpeg", "audio/mp4", "audio/ogg", "audio/webm", "audio/amr",
    "video/mp4", "video/quicktime", "video/3gpp", "video/webm", "video/ogg", "video/x-matroska",
    "video/x-msvideo", "video/mp2t", "image/jpeg", "image/png", "image/gif", "image/webp",
})
# Bytes this server produced itself (never an upload) and the types they go out as. A generated SVG (the
# flowcharts, certificate QR codes) is drawn by our own code with every text escaped; it stays inline so
# `<img>` and the "open for printing" links work, and the sandbox CSP below stops any script in it anyway.
# (application/octet-stream: binary data the server computes, such as the ledger's C2SP tiles; always an attachment.)
GENERATED_TYPES = frozenset({"application/pdf", "application/zip", DOCX, XLSX, "image/svg+xml",
                             "application/octet-stream"})
GENERATED_INLINE = frozenset({"image/svg+xml"})

# The document a file opens as runs nothing and loads nothing but itself: a media file opened in its own tab
# still plays (media-src, img-src), a script smuggled into any file does not run (sandbox without
# allow-scripts, in an opaque origin that cannot read our cookies or pages).
FILE_CSP = "sandbox; default-src 'none'; media-src 'self'; img-src 'self'"


def _bare(content_type: str) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def determine(head: bytes, hint: str = "") -> str:
    """The type of a file whose first bytes are `head`: `hint` if the file's signature allows it, else the
    signature's own type, else application/octet-stream. Never a type the signature does not allow."""
    candidates = _candidates(head[:HEAD_BYTES])
    if not candidates:
        return OCTET_STREAM
    hint = {"audio/x-wav": "audio/wav", "audio/wave": "audio/wav", "audio/mp3": "audio/mpeg"}.get(_bare(hint), _bare(hint))
    return hint if hint in candidates else candidates[0]


def read_head(fileobj) -> bytes:
    """The first HEAD_BYTES of a seekable file, leaving it at its start."""
    fileobj.seek(0)
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(0)
    return head


_PATH_OR_QUOTES = re.compile(r'[\\/"\r\n]')


def clean_filename(name: str, default: str = "file") -> str:
    """A file name as a device or browser sent it, made safe to store, log and send back: the last path
    part, NFC, without invisible control characters (a right-to-left override makes "gnp.exe" read
    "exe.png"), quotes or line breaks, at most 200 characters."""
    text = normalise(strip_invisible(str(name or "")))
    text = _PATH_OR_QUOTES.sub("_", text.replace("\\", "/").rsplit("/", 1)[-1]).strip().lstrip(".")
    if not text:
        return default
    stem, dot, ext = text.rpartition(".")
    if dot and len(ext) <= 16 and len(text) > 200:
        return stem[: 199 - len(ext)] + "." + ext
    return text[:200]


def content_disposition(filename: str, *, inline: bool) -> str:
    """RFC 6266: an ASCII fallback for old clients and the UTF-8 name for everyone else. The name is one the
    server built (an upload's name was cleaned when it came in), so a "/" in it is part of a title
    ("查封/扣押决定书"), not a folder: it is sent as a full-width "／" instead of cutting the name there."""
    name = clean_filename(filename.replace("/", "／").replace("\\", "＼"))
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\;%' else "_" for c in name)
    return f"{'inline' if inline else 'attachment'}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


_RANGE = re.compile(r"bytes=(\d{1,19})?-(\d{1,19})?$")


def _stream(fh, start: int, length: int):
    with fh:
        fh.seek(start)
        remaining = length
        while remaining > 0:
            data = fh.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data


def _secure(response, content_type: str, filename: str, inline: bool, cache: str):
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Content-Disposition"] = content_disposition(filename, inline=inline)
    response["Cache-Control"] = cache
    return response


def file_response(request, content, *, filename: str, content_type: str = "", generated: bool = False,
                  size: int | None = None, ranges: bool = False, cache: str = "private, no-store",
                  download: bool = False):
    """The one response for file bytes.

    `content` is bytes, or a binary file object opened for reading (closed when the response is done).
    Stored bytes (`generated=False`): `content_type` is only a hint (the probe's result, the type on the
    row) checked against the bytes by `determine`. Bytes this server just produced (`generated=True`):
    `content_type` must be one of GENERATED_TYPES. `ranges=True` answers HTTP Range requests (RFC 9110 §14),
    which Django's FileResponse does not, so a browser can seek in a recording. `download=True` makes even a
    playable type an attachment (files from the public, which staff should open deliberately).
    """
    if isinstance(content, (bytes, bytearray)):
        data = bytes(content)
        head, size = data[:HEAD_BYTES], len(data)
        fh = None
    else:
        fh, data = content, None
        head = read_head(fh)
        if size is None:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(0)
    if generated:
        kind = _bare(content_type)
        if kind not in GENERATED_TYPES:
            raise ValueError(f"{content_type!r} is not a type this server generates")
        inline = kind in GENERATED_INLINE and not download
        if kind == "image/svg+xml":
            kind = "image/svg+xml; charset=utf-8"
    else:
        kind = determine(head, content_type)
        inline = kind in INLINE_TYPES and not download
    if "." not in filename:  # "recording-12" saves as "recording-12.wav"
        filename += mimetypes.guess_extension(_bare(kind), strict=False) or ""
    start, end, status = 0, size - 1, 200
    match = _RANGE.match(request.headers.get("Range", "").strip()) if ranges else None
    if match is not None and match.groups() != (None, None):
        first, last = match.groups()
        if first is None:
            start = max(0, size - int(last))
        else:
            start, end = int(first), min(int(last) if last is not None else size - 1, size - 1)
        if start > end or start >= size:
            if fh is not None:
                fh.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return _secure(response, kind, filename, inline, cache)
        status = 206
    length = max(0, end - start + 1)
    if fh is None:
        response = HttpResponse(data[start:start + length], status=status)
    else:
        response = StreamingHttpResponse(_stream(fh, start, length), status=status)
        response._resource_closers.append(fh.close)  # as FileResponse does: closed even if never iterated (HEAD)
    response["Content-Length"] = str(length)
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    if ranges:
        response["Accept-Ranges"] = "bytes"
    return _secure(response, kind, filename, inline, cache)


def stored_file_response(request, *, storage_name: str, filename: str, hint: str = "", size: int | None = None,
                         ranges: bool = False):
    """A file from the evidence store (default storage), typed from its own bytes (`determine`)."""
    return file_response(request, default_storage.open(storage_name, "rb"), filename=filename, content_type=hint,
                         size=size, ranges=ranges)
