"""The fault suite: bad inputs and faults of every kind, each held to the same promises.

Every case asserts (1) the exit code or the exception type, (2) that no traceback
reaches the console and the message is one short line, and (3) that no file
under ``outputs/`` changed unless it should.  Categories: CLI, parameter files,
data files, the data package descriptor, scenario files, notebooks, the file
system, signals and the library API.  Cases that need a kernel are marked slow.

The counts (cases tried / held) are printed by ``test_fault_suite_counts`` and
recorded in the README's reliability section.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from forecast import cli, files, io
from forecast.pipeline import runner
from forecast.errors import (DataError, ForecastError, ParameterError, UnitError,
                             UnknownNameError, UsageError)
from forecast.scenarios.spec import FORMAT

from _project import FIXTURES, make_project

LAUGHS = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
          'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n'
          'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n'
          'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n'
          'end_year: *g\n')
SECRET = "TOPSECRET-4c1d"
SCENARIO = f"""format: {FORMAT}
end_year: 2030
components:
  basic:
    precision: FP32
    base:
      dataset: global_compute
      where: {{scope: global, component: basic, publisher: CAICT, point: year}}
      year: 2021
    growth: {{low: 0.1, high: 0.2}}
"""


pytestmark = pytest.mark.usefixtures("pinned_library")


def snapshot(folder: Path) -> dict:
    """sha256 of every file under ``folder`` (hidden ones included)."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def seeded_project(root: Path) -> Path:
    """typed, ok, scen and halfway notebooks; bear/base scenario files; outputs seeded with
    files a previous run would have left, so a test can see whether anything changed."""
    return make_project(root, "typed", "ok", "scen", "halfway", scenarios=("bear", "base"),
                        values=None, outputs={"index.html": "<p>index</p>",
                                              "tables/t.csv": "a\n1\n",
                                              "html/ok.html": "<p>ok</p>", "figures/f.png": "png"})


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = seeded_project(tmp_path / "proj")
    monkeypatch.chdir(root / "notebooks")
    return root


def held_cli(capsys, argv, code=2, fragment="") -> str:
    """Run the CLI in-process; assert the exit code and one short line, no traceback."""
    assert cli.main(argv) == code
    out = capsys.readouterr()
    assert "Traceback" not in out.err + out.out, out.err
    if code == 2:
        assert out.err.count("\n") == 1 and len(out.err) < 400, out.err
        assert fragment in out.err, out.err
    return out.err


# -- CLI ---------------------------------------------------------------------------------

