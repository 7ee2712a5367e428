"""Reading a clip's duration and creation time, and refusing corrupt media (issue 4 §3; REC-05).

PyAV (FFmpeg's libraries, shipped inside its wheels) reads the container in-process, so no system
ffprobe is needed on the server or in CI. It reads what it needs through the file object (headers,
and the index at the end of an MP4), not the whole file.
"""

import datetime as dt
from dataclasses import dataclass

import av


@dataclass(frozen=True)
class Probe:
    format: str
    duration_seconds: float | None
    created_at: dt.datetime | None
    has_video: bool
    has_audio: bool


class NotPlayable(Exception):
    pass


def probe(fileobj) -> Probe:
    fileobj.seek(0)
    try:
        with av.open(fileobj, mode="r") as container:
            streams = container.streams
            duration = container.duration / av.time_base if container.duration else None
            raw = container.metadata.get("creation_time")
            video, audio = bool(streams.video), bool(streams.audio)
            if not (video or audio):
                raise NotPlayable("no audio or video stream")
            fmt = container.format.name
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise NotPlayable(str(exc)) from exc
    finally:
        fileobj.seek(0)
    created = None
    if raw:
        try:
            created = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            created = None
    return Probe(fmt, duration, created, video, audio)


# FFmpeg's demuxer names → (type with a video stream, audio-only type): the only types a recording is stored
# and played as (issue 14 §1). What the uploader declared is never used; `core.files.determine` also checks
# the result against the file's signature when it is stored and when it is served.
_MEDIA_TYPES = {
    "mov,mp4,m4a,3gp,3g2,mj2": ("video/mp4", "audio/mp4"),
    "matroska,webm": ("video/webm", "audio/webm"),
    "ogg": ("video/ogg", "audio/ogg"),
    "wav": ("audio/wav", "audio/wav"),
    "mp3": ("audio/mpeg", "audio/mpeg"),
    "amr": ("audio/amr", "audio/amr"),
    "avi": ("video/x-msvideo", "video/x-msvideo"),
    "mpegts": ("video/mp2t", "video/mp2t"),
    "jpeg_pipe": ("image/jpeg", "image/jpeg"),
    "png_pipe": ("image/png", "image/png"),
}


def media_type(result: Probe) -> str:
    """The type a probed clip is stored and served as, or application/octet-stream (downloaded, not played)."""
    video, audio = _MEDIA_TYPES.get(result.format, ("application/octet-stream",) * 2)
    return video if result.has_video else audio
