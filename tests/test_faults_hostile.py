"""Hostile inputs (issue 25): planted symbolic links, pathological patterns, oversized data
files, look-alike digits, overflowing figures, NUL bytes, unbounded time limits and growth
rates, disguised scenario names.

Every case asserts the refusal (exception type or exit code 2 with one short line and no
traceback) and that nothing outside the refusal changed: the file a link points to keeps its
bytes, the output folder its files.  No case needs a kernel.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from forecast import cli, files, units
from forecast.data import datapackage, history
from forecast.errors import DataError, ParameterError, UnitError, UnknownNameError, UsageError
from forecast.pipeline import runcache, runner
from forecast.pipeline import staging as _staging
from forecast.scenarios import spec

FIXTURES = Path(__file__).parent / "notebooks"
VICTIM_TEXT = "a user's precious file\n"


def make_project(root: Path, *names: str) -> Path:
    """A scratch project: fixture notebooks ``names``, a data folder, outputs of a past run."""
    (root / "notebooks" / "params").mkdir(parents=True)
    (root / "data").mkdir()
    (root / "pyproject.toml").write_text("[project]\nname = 'scratch'\n")
    for name in names:
        shutil.copy(FIXTURES / f"{name}.ipynb", root / "notebooks" / f"{name}.ipynb")
    for rel, text in (("index.html", "<p>index</p>"), ("tables/t.csv", "a\n1\n")):
        (root / "outputs" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "outputs" / rel).write_text(text)
    return root


def snapshot(folder: Path) -> dict:
    """sha256 of every file under ``folder`` (links are not followed)."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = make_project(tmp_path / "proj", "ok", "scen")
    monkeypatch.chdir(root / "notebooks")
    monkeypatch.setattr(runcache, "library_fingerprint", lambda: "pinned")
    return root


@pytest.fixture
def victim(tmp_path) -> Path:
    """A file outside the project that a planted link points to."""
    path = tmp_path / "elsewhere" / "precious.txt"
    path.parent.mkdir()
    path.write_text(VICTIM_TEXT)
    return path


def refused(capsys, argv, fragment) -> str:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1 and len(err) < 400, err
    assert fragment in err, err
    return err


# -- symbolic links ------------------------------------------------------------------------------

def test_run_lock_symlink_is_refused_and_its_target_kept(project, victim, capsys):
    (project / "outputs" / ".lock").symlink_to(victim)
    before = snapshot(project / "outputs")
    refused(capsys, ["run", "--only", "ok"], "symbolic link")
    assert victim.read_text() == VICTIM_TEXT and snapshot(project / "outputs") == before


def test_run_lock_that_is_a_fifo_is_refused_without_hanging(project, capsys):
    os.mkfifo(project / "outputs" / ".lock")
    refused(capsys, ["run", "--only", "ok"], "not a plain file")


def test_notebook_lock_symlink_is_refused(project, victim, capsys):
    """recover_all takes each left-over stage's lock before looking at it."""
    (project / "outputs" / ".staging" / "ok").mkdir(parents=True)
    (project / "outputs" / ".cache").mkdir()
    (project / "outputs" / ".cache" / "ok.lock").symlink_to(victim)
    refused(capsys, ["run", "--only", "ok"], "ok.lock: is a symbolic link")
    assert victim.read_text() == VICTIM_TEXT


def test_open_lock_never_truncates_through_a_link(tmp_path, victim):
    link = tmp_path / "x.lock"
    link.symlink_to(victim)
    with pytest.raises(OSError) as info:
        _staging.open_lock(link)
    assert info.value.errno == errno.ELOOP and info.value.filename == str(link)
    assert victim.read_text() == VICTIM_TEXT


def test_open_lock_creates_a_plain_file(tmp_path):
    with _staging.open_lock(tmp_path / "a" / "b.lock") as handle:
        handle.write("123")
    assert (tmp_path / "a" / "b.lock").read_text() == "123"


def test_run_notebook_lock_symlink_is_refused_before_any_kernel(project, victim):
    out = project / "elsewhere_out"
    (out / ".cache").mkdir(parents=True)
    (out / ".cache" / "ok.lock").symlink_to(victim)
    with pytest.raises(OSError, match="symbolic link"):
        runner.run_notebook(project / "notebooks" / "ok.ipynb", {}, out)
    assert victim.read_text() == VICTIM_TEXT