LONG = "x" * 20_000
CLI = [
    ("unknown option", ["run", "--bogus"], "unrecognized arguments"),
    ("jobs zero", ["run", "--jobs", "0"], "expected a whole number >= 1"),
    ("jobs negative", ["run", "-j", "-1"], "expected a whole number >= 1"),
    ("jobs text", ["run", "--jobs", "two"], "expected a whole number >= 1"),
    ("jobs huge", ["run", "--jobs", "9" * 5000], "expected a whole number >= 1"),
    ("timeout negative", ["run", "--timeout", "-1"], "expected seconds > 0"),
    ("timeout zero", ["run", "--timeout", "0"], "expected seconds > 0"),
    ("timeout text", ["run", "--timeout", "soon"], "expected seconds > 0"),
    ("timeout nan", ["run", "--timeout", "nan"], "expected seconds > 0"),
    ("unknown notebook", ["run", "--only", "nope"], "unknown notebook 'nope'"),
    ("empty notebook name", ["run", "--only", ""], "is ambiguous"),
    ("notebook path outside", ["run", "--only", "../../etc/passwd"], "unknown notebook"),
    ("param without =", ["run", "--param", "end_year"], "expected NAME=VALUE"),
    ("param without name", ["run", "--param", "=1"], "expected NAME=VALUE"),
    ("param bad name", ["run", "--param", "a-b=1"], "expected NAME=VALUE"),
    ("unknown param", ["run", "--param", "nope=1"], "unknown parameter"),
    ("param not for selection", ["run", "--only", "typed", "--param", "n=3"],
     "unknown parameter"),
    ("int wrong type", ["run", "--param", "end_year=abc"], "not a Python literal"),
    ("int given bool", ["run", "--param", "end_year=True"], "wrong type (bool)"),
    ("int given float", ["run", "--param", "end_year=2030.5"], "wrong type (float)"),
    ("int inf", ["run", "--param", "end_year=1e400"], "not a finite number"),
    ("int of 5000 digits", ["run", "--param", "end_year=" + "9" * 5000], "not a Python literal"),
    ("float inf", ["run", "--param", "growth_rate=1e400"], "not a finite number"),
    ("float -inf", ["run", "--param", "growth_rate=-1e400"], "not a finite number"),
    ("float nan", ["run", "--param", "growth_rate=nan"], "not a Python literal"),
    ("float given str", ["run", "--param", "growth_rate='fast'"], "wrong type (str)"),
    ("bool given int", ["run", "--param", "log_scale=1"], "wrong type (int)"),
    ("list items wrong", ["run", "--param", "models=[1, 2]"], "item 0 has the wrong type"),
    ("list given str", ["run", "--param", "models='cagr'"], "wrong type (str)"),
    ("list too deep", ["run", "--param", "models=" + "[" * 2000 + "]" * 2000],
     "not a Python literal"),
    ("list too long", ["run", "--param", "models=[" + ",".join(["'a'"] * 2000) + "]"],
     "more than 1000 items"),
    ("dict inf inside", ["run", "--param", "options={'level': 1e400}"], "not a finite number"),
    ("dict given list", ["run", "--param", "options=[1]"], "wrong type (list)"),
    ("none default inf", ["run", "--param", "cap=1e400"], "not a finite number"),
    ("text too long", ["run", "--param", "scope=" + LONG], "longer than 10000 characters"),
    ("reserved output_dir", ["run", "--param", "output_dir='/tmp'"], "is set by the runner"),
    ("reserved data_dir", ["run", "--param", "data_dir='/etc'"], "is set by the runner"),
    ("scenario dotdot", ["run", "--scenario", ".."], "unknown scenario '..'"),
    ("scenario dot", ["run", "--scenario", "."], "unknown scenario '.'"),
    ("scenario relative path", ["run", "--scenario", "../params/base"], "unknown scenario"),
    ("scenario absolute path", ["run", "--scenario", "/etc/passwd"], "unknown scenario"),
    ("scenario with suffix", ["run", "--scenario", "base.yaml"], "unknown scenario"),
    ("scenario unknown", ["run", "--scenario", "sideways"], "valid: base, bear"),
    ("scenario empty", ["run", "--scenario", ""], "unknown scenario"),
    ("scenario very long", ["run", "--scenario", LONG], "unknown scenario"),
    ("scenario and all", ["run", "--scenario", "base", "--all-scenarios"], "not allowed with"),
    ("scenario param dotdot", ["run", "--param", "scenario=.."], "unknown scenario '..'"),
    ("scenario param path", ["run", "--param", "scenario=/etc/passwd"], "unknown scenario"),
    ("scenario param relative", ["run", "--param", "scenario=../../outputs"], "unknown scenario"),
    ("scenario param and flag", ["run", "--scenario", "base", "--param", "scenario=bear"],
     "conflicts with --scenario"),
    ("params file missing", ["run", "--params", "gone.yaml"], "file not found"),
    ("params file is a folder", ["run", "--params", "."], "is a folder"),
    ("params unknown notebook", ["params", "nope"], "unknown notebook 'nope'"),
    ("params missing argument", ["params"], "the following arguments are required"),
    ("unknown command", ["frobnicate"], "invalid choice"),
]


@pytest.mark.parametrize("argv, fragment", [c[1:] for c in CLI], ids=[c[0] for c in CLI])
def test_cli(project, capsys, argv, fragment):
    before = snapshot(project / "outputs")
    held_cli(capsys, argv, 2, fragment)
    assert snapshot(project / "outputs") == before


def test_cli_without_a_command_prints_help_and_exits_2(project, capsys):
    assert cli.main([]) == 2
    assert "Traceback" not in capsys.readouterr().err


# -- parameter files (--params) ----------------------------------------------------------------

PARAMS = [
    ("billion laughs", LAUGHS, "aliases (*name) are not allowed"),
    ("one alias", "x: &a 1\nend_year: *a\n", "aliases (*name) are not allowed"),
    ("deep nesting", "end_year: " + "[" * 500 + "]" * 500 + "\n", "nested more than 20 levels"),
    ("deep mappings", "".join("  " * i + f"k{i}:\n" for i in range(40)) + "  " * 40 + "v: 1\n",
     "nested more than 20 levels"),
    ("duplicate key", "end_year: 2030\nend_year: 2031\n", "duplicate key 'end_year'"),
    ("duplicate key in section", "typed:\n  end_year: 1\n  end_year: 2\n",
     "duplicate key 'end_year'"),
    ("duplicate section", "typed: {n: 1}\ntyped: {n: 2}\n", "duplicate key 'typed'"),
    ("not a mapping", "- 1\n- 2\n", "expected a mapping of parameter names"),
    ("scalar", "2030\n", "expected a mapping of parameter names"),
    ("non-string key", "1: 2\n", "expected a mapping of parameter names"),
    ("complex key", "? [a, b]\n: 1\n", "a key must be a plain value"),
    ("invalid YAML", "end_year: [1, 2\n", "not valid YAML"),
    ("tab indentation", "typed:\n\tn: 1\n", "not valid YAML"),
    ("python tag", "end_year: !!python/object/apply:os.system ['echo hi']\n", "not valid YAML"),
    ("non-UTF-8", b"end_year: \xff\xfe\n", "not UTF-8 text"),
    ("huge file", "end_year: 2030\n" + "# pad\n" * 60_000, "larger than 256 KiB"),
    ("int of 5000 digits", "end_year: " + "9" * 5000 + "\n", "a value cannot be read"),
    ("float inf", "growth_rate: 1.0e+400\n", "not a finite number"),
    ("float .inf", "growth_rate: .inf\n", "not a finite number"),
    ("float .nan", "growth_rate: .nan\n", "not a finite number"),
    ("wrong type", "end_year: abc\n", "wrong type (str)"),
    ("unknown parameter", "nope: 1\n", "unknown parameter"),
    ("section not a mapping", "typed: 3\n", "expected a mapping of parameters"),
    ("unknown in section", "typed:\n  n: 3\n", "unknown parameter of typed"),
    ("reserved in file", "output_dir: /tmp\n", "is set by the runner"),
    ("reserved in section", "typed:\n  data_dir: /etc\n", "unknown parameter of typed"),
    ("list items wrong", "models: [1, 2]\n", "item 0 has the wrong type"),
    ("scenario path in file", "scen:\n  scenario: ../../outputs\n", "unknown scenario"),
    ("scenario absolute in file", "scenario: /etc/passwd\n", "unknown scenario"),
    ("secret not echoed", f"password: {SECRET}\n", "unknown parameter"),
]


