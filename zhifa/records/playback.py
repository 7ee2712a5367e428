"""Serving a stored clip with HTTP range requests (RFC 9110 §14), so browsers can seek in a video.

Django's FileResponse answers whole files only; this is the small part it lacks.
"""

import re

from django.core.files.storage import default_storage
from django.http import HttpResponse, StreamingHttpResponse

CHUNK = 512 * 1024
_RANGE = re.compile(r"bytes=(\d*)-(\d*)$")


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


def serve(request, *, name: str, size: int, content_type: str):
    header = request.headers.get("Range", "")
    fh = default_storage.open(name, "rb")
    match = _RANGE.match(header.strip()) if header else None
    if match is None:
        response = StreamingHttpResponse(_stream(fh, 0, size), content_type=content_type or "application/octet-stream")
        response["Content-Length"] = str(size)
    else:
        first, last = match.groups()
        if first == "":
            start, end = max(0, size - int(last or 0)), size - 1
        else:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        if start > end or start >= size:
            fh.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        response = StreamingHttpResponse(_stream(fh, start, end - start + 1), status=206,
                                         content_type=content_type or "application/octet-stream")
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    return response
