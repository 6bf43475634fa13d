"""Where the project lives, where outputs go, and writing files so nothing is half-written.

Public I/O for notebooks and scripts::

    from forecast import io
    io.save_table(df, "projection", output_dir)     # <output_dir>/tables/projection.csv
    io.save_figure(fig, "fan_total", output_dir)    # <output_dir>/figures/fan_total.png + .svg

Both return None (so nothing is printed into a notebook page) and write atomically:
the bytes go to a temporary file in the destination folder which is then renamed
over the target, so an interrupted run leaves either the old file or the new one.

**Where outputs go** (:func:`output_dir`):

* an explicit ``output_dir`` (a folder) is used as given;
* inside a notebook run by ``compute-forecast run``, ``None`` means the run's
  staging folder (the runner sets :data:`RUNNER_ENV` in the kernel), which is
  promoted into ``outputs/`` only when the notebook succeeds;
* anywhere else (JupyterLab, plain ``papermill``, a script), ``None`` means
  ``<project>/outputs/scratch/``, so an interactive run never overwrites the
  canonical outputs the runner vouches for.

Names are names: ``save_table(df, "../x")`` is refused with a ParameterError.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from forecast.errors import DataError, ParameterError

#: environment variable the runner sets in each kernel: the folder that notebook writes to
RUNNER_ENV = "COMPUTE_FORECAST_OUTPUT_DIR"
#: the folder (under ``outputs/``) runs outside the runner write to by default
SCRATCH = "scratch"
#: resolution of saved PNG figures (dots per inch); SVG is resolution-free
DPI = 150
FIGURE_FORMATS = ("png", "svg")

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")


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
    """The folder outputs are written to (see the module docstring).

    ``path`` when given; else the runner's folder for this notebook when run by
    ``compute-forecast run``; else ``<project root>/outputs/scratch``.
    """
    return _folder(path)


def _folder(path) -> Path:
    if path is not None:
        return Path(path)
    given = os.environ.get(RUNNER_ENV)
    if given:
        return Path(given)
    return project_root() / "outputs" / SCRATCH


def check_name(name: str, what: str = "output name") -> str:
    """``name`` when it is a plain file name (letters, digits, ``._-``; no folder), else ParameterError."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or ".." in name:
        shown = repr(name)[:60]
        raise ParameterError(f"{what} must be a plain name (letters, digits, '.', '_', '-'; "
                             f"no folder, at most 120 characters), got {shown}", name=what)
    return name


def table_path(name: str, output_dir: str | os.PathLike | None = None) -> Path:
    """Path of the table ``name``: ``<output_dir>/tables/<name>.csv`` (``.csv`` may be given)."""
    stem = name[:-4] if isinstance(name, str) and name.endswith(".csv") else name
    return _folder(output_dir) / "tables" / f"{check_name(stem, 'table name')}.csv"


def figure_paths(name: str, output_dir: str | os.PathLike | None = None) -> list[Path]:
    """Paths of the figure ``name``: ``<output_dir>/figures/<name>.png`` and ``.svg``."""
    folder = _folder(output_dir) / "figures"
    stem = check_name(name, "figure name")
    return [folder / f"{stem}.{fmt}" for fmt in FIGURE_FORMATS]


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


def atomic_write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Text version of :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode(encoding))


def save_table(df, name: str, output_dir: str | os.PathLike | None = None, *,
               index: bool = False) -> None:
    """Save a DataFrame as ``<output_dir>/tables/<name>.csv`` atomically (``\\n`` line ends).

    ``name`` is given without the ``.csv`` suffix (one is tolerated).  Returns None;
    :func:`table_path` gives the path.
    """
    atomic_write_text(table_path(name, output_dir), df.to_csv(index=index, lineterminator="\n"))


def render_figure(fig, formats=FIGURE_FORMATS, dpi: float = DPI) -> dict[str, bytes]:
    """The figure's bytes in each of ``formats`` (``"png"``, ``"svg"``, ...), from one layout.

    What ``fig.savefig(..., dpi=dpi, bbox_inches="tight")`` does for each format, with the
    expensive part done once: the layout engine (constrained or tight) runs and the tight
    bounding box is measured once, at ``dpi`` with the PNG renderer; every format is then drawn
    with that layout and that box.  The PNG is byte for byte what ``savefig`` writes; the SVG
    shares the PNG's layout exactly (``savefig`` would lay it out again with the SVG
    renderer's slightly different text metrics) and carries no date, so an unchanged chart
    gives identical files.  The figure's dpi and layout engine are restored afterwards, so a
    later change to it is laid out again.

    Returns ``{format: bytes}`` in the order of ``formats``.
    """
    import io as _bytes_io

    import matplotlib as mpl

    engine, original_dpi = fig.get_layout_engine(), fig.dpi
    try:
        fig.dpi = dpi
        if engine is not None:  # what savefig's first (invisible) draw is for
            engine.execute(fig)
        box = fig.get_tightbbox(fig.canvas.get_renderer()).padded(
            mpl.rcParams["savefig.pad_inches"])
        fig.set_layout_engine(None)  # keep this layout: no engine, no second layout pass
        images = {}
        for fmt in formats:
            buffer = _bytes_io.BytesIO()
            # no date and fixed ids in SVG, so an unchanged chart gives identical bytes
            with mpl.rc_context({"svg.hashsalt": "compute-forecast"}):
                fig.savefig(buffer, format=fmt, dpi=dpi, bbox_inches=box,
                            **({"metadata": {"Date": None}} if fmt == "svg" else {}))
            images[fmt] = buffer.getvalue()
    finally:
        fig.set_layout_engine(engine)
        fig.dpi = original_dpi
    return images


def write_figure(images: dict[str, bytes], name: str,
                 output_dir: str | os.PathLike | None = None) -> None:
    """Write :func:`render_figure`'s PNG and SVG bytes as ``<output_dir>/figures/<name>.*``."""
    for path in figure_paths(name, output_dir):
        atomic_write_bytes(path, images[path.suffix[1:]])


def save_figure(fig, name: str, output_dir: str | os.PathLike | None = None) -> None:
    """Write a matplotlib figure to ``<output_dir>/figures/<name>.png`` and ``.svg`` atomically.

    PNG at :data:`DPI` dots per inch, both with a tight bounding box and one layout
    (:func:`render_figure`).  Both images are rendered before either is written.  Returns
    None; :func:`figure_paths` gives the paths.  :func:`forecast.present.figure` with
    ``save_as=`` saves and shows a chart from one rendering.
    """
    paths = figure_paths(name, output_dir)  # a bad name fails before any drawing
    write_figure(render_figure(fig, tuple(p.suffix[1:] for p in paths)), name, output_dir)
