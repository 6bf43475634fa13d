"""Where the project lives, and writing files so that nothing is ever half-written.

Every file the library generates goes through :func:`atomic_write_bytes`: the
bytes are written to a temporary file in the destination folder and renamed
over the target, so an interrupted run (Ctrl-C, a crash, a full disk) leaves
either the old file or the new one, never a truncated mix.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from forecast.errors import DataError


def project_root(start: str | os.PathLike | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: the cwd) holding ``pyproject.toml``.

    Raises
    ------
    DataError
        When no such folder exists (the caller is outside a compute-forecast project).
    """
    here = Path(start if start is not None else os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    raise DataError(
        "no compute-forecast project found (no pyproject.toml here or in any parent folder)",
        path=here, expected="to be run inside a project folder, or data_dir/output_dir given")


def output_dir(path: str | os.PathLike | None = None) -> Path:
    """The outputs folder: ``path`` when given, else ``<project root>/outputs``."""
    return Path(path) if path is not None else project_root() / "outputs"


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
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Text version of :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode(encoding))


def save_table(df, name: str, output_dir_: str | os.PathLike | None = None, *, index: bool = False) -> Path:
    """Save a DataFrame as ``<output_dir>/tables/<name>.csv`` atomically; return the path.

    ``name`` is given without the ``.csv`` suffix (one is tolerated).
    """
    stem = name[:-4] if name.endswith(".csv") else name
    target = output_dir(output_dir_) / "tables" / f"{stem}.csv"
    return atomic_write_text(target, df.to_csv(index=index, lineterminator="\n"))
