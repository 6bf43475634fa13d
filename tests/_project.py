"""The projects the tests work on: the shipped one (as committed), copies of it, and scratch ones.

Tests never read the working tree's ``data/``, ``notebooks/`` (scenario files included) or
``pyproject.toml``: a user's saved scenario (``notebooks/params/fast_ai.yaml``), an edited
``base.yaml`` or a new data row would otherwise turn ``make test`` red.  They read
:data:`SHIPPED` instead: those files as git's index has them (the last commit plus anything
staged with ``git add``), checked out once into a folder of the system's temporary directory
named by their content hash, and shared read-only by every test, worker and session that
sees the same content.  Outside a git checkout (an unpacked source archive) the project's
own files are the shipped ones.

``copy_project`` makes a writable copy of the shipped project; ``make_project`` builds a
scratch project of the fixture notebooks in ``tests/notebooks/``.  Fixtures wrapping them
live in ``conftest.py``; this module is imported by test modules for module-level paths.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "notebooks"
#: what a test may read of the project: everything a user can edit in place
SHIPPED_PATHS = ("pyproject.toml", "data", "notebooks")
#: a small data file for the fixture notebooks (reads_data sums its ``value`` column: 3.5);
#: the provenance fields carry HTML so the pages' escaping is exercised
VALUES_CSV = (
    "name,value,publisher,document,published,url,status\n"
    "a,1.5,Pub <One>,Report & Co,2023,https://example.org/a?x=1&y=2,verified-primary\n"
    "b,2,Pub Two,<script>alert(1)</script>,2024-05,,estimate\n")
#: the notebook parameters of the session's executed project (conftest.executed_project): small
#: Monte Carlo runs, every other parameter at its default
EXECUTED_PARAMS = {"n_paths": 2000}
_STALE_AFTER = 24 * 3600  # seconds: older checkouts of other contents are removed


def _git(*args: str, stdin: bytes | None = None) -> bytes:
    return subprocess.run(["git", "-C", str(ROOT), *args], input=stdin, capture_output=True,
                          check=True, timeout=120).stdout


def _checkout_shipped() -> Path:
    """Check the index's ``SHIPPED_PATHS`` out into ``<tmp>/compute-forecast-shipped/<hash>``.

    The hash covers each file's path, mode and blob id, so a folder is never stale; it is
    written under a temporary name and renamed, so concurrent sessions (pytest-xdist
    workers) either build it or find it complete.
    """
    listing = _git("ls-files", "--stage", "-z", "--", *SHIPPED_PATHS)
    if not listing:
        raise RuntimeError("no tracked project files")
    home = Path(tempfile.gettempdir()) / f"compute-forecast-shipped-{os.getuid()}"
    home.mkdir(exist_ok=True)
    target = home / hashlib.sha256(listing).hexdigest()[:20]
    if (target / "pyproject.toml").is_file():
        return target
    building = Path(tempfile.mkdtemp(dir=home, prefix=".building-"))
    paths = b"\0".join(entry.split(b"\t", 1)[1] for entry in listing.split(b"\0") if entry)
    _git("checkout-index", "--force", "-z", "--stdin", f"--prefix={building}/", stdin=paths)
    try:
        building.rename(target)
    except OSError:  # another worker finished first: its copy is the same content
        shutil.rmtree(building, ignore_errors=True)
    now = time.time()
    for old in home.iterdir():
        if old != target and now - old.stat().st_mtime > _STALE_AFTER:
            shutil.rmtree(old, ignore_errors=True)
    return target


def shipped() -> tuple[Path, str]:
    """``(folder, how)``: the shipped project's files and one line saying where they come from."""
    try:
        return _checkout_shipped(), "the files in git's index (HEAD plus staged changes)"
    except (OSError, RuntimeError, subprocess.SubprocessError) as err:
        return ROOT, f"the working tree ({ROOT}), not a git checkout: {err}"


SHIPPED, SHIPPED_FROM = shipped()


def copy_project(dest: Path, *, data: bool = True, notebooks: bool | tuple[str, ...] = True,
                 params: bool = True) -> Path:
    """A writable copy of the shipped project at ``dest``: pyproject.toml, data/ and notebooks/.

    ``notebooks`` may name the notebook stems (or prefixes, ``"03"``) to keep; ``params=False``
    leaves out the scenario files, ``data=False`` the data folder.  Returns ``dest``.
    """
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SHIPPED / "pyproject.toml", dest / "pyproject.toml")
    if data:
        shutil.copytree(SHIPPED / "data", dest / "data")
    if notebooks is True:
        shutil.copytree(SHIPPED / "notebooks", dest / "notebooks")
    else:
        (dest / "notebooks").mkdir()
        for path in sorted((SHIPPED / "notebooks").glob("*.ipynb")):
            if any(path.stem.startswith(stem) for stem in notebooks or ()):
                shutil.copyfile(path, dest / "notebooks" / path.name)
        if params:
            shutil.copytree(SHIPPED / "notebooks" / "params", dest / "notebooks" / "params")
    if not params and (dest / "notebooks" / "params").exists():
        shutil.rmtree(dest / "notebooks" / "params")
    return dest


def make_project(root: Path, *names: str, scenarios=(), values: str | None = VALUES_CSV,
                 outputs: dict[str, str] | None = None) -> Path:
    """A scratch project at ``root``: the fixture notebooks ``names`` (``tests/notebooks/``).

    ``scenarios`` names scenario files to write in notebooks/params/ (format line and name),
    ``values`` is data/values.csv (None: an empty data/), ``outputs`` maps paths under
    outputs/ to the text a previous run would have left there.  Returns ``root``.
    """
    from forecast.scenarios.spec import FORMAT

    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'scratch'\n")
    if values is not None:
        (root / "data" / "values.csv").write_text(values)
    for name in names:
        shutil.copyfile(FIXTURES / f"{name}.ipynb", root / "notebooks" / f"{name}.ipynb")
    if scenarios:
        (root / "notebooks" / "params").mkdir(exist_ok=True)
        for s in scenarios:
            (root / "notebooks" / "params" / f"{s}.yaml").write_text(
                f"format: {FORMAT}\nname: {s}\n")
    for rel, text in (outputs or {}).items():
        (root / "outputs" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "outputs" / rel).write_text(text)
    return root