@pytest.mark.parametrize("text, fragment", [c[1:] for c in PARAMS], ids=[c[0] for c in PARAMS])
def test_params_file(project, capsys, text, fragment):
    path = project / "p.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    before = snapshot(project / "outputs")
    started = time.monotonic()
    err = held_cli(capsys, ["run", "--params", str(path)], 2, fragment)
    assert time.monotonic() - started < 10  # refused quickly, never expanded
    assert SECRET not in err and "p.yaml" in err
    assert snapshot(project / "outputs") == before


# -- data files (forecast.data.load) ----------------------------------------------------------

CSV = ("name,value,year,published,status,publisher\n"
       "a,1.5,2021,2023-05,verified-primary,Pub\n"
       "b,2,2022,2024,claim,Pub\n")
DESCRIPTOR = {"resources": [{"name": "values", "path": "values.csv", "schema": {
    "fields": [
        {"name": "name", "type": "string", "constraints": {"required": True}},
        {"name": "value", "type": "number", "constraints": {"minimum": 0}},
        {"name": "year", "type": "integer"},
        {"name": "published", "type": "string", "x-partial-date": True,
         "constraints": {"pattern": r"\d{4}(-\d{2}(-\d{2})?)?"}},
        {"name": "status", "type": "string",
         "constraints": {"enum": ["verified-primary", "claim"]}},
        {"name": "publisher", "type": "string"}],
    "primaryKey": ["name"]}}]}


def data_folder(tmp_path, csv_text=CSV, descriptor=DESCRIPTOR) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    raw = csv_text if isinstance(csv_text, bytes) else csv_text.encode()
    (folder / "values.csv").write_bytes(raw)
    text = descriptor if isinstance(descriptor, (str, bytes)) else json.dumps(descriptor)
    (folder / "datapackage.json").write_bytes(text if isinstance(text, bytes) else text.encode())
    return folder


def test_the_fixture_data_folder_loads(tmp_path):
    from forecast import data

    frame = data.load("values", data_folder(tmp_path))
    assert frame["value"].tolist() == [1.5, 2.0] and frame.index.tolist() == [2, 3]


DATA = [
    ("non-UTF-8", CSV.encode().replace(b"Pub\n", b"P\xffb\n", 1), "not UTF-8 text"),
    ("empty file", "", "empty file"),
    ("unknown column", CSV.replace("publisher", "publisherx"), "unknown column"),
    ("missing column", CSV.replace(",publisher", "").replace(",Pub", ""), "missing column"),
    ("duplicated column", CSV.replace("year,", "year,year,", 1), "duplicated column"),
    ("short row", CSV + "c,3\n", "row has 2 cells"),
    ("blank line", CSV.replace("\nb,", "\n\nb,"), "blank line"),
    ("number inf", CSV.replace("1.5", "1e400"), "not a number"),
    ("number text", CSV.replace("1.5", "lots"), "not a number"),
    ("number nan", CSV.replace("1.5", "nan"), "not a number"),
    ("negative", CSV.replace("1.5", "-1.5"), "value out of range"),
    ("bad integer", CSV.replace("2021", "20x1"), "not an integer"),
    ("bad partial date", CSV.replace("2023-05", "2023-13"), "not a calendar date"),
    ("badly formatted date", CSV.replace("2023-05", "May 2023"), "badly formatted value"),
    ("enum", CSV.replace("claim", "rumour"), "value not allowed"),
    ("required empty", CSV.replace("\na,", "\n,"), "empty required field"),
    ("duplicate key", CSV.replace("\nb,", "\na,"), "duplicated primary key"),
    ("NUL byte", CSV.replace("Pub\n", "P\0b\n", 1), "contains a NUL byte"),
    ("huge cell", CSV.replace("Pub\n", '"' + "x" * 200_000 + '"\n', 1), "line longer than 65,536"),
    ("huge line", CSV + "c," + "9" * 100_000 + ",2021,2023,claim,Pub\n", "line longer than 65,536"),
    ("long bad value quoted short", CSV.replace("1.5", "9" * 60_000 + "x"), "not a number"),
]


