"""Our own forecast vintages: every run's headline forecasts, appended to one file.

After a run, :func:`record_run` appends the headline tables the notebooks wrote
(``<output_dir>/tables/headline_<notebook>.csv``, schema :mod:`forecast.headline`)
to ``<output_dir>/history/forecast_history.csv`` with the run's time,
parameters, data hash and library version, never changing earlier rows.
The runner stages the new history with :func:`stage_run` instead, so a notebook's
rows are promoted together with its tables (a kill leaves both or neither).
:func:`load_history` reads it back; :func:`summary` tabulates how each
forecast moved from run to run.

Older histories
    Before the headline schema gained ``median`` and ``level``, the history had
    the columns :data:`HISTORY_COLUMNS_V1`, whose ``mean`` held the point
    forecast: the back-transformed median for log-scale models and the Monte
    Carlo median for scenarios (equal to the mean for additive models).  Such
    a file is never appended to or rewritten: the first :func:`record_run` that
    meets one renames it to ``history/forecast_history.v1.csv`` (warning
    :class:`HistoryFormatWarning`) and starts a new file beside it.
    :func:`load_history` reads both; the old rows come back with their point
    forecast in ``median`` and NaN ``mean`` and ``level`` (not recorded then).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from forecast.data import headline
from forecast.files import atomic_write_bytes, refuse_symlinks
from forecast.errors import DataError, ParameterError

#: Columns of ``history/forecast_history.csv``, in order.
HISTORY_COLUMNS = ("run_time", "notebook", *headline.COLUMNS, "parameters", "data_hash",
                   "version")
#: Columns of a history written before the headline schema had ``median`` and ``level``.
HISTORY_COLUMNS_V1 = ("run_time", "notebook", "target", "scope", "component", "precision",
                      "year", "model", "mean", "lower", "upper", "unit", "parameters",
                      "data_hash", "version")
#: The history, relative to an output folder.
HISTORY_FILE = Path("history") / "forecast_history.csv"
#: Where an old-format history is kept (read by :func:`load_history`, never written again).
HISTORY_FILE_V1 = Path("history") / "forecast_history.v1.csv"


#: What identifies one forecast series across runs: which notebook, what it forecasts, with
#: which model and which parameters.  Never a label holding a data value ("1.4 ZFLOPS (2023)
#: at 47.0%/yr"): a forecast that moved stays the same series (see :func:`series_ids`).
SERIES_COLUMNS = ("notebook", "target", "scope", "component", "precision", "model",
                  "parameters")


class HistoryFormatWarning(UserWarning):
    """An old-format forecast history was set aside and a new one started beside it."""


class HistoryRepairedWarning(UserWarning):
    """The history's last line was cut by an interrupted write; it was set aside and the
    history repaired."""


def record_run(output_dir: str | os.PathLike, *, run_time: datetime | str,
               parameters: Mapping, data_hash: str, version: str,
               notebooks: Iterable[str] | None = None) -> int:
    """Append this run's headline forecasts to ``<output_dir>/history/forecast_history.csv``.

    Every ``<output_dir>/tables/headline_<notebook>.csv`` (or only those of
    ``notebooks``) is checked with :func:`forecast.headline.validate`, then
    read as text, so numbers are copied exactly as written, and its rows are
    appended with the run's metadata.  Earlier rows keep their bytes: the history
    plus the new rows is written to a temporary file, fsynced and renamed over the
    old one, so a kill leaves either the old history or the new one, never half a
    row.  A history whose last line was cut anyway (a full disk under an older
    version, a copy interrupted) is repaired: the cut line is moved to
    ``history/forecast_history.torn-<time>.txt`` and :class:`HistoryRepairedWarning`
    says so; later runs are never refused for it.  A history in the old format is
    renamed to :data:`HISTORY_FILE_V1` first (see the module docstring).  Single
    writer assumed (the runner serialises its notebooks' records).

    The runner does not call this: it stages the same file with :func:`stage_run` so
    the rows are promoted with the notebook's outputs, in one transaction.

    Parameters
    ----------
    output_dir : path
        The run's output folder (holding ``tables/``).
    run_time : datetime or str
        When the run started; a datetime is stored as ISO 8601 in UTC
        (naive datetimes are taken as UTC), a string is stored as given.
    parameters : mapping
        The run's parameters, stored as sorted JSON on every row (e.g.
        ``{"scenario": "base"}``, or ``{notebook: {...}}`` per notebook); values
        JSON cannot hold (dates, paths) are stored as their ``str()``.
    data_hash : str
        Hash identifying the data the run read (e.g. a sha256 over the data files).
    version : str
        ``forecast.__version__`` of the library that made the run.
    notebooks : iterable of str, optional
        Notebook stems whose headline tables to record (e.g.
        ``["01_global_compute"]`` for ``headline_01_global_compute.csv``);
        default: every headline table present.  Pass the notebooks that ran,
        so stale tables of earlier runs are not recorded again.

    Returns
    -------
    int
        Number of rows appended (0, and no file touched, when there are no headline rows).

    Raises
    ------
    DataError
        A headline table breaks the schema of :mod:`forecast.headline` (naming
        file, line and column), a requested notebook has no headline table, or
        the existing history has an unknown header (it is then left untouched),
        or an old-format history must be set aside but :data:`HISTORY_FILE_V1`
        already exists.
    ParameterError
        ``parameters`` is not a mapping, or ``data_hash``/``version`` is empty.
    OSError
        The history (or its folder) is a symbolic link: it is not followed.
    """
    rows, note = _record(Path(output_dir), Path(output_dir), run_time=run_time,
                         parameters=parameters, data_hash=data_hash, version=version,
                         notebooks=notebooks)
    if note:
        warnings.warn(note, HistoryRepairedWarning, stacklevel=2)
    return rows


def stage_run(output_dir: str | os.PathLike, stage_dir: str | os.PathLike, *,
              run_time: datetime | str, parameters: Mapping, data_hash: str, version: str,
              notebooks: Iterable[str]) -> tuple[int, str | None]:
    """:func:`record_run` for a staged run: the history of ``output_dir`` plus the rows of
    ``stage_dir/tables/headline_<notebook>.csv`` is written to
    ``stage_dir/history/forecast_history.csv``, to be promoted with the notebook's other
    files (:mod:`forecast.pipeline.staging`); ``output_dir`` is not written (except to set
    an old-format history aside).

    Returns ``(rows appended, note)``: the note says how a cut last line was repaired
    (None when nothing was repaired).  Raises as :func:`record_run`.
    """
    return _record(Path(output_dir), Path(stage_dir), run_time=run_time, parameters=parameters,
                   data_hash=data_hash, version=version, notebooks=notebooks)


def _record(out: Path, into: Path, *, run_time, parameters, data_hash, version,
            notebooks) -> tuple[int, str | None]:
    for name, value in (("data_hash", data_hash), ("version", version)):
        if not isinstance(value, str) or not value:
            raise ParameterError("must be a non-empty string", name=name, value=value)
    if not isinstance(parameters, Mapping):
        raise ParameterError("must be a mapping of parameter names to values",
                             name="parameters", expected="a dict", value=type(parameters).__name__)
    # YAML dates or paths are kept as text rather than losing the run's record
    params_json = json.dumps(dict(parameters), sort_keys=True, default=str)
    if isinstance(run_time, datetime):
        stamp = run_time if run_time.tzinfo else run_time.replace(tzinfo=timezone.utc)
        run_stamp = stamp.astimezone(timezone.utc).isoformat(timespec="seconds")
    else:
        run_stamp = str(run_time)
    tables = into / "tables"
    if notebooks is None:
        files = sorted(tables.glob(headline.FILE_PATTERN.format(notebook="*")))
    else:
        files = [tables / headline.FILE_PATTERN.format(notebook=stem) for stem in notebooks]
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise DataError("no headline table for a notebook that was asked for",
                            path=missing[0], expected="the notebook to have written it")
    chunks = []
    for path in files:
        headline.validate(pd.read_csv(path), path=path)
        table = pd.read_csv(path, dtype=str, keep_default_na=False)[list(headline.COLUMNS)]
        table.insert(0, "notebook", path.stem.removeprefix("headline_"))
        table.insert(0, "run_time", run_stamp)
        chunks.append(table.assign(parameters=params_json, data_hash=data_hash, version=version))
    if sum(len(c) for c in chunks) == 0:
        return 0, None
    new = pd.concat(chunks, ignore_index=True)[list(HISTORY_COLUMNS)]
    history = refuse_symlinks(out / HISTORY_FILE, out)
    if history.exists() and _header(history) == ",".join(HISTORY_COLUMNS_V1):
        _set_aside_v1(out)
    target = refuse_symlinks(into / HISTORY_FILE, into)
    if not history.exists():
        atomic_write_bytes(target, _csv_bytes(new, header=True))
        return len(new), None
    _check_header(history, HISTORY_COLUMNS)
    kept, torn = _complete_lines(history)
    note = None
    if torn:
        aside = target.with_name(f"forecast_history.torn-{run_stamp[:19].replace(':', '')}.txt")
        atomic_write_bytes(aside, torn)
        note = (f"{history}: its last line was cut by an interrupted write; the cut line "
                f"({len(torn)} bytes) was moved to {aside.name} and the history repaired")
    atomic_write_bytes(target, kept + _csv_bytes(new, header=False))
    return len(new), note


def _complete_lines(path: Path) -> tuple[bytes, bytes]:
    """The bytes of ``path`` up to its last newline, and what follows it (a cut line)."""
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    return data[:end], data[end:]


def load_history(output_dir: str | os.PathLike) -> pd.DataFrame:
    """The forecast history of ``output_dir``, old-format rows first, ``run_time`` as UTC.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HISTORY_COLUMNS`, one row per recorded headline figure.
        Rows of an old-format history (:data:`HISTORY_FILE_V1`) have their point
        forecast in ``median`` and NaN ``mean`` and ``level``.

    Raises
    ------
    DataError
        No history in ``output_dir`` yet, or a history file with an unknown header.
    """
    out = Path(output_dir)
    frames = []
    old = out / HISTORY_FILE_V1
    if old.is_file():
        _check_header(old, HISTORY_COLUMNS_V1)
        frame = pd.read_csv(old).rename(columns={"mean": "median"})
        frames.append(frame.assign(mean=float("nan"), level=float("nan"))[list(HISTORY_COLUMNS)])
    path = out / HISTORY_FILE
    if path.is_file():
        _check_header(path, HISTORY_COLUMNS)
        frames.append(pd.read_csv(path))
    if not frames:
        raise DataError("no forecast history yet (record_run writes it after a run)", path=path)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame["run_time"] = pd.to_datetime(frame["run_time"], utc=True, format="ISO8601")
    return frame


def notebook_parameters(parameters, notebook: str) -> str:
    """A row's parameters as canonical JSON of that notebook's own values.

    The runner records ``{notebook: {name: value}}``; a flat ``{name: value}`` (a
    scenario run, :func:`record_run` called by hand) is taken as is.  ``data_dir`` and
    ``output_dir`` (where, not what) are left out; unreadable text is kept as text.
    """
    try:
        given = json.loads(parameters) if isinstance(parameters, str) and parameters else {}
    except ValueError:
        return str(parameters)
    if isinstance(given, dict) and isinstance(given.get(notebook), dict) and len(given) == 1:
        given = given[notebook]
    if isinstance(given, dict):
        given = {k: v for k, v in given.items() if k not in ("data_dir", "output_dir")}
    return json.dumps(given, sort_keys=True, default=str)


def series_ids(frame: pd.DataFrame) -> pd.Series:
    """A stable id for each row's forecast series: ``"s"`` + 8 hex digits of the sha256 of
    :data:`SERIES_COLUMNS` (parameters through :func:`notebook_parameters`).

    Rows of two runs share an id exactly when the same notebook forecast the same
    quantity with the same model and parameters, whatever the figures.
    """
    import hashlib

    ids = []
    keys = frame[list(SERIES_COLUMNS[:-1])].astype(str).itertuples(index=False, name=None)
    for key, params in zip(keys, frame["parameters"]):
        text = json.dumps([*key, notebook_parameters(params, key[0])])
        ids.append("s" + hashlib.sha256(text.encode()).hexdigest()[:8])
    return pd.Series(ids, index=frame.index, name="series", dtype="str")


def summary(output_dir: str | os.PathLike) -> pd.DataFrame:
    """How each headline forecast moved over the recorded runs, series by series.

    Returns
    -------
    pandas.DataFrame
        One row per forecast series (:data:`SERIES_COLUMNS`, the parameters as the
        short id ``series`` of :func:`series_ids`) and year: ``runs`` (distinct run
        times), ``first_run`` and ``latest_run`` (UTC), ``first_median`` and
        ``latest_median`` (unit of the figure).  Empty, with those columns,
        when ``output_dir`` has no history yet.
    """
    keys = ["notebook", "target", "scope", "component", "precision", "model", "series", "year"]
    columns = ["runs", "first_run", "latest_run", "first_median", "latest_median"]
    out = Path(output_dir)
    if not ((out / HISTORY_FILE).is_file() or (out / HISTORY_FILE_V1).is_file()):
        return pd.DataFrame(columns=keys + columns).set_index(keys)
    frame = load_history(out).sort_values("run_time", kind="stable")
    frame = frame.assign(series=series_ids(frame))
    return frame.groupby(keys).agg(
        runs=("run_time", "nunique"), first_run=("run_time", "min"),
        latest_run=("run_time", "max"), first_median=("median", "first"),
        latest_median=("median", "last"))


def _csv_bytes(frame: pd.DataFrame, header: bool) -> bytes:
    return frame.to_csv(index=False, header=header, lineterminator="\n").encode("utf-8")


def _header(path: Path) -> str:
    with open(path, "rb") as handle:
        return handle.readline().decode("utf-8").rstrip("\n")


def _check_header(path: Path, columns: tuple[str, ...]) -> None:
    header = _header(path)
    if header != ",".join(columns):
        raise DataError("forecast history has an unexpected header", path=path, line=1,
                        expected=",".join(columns), value=header)


def _set_aside_v1(out: Path) -> None:
    """Rename an old-format history to :data:`HISTORY_FILE_V1` (never overwriting one)."""
    old, kept = out / HISTORY_FILE, out / HISTORY_FILE_V1
    if kept.exists():
        raise DataError("forecast history is in the old format and an old-format history is "
                        "already kept beside it; merge or move one of them by hand, nothing "
                        "was appended", path=old, expected=f"only one of {old.name}, {kept.name}")
    os.link(old, kept)  # fails if kept appeared meanwhile: never overwrite an old history
    os.unlink(old)  # the bytes live on under the new name, unchanged
    warnings.warn(f"{old} was in the old format (no median/level columns); it is kept as "
                  f"{kept} and a new history is started (load_history reads both)",
                  HistoryFormatWarning, stacklevel=3)
