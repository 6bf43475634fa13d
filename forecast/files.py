"""Writing files so nothing is half-written, and refusing to follow planted symbolic links.

:func:`atomic_write_bytes` (and :func:`atomic_write_text`) write the bytes to a temporary
file in the destination folder, flush them to disk and rename it over the target, so an
interrupted run leaves either the old file or the new one, never a part of either.  Written
files get mode ``0o644``; a failed write (a full disk) names the file it could not write.

:func:`refuse_symlinks` checks a path the runner is about to write or delete below a root
(the output folder) for symbolic links.  Where files go is :mod:`forecast.paths`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file and a rename; create parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        if err.filename is None:  # a full disk: say which file could not be written
            raise OSError(err.errno, err.strerror or str(err), str(path)) from err
        raise
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Text version of :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode(encoding))


def refuse_symlinks(path: str | os.PathLike, root: str | os.PathLike) -> Path:
    """``path`` when no part of it below ``root`` is a symbolic link, else OSError(ELOOP).

    Locks, staging folders, caches and histories are written and deleted by the
    runner; a planted link would turn those writes or deletions on a file outside the
    project.  Parts that do not exist yet are fine; ``root`` itself may be a link.
    """
    import errno
    import stat

    path, root = Path(path), Path(root)
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            break
        if stat.S_ISLNK(mode):
            raise OSError(errno.ELOOP, "is a symbolic link; refusing to follow it (remove it "
                          "and run again)", str(current))
    return path
