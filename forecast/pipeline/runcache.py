"""The runner's data-aware cache: when may a notebook's last outputs be reused?

A notebook is skipped when all of these are unchanged since its last
successful run (jupyter-cache and Jupyter Book look at the code only, so they
miss a changed data file: MyST-NB #299):

* ``notebook``: every cell's type, source and tags, and the kernel name (a
  Markdown edit changes the page, so it reruns the notebook too);
* ``parameters``: the effective parameters (defaults + overrides + injected paths);
* ``library``: the source of the ``forecast`` package;
* ``packages``: the name and version of every installed distribution, and Python's version;
* ``options``: rendering options and the cache format;
* ``inputs``: the sha256 of every file under ``data/`` and ``notebooks/`` the
  notebook opened in its last run (recorded by an audit hook in the kernel, see
  :mod:`forecast.pipeline.engine`), plus files it declares in its metadata
  (``"compute_forecast": {"inputs": ["global_compute.csv"]}``, relative to ``data/``);
* ``outputs``: the sha256 of every file the run promoted into the output folder
  (:mod:`forecast.pipeline.staging`); a file changed or removed since (by hand, by a
  plain papermill run into ``outputs/``) makes the notebook run again.

The state of each notebook lives in ``<output folder>/.cache/<stem>.json``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from forecast import files

FORMAT = 1


def sha256_file(path: str | Path, memo: dict | None = None) -> str:
    """Hex sha256 of a file's bytes (``memo``: path -> digest, shared within one run)."""
    key = str(path)
    if memo is not None and key in memo:
        return memo[key]
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    digest = h.hexdigest()
    if memo is not None:
        memo[key] = digest
    return digest


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _digest(obj) -> str:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()


def library_fingerprint() -> str:
    """Digest of every ``.py`` file of the installed ``forecast`` package (path and bytes)."""
    package = Path(__file__).resolve().parents[1]  # forecast/
    h = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" not in path.parts:
            h.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def compile_library() -> None:
    """Write the library's bytecode (``__pycache__``) before a run's kernels import it.

    Where Python writes no bytecode itself (``PYTHONDONTWRITEBYTECODE``, set in some
    containers), every kernel would otherwise compile every module of the package again:
    about 0.5 s of each kernel's start.  Up-to-date files are skipped in milliseconds;
    a read-only install is left as it is.
    """
    import compileall

    try:
        compileall.compile_dir(Path(__file__).resolve().parents[1], quiet=2)
    except OSError:
        pass


_PACKAGES: dict = {}


def packages_fingerprint() -> str:
    """Digest of the installed distributions' names and versions, and of Python's version.

    Read from the names of the ``*.dist-info`` folders on ``sys.path``
    (``pandas-3.1.1.dist-info``), which installing, upgrading or removing a
    distribution changes: listing folders takes milliseconds, where parsing every
    distribution's metadata took about 0.3 s at the start of every run.  An
    ``*.egg-info`` folder may lack the version in its name, so its ``Version:``
    line is read.  The digest is kept for the process while no folder of
    ``sys.path`` changed (its mtime), as a sweep asks for it at every point.
    """
    import os

    stamp = []
    for entry in sys.path:
        if not entry:  # the cwd ("" of `python -c`): where a command is run, not what is installed
            continue
        try:
            stamp.append((entry, os.stat(entry or ".").st_mtime_ns))
        except OSError:
            stamp.append((entry, None))
    if _PACKAGES.get("stamp") == stamp:
        return _PACKAGES["digest"]
    found = set()
    for entry, _ in stamp:
        try:
            names = os.listdir(entry or ".")
        except OSError:  # a zip file or a missing folder holds no dist-info folder
            continue
        for name in names:
            if name.lower().startswith(("compute_forecast-", "compute_forecast.")):
                continue  # this project's own metadata: its code is the library's fingerprint
            if name.endswith(".dist-info"):
                found.add(name[:-len(".dist-info")].lower())
            elif name.endswith(".egg-info"):
                found.add(f"{name[:-len('.egg-info')].lower()} {_egg_version(entry, name)}")
    digest = _digest([sys.version, sorted(found)])
    _PACKAGES.update(stamp=stamp, digest=digest)
    return digest


def _egg_version(entry: str, name: str) -> str:
    path = Path(entry or ".") / name
    path = path / "PKG-INFO" if path.is_dir() else path
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("Version:"):
                    return line.split(":", 1)[1].strip()
                if not line.strip():
                    break
    except OSError:
        pass
    return ""


def notebook_fingerprint(nb: dict) -> str:
    """Digest of a notebook's cells (type, source, tags) and kernel; outputs are ignored."""
    cells = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        cells.append([cell.get("cell_type"), "".join(source) if isinstance(source, list) else source,
                      sorted(cell.get("metadata", {}).get("tags", []))])
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    return _digest([kernel, cells])


def key(*, notebook: str, parameters: dict, library: str, packages: str, options: dict) -> dict:
    """The static part of the cache key, by component (so a miss can say what changed)."""
    return {"notebook": notebook, "parameters": _digest(parameters), "library": library,
            "packages": packages, "options": _digest([FORMAT, options])}


def state_path(run_dir: Path, stem: str) -> Path:
    """``<run_dir>/.cache/<stem>.json``; OSError when ``.cache`` is a symbolic link (the file
    itself may be one: :func:`load_state` ignores it, :func:`save_state` replaces it)."""
    run_dir = Path(run_dir)
    return files.refuse_symlinks(run_dir / ".cache", run_dir) / f"{stem}.json"


def load_state(run_dir: Path, stem: str) -> dict:
    """The stored state of a notebook (``{}`` when there is none, it is unreadable or it is
    a symbolic link: a state the runner did not write vouches for nothing)."""
    if state_path(run_dir, stem).is_symlink():
        return {}
    try:
        state = json.loads(state_path(run_dir, stem).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) and state.get("format") == FORMAT else {}


def save_state(run_dir: Path, stem: str, state: dict) -> None:
    files.atomic_write_text(state_path(run_dir, stem),
                             json.dumps({**state, "format": FORMAT}, indent=1, sort_keys=True))


_WHAT = {"notebook": "the notebook changed", "parameters": "parameters changed",
         "library": "the forecast library changed", "packages": "installed packages changed",
         "options": "runner options changed"}


def stale_reason(state: dict, static_key: dict, root: Path, run_dir: Path,
                 memo: dict | None = None) -> str | None:
    """Why the notebook must run again, or None when its last good outputs are current."""
    good = state.get("good")
    if not good:
        return "never run successfully"
    for part, what in _WHAT.items():
        if good.get("key", {}).get(part) != static_key[part]:
            return what
    for rel, digest in sorted(good.get("inputs", {}).items()):
        path = root / rel
        if not path.is_file():
            return f"input {rel} is gone"
        if sha256_file(path, memo) != digest:
            return f"input {rel} changed"
    outputs = good.get("outputs")
    if not isinstance(outputs, dict):
        return "outputs were recorded without their sha256 (older runner)"
    for rel, digest in sorted(outputs.items()):
        path = Path(run_dir) / rel
        if not path.is_file():
            return f"output {rel} is missing"
        if sha256_file(path) != digest:
            return f"output {rel} changed since the last run"
    return None