@pytest.mark.parametrize("text, fragment", [c[1:] for c in DATA], ids=[c[0] for c in DATA])
def test_data_file(tmp_path, text, fragment):
    from forecast import data

    folder = data_folder(tmp_path, csv_text=text)
    with pytest.raises(DataError) as err:
        data.load("values", folder)
    assert fragment in str(err.value) and "values.csv" in str(err.value)
    assert "\n" not in str(err.value) and len(str(err.value)) < 400


def test_data_file_missing_or_a_folder(tmp_path):
    from forecast import data

    folder = data_folder(tmp_path)
    (folder / "values.csv").unlink()
    with pytest.raises(DataError, match="data file not found"):
        data.load("values", folder)
    (folder / "values.csv").mkdir()
    with pytest.raises(DataError, match="cannot read"):
        data.load("values", folder)


def test_data_file_unreadable(tmp_path, monkeypatch):
    from forecast import data

    folder = data_folder(tmp_path)
    real = Path.read_bytes

    def denied(self):
        if self.name == "values.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(DataError, match=r"values.csv: cannot read \(Permission denied\)"):
        data.load("values", folder)


def test_data_file_symlink_out_of_the_folder(tmp_path):
    from forecast import data

    folder = data_folder(tmp_path)
    outside = tmp_path / "secret.csv"
    outside.write_text(CSV.replace("Pub", SECRET))
    (folder / "values.csv").unlink()
    (folder / "values.csv").symlink_to(outside)
    with pytest.raises(DataError, match="outside the data folder") as err:
        data.load("values", folder)
    assert SECRET not in str(err.value)


# -- the descriptor ------------------------------------------------------------------------------

def _edit(change):
    desc = copy.deepcopy(DESCRIPTOR)
    change(desc)
    return desc


def _field(i, **kw):
    return lambda d: d["resources"][0]["schema"]["fields"][i].update(kw)


DESCRIPTORS = [
    ("empty object", {}, "resources: missing or empty"),
    ("a list", [], "not a JSON object"),
    ("resources empty", {"resources": []}, "resources: missing or empty"),
    ("resources not a list", {"resources": {"a": 1}}, "resources: missing or empty"),
    ("resource not object", {"resources": ["values.csv"]}, "resources[0]: not an object"),
    ("no name", _edit(lambda d: d["resources"][0].pop("name")), "resources[0].name"),
    ("bad name", _edit(lambda d: d["resources"][0].update(name="Bad Name")), "resources[0].name"),
    ("duplicate name", _edit(lambda d: d["resources"].append(copy.deepcopy(d["resources"][0]))),
     "given twice"),
    ("no path", _edit(lambda d: d["resources"][0].pop("path")), "resources[0].path"),
    ("absolute path", _edit(lambda d: d["resources"][0].update(path="/etc/passwd")),
     "must be a file inside the data folder"),
    ("path with ..", _edit(lambda d: d["resources"][0].update(path="../secret.csv")),
     "must be a file inside the data folder"),
    ("path not text", _edit(lambda d: d["resources"][0].update(path=["a.csv"])),
     "must be a file inside the data folder"),
    ("no schema", _edit(lambda d: d["resources"][0].pop("schema")), "schema.fields"),
    ("fields empty", _edit(lambda d: d["resources"][0]["schema"].update(fields=[])),
     "schema.fields: missing or empty"),
    ("field without name", _edit(lambda d: d["resources"][0]["schema"]["fields"][0].pop("name")),
     "a field needs a name"),
    ("field type unknown", _edit(_field(1, type="float")), "unsupported field type"),
    ("field type not text", _edit(_field(1, type=3)), "unsupported field type"),
    ("bad regex", _edit(_field(3, constraints={"pattern": "(["})), "not a regular expression"),
    ("regex not text", _edit(_field(3, constraints={"pattern": 5})), "not a regular expression"),
    ("constraints not object", _edit(_field(1, constraints=[1])), "constraints: not an object"),
    ("enum not list", _edit(_field(4, constraints={"enum": "claim"})), "enum: not a list"),
    ("minimum not number", _edit(_field(1, constraints={"minimum": "zero"})), "not a number"),
    ("primary key unknown", _edit(lambda d: d["resources"][0]["schema"].update(primaryKey=["x"])),
     "primaryKey: names no field"),
    ("primary key not list", _edit(lambda d: d["resources"][0]["schema"].update(primaryKey=3)),
     "primaryKey: names no field"),
    ("x-flops unknown field", _edit(lambda d: d["resources"][0].update(
        **{"x-flops": [{"value": "nope", "unit": "unit", "to": "flops"}]})), "x-flops"),
    ("invalid JSON", '{"resources": [', "invalid JSON"),
    ("non-UTF-8", b'{"resources": "\xff"}', "not a readable JSON file"),
    ("deep JSON", "[" * 100_000 + "]" * 100_000, "not a readable JSON file"),
]


