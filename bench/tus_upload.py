#!/usr/bin/env python
"""A large upload through the tus endpoint on loopback against the fair ceiling of the same file in the same run
(issue 19 §4, §7), with the server's peak memory (VmHWM), which must not grow with file size.

    .venv/bin/python bench/tus_upload.py [--mb 1024] [--runs 3] [--chunk-mb 256] [--memory-mb 100]
    .venv/bin/python bench/tus_upload.py --smoke        # CI: 8 MiB, 3 runs, memory at 2 MiB vs 8 MiB

Each run: one byte of the video's frame data is changed (every run stores new bytes, not a duplicate), then the
ceiling — read, SHA-256, write and fsync the same file in 64 KiB pieces (`harness.copy_hash_fsync`) — then the
upload: POST and PATCHes of `--chunk-mb` to a fresh `manage.py runserver` (one process, no threads) on
127.0.0.1, the client sending with sendfile(2) so that it takes as little of the 2 cores as it can. The upload
ends when the recording is registered (media check, evidence store, log entry): its time includes all of it.
The server's peak RSS is read from /proc before it is stopped. Figures: MB/s of each, min / median / max of the
runs, and the ratio run by run. The staging folder and MEDIA_ROOT are on the same filesystem (under
ZHIFA_BENCH_OUT), so the upload is published by a rename, as in the default configuration.
"""

import argparse
import base64
import datetime as dt
import http.client
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("ZHIFA_BENCH_OUT", ROOT / "bench" / "out"))
sys.path.insert(0, str(ROOT))

from bench.harness import copy_hash_fsync, print_ratio, print_runs, recreate_database, repeat  # noqa: E402


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


