"""Transactional notebook outputs: stage while running, promote only on success.

A notebook run by the runner writes into ``<output folder>/.staging/<stem>/``
(its injected ``output_dir``).  When it succeeds, :func:`promote` moves every
staged file into the output folder; when it fails, :func:`discard` moves the
partial files to ``failed/<stem>/`` and the output folder is left as it was.

Promotion is atomic per notebook even across a crash: before the first file
moves, a journal (``.cache/<stem>.promote.json``) records the files and the new
cache state; :func:`recover`, called before a notebook is looked at again,
finishes an interrupted promotion from the journal (every staged file is
complete by then) or, without a journal, throws the abandoned stage away.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from forecast import io
from forecast.pipeline import runcache

STAGING = ".staging"


def stage_dir(run_dir: Path, stem: str) -> Path:
    return Path(run_dir) / STAGING / stem


def journal_path(run_dir: Path, stem: str) -> Path:
    return Path(run_dir) / ".cache" / f"{stem}.promote.json"


def recover(run_dir: Path, stem: str) -> str | None:
    """Finish or throw away what a killed run left for ``stem``; say what was done (None: nothing)."""
    stage, journal = stage_dir(run_dir, stem), journal_path(run_dir, stem)
    if journal.is_file():
        try:
            record = json.loads(journal.read_text(encoding="utf-8"))
            files, state = list(record["files"]), dict(record["state"])
        except (OSError, ValueError, KeyError, TypeError):
            journal.unlink(missing_ok=True)  # written atomically, so this is not expected
        else:
            _move_all(stage, Path(run_dir), files)
            _finish(run_dir, stem, state)
            return f"{stem}: finished the promotion a stopped run had begun"
    if stage.exists():
        shutil.rmtree(stage, ignore_errors=True)
        _remove_empty(stage.parent)
        return f"{stem}: removed the partial outputs of a stopped run"
    return None


def recover_all(run_dir: Path) -> list[str]:
    """:func:`recover` every notebook that left a stage or a journal in ``run_dir``.

    A notebook whose lock (``.cache/<stem>.lock``) another process holds is
    running now and is left alone.
    """
    import fcntl

    run_dir = Path(run_dir)
    stems = {p.name for p in (run_dir / STAGING).glob("*") if p.is_dir()}
    stems |= {p.name.removesuffix(".promote.json")
              for p in (run_dir / ".cache").glob("*.promote.json")}
    notes = []
    for stem in sorted(stems):
        lock = lock_path(run_dir, stem)
        lock.parent.mkdir(parents=True, exist_ok=True)
        with open(lock, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            note = recover(run_dir, stem)
        if note:
            notes.append(note)
    return notes


def lock_path(run_dir: Path, stem: str) -> Path:
    """The lock held while ``stem`` runs in ``run_dir`` (by ``run`` or ``run_notebook``)."""
    return Path(run_dir) / ".cache" / f"{stem}.lock"


def prepare(run_dir: Path, stem: str) -> Path:
    """An empty staging folder for ``stem`` (after :func:`recover`)."""
    recover(run_dir, stem)
    stage = stage_dir(run_dir, stem)
    stage.mkdir(parents=True, exist_ok=True)
    return stage


def staged_files(stage: Path) -> list[str]:
    """Relative paths (``/``-separated) of the finished files in ``stage``; temporaries excluded."""
    stage = Path(stage)
    if not stage.is_dir():
        return []
    found = []
    for dirpath, dirnames, filenames in os.walk(stage):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if not name.startswith("."):
                found.append((Path(dirpath) / name).relative_to(stage).as_posix())
    return found


def promote(run_dir: Path, stem: str, state: dict) -> list[str]:
    """Move every staged file of ``stem`` into ``run_dir`` and save ``state``; return the files.

    ``state["good"]["outputs"]`` is filled with each file's sha256, so the cache
    can later check that the files it vouches for are the ones promoted.
    """
    stage = stage_dir(run_dir, stem)
    files = staged_files(stage)
    state["good"]["outputs"] = {rel: runcache.sha256_file(stage / rel) for rel in files}
    io.atomic_write_text(journal_path(run_dir, stem),
                         json.dumps({"files": files, "state": state}, sort_keys=True))
    _move_all(stage, Path(run_dir), files)
    _finish(run_dir, stem, state)
    return files


def discard(run_dir: Path, stem: str) -> list[str]:
    """Move the staged files of a failed run to ``failed/<stem>/``; return them (relative)."""
    stage = stage_dir(run_dir, stem)
    files = staged_files(stage)
    target = Path(run_dir) / "failed" / stem
    shutil.rmtree(target, ignore_errors=True)
    if files:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage, target)
    else:
        shutil.rmtree(stage, ignore_errors=True)
    _remove_empty(stage.parent)
    return files


def _move_all(stage: Path, run_dir: Path, files: list[str]) -> None:
    for rel in files:
        source = stage / rel
        if source.is_file():  # already moved when a promotion is resumed
            (run_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, run_dir / rel)


def clear_failed(run_dir: Path, stem: str) -> None:
    """Remove what ``failed/`` holds for ``stem`` (its outputs are current again)."""
    failed = Path(run_dir) / "failed"
    for stale in (f"{stem}.ipynb", f"{stem}.html"):
        (failed / stale).unlink(missing_ok=True)
    shutil.rmtree(failed / stem, ignore_errors=True)


def _finish(run_dir: Path, stem: str, state: dict) -> None:
    runcache.save_state(run_dir, stem, state)
    clear_failed(run_dir, stem)
    journal_path(run_dir, stem).unlink(missing_ok=True)
    shutil.rmtree(stage_dir(run_dir, stem), ignore_errors=True)
    _remove_empty(stage_dir(run_dir, stem).parent)


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
