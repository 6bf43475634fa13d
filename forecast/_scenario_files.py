"""Which files in ``notebooks/params/`` are scenario files (no numpy or pandas here).

The runner asks this on every run, cached or not, so it must stay cheap to
import; :mod:`forecast.scenarios` re-exports all three names.
"""

from __future__ import annotations

import os
from pathlib import Path

from forecast import _yaml
from forecast.errors import DataError

#: First line every scenario file must carry; lets ``available_scenarios`` tell
#: scenario files from other parameter files in the same folder.
FORMAT = "compute-forecast-scenario/1"


def params_dir(path: str | os.PathLike | None = None) -> Path:
    """The folder holding scenario files: ``path``, else ``<project root>/notebooks/params``.

    The project root is found from the cwd (:func:`forecast.io.project_root`);
    outside a project, the checkout the package was installed from (editable
    install) is used when it has that folder.
    """
    if path is not None:
        return Path(path)
    from forecast.io import project_root

    try:
        return project_root() / "notebooks" / "params"
    except DataError:
        fallback = Path(__file__).resolve().parent.parent / "notebooks" / "params"
        if fallback.is_dir():
            return fallback
        raise


def available_scenarios(directory: str | os.PathLike | None = None) -> list[str]:
    """Names (file stems) of the scenario files in ``directory``, sorted.

    A ``.yaml`` file counts when its top-level ``format`` is :data:`FORMAT`;
    other parameter files in the folder are ignored.
    """
    return [path.stem for path, doc in _read_all(params_dir(directory))
            if isinstance(doc, dict) and doc.get("format") == FORMAT]


def unreadable_files(directory: str | os.PathLike | None = None) -> list[tuple[Path, str]]:
    """``(path, why)`` of the ``.yaml`` files in ``directory`` that cannot be read as YAML.

    They are not offered as scenarios; the runner reports them by name and runs
    the rest.
    """
    return [(path, why) for path, why in _read_all(params_dir(directory)) if isinstance(why, _Bad)]


class _Bad(str):
    """Why a file could not be read (a str, so it can be shown as is)."""


def _read_all(folder: Path) -> list[tuple[Path, object]]:
    found = []
    try:
        paths = sorted(Path(folder).glob("*.yaml"))
    except OSError:
        return []
    for path in paths:
        try:
            found.append((path, _yaml.load_file(path)))
        except _yaml.YAMLRefused as err:
            found.append((path, _Bad(str(err))))
    return found
