"""The provenance keys of a data row, defined once, and the sources behind a set of files.

Light on purpose (csv only): the runner uses it without importing pandas, and
:mod:`forecast.data` uses :data:`PROVENANCE` for ``df.attrs["provenance"]``.
"""

from __future__ import annotations

import csv
from pathlib import Path

#: the columns that say where a row comes from, in the order they are shown
PROVENANCE = ("publisher", "document", "published", "url", "status")


def data_sources(paths) -> list[dict]:
    """Distinct sources (the :data:`PROVENANCE` columns) of the rows of the CSV files ``paths``.

    The same facts :func:`forecast.data.load` puts in ``df.attrs["provenance"]``,
    sorted; files that are not CSV, or cannot be read, contribute nothing.  Each
    file is read once per process while its size and mtime stay the same (a run's
    notebooks mostly read the same files).
    """
    found = {}
    for path in map(Path, paths):
        if path.suffix == ".csv":
            found.update(_file_sources(path))
    return [dict(found[k]) for k in sorted(found)]


_SEEN: dict = {}


def _file_sources(path: Path) -> dict:
    try:
        st = path.stat()
    except OSError:
        return {}
    stamp = (str(path), st.st_size, st.st_mtime_ns)
    if stamp not in _SEEN:
        found = {}
        try:
            with open(path, newline="", encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    if row.get("publisher") or row.get("document"):
                        item = {k: (row.get(k) or "").strip() for k in PROVENANCE}
                        found[tuple(item.values())] = item
        except (OSError, UnicodeDecodeError, csv.Error):
            found = {}
        _SEEN[stamp] = found
    return _SEEN[stamp]
