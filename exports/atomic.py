"""Atomic file output: write a temporary file beside the target, then rename over it, so a crash or
Ctrl-C never leaves a half-written file or clobbers the old one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class ExportError(Exception):
    """An output file could not be written; the message names the path and the fix."""


def check_writable(path: str | Path) -> Path:
    """Fail early, before a long solve, if `path` cannot be written."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"cannot write {path}: directory {folder} does not exist; create it "
                          "first")
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a directory; give a file name")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ExportError(f"cannot write {path}: permission denied; choose another path")
    return folder


def write_atomic(path: str | Path, data: bytes) -> None:
    path = Path(path)
    folder = check_writable(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror}; check the folder's "
                          "permissions") from None
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise ExportError(f"cannot write {path}: {exc.strerror}") from None
        raise