def test_staging_symlink_is_refused_and_nothing_outside_is_deleted(project, tmp_path, capsys):
    """`outputs/.staging` -> a folder holding `ok/`: a run used to delete `<target>/ok/`."""
    target = tmp_path / "theirs"
    (target / "ok").mkdir(parents=True)
    (target / "ok" / "keep.txt").write_text(VICTIM_TEXT)
    (project / "outputs" / ".staging").symlink_to(target)
    refused(capsys, ["run", "--only", "ok"], ".staging: is a symbolic link")
    assert (target / "ok" / "keep.txt").read_text() == VICTIM_TEXT


def test_stage_symlink_of_one_notebook_is_refused(tmp_path):
    target = tmp_path / "theirs"
    (target / "tables").mkdir(parents=True)
    (target / "tables" / "keep.csv").write_text(VICTIM_TEXT)
    (tmp_path / "out" / ".staging").mkdir(parents=True)
    (tmp_path / "out" / ".staging" / "nb").symlink_to(target)
    for call in (_staging.prepare, _staging.recover, _staging.discard):
        with pytest.raises(OSError, match="symbolic link"):
            call(tmp_path / "out", "nb")
    assert (target / "tables" / "keep.csv").read_text() == VICTIM_TEXT


def test_cache_folder_symlink_is_refused(project, tmp_path, capsys):
    target = tmp_path / "theirs"
    target.mkdir()
    (target / "ok.json").write_text("{}")
    (project / "outputs" / ".cache").symlink_to(target)
    refused(capsys, ["run", "--only", "ok"], ".cache: is a symbolic link")
    assert sorted(p.name for p in target.iterdir()) == ["ok.json"]


def test_failed_folder_symlink_is_refused(tmp_path):
    target = tmp_path / "theirs"
    (target / "nb").mkdir(parents=True)
    (target / "nb" / "keep.txt").write_text(VICTIM_TEXT)
    out = tmp_path / "out"
    out.mkdir()
    (out / "failed").symlink_to(target)
    with pytest.raises(OSError, match="symbolic link") as info:
        _staging.clear_failed(out, "nb")
    assert info.value.filename == str(out / "failed")
    with pytest.raises(OSError, match="symbolic link"):
        _staging.discard(out, "nb")
    assert (target / "nb" / "keep.txt").read_text() == VICTIM_TEXT


def test_a_state_file_that_is_a_link_vouches_for_nothing(tmp_path, victim):
    (tmp_path / ".cache").mkdir()
    victim.write_text(json.dumps({"format": runcache.FORMAT, "good": {"key": {}}}))
    (tmp_path / ".cache" / "nb.json").symlink_to(victim)
    assert runcache.load_state(tmp_path, "nb") == {}


def _headline(folder: Path, stem="nb") -> None:
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    (folder / "tables" / f"headline_{stem}.csv").write_text(
        "target,scope,component,precision,year,model,median,mean,lower,upper,level,unit\n"
        "global compute,global,total,mixed,2030,cagr,5e+22,6e+22,1e+22,9e+22,0.8,FLOP/s\n")


RECORD = {"run_time": "2026-12-06T10:00:00+00:00", "parameters": {}, "data_hash": "h",
          "version": "0"}


@pytest.mark.parametrize("link", ["history", "history/forecast_history.csv"])
def test_history_link_is_refused(tmp_path, victim, link):
    out = tmp_path / "out"
    _headline(out)
    if link == "history":
        (out / "history").symlink_to(victim.parent)
        victim.rename(victim.parent / "forecast_history.csv")
        victim = victim.parent / "forecast_history.csv"
    else:
        (out / "history").mkdir()
        (out / link).symlink_to(victim)
    with pytest.raises(OSError, match="symbolic link"):
        history.record_run(out, **RECORD)
    assert victim.read_text() == VICTIM_TEXT


def test_refuse_symlinks_allows_a_linked_root_and_missing_parts(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "outputs").symlink_to(real)  # outputs/ itself on another disk is fine
    root = tmp_path / "outputs"
    assert files.refuse_symlinks(root / "a" / "b", root) == root / "a" / "b"


