"""The skill table, computed once per set of inputs: a disk cache for :func:`skill.run_many`.

Notebook 05's rolling-origin evaluation (9 models x 3 TOP500 series x 46 origins, about
10 s of CPU) is the longest step of a run, and its inputs rarely change between runs.
:func:`run_many` returns exactly what :func:`forecast.analysis.skill.run_many` returns,
reading it from ``<cache_dir>/skill-<key>.npz`` when a file of the same key is there and
computing (then writing) it otherwise.

:func:`score` does the same for :func:`forecast.analysis.skill.score` of a table (about
1.5 s of pandas work on 270 groups), keyed by the table's content.

The key (:func:`key`) is a SHA-256 of everything the table depends on, and of nothing else:

* the data: each series' name, values (float64 bytes) and labels;
* the parameters: models, ``initial``, horizons, ``steps_per_year``, levels, options and
  benchmark (not ``workers``: the table does not depend on it);
* the code that computes it: the source of ``skill.py``, ``backtest.py``, every module of
  ``forecast/models/``, ``data/headline.py`` (the log-normal mean) and ``errors.py`` (the
  failed fits' messages are in the table), plus the versions of Python, NumPy, pandas,
  SciPy and statsmodels.  Not the whole library (:func:`runcache.library_fingerprint`):
  a change to a chart must not throw the table away.

The file holds data only (NumPy arrays and JSON, read with ``allow_pickle=False``): a
file that cannot be read, or whose stored key, columns or sizes do not match, is ignored
and the table is computed again.  A table read back is equal to the computed one to the
bit, with the same dtypes and ``attrs`` (tests/test_skill_cache.py).

Where the cache lives (:func:`default_cache_dir`): in a notebook run by ``compute-forecast
run``, the ``.cache/`` folder of the run's output folder (beside the runner's journals and
page caches), so it survives from one run to the next; anywhere else (plain papermill,
JupyterLab, tests) nothing is cached unless a ``cache_dir`` is given.  Deleting
``outputs/.cache/skill-*.npz`` makes the next run compute the table again.
"""

from __future__ import annotations

import hashlib
import io as _bytesio
import json
import os
import platform
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from forecast import files
from forecast.analysis import skill
from forecast.paths import RUNNER_ENV

#: bump when the file layout changes: older files then miss instead of being misread
FORMAT = "skill-cache-1"
#: modules whose source the table depends on (paths under forecast/); folders mean every .py
SOURCES = ("analysis/skill.py", "analysis/backtest.py", "models", "data/headline.py",
           "errors.py")
#: distributions whose numerics the table depends on
PACKAGES = ("numpy", "pandas", "scipy", "statsmodels")
#: the runner stages a notebook's files in <output folder>/<STAGING>/<stem>/
#: (forecast.pipeline.staging.STAGING; not imported: the pipeline is a higher layer)
STAGING = ".staging"
#: skill files kept in a cache folder (the newest); older ones are removed
KEEP = 8

_PACKAGE = Path(__file__).resolve().parents[1]  # forecast/
_sources_digest: str | None = None


def code_fingerprint() -> str:
    """SHA-256 of the sources in :data:`SOURCES` and the versions in :data:`PACKAGES`."""
    global _sources_digest
    if _sources_digest is None:
        h = hashlib.sha256()
        for rel in SOURCES:
            target = _PACKAGE / rel
            paths = sorted(target.rglob("*.py")) if target.is_dir() else [target]
            for path in paths:
                if "__pycache__" not in path.parts:
                    h.update(str(path.relative_to(_PACKAGE)).encode() + b"\0"
                             + path.read_bytes() + b"\0")
        _sources_digest = h.hexdigest()
    versions = [f"python={platform.python_version()}"]
    for name in PACKAGES:
        try:
            versions.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name}=none")
    return hashlib.sha256((_sources_digest + ";" + ";".join(versions)).encode()).hexdigest()


def _label(value) -> str:
    """A label as text that tells types apart ('2020' the string vs 2020 the number)."""
    return f"{type(value).__name__}:{value!r}"


def key(series: Mapping[str, pd.Series], models: Iterable[str] | None = None, *,
        initial: int, horizons: Iterable[float] = skill.HORIZONS, steps_per_year: int = 1,
        levels: Sequence[float] = skill.LEVELS, options: Mapping[str, Mapping] | None = None,
        benchmark: str | None = "cagr") -> str:
    """Hex SHA-256 naming the table :func:`skill.run_many` computes from these arguments."""
    h = hashlib.sha256(FORMAT.encode() + b"\0" + code_fingerprint().encode() + b"\0")
    for name, y in series.items():
        values = np.ascontiguousarray(np.asarray(y, dtype=np.float64))
        h.update(json.dumps([str(name), _label(y.name), len(values),
                             [_label(v) for v in y.index]]).encode())
        h.update(values.tobytes())
    params = {"models": None if models is None else [str(m) for m in models],
              "initial": initial, "horizons": [float(v) for v in horizons],
              "steps_per_year": steps_per_year, "levels": [float(v) for v in levels],
              "options": options or {}, "benchmark": benchmark}
    h.update(json.dumps(params, sort_keys=True, default=repr).encode())
    return h.hexdigest()


def default_cache_dir() -> Path | None:
    """The run's ``<output folder>/.cache`` inside ``compute-forecast run``, else None."""
    given = os.environ.get(RUNNER_ENV)
    if not given:
        return None
    folder = Path(given)
    if folder.parent.name == STAGING:  # <output folder>/.staging/<stem>
        folder = folder.parent.parent
    return files.refuse_symlinks(folder / ".cache", folder)


# -- the file: arrays and JSON, never pickle -------------------------------------------------

