"""Serving a stored clip with HTTP range requests (RFC 9110 §14), so browsers can seek in a video.

The response is `core.files.file_response`, the one builder of file responses (issue 14 §1): the type comes
from the clip's own bytes (the probe's type, checked against its signature), never from what the uploader
declared, with nosniff, a sandboxing CSP, and inline only for playable media.
"""

from zhifa.core import files


def serve(request, *, recording):
    blob = recording.blob
    return files.stored_file_response(request, storage_name=blob.storage_name, size=blob.size, hint=blob.content_type,
                                      filename=f"recording-{recording.pk}", ranges=True)