# -- patterns ------------------------------------------------------------------------------------

SLOW_PATTERNS = [r"(a+)+$|.*", r"(a|aa)*", r".*.*x", r"(a{1,3})*", r"(a*)\1", r"(\w+\s?)+",
                 r"(?:x+y?)*z", r"a*b*", "x" * 400]
SAFE_PATTERNS = [r"https?://\S+", r"[a-z0-9][a-z0-9-]*", r"[0-9]{4}-(06|11)",
                 r"[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?", r"(ab){2}",
                 r"[A-Z]{2,8}"]


@pytest.mark.parametrize("pattern", SLOW_PATTERNS, ids=[p[:12] for p in SLOW_PATTERNS])
def test_patterns_that_can_backtrack_are_refused(pattern):
    assert datapackage.check_pattern(pattern)


@pytest.mark.parametrize("pattern", SAFE_PATTERNS)
def test_linear_patterns_are_accepted(pattern):
    assert datapackage.check_pattern(pattern) is None


def test_every_shipped_pattern_is_linear():
    package = json.loads((Path(__file__).parents[1] / "data" / "datapackage.json").read_text())
    patterns = {f.get("constraints", {}).get("pattern") for r in package["resources"]
                for f in r["schema"]["fields"]} - {None}
    assert patterns and all(datapackage.check_pattern(p) is None for p in patterns)


