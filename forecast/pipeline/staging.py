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

Promotion is also all or nothing when something is in the way: every destination
is checked before the journal is written (a folder where a file goes, a file where
a folder goes, a symbolic link), and a move that fails anyway (a read-only file, a
full disk) puts back every file already moved before the error is raised.

No symbolic link is followed: the staging folder, ``.cache/``, ``failed/`` and the
locks are refused with one line when a link stands in their place
(:func:`forecast.files.refuse_symlinks`), so a planted link never makes a run write,
truncate or delete a file outside the output folder.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
from pathlib import Path

from forecast.files import atomic_write_text, refuse_symlinks
from forecast.pipeline import runcache

STAGING = ".staging"
#: written into a stage when it is prepared; gone when the stage was removed during the run
MARKER = ".prepared"


#: files promoted with a notebook's outputs but shared by every notebook of the folder, so
#: not vouched for by one notebook's cache entry (the history gains rows from each of them)
SHARED = ("history/",)


def stage_dir(run_dir: Path, stem: str) -> Path:
    run_dir = Path(run_dir)
    return refuse_symlinks(run_dir / STAGING / stem, run_dir)


def journal_path(run_dir: Path, stem: str) -> Path:
    run_dir = Path(run_dir)
    return refuse_symlinks(run_dir / ".cache" / f"{stem}.promote.json", run_dir)


def open_lock(path: Path):
    """``path`` opened for reading and writing without following a symbolic link.

    A link (or a FIFO, a device) planted where a lock goes raises OSError naming the
    path: opening it the usual way (``open(path, "a+")``, then truncate and write a pid)
    would truncate whatever file the link points to.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = stat.S_IFREG
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):  # a FIFO would block, a device worse
        raise OSError(errno.EINVAL, "is not a plain file; a lock must be one (remove it and "
                      "run again)", str(path))
    try:
        handle = open(path, "a+", opener=_no_follow)
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "is a symbolic link; refusing to follow it (remove it "
                          "and run again)", str(path)) from None
        raise
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        raise OSError(errno.EINVAL, "is not a plain file; a lock must be one (remove it and "
                      "run again)", str(path))
    return handle


def _no_follow(path, flags):
    return os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK, 0o644)


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
    refuse_symlinks(run_dir / STAGING / "x", run_dir)
    refuse_symlinks(run_dir / ".cache" / "x", run_dir)
    stems = {p.name for p in (run_dir / STAGING).glob("*") if p.is_dir()}
    stems |= {p.name.removesuffix(".promote.json")
              for p in (run_dir / ".cache").glob("*.promote.json")}
    notes = []
    for stem in sorted(stems):
        with open_lock(lock_path(run_dir, stem)) as handle:
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
    run_dir = Path(run_dir)
    return refuse_symlinks(run_dir / ".cache" / f"{stem}.lock", run_dir)


def prepare(run_dir: Path, stem: str) -> Path:
    """An empty staging folder for ``stem`` (after :func:`recover`)."""
    recover(run_dir, stem)
    stage = stage_dir(run_dir, stem)
    stage.mkdir(parents=True, exist_ok=True)
    (stage / MARKER).write_text(stem)
    return stage


def intact(stage: Path) -> bool:
    """False when the folder :func:`prepare` made was removed meanwhile (``outputs/`` wiped
    during the run): what is there now is not everything the notebook wrote."""
    return (Path(stage) / MARKER).is_file()


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

    ``state["good"]["outputs"]`` is filled with each file's sha256 (files under
    :data:`SHARED` excepted), so the cache can later check that the files it vouches
    for are the ones promoted.  All or nothing: OSError (naming the file) when a
    destination is in the way, or when a move fails, with every file moved so far put back.
    """
    run_dir = Path(run_dir)
    stage = stage_dir(run_dir, stem)
    files = staged_files(stage)
    check_destination(run_dir, files)
    state["good"]["outputs"] = {rel: runcache.sha256_file(stage / rel) for rel in files
                                if not rel.startswith(SHARED)}
    journal = journal_path(run_dir, stem)
    atomic_write_text(journal, json.dumps({"files": files, "state": state}, sort_keys=True))
    try:
        _move_all(stage, run_dir, files, rollback=True)
    except OSError:
        journal.unlink(missing_ok=True)  # rolled back: nothing to finish
        raise
    # any other exit (Ctrl-C, a kill) leaves the journal: the next run finishes the promotion
    _finish(run_dir, stem, state)
    return files


def check_destination(run_dir: Path, files: list[str]) -> None:
    """OSError naming the first destination of ``files`` that a move could not replace.

    Every folder on the way must be a folder (not a file, not a symbolic link) and
    every file replaced must be a file: checked for all files before any moves.
    """
    run_dir = Path(run_dir)
    for rel in files:
        target = refuse_symlinks(run_dir / rel, run_dir)
        for folder in reversed(target.relative_to(run_dir).parents[:-1]):
            if (run_dir / folder).exists() and not (run_dir / folder).is_dir():
                raise OSError(errno.ENOTDIR, "is in the way: a folder must go there; nothing "
                              "was promoted", str(run_dir / folder))
        if target.exists() and not target.is_file():
            raise OSError(errno.EISDIR, "is in the way: a file must go there; nothing was "
                          "promoted", str(target))


def discard(run_dir: Path, stem: str) -> list[str]:
    """Move the staged files of a failed run to ``failed/<stem>/``; return them (relative)."""
    stage = stage_dir(run_dir, stem)
    files = staged_files(stage)
    target = refuse_symlinks(Path(run_dir) / "failed" / stem, run_dir)
    shutil.rmtree(target, ignore_errors=True)
    if files:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage, target)
    else:
        shutil.rmtree(stage, ignore_errors=True)
    _remove_empty(stage.parent)
    return files


def _move_all(stage: Path, run_dir: Path, files: list[str], rollback: bool = False) -> None:
    """Move ``files`` from ``stage`` to ``run_dir``; with ``rollback``, a move that fails
    (OSError) puts back every file moved so far (the replaced ones wait under ``stage/.old``).
    A kill or Ctrl-C is not rolled back: the journal is finished by the next run."""
    done = []
    try:
        for rel in files:
            source, target = stage / rel, run_dir / rel
            if not source.is_file():  # already moved when a promotion is resumed
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            backup = stage / ".old" / rel
            if rollback and target.is_file():
                backup.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, backup)
                done.append((rel, backup))
            else:
                done.append((rel, None))
            os.replace(source, target)
    except OSError:
        if not rollback:
            raise
        for rel, backup in reversed(done):  # best effort, file by file: one failure must
            try:                              # not stop the others from being put back
                if (run_dir / rel).is_file() and not (stage / rel).exists():
                    os.replace(run_dir / rel, stage / rel)
                if backup is not None and backup.is_file():
                    os.replace(backup, run_dir / rel)
            except OSError:
                pass
        raise


def clear_failed(run_dir: Path, stem: str) -> None:
    """Remove what ``failed/`` holds for ``stem`` (its outputs are current again)."""
    failed = refuse_symlinks(Path(run_dir) / "failed" / stem, run_dir).parent
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
