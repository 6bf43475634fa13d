"""Where things are: the project root, the folder outputs go to, and the paths of named outputs.

Nothing here writes a file; :mod:`forecast.files` writes them safely and :mod:`forecast.io`
saves tables and figures at the paths given here::

    paths.table_path("projection", out)    # <out>/tables/projection.csv
    paths.figure_paths("fan_total", out)   # [<out>/figures/fan_total.png, .../fan_total.svg]

**Where outputs go** (:func:`output_dir`):

* an explicit ``output_dir`` (a folder) is used as given;
* inside a notebook run by ``compute-forecast run``, ``None`` means the run's
  staging folder (the runner sets :data:`RUNNER_ENV` in the kernel), which is
  promoted into ``outputs/`` only when the notebook succeeds;
* anywhere else (JupyterLab, plain ``papermill``, a script), ``None`` means
  ``<project>/outputs/scratch/``, so an interactive run never overwrites the
  canonical outputs the runner vouches for.

Names are names: ``table_path("../x")`` is refused with a ParameterError (:func:`check_name`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from forecast.errors import DataError, ParameterError

#: environment variable the runner sets in each kernel: the folder that notebook writes to
RUNNER_ENV = "COMPUTE_FORECAST_OUTPUT_DIR"
#: the folder (under ``outputs/``) runs outside the runner write to by default
SCRATCH = "scratch"
#: the file formats (suffixes) every saved figure is written in, in this order
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