def _package(folder: Path, csv_text: str, *, fields=None, path="t.csv", xflops=False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    fields = fields or [{"name": "name", "type": "string"},
                        {"name": "year", "type": "integer"},
                        {"name": "value", "type": "number"},
                        {"name": "unit", "type": "string"}]
    resource = {"name": "t", "path": path, "schema": {"fields": fields}}
    if xflops:
        resource["x-flops"] = [{"value": "value", "unit": "unit", "to": "flops"}]
    (folder / "datapackage.json").write_text(json.dumps({"resources": [resource]}))
    if "\0" not in path:
        (folder / path).write_text(csv_text)
    return folder


def test_a_hostile_pattern_is_refused_in_one_line_before_any_row_is_read(tmp_path):
    fields = [{"name": "note", "type": "string", "constraints": {"pattern": "(a+)+$|.*"}}]
    folder = _package(tmp_path / "d", "note\n" + "a" * 31 + "!\n", fields=fields)
    t0 = time.monotonic()
    with pytest.raises(DataError) as info:
        datapackage.load("t", folder)
    assert time.monotonic() - t0 < 10  # catastrophic backtracking took > 60 s
    text = str(info.value)
    assert "\n" not in text and "constraints.pattern" in text and "a repeat inside a repeat" in text


# -- bounds --------------------------------------------------------------------------------------

def test_an_oversized_data_file_is_refused_without_reading_it(tmp_path):
    folder = _package(tmp_path / "d", "name,year,value,unit\n")
    with open(folder / "t.csv", "r+b") as handle:  # sparse: 65 MiB on paper, nothing on disk
        handle.truncate(datapackage.MAX_BYTES + 1)
    with pytest.raises(DataError, match=r"t\.csv: data file too large .* at most 67,108,864"):
        datapackage.load("t", folder)


def test_too_many_rows_are_refused_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.setattr(datapackage, "MAX_ROWS", 3)
    rows = "".join(f"n{i},{2000 + i},1,EFLOPS\n" for i in range(4))
    folder = _package(tmp_path / "d", "name,year,value,unit\n" + rows)
    with pytest.raises(DataError, match=r"t\.csv: data file has too many rows \(4\)"):
        datapackage.load("t", folder)
    monkeypatch.setattr(datapackage, "MAX_ROWS", 4)
    assert len(datapackage.load("t", folder)) == 4


# -- look-alike digits, overflow, NUL ----------------------------------------------------------------

@pytest.mark.parametrize("column, cell, fragment", [
    ("year", "\u0662\u0660\u0662\u0663", "not an integer"),     # Arabic-Indic 2023
    ("year", "\uff12\uff10\uff12\uff13", "not an integer"),     # full-width 2023
    ("value", "\u0661\u066b\u0665", "not a number"),             # Arabic-Indic 1.5
    ("value", "\uff11\uff15", "not a number"),                   # full-width 15
    ("value", "\u0967\u0968", "not a number"),                   # Devanagari 12
])
def test_digits_of_other_scripts_are_not_numbers(tmp_path, column, cell, fragment):
    row = {"name": "a", "year": "2023", "value": "1", "unit": "EFLOPS", column: cell}
    folder = _package(tmp_path / "d", "name,year,value,unit\n" + ",".join(row.values()) + "\n")
    with pytest.raises(DataError, match=fragment) as info:
        datapackage.load("t", folder)
    assert "line 2" in str(info.value) and f"column '{column}'" in str(info.value)


@pytest.mark.parametrize("text", ["\u0666\u0661\u0665 EFLOPS", "\uff16\uff11\uff15 EFLOPS"])
def test_unit_parser_reads_ascii_digits_only(text):
    with pytest.raises(UnitError, match="cannot read"):
        units.to_flops(text)


def test_partial_dates_need_ascii_digits():
    with pytest.raises(DataError):
        datapackage.partial_date("\u0662\u0660\u0662\u0663")


def test_a_figure_that_overflows_in_flops_is_refused_naming_file_and_line(tmp_path):
    folder = _package(tmp_path / "d", "name,year,value,unit\na,2023,615,EFLOPS\n"
                      "b,2024,1e308,EFLOPS\n", xflops=True)
    with pytest.raises(DataError) as info:
        datapackage.load("t", folder)
    text = str(info.value)
    assert text.startswith(str(folder / "t.csv") + ", line 3, column 'value'")
    assert "overflows to infinity" in text and "1e+308 EFLOPS" in text and "\n" not in text


def test_a_nul_byte_in_a_descriptor_path_is_one_line(tmp_path):
    folder = _package(tmp_path / "d", "", path="t\0.csv")
    with pytest.raises(DataError) as info:
        datapackage.load("t", folder)
    assert "resources[0].path" in str(info.value) and "\n" not in str(info.value)


def test_a_nul_byte_in_the_data_folder_is_one_line():
    with pytest.raises(DataError, match="NUL byte"):
        datapackage.load("t", "data\0x")


# -- time limits, growth rates, scenario names -------------------------------------------------------

@pytest.mark.parametrize("value", ["inf", "Infinity", "1e309", "3e6"])
def test_timeout_must_be_finite_and_bounded(project, capsys, value):
    err = refused(capsys, ["run", "--timeout", value], "expected seconds > 0, got")
    assert "(at most 2592000: 30 days)" in err


@pytest.mark.parametrize("timeout", [float("inf"), 1e300, float("nan")])
def test_library_timeouts_are_bounded(project, timeout):
    with pytest.raises(UsageError, match="at most"):
        runner.run(project, timeout=timeout)
    with pytest.raises(UsageError, match="at most"):
        runner.run_notebook(project / "notebooks" / "ok.ipynb", {}, project / "o", timeout=timeout)


def scenario_text(high: str) -> str:
    """A one-component scenario file (YAML's JSON form) whose growth range ends at ``high``."""
    where = {"scope": "global", "component": "basic", "publisher": "CAICT", "point": "year"}
    component = {"precision": "FP32", "growth": {"low": 0.1, "high": "HIGH"},
                 "base": {"dataset": "global_compute", "where": where, "year": 2021}}
    doc = {"format": spec.FORMAT, "end_year": 2030, "components": {"basic": component}}
    return json.dumps(doc).replace('"HIGH"', high)


@pytest.mark.parametrize("high", ["1.0e+308", "101", ".inf"])
def test_a_growth_rate_that_overflows_is_refused_before_the_monte_carlo(tmp_path, high):
    (tmp_path / "big.yaml").write_text(scenario_text(high))
    with pytest.raises(ParameterError) as info:
        spec.load_scenario("big", directory=tmp_path)
    text = str(info.value)
    assert "components.basic.growth.high" in text and "at most 100" in text and "\n" not in text


def test_the_largest_growth_rate_is_accepted(tmp_path):
    (tmp_path / "big.yaml").write_text(scenario_text("100"))
    scenario = spec.load_scenario("big", directory=tmp_path)
    assert scenario.components["basic"].growth.high == 100
    with pytest.raises(ParameterError, match="at most 100"):
        scenario.with_growth("basic", 0.1, 1e308)
    with pytest.raises(ParameterError, match="low is above high"):
        scenario.with_growth("basic", 0.5, 0.1)


BAD_NAMES = ["b\u00e4se", "base\u202e", "\u202elmth.exe", "ba se", "\u0430base"]  # Cyrillic a


@pytest.mark.parametrize("name", BAD_NAMES, ids=[ascii(n) for n in BAD_NAMES])
def test_scenario_files_with_disguised_names_are_not_listed(tmp_path, name):
    (tmp_path / "base.yaml").write_text(f"format: {spec.FORMAT}\nname: base\n")
    (tmp_path / f"{name}.yaml").write_text(f"format: {spec.FORMAT}\n")
    assert spec.available_scenarios(tmp_path) == ["base"]
    (bad,) = spec.unreadable_files(tmp_path)
    assert bad[0].name == f"{name}.yaml" and "is not a scenario name" in bad[1]
    assert bad[1].isascii()  # shown escaped: no override character reaches the terminal
    with pytest.raises(UnknownNameError) as info:
        spec.load_scenario(name, directory=tmp_path)
    assert str(info.value).isascii() and "valid: base" in str(info.value)
    with pytest.raises(ParameterError, match="not a scenario name"):
        spec.load_scenario(tmp_path / f"{name}.yaml")


# -- full disks ------------------------------------------------------------------------------------

def _full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_names_the_file_and_leaves_the_old_one(tmp_path, monkeypatch):
    target = tmp_path / "tables" / "t.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    monkeypatch.setattr(os, "fsync", _full)
    with pytest.raises(OSError) as info:
        files.atomic_write_text(target, "new\n")
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(target)
    assert target.read_text() == "old\n" and sorted(os.listdir(target.parent)) == ["t.csv"]


@pytest.mark.parametrize("write", ["state", "journal", "history"])
def test_a_full_disk_during_each_bookkeeping_write_names_the_file(tmp_path, monkeypatch, write):
    out = tmp_path / "out"
    monkeypatch.setattr(os, "fsync", _full)
    with pytest.raises(OSError) as info:
        if write == "state":
            runcache.save_state(out, "nb", {"good": {}})
        elif write == "journal":
            stage = _staging.prepare(out, "nb")
            (stage / "a.csv").write_text("a\n")
            _staging.promote(out, "nb", {"good": {}})
        else:
            _headline(out)
            history.record_run(out, **RECORD)
    assert info.value.errno == errno.ENOSPC and info.value.filename
    assert {"state": ".cache", "journal": ".cache", "history": "history"}[write] in \
        info.value.filename
    if write == "journal":  # nothing promoted, the staged file still waits
        assert not (out / "a.csv").exists() and (out / ".staging" / "nb" / "a.csv").is_file()


def test_a_full_disk_while_the_run_writes_its_lock_is_one_line(project, capsys, monkeypatch):
    import builtins

    real = builtins.open

    def full_lock(file, mode="r", *a, **kw):
        if str(file).endswith(".lock"):
            raise OSError(errno.ENOSPC, "No space left on device", str(file))
        return real(file, mode, *a, **kw)

    monkeypatch.setattr(builtins, "open", full_lock)
    refused(capsys, ["run", "--only", "ok"], "No space left on device")


# -- every lock is a RunLock: the sweep's too ------------------------------------------------------

def test_a_sweep_lock_symlink_is_refused(tmp_path, victim):
    sweep = tmp_path / "outputs" / "sweeps" / "grid"
    sweep.mkdir(parents=True)
    (sweep / ".lock").symlink_to(victim)
    with pytest.raises(UsageError, match="cannot lock .*symbolic link"):
        with runner.RunLock(sweep / ".lock", wait=False):
            pass
    assert victim.read_text() == VICTIM_TEXT


@pytest.mark.slow
def test_a_kernel_log_symlink_is_never_written_through(project, victim):
    (project / "outputs" / ".cache").mkdir()
    (project / "outputs" / ".cache" / "ok.kernel.log").symlink_to(victim)
    runner.run(project, only=["ok"], progress=runner_progress())
    assert victim.read_text() == VICTIM_TEXT


def runner_progress():
    from forecast.pipeline.progress import Progress

    return Progress(quiet=True)