@pytest.mark.parametrize("descriptor, fragment", [c[1:] for c in DESCRIPTORS],
                         ids=[c[0] for c in DESCRIPTORS])
def test_descriptor(tmp_path, descriptor, fragment):
    from forecast import data

    folder = data_folder(tmp_path, descriptor=descriptor)
    for call in (lambda: data.load("values", folder), lambda: data.datasets(folder)):
        with pytest.raises(DataError) as err:
            call()
        assert fragment in str(err.value) and "datapackage.json" in str(err.value)
        assert "\n" not in str(err.value) and len(str(err.value)) < 400


def test_descriptor_missing(tmp_path):
    from forecast import data

    folder = data_folder(tmp_path)
    (folder / "datapackage.json").unlink()
    with pytest.raises(DataError, match="no data package descriptor"):
        data.load("values", folder)


# -- scenario files ----------------------------------------------------------------------------------

SCENARIO_FILES = [
    ("billion laughs", LAUGHS.replace("end_year: *g", f"format: {FORMAT}"),
     ParameterError, "aliases (*name) are not allowed"),
    ("deep nesting", f"format: {FORMAT}\nx: " + "[" * 300 + "]" * 300, ParameterError,
     "nested more than 20 levels"),
    ("duplicate key", SCENARIO + "end_year: 2031\n", ParameterError, "duplicate key 'end_year'"),
    ("non-UTF-8", SCENARIO.encode().replace(b"basic:", b"b\xe9sic:"), ParameterError,
     "not UTF-8 text"),
    ("huge", SCENARIO + "#" * 300_000 + "\n", ParameterError, "larger than 256 KiB"),
    ("invalid YAML", SCENARIO + "  oops: [\n", ParameterError, "not valid YAML (line"),
    ("end year absurd", SCENARIO.replace("end_year: 2030", "end_year: 1000000000"),
     ParameterError, "out of range"),
    ("growth inf", SCENARIO.replace("high: 0.2", "high: 1.0e+400"), ParameterError,
     "out of range"),
    ("growth nan", SCENARIO.replace("high: 0.2", "high: .nan"), ParameterError, "out of range"),
    ("low above high", SCENARIO.replace("low: 0.1", "low: 0.5"), ParameterError,
     "low is above high"),
    ("unknown key", SCENARIO + "speed: 3\n", ParameterError, "unknown key"),
    ("no format", SCENARIO.replace(f"format: {FORMAT}\n", ""), ParameterError, "is missing"),
    ("cap negative", SCENARIO + "    cap: -5 ZFLOPS\n", ParameterError, "finite number >= 0"),
    ("cap inf", SCENARIO + "    cap: 1e400 ZFLOPS\n", ParameterError, "finite number >= 0"),
    ("python tag", SCENARIO + "x: !!python/name:os.system\n", ParameterError, "not valid YAML"),
]


@pytest.mark.parametrize("text, error, fragment", [c[1:] for c in SCENARIO_FILES],
                         ids=[c[0] for c in SCENARIO_FILES])
def test_scenario_file(tmp_path, text, error, fragment):
    from forecast import scenarios

    path = tmp_path / "s.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(error) as err:
        scenarios.load_scenario(path)
    assert fragment in str(err.value) and "s.yaml" in str(err.value)
    assert "\n" not in str(err.value) and len(str(err.value)) < 400


SCENARIO_NAMES = ["..", ".", "../base", "../../etc/passwd", "/etc/passwd", "base.yaml", "",
                  "a/b", "a\\b", "x" * 500, "base\0", " base", "-base"]


@pytest.mark.parametrize("name", SCENARIO_NAMES, ids=[repr(n)[:20] for n in SCENARIO_NAMES])
def test_scenario_names_are_names(name):
    from forecast import scenarios

    for call in (lambda: scenarios.load_scenario(name),
                 lambda: scenarios.simulate(name, n_paths=10)):
        with pytest.raises(UnknownNameError) as err:
            call()
        assert str(err.value).endswith("valid: base, bear, bull") and len(str(err.value)) < 200


@pytest.mark.parametrize("name", [None, 5, ["base"], b"base"])
def test_scenario_name_of_the_wrong_type(name):
    from forecast import scenarios

    with pytest.raises(UnknownNameError):
        scenarios.load_scenario(name)


