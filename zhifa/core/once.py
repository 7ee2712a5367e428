"""Key material made on first use, by whichever process gets there first, and never half-written.

Several processes (gunicorn workers, task workers, pytest-xdist workers) may find a development signing key or an
agency's seal missing at the same moment. `O_CREAT | O_EXCL` alone lets the loser read a file the winner has not
finished writing, or fail outright when it tries to write its own; so the whole thing is built under a private
name beside its place and moved in with one atomic step (`link` for a file, `rename` for a folder). The loser
throws its copy away and reads the winner's.
"""

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def create_file_once(path: Path, data: bytes, *, mode: int = 0o600) -> bool:
    """Put `data` at `path` unless a file is there already; True if this call created it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # fails if the name exists: never replaces what another process made
        except FileExistsError:
            return False
        return True
    finally:
        os.unlink(tmp)


def create_dir_once(path: Path, fill: Callable[[Path], None]) -> bool:
    """Make the folder `path` by calling `fill(folder)` on a private folder and renaming it into place, unless
    `path` exists already; True if this call created it. `fill` writes every file the folder must hold."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        fill(tmp)
        try:
            os.rename(tmp, path)  # an existing non-empty folder makes this fail; it is never replaced
        except OSError:
            if path.is_dir():
                return False
            raise
        return True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