def perturb(path: Path, run: int) -> None:
    """Make this run's bytes new: change 8 bytes in the middle of the file, inside a frame's raw picture data
    (the container's headers and index are at the ends), so the upload is stored, not found as a duplicate."""
    with open(path, "r+b") as fh:
        fh.seek(path.stat().st_size // 2)
        fh.write(run.to_bytes(8, "big"))


def start_server(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload",
                               "--nothreading"], cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("OPTIONS", "/api/tus/")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise SystemExit("the server did not start")


def upload(path: Path, *, port: int, token: str, case_id: int, officer_id: int, chunk: int) -> tuple[float, str]:
    """POST, then PATCHes of `chunk` bytes sent with sendfile(2); (seconds, the Zhifa-Sha256 the server answered)."""
    size = path.stat().st_size
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    meta = {"case": str(case_id), "device": "BENCH-1", "officer": str(officer_id), "activity": "seize",
            "started_at": start.isoformat(), "ended_at": (start + dt.timedelta(minutes=30)).isoformat(),
            "place": "基准地点", "filetype": "video/x-matroska"}
    headers = {"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {token}"}
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.request("POST", "/api/tus/", headers=headers | {
        "Upload-Length": str(size),
        "Upload-Metadata": ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items())})
    response = conn.getresponse()
    response.read()
    assert response.status == 201, (response.status, response.getheaders())
    location = response.getheader("Location").split(str(port), 1)[1]
    offset, digest = 0, ""
    with open(path, "rb") as fh:
        while offset < size:
            n = min(chunk, size - offset)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            conn.putrequest("PATCH", location)
            for k, v in (headers | {"Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
                                    "Content-Length": str(n)}).items():
                conn.putheader(k, v)
            conn.endheaders()
            conn.sock.sendfile(fh, offset, n)
            response = conn.getresponse()
            body = response.read()
            assert response.status == 204, (response.status, body)
            offset = int(response.getheader("Upload-Offset"))
            digest = response.getheader("Zhifa-Sha256") or digest
    return time.perf_counter() - t0, digest


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/<pid>/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        return int(next(line.split()[1] for line in fh if line.startswith("VmHWM"))) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=1024, help="approximate size of the generated video, MiB")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chunk-mb", type=int, default=256, help="bytes per PATCH, as a field client would send")
    parser.add_argument("--memory-mb", type=int, default=100, help="the small upload whose peak RSS is compared")
    parser.add_argument("--smoke", action="store_true", help="CI: --mb 8 --memory-mb 2 --chunk-mb 4, 3 runs")
    parser.add_argument("--sync-mb", type=int, default=None,
                        help="ZHIFA_TUS_SYNC_BYTES for the server, MiB (default: the setting's default)")
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()
    if args.smoke:
        args.mb, args.memory_mb, args.chunk_mb, args.runs = 8, 2, 4, 3
    OUT.mkdir(parents=True, exist_ok=True)
    db = OUT / "tus_bench.sqlite3"
    recreate_database(f"sqlite:///{db}")  # from the smoke runs' migrated template when there is one
    media, data = OUT / "tus_media", OUT / "tus_data"
    shutil.rmtree(media, ignore_errors=True)
    shutil.rmtree(data / "tus", ignore_errors=True)
    env = {"DATABASE_URL": f"sqlite:///{db}", "DJANGO_SETTINGS_MODULE": "config.settings", "MEDIA_ROOT": str(media),
           "ZHIFA_LEDGER_KEY_FILE": str(OUT / "bench-ledger.key"), "ZHIFA_DATA_DIR": str(data)}
    if args.sync_mb is not None:
        env["ZHIFA_TUS_SYNC_BYTES"] = str(args.sync_mb << 20)
    case_id, officer_id, token = setup_db(env)
    target = dict(port=args.port, token=token, case_id=case_id, officer_id=officer_id, chunk=args.chunk_mb << 20)

    files = {}
    for mb in (args.memory_mb, args.mb):
        files[mb] = OUT / f"tus-{mb}m.mkv"
        if not files[mb].exists():
            make_video(files[mb], mb)
    os.sync()

    def one_upload(path: Path) -> tuple[float, str, float, float]:
        """(seconds, digest, server peak RSS MiB, server CPU seconds spent on the upload)."""
        server = start_server(env, args.port)
        try:
            cpu0 = cpu_seconds(server.pid)
            seconds, digest = upload(path, **target)
            cpu = cpu_seconds(server.pid) - cpu0
            rss = peak_rss_mib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(media, ignore_errors=True)  # the stored copy: each run writes into the same empty store
        os.sync()
        return seconds, digest, rss, cpu

    small = files[args.memory_mb]
    perturb(small, 0)
    _t, _d, rss_small, _cpu = one_upload(small)

    path, size = files[args.mb], files[args.mb].stat().st_size
    ceilings, uploads, rss, cpu_ceiling, cpu_server = [], [], [], [], []

    def run(i: int) -> float:
        perturb(path, i + 1)
        os.sync()
        before = os.times()
        t_copy, expected = copy_hash_fsync(path, OUT / "ceiling.bin")
        after = os.times()
        os.sync()
        t_tus, digest, peak, cpu = one_upload(path)
        assert digest == expected, f"run {i + 1}: digests differ ({digest} != {expected})"
        ceilings.append(size / 1e6 / t_copy)
        uploads.append(size / 1e6 / t_tus)
        rss.append(peak)
        gib = size / 2**30
        cpu_ceiling.append((after.user + after.system - before.user - before.system) / gib)
        cpu_server.append(cpu / gib)
        return t_tus

    repeat(run, args.runs)
    from django.conf import settings

    sync = int(env.get("ZHIFA_TUS_SYNC_BYTES", settings.ZHIFA_TUS_SYNC_BYTES)) / 2**20
    print(f"file: {size / 2**20:.0f} MiB video, {args.runs} runs, PATCHes of {args.chunk_mb} MiB, fsync every "
          f"{sync:g} MiB or {settings.ZHIFA_TUS_SYNC_SECONDS:g} s; same file and run for both figures")
    print(f"stored digest matches the file's SHA-256 in all {args.runs} runs (digest matches)")
    print_runs("tus upload over loopback (to registered recording)", uploads, unit="MB/s", width=52)
    print_runs("ceiling: copy + SHA-256 + fsync, 64 KiB pieces", ceilings, unit="MB/s", width=52)
    print_ratio("ratio tus / ceiling", uploads, ceilings, width=52)
    # CPU time is what the 2 shared cores make least noisy: the work itself, without the waits for the disk.
    print_runs("CPU s per GiB: tus server process", cpu_server, unit="s", fmt="{:.2f}", width=52)
    print_runs("CPU s per GiB: ceiling", cpu_ceiling, unit="s", fmt="{:.2f}", width=52)
    print_runs(f"server peak RSS, {size / 2**20:.0f} MiB upload", rss, unit="MiB", width=52)
    print(f"{f'server peak RSS, {small.stat().st_size / 2**20:.0f} MiB upload':<52} {rss_small:.1f} MiB  "
          f"(difference {max(rss) - rss_small:+.1f} MiB)")


if __name__ == "__main__":
    main()