def test_one_unreadable_scenario_file_is_reported_and_skipped(project, capsys):
    from forecast.pipeline import runplan

    params = project / "notebooks" / "params"
    (params / "broken.yaml").write_bytes(b"format: \xff\n")
    (params / "laughs.yaml").write_text(LAUGHS)
    assert runplan.scenario_names(project) == ["base", "bear"]
    assert [line.split(":")[0] for line in runplan.skipped_scenario_files(project)] == [
        f"skipped broken.yaml in {params}", f"skipped laughs.yaml in {params}"]
    before = snapshot(project / "outputs")
    held_cli(capsys, ["run", "--scenario", "broken"], 2, "unknown scenario 'broken'")
    assert snapshot(project / "outputs") == before


def test_scenario_error_does_not_copy_other_files(tmp_path):
    """A name is never opened as a path, so no file's text can reach the message."""
    from forecast import scenarios

    secret = tmp_path / "secret.yaml"
    secret.write_text(f"format: {FORMAT}\nkey: {SECRET}\n")
    with pytest.raises(UnknownNameError) as err:
        scenarios.load_scenario(str(secret))
    assert SECRET not in str(err.value)


# -- notebooks ----------------------------------------------------------------------------------------

BROKEN_NOTEBOOKS = [
    ("empty file", b""),
    ("invalid JSON", b'{"cells": ['),
    ("JSON list", b"[1, 2]"),
    ("cells not a list", b'{"cells": 3, "metadata": {}}'),
    ("non-UTF-8", b'{"cells": [], "x": "\xff"}'),
    ("parameters syntax error", json.dumps({"cells": [{"cell_type": "code", "source": "x = (",
                                                       "metadata": {"tags": ["parameters"]},
                                                       "outputs": []}], "metadata": {}}).encode()),
    ("deep JSON", b"[" * 100_000 + b"]" * 100_000),
]


@pytest.mark.parametrize("raw", [c[1] for c in BROKEN_NOTEBOOKS],
                         ids=[c[0] for c in BROKEN_NOTEBOOKS])
def test_a_broken_notebook_fails_alone(project, raw):
    from forecast.pipeline import runplan

    (project / "notebooks" / "broken.ipynb").write_bytes(raw)
    jobs = {j.stem: j for j in runplan.plan(project)}
    assert jobs["broken"].problem and "broken.ipynb" in jobs["broken"].problem
    assert all(not j.problem for s, j in jobs.items() if s != "broken")
    assert [j.stem for j in runplan.plan(project, only=["typed"])] == ["typed"]
    assert [n[0] for n in runplan.catalogue(project)] == ["broken", "halfway", "ok", "scen",
                                                          "typed"]


def test_a_folder_named_like_a_notebook_fails_alone(project):
    from forecast.pipeline import runplan

    (project / "notebooks" / "folder.ipynb").mkdir()
    jobs = {j.stem: j for j in runplan.plan(project)}
    assert "cannot read" in jobs["folder"].problem


@pytest.mark.slow
def test_broken_notebook_beside_others_run(project, capsys):
    (project / "notebooks" / "broken.ipynb").write_bytes(b"")
    code = cli.main(["run", "-q", "--only", "ok", "--only", "broken"])
    out = capsys.readouterr()
    assert code == 1 and "Traceback" not in out.err
    out_dir = project / "outputs"
    assert (out_dir / "html" / "ok.html").read_text() != "<p>ok</p>"  # ok ran and was promoted
    index = (out_dir / "index.html").read_text()
    assert "InvalidNotebook" in index and "broken" in index
    assert cli.main(["run", "-q", "--only", "ok"]) == 0  # --only other notebooks is unaffected


# -- the file system ----------------------------------------------------------------------------------

