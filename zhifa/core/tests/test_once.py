"""Key material made on first use by several processes at once: one wins, nobody reads half a file (core.once)."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

from zhifa.core.once import create_dir_once, create_file_once


def test_one_of_many_concurrent_writers_creates_the_file_and_all_read_it_whole(tmp_path):
    path = tmp_path / "keys" / "k"
    start = Barrier(8)

    def write(i):
        start.wait()
        made = create_file_once(path, f"key-{i}\n".encode() * 1000)
        return made, path.read_bytes()

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(write, range(8)))
    assert sum(made for made, _ in results) == 1
    winner = next(data for made, data in results if made)
    assert all(data == winner for _, data in results)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in path.parent.iterdir()] == ["k"]  # no private copy left behind


def test_an_existing_file_is_never_replaced(tmp_path):
    path = tmp_path / "k"
    path.write_bytes(b"first")
    assert create_file_once(path, b"second") is False
    assert path.read_bytes() == b"first"


def test_one_of_many_concurrent_makers_creates_the_folder(tmp_path):
    folder = tmp_path / "agency-1"
    start = Barrier(6)

    def make(i):
        def fill(tmp: Path):
            (tmp / "key.pem").write_text(f"key {i}")
            start.wait()  # every maker has a full private folder before any rename
            (tmp / "cert.pem").write_text(f"cert {i}")
        made = create_dir_once(folder, fill)
        return made, (folder / "key.pem").read_text(), (folder / "cert.pem").read_text()

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(make, range(6)))
    assert sum(made for made, *_ in results) == 1
    key, cert = results[0][1:]
    assert key.split()[1] == cert.split()[1]  # key and certificate of one and the same maker
    assert all(r[1:] == (key, cert) for r in results)
    assert [p.name for p in tmp_path.iterdir()] == ["agency-1"]
