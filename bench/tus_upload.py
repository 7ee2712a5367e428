#!/usr/bin/env python
"""A large upload through the tus endpoint on loopback, against a plain local copy-and-hash of the same
file in the same run, with the server's peak memory (VmHWM), which must not grow with file size.

    .venv/bin/python bench/tus_upload.py [--mb 2048] [--chunk-mb 256]

The server is `manage.py runserver` on 127.0.0.1 (single process) with a fresh SQLite database.
"""

import argparse
import base64
import datetime as dt
import hashlib
import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("ZHIFA_BENCH_OUT", ROOT / "bench" / "out"))
sys.path.insert(0, str(ROOT))


def setup_db(env):
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    from zhifa.cases import services as cases
    from zhifa.core.models import ApiToken
    from zhifa.core.permissions import Role
    from zhifa.org.models import Level, UnitKind
    from zhifa.org.services import (
        certificate_issue,
        jurisdiction_create,
        person_create,
        role_grant,
        unit_create,
    )
    from zhifa.records.services import device_register

    region = jurisdiction_create(name="基准区", code="980000", level=Level.REGION, parent=None)
    city = jurisdiction_create(name="基准市", code="980100", level=Level.CITY, parent=region)
    county = jurisdiction_create(name="基准县", code="980101", level=Level.COUNTY, parent=city)
    from zhifa.org.services import agency_create

    agency = agency_create(jurisdiction=county, actor=None, name="基准县市场监督管理局", kind="organ", field="market")
    from zhifa.org.models import Agency

    Agency.objects.filter(pk=agency.pk).update(status="confirmed")
    agency.refresh_from_db()
    unit = unit_create(agency=agency, name="执法大队", kind=UnitKind.HANDLING, actor=None)
    user = get_user_model().objects.create_user("bench_officer")
    role_grant(user=user, role=Role.AGENCY_HEAD, agency=agency, actor=None)
    today = timezone.localdate()
    people = []
    for name in ("甲", "乙"):
        p = person_create(agency=agency, name=name, unit=unit, actor=None)
        certificate_issue(person=p, number=f"B-{name}", category="market", area=county, valid_from=today - dt.timedelta(days=1),
                          valid_to=today + dt.timedelta(days=300), actor=None)
        people.append(p)
    case = cases.case_open(agency=agency, handling_unit=unit, title="基准", action_type="coercion", procedure="ordinary",
                           place=county, legal_basis="b", actor=user)
    for p in people:
        cases.officer_assign(case=case, person=p, actor=user)
    device_register(agency=agency, kind="body_camera", serial="BENCH-1", actor=user)
    _row, token = ApiToken.issue(user=user, name="bench")
    return case.pk, people[0].pk, token


def make_video(path: Path, mb: int) -> None:
    """A real, playable video of about `mb` MiB: uncompressed 1280×720 frames in Matroska (PyAV)."""
    import av

    blocks = [os.urandom(1280 * 720 * 3 // 2) for _ in range(4)]
    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("rawvideo", rate=25)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        for i in range(max(1, (mb << 20) // len(blocks[0]))):
            frame = av.VideoFrame(1280, 720, "yuv420p")
            data, offset = blocks[i % 4], 0
            for plane in frame.planes:
                plane.update(data[offset:offset + plane.buffer_size])
                offset += plane.buffer_size
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=2048, help="approximate size of the generated video")
    parser.add_argument("--chunk-mb", type=int, default=256, help="bytes per PATCH, as a field client would send")
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "tus_bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    env = {"DATABASE_URL": f"sqlite:///{db}", "DJANGO_SETTINGS_MODULE": "config.settings", "MEDIA_ROOT": str(OUT / "tus_media"),
           "ZHIFA_LEDGER_KEY_FILE": str(OUT / "bench-ledger.key"), "ZHIFA_DATA_DIR": str(OUT / "tus_data")}
    case_id, officer_id, token = setup_db(env)

    path = OUT / f"tus-{args.mb}m.mkv"
    if not path.exists():
        make_video(path, args.mb)
    size = path.stat().st_size
    os.sync()

    t0 = time.perf_counter()
    h = hashlib.sha256()
    with open(path, "rb") as src, open(OUT / "copy.bin", "wb") as dst:
        while chunk := src.read(1 << 20):
            h.update(chunk)
            dst.write(chunk)
        os.fsync(dst.fileno())
    t_copy = time.perf_counter() - t0
    os.remove(OUT / "copy.bin")
    expected = h.hexdigest()
    os.sync()

    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{args.port}", "--noreload",
                               "--nothreading"], cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", args.port, timeout=1).request("OPTIONS", "/api/tus/")
                break
            except OSError:
                time.sleep(0.1)
        start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        meta = {"case": str(case_id), "device": "BENCH-1", "officer": str(officer_id), "activity": "seize",
                "started_at": start.isoformat(), "ended_at": (start + dt.timedelta(minutes=30)).isoformat(),
                "place": "基准地点", "filetype": "video/x-matroska"}
        headers = {"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {token}"}
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=600)
        t0 = time.perf_counter()
        conn.request("POST", "/api/tus/", headers=headers | {
            "Upload-Length": str(size),
            "Upload-Metadata": ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())})
        response = conn.getresponse()
        response.read()
        location = response.getheader("Location").split(str(args.port), 1)[1]
        offset, step = 0, args.chunk_mb << 20
        with open(path, "rb") as fh:
            while offset < size:
                n = min(step, size - offset)
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=600)
                conn.putrequest("PATCH", location)
                for k, v in (headers | {"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
                                        "Content-Length": str(n)}).items():
                    conn.putheader(k, v)
                conn.endheaders()
                sent = 0
                while sent < n:
                    data = fh.read(min(1 << 20, n - sent))
                    conn.send(data)
                    sent += len(data)
                response = conn.getresponse()
                response.read()
                assert response.status == 204, (response.status, response.getheaders())
                offset = int(response.getheader("Upload-Offset"))
                digest = response.getheader("Zhifa-Sha256")
        t_tus = time.perf_counter() - t0
        with open(f"/proc/{server.pid}/status") as fh:
            hwm = next(line.split()[1] for line in fh if line.startswith("VmHWM"))
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert digest == expected, "digests differ"
    mb = size / 1e6
    print(f"tus upload over loopback ({args.mb} MiB in {args.chunk_mb} MiB PATCHes): {mb / t_tus:7.1f} MB/s "
          f"({t_tus:.1f} s); server peak RSS {int(hwm) / 1024:.1f} MiB")
    print(f"plain local copy-and-hash of the same file:             {mb / t_copy:7.1f} MB/s ({t_copy:.1f} s)   "
          f"ratio {t_tus / t_copy:.2f}x")
    print(f"digest matches: {digest}")
    import shutil

    shutil.rmtree(OUT / "tus_media", ignore_errors=True)


if __name__ == "__main__":
    main()
