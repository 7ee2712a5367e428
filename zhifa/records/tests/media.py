"""Real media for tests, encoded in-process with PyAV (no files in the repository, no system ffmpeg)."""

import functools
import io
import os

import av


@functools.cache
def mp4(frames: int = 20, size: tuple[int, int] = (64, 48), noise: bool = False,
        created: str = "2026-11-25T01:02:03.000000Z", fps: int = 10) -> bytes:
    """A playable MP4 (MPEG-4 Part 2 video) of `frames` frames at `fps` frames a second."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as out:
        out.metadata["creation_time"] = created
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame(size[0], size[1], "yuv420p")
            for plane in frame.planes:
                plane.update(os.urandom(plane.buffer_size) if noise else bytes([i * 7 % 256]) * plane.buffer_size)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return buf.getvalue()