def test_no_project_here(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    held_cli(capsys, ["run"], 2, "no compute-forecast project found")
    held_cli(capsys, ["params", "x"], 2, "no compute-forecast project found")


def test_no_notebooks_folder(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    held_cli(capsys, ["run"], 2, "no notebooks in")


def test_outputs_is_a_file(project, capsys, monkeypatch):
    monkeypatch.setattr("forecast.pipeline.kernels.check_kernel", lambda name: None)
    shutil.rmtree(project / "outputs")
    (project / "outputs").write_text("not a folder")
    held_cli(capsys, ["run", "--only", "ok"], 2, "cannot lock")
    assert (project / "outputs").read_text() == "not a folder"


def test_lock_path_is_a_folder(project, capsys):
    (project / "outputs" / ".lock").mkdir()
    before = snapshot(project / "outputs")
    err = held_cli(capsys, ["run", "--only", "ok"], 2, "cannot lock")
    assert ".lock" in err and snapshot(project / "outputs") == before


def test_outputs_read_only(project, capsys, monkeypatch):
    """As root chmod does not stop writes, so the refusal is simulated where the run first
    writes (its lock)."""
    import builtins

    real = builtins.open

    def read_only(file, mode="r", *a, **kw):
        if str(file).startswith(str(project / "outputs")) and any(c in mode for c in "wa+"):
            raise PermissionError(13, "Permission denied", str(file))
        return real(file, mode, *a, **kw)

    monkeypatch.setattr(builtins, "open", read_only)
    before = snapshot(project / "outputs")
    held_cli(capsys, ["run", "--only", "ok"], 2, "Permission denied")
    assert snapshot(project / "outputs") == before


def test_a_write_fault_mid_run_is_one_line(project, capsys, monkeypatch):
    def full_disk(*a, **kw):
        raise OSError(28, "No space left on device", str(project / "outputs" / "run.log"))

    monkeypatch.setattr(files, "atomic_write_text", full_disk)
    held_cli(capsys, ["run", "--only", "ok"], 2, "No space left on device")


def test_params_file_unreadable(project, capsys, monkeypatch):
    path = project / "p.yaml"
    path.write_text("end_year: 2031\n")
    real = Path.read_text

    def denied(self, *a, **kw):
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *a, **kw)

    monkeypatch.setattr(Path, "read_text", denied)
    held_cli(capsys, ["run", "--params", str(path)], 2, "cannot read (Permission denied)")


def test_notebook_is_not_readable(project, capsys, monkeypatch):
    real = Path.read_text

    def denied(self, *a, **kw):
        if self.name == "typed.ipynb":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *a, **kw)

    monkeypatch.setattr(Path, "read_text", denied)
    held_cli(capsys, ["params", "typed"], 2, "cannot read (Permission denied)")


@pytest.mark.slow
def test_damaged_history_is_reported_on_the_console(project, capsys):
    history = project / "outputs" / "history" / "forecast_history.csv"
    history.parent.mkdir(parents=True)
    history.write_text("not,the,header\n1,2")
    assert cli.main(["run", "--only", "scen"]) == 0
    err = capsys.readouterr().err
    assert "forecast history not updated for scen" in err and "Traceback" not in err
    assert history.read_text() == "not,the,header\n1,2"


@pytest.mark.slow
def test_leftovers_of_a_killed_run_are_cleaned_before_the_next(project):
    assert cli.main(["run", "-q", "--only", "ok"]) == 0
    stage = project / "outputs" / ".staging" / "ok"
    (stage / "figures").mkdir(parents=True)
    (stage / "figures" / "ok_square.png").write_text("half")
    good = snapshot(project / "outputs" / "figures")
    assert cli.main(["run", "-q", "--only", "ok"]) == 0  # cached, and the stage is gone
    assert not stage.exists() and snapshot(project / "outputs" / "figures") == good


# -- signals ----------------------------------------------------------------------------------------

def _runner_process(project, *args):
    return subprocess.Popen([sys.executable, "-m", "forecast", "run", "-q", *args],
                            cwd=project / "notebooks", stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_for(path: Path, seconds=90):
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert path.exists()


@pytest.mark.slow
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143),
                                       (signal.SIGKILL, -signal.SIGKILL)])
