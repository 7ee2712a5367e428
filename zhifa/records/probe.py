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
