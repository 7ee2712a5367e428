"""Sample media for the demo: a colour-bar test pattern with a spoken opening statement (REC-06),
encoded in-process with PyAV. The voice comes from espeak-ng when it is installed (Debian package
espeak-ng); without it the clip carries a quiet 440 Hz tone so the audio track still plays. No real
people, places or plates appear.

The picture is H.264 in MP4 (what body cameras record, and what every browser plays), with VP9 in
WebM as the fallback for a PyAV build without libx264. MPEG-4 Part 2 is not used: Chromium plays
its sound but shows no picture.
"""

import io
import math
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass
from fractions import Fraction

import av

BARS = [(235, 235, 235), (235, 235, 16), (16, 235, 235), (16, 235, 16), (235, 16, 235), (235, 16, 16), (16, 16, 235)]
RATE = 24000  # Hz: a rate both AAC and Opus encode


@dataclass(frozen=True)
class ClipFormat:
    video: str
    audio: str
    container: str
    suffix: str
    content_type: str


H264 = ClipFormat("libx264", "aac", "mp4", ".mp4", "video/mp4")
VP9 = ClipFormat("libvpx-vp9", "libopus", "webm", ".webm", "video/webm")


def encodable(fmt: ClipFormat) -> bool:
    """Whether this PyAV build (its bundled FFmpeg) has the encoders `fmt` needs."""
    try:
        av.codec.Codec(fmt.video, "w")
        av.codec.Codec(fmt.audio, "w")
    except (av.error.FFmpegError, ValueError):
        return False
    return True


def clip_format() -> ClipFormat:
    """The first format this PyAV build can encode: H.264/AAC in MP4, else VP9/Opus in WebM."""
    for fmt in (H264, VP9):
        if encodable(fmt):
            return fmt
    raise RuntimeError("PyAV can encode neither H.264 nor VP9")


def _speech(text: str) -> bytes | None:
    """Mono signed 16-bit samples at RATE of `text` spoken by espeak-ng, or None if it is not installed."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        return None
    with tempfile.NamedTemporaryFile(suffix=".wav") as wav:
        subprocess.run([espeak, "-v", "cmn", "-s", "160", "-w", wav.name, text], check=True, capture_output=True)
        resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
        out = bytearray()
        with av.open(wav.name) as container:
            for frame in container.decode(audio=0):
                for chunk in resampler.resample(frame):
                    out += bytes(chunk.planes[0])[:chunk.samples * 2]
    return bytes(out) or None


def _tone(samples: int) -> bytes:
    """A quiet 440 Hz tone: one second (a whole number of cycles) computed, then repeated."""
    second = b"".join(struct.pack("<h", int(math.sin(2 * math.pi * 440 * i / RATE) * 3000)) for i in range(RATE))
    return (second * (samples // RATE + 1))[:samples * 2]


def demo_clip(statement: str, *, seconds: int = 8, size: tuple[int, int] = (320, 240), fps: int = 10,
              fmt: ClipFormat | None = None) -> bytes:
    """A clip in `fmt` (default: clip_format()) of moving colour bars with `statement` spoken at the start."""
    fmt = fmt or clip_format()
    total = RATE * seconds
    voice = _speech(statement)
    audio = (voice[:total * 2] + bytes(max(0, total * 2 - len(voice)))) if voice else _tone(total)
    width, height = size
    bar = max(1, width // len(BARS))
    row = b"".join(bytes(BARS[min(x // bar, len(BARS) - 1)]) for x in range(width))
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt.container) as out:
        out.metadata["title"] = "zhifa 演示音像记录（虚构）"
        # H.264 Main profile in yuv420p is what every browser and phone decodes.
        options = {"profile": "main", "preset": "veryfast"} if fmt.video == "libx264" else {"deadline": "realtime"}
        video = out.add_stream(fmt.video, rate=fps, options=options)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.codec_context.gop_size = fps * 2  # a key frame every 2 s, so the player can seek
        sound = out.add_stream(fmt.audio, rate=RATE)
        sound.layout = "mono"
        for n in range(seconds * fps):
            shift = (n * 12) % width * 3
            moved = row[-shift:] + row[:-shift] if shift else row
            strip = bytes([(n * 9) % 256]) * (width * 3)  # a moving strip shows the clip is running
            frame = av.VideoFrame(width, height, "rgb24")
            plane = frame.planes[0]
            pad = bytes(plane.line_size - width * 3)
            plane.update(b"".join((strip if y >= height - 20 else moved) + pad for y in range(height)))
            frame.pts, frame.time_base = n, Fraction(1, fps)
            for packet in video.encode(frame.reformat(format="yuv420p")):
                out.mux(packet)
        step = 1024
        for start in range(0, total, step):
            chunk = audio[start * 2:(start + step) * 2]
            frame = av.AudioFrame(format="s16", layout="mono", samples=len(chunk) // 2)
            frame.planes[0].update(chunk + bytes(frame.planes[0].buffer_size - len(chunk)))
            frame.sample_rate, frame.pts, frame.time_base = RATE, start, Fraction(1, RATE)
            for packet in sound.encode(frame):
                out.mux(packet)
        for stream in (video, sound):
            for packet in stream.encode():
                out.mux(packet)
    return buf.getvalue()