def test_a_signal_mid_run_leaves_outputs_as_they_were(tmp_path, sig, code):
    project = seeded_project(tmp_path / "proj")
    shutil.copy(FIXTURES / "sleeps.ipynb", project / "notebooks" / "sleeps.ipynb")
    before = {k: v for k, v in snapshot(project / "outputs").items()}
    proc = _runner_process(project, "--only", "sleeps", "--param", "seconds=60")
    _wait_for(project / "outputs" / ".staging" / "sleeps")
    time.sleep(2)  # let the kernel start the cell
    (os.kill if sig == signal.SIGINT else os.killpg)(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code and "Traceback" not in err
    after = snapshot(project / "outputs")
    changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
    allowed = ("run.log", "index.html", ".lock", ".cache/", ".staging/", "failed/")
    assert all(k.startswith(allowed) for k in changed), changed
    if sig == signal.SIGINT:  # the runner cleaned up itself
        assert not (project / "outputs" / ".staging").exists()


@pytest.mark.slow
def test_timeout_fails_the_notebook_and_leaves_outputs(tmp_path, capsys, monkeypatch):
    project = seeded_project(tmp_path / "proj")
    monkeypatch.chdir(project / "notebooks")
    shutil.copy(FIXTURES / "sleeps.ipynb", project / "notebooks" / "sleeps.ipynb")
    before = snapshot(project / "outputs" / "tables")
    assert cli.main(["run", "-q", "--only", "sleeps", "--param", "seconds=60",
                     "--timeout", "8"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert snapshot(project / "outputs" / "tables") == before


# -- the library API ---------------------------------------------------------------------------------


def _simulate(**kw):
    from forecast import scenarios

    return scenarios.simulate("base", **kw)


def _load(name):
    from forecast import data

    return data.load(name)


def _quantity_mix():
    from forecast.units import Quantity

    return Quantity(1e18, "FP16") + Quantity(1e18, "FP32")


def _forecast(horizon):
    import pandas as pd

    from forecast import fit

    y = pd.Series([429e18, 615e18, 906e18, 1397e18], index=[2020, 2021, 2022, 2023])
    return fit("exponential", y).forecast(horizon)


def _run_notebook(tmp_path, **kw):
    project = seeded_project(tmp_path / "proj")
    args = {"parameters": {}, "output_dir": tmp_path / "o", **kw}
    return runner.run_notebook(project / "notebooks" / "scen.ipynb", **args)


LIBRARY = [
    ("to_flops negative", lambda t: __import__("forecast").to_flops("-5 EFLOPS"), UnitError),
    ("to_flops inf", lambda t: __import__("forecast").to_flops("1e400 EFLOPS"), UnitError),
    ("to_flops nan", lambda t: __import__("forecast").to_flops(float("nan")), UnitError),
    ("to_flops unit", lambda t: __import__("forecast").to_flops("5 furlongs"), UnitError),
    ("to_flops amount not rate", lambda t: __import__("forecast").to_flops("5 EFLOP"), UnitError),
    ("to_flops huge text", lambda t: __import__("forecast").to_flops("9" * 100_000), UnitError),
    ("precisions mixed", lambda t: _quantity_mix(), UnitError),
    ("simulate paths absurd", lambda t: _simulate(n_paths=10**12), ParameterError),
    ("simulate paths x years", lambda t: _simulate(n_paths=1_900_000, end_year=2100),
     ParameterError),
    ("simulate end year absurd", lambda t: _simulate(end_year=10**9), ParameterError),
    ("simulate paths bool", lambda t: _simulate(n_paths=True), ParameterError),
    ("simulate paths float", lambda t: _simulate(n_paths=1e3), ParameterError),
    ("simulate seed negative", lambda t: _simulate(seed=-1), ParameterError),
    ("forecast horizon absurd", lambda t: _forecast(10**9), ParameterError),
    ("forecast horizon bool", lambda t: _forecast(True), ParameterError),
    ("forecast horizon negative", lambda t: _forecast(-3), ParameterError),
    ("load unknown", lambda t: _load("nope"), UnknownNameError),
    ("load path", lambda t: _load("../pyproject"), UnknownNameError),
    ("load not text", lambda t: _load(None), UnknownNameError),
    ("save_table path", lambda t: io.save_table(None, "../x", t), ParameterError),
    ("save_figure path", lambda t: io.save_figure(None, "/etc/x", t), ParameterError),
    ("run_notebook unknown", lambda t: _run_notebook(t, parameters={"nope": 1}), ParameterError),
    ("run_notebook type", lambda t: _run_notebook(t, parameters={"end_year": "x"}),
     ParameterError),
    ("run_notebook inf", lambda t: _run_notebook(t, parameters={"end_year": float("inf")}),
     ParameterError),
    ("run_notebook reserved", lambda t: _run_notebook(t, parameters={"output_dir": "/"}),
     ParameterError),
    ("run_notebook scenario path", lambda t: _run_notebook(t, parameters={"scenario": "../x"}),
     UnknownNameError),
    ("run_notebook timeout", lambda t: _run_notebook(t, timeout=0), UsageError),
    ("run_notebook no output", lambda t: _run_notebook(t, output_dir=None), UsageError),
    ("run_notebook missing", lambda t: runner.run_notebook(t / "nope.ipynb", {}, t / "o"),
     ForecastError),
]


@pytest.mark.parametrize("call, error", [c[1:] for c in LIBRARY], ids=[c[0] for c in LIBRARY])
def test_library(tmp_path, monkeypatch, shipped_project, call, error):
    monkeypatch.chdir(shipped_project)
    with pytest.raises(error) as err:
        call(tmp_path)
    assert "\n" not in str(err.value) and len(str(err.value)) < 400
    assert not (tmp_path / "o").exists()


def _cases() -> tuple[int, int]:
    """(all cases, slow cases) of this file: each test times its parametrized values."""
    total = slow = 0
    for name, func in globals().items():
        if not name.startswith("test_") or name == "test_fault_suite_counts":
            continue
        marks = getattr(func, "pytestmark", [])
        n = 1
        for mark in marks:
            if mark.name == "parametrize":
                n *= len(mark.args[1])
        total += n
        slow += n if any(mark.name == "slow" for mark in marks) else 0
    return total, slow


def test_fault_suite_counts(capsys):
    """At least 150 cases; the count is printed for the README's reliability section."""
    total, slow = _cases()
    assert total >= 150
    with capsys.disabled():
        print(f"\nfault suite: {total} cases ({total - slow} fast, {slow} slow)")