def _encode(frame: pd.DataFrame, digest: str) -> bytes:
    columns, arrays = [], {}
    for i, (name, column) in enumerate(frame.items()):
        dtype = str(column.dtype)
        if column.dtype.kind in "iufb":
            arrays[f"c{i}"] = column.to_numpy()
            columns.append({"name": name, "dtype": dtype, "kind": "array"})
        else:  # text columns; missing values as null
            values = [None if pd.isna(v) else str(v) for v in column.to_numpy(object)]
            columns.append({"name": name, "dtype": dtype, "kind": "text", "values": values})
    meta = {"format": FORMAT, "key": digest, "rows": len(frame), "columns": columns,
            "attrs": {k: list(v) if isinstance(v, tuple) else v
                      for k, v in frame.attrs.items()},
            "tuples": [k for k, v in frame.attrs.items() if isinstance(v, tuple)]}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buffer = _bytesio.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _decode(blob: bytes, digest: str) -> pd.DataFrame | None:
    """The stored table, or None when the file is not one of ours for ``digest``."""
    try:
        with np.load(_bytesio.BytesIO(blob), allow_pickle=False) as stored:
            meta = json.loads(stored["meta"].tobytes().decode())
            if meta.get("format") != FORMAT or meta.get("key") != digest:
                return None
            rows, data = int(meta["rows"]), {}
            for i, col in enumerate(meta["columns"]):
                if col["kind"] == "array":
                    values = stored[f"c{i}"]
                    if values.dtype != np.dtype(col["dtype"]):
                        return None
                else:
                    values = pd.array(col["values"], dtype=col["dtype"])
                if len(values) != rows:
                    return None
                data[col["name"]] = values
    except Exception:  # noqa: BLE001 - any file we cannot decode is a miss, never a failure
        return None
    frame = pd.DataFrame(data, index=pd.RangeIndex(rows))
    frame.attrs.update({k: tuple(v) if k in meta["tuples"] else v
                        for k, v in meta["attrs"].items()})
    return frame


def _path(cache_dir: Path, digest: str, kind: str = "skill") -> Path:
    return cache_dir / f"{kind}-{digest[:32]}.npz"


def load(cache_dir: str | os.PathLike, digest: str, kind: str = "skill") -> pd.DataFrame | None:
    """The table stored under ``digest`` in ``cache_dir``, or None (absent or unreadable)."""
    try:
        blob = _path(Path(cache_dir), digest, kind).read_bytes()
    except OSError:
        return None
    return _decode(blob, digest)


def store(cache_dir: str | os.PathLike, digest: str, frame: pd.DataFrame,
          kind: str = "skill") -> Path | None:
    """Write ``frame`` under ``digest`` (atomically) and prune to the :data:`KEEP` newest.

    A cache that cannot be written (read-only folder, full disk) is not an error: the
    table was computed, and the next run computes it again.  Returns the path, or None.
    """
    cache_dir = Path(cache_dir)
    try:
        path = files.atomic_write_bytes(_path(cache_dir, digest, kind), _encode(frame, digest))
    except OSError:
        return None
    try:
        older = sorted(cache_dir.glob(f"{kind}-*.npz"), key=lambda p: p.stat().st_mtime)
        for stale in older[:-KEEP]:
            stale.unlink(missing_ok=True)
    except OSError:  # another process pruned first
        pass
    return path


def run_many(series: Mapping[str, pd.Series], models: Iterable[str] | None = None, *,
             initial: int, horizons: Iterable[float] = skill.HORIZONS,
             steps_per_year: int = 1, levels: Sequence[float] = skill.LEVELS,
             options: Mapping[str, Mapping] | None = None, benchmark: str | None = "cagr",
             workers: int = 1, cache_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """:func:`forecast.analysis.skill.run_many`, read from ``cache_dir`` when already computed.

    ``cache_dir`` None means :func:`default_cache_dir` (the run's ``.cache/`` under
    ``compute-forecast run``; no caching elsewhere).  Same parameters and result as
    ``skill.run_many``; the result never depends on whether it came from the cache.
    """
    models = list(models) if models is not None else None
    horizons = list(horizons)
    args = {"initial": initial, "horizons": horizons, "steps_per_year": steps_per_year,
            "levels": levels, "options": options, "benchmark": benchmark}
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    digest = None
    if folder is not None:
        try:
            digest = key(series, models, **args)
        except (AttributeError, TypeError, ValueError):
            digest = None  # malformed arguments: skill.run_many below says what is wrong
    if digest is not None:
        cached = load(folder, digest)
        if cached is not None:
            return cached
    frame = skill.run_many(series, models, workers=workers, **args)
    if digest is not None:
        store(folder, digest, frame)
    return frame


def score(frame: pd.DataFrame, by: Sequence[str] = ("series", "model", "horizon"), *,
          cache_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """:func:`forecast.analysis.skill.score` of ``frame``, read from ``cache_dir`` when known.

    Keyed by the table's content (values, labels, dtypes, ``attrs``), ``by`` and
    :func:`code_fingerprint`; ``cache_dir`` as in :func:`run_many`.
    """
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    digest = None
    if folder is not None:
        try:
            h = hashlib.sha256(f"{FORMAT};score;{code_fingerprint()}".encode())
            h.update(json.dumps([list(map(str, frame.columns)), list(map(str, frame.dtypes)),
                                 list(by), frame.attrs], default=repr).encode())
            h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
            digest = h.hexdigest()
        except (AttributeError, TypeError, ValueError):
            digest = None  # not a skill table: skill.score below says what is wrong
    if digest is not None:
        cached = load(folder, digest, "score")
        if cached is not None:
            return cached
    scores = skill.score(frame, by)
    if digest is not None:
        store(folder, digest, scores, "score")
    return scores
