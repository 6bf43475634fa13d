"""``compute-forecast`` / ``python -m forecast``: exit codes and every user-error message.

User errors exit with 2 and print exactly one line on stderr, never a
traceback; they are all detected before any kernel starts, so these tests are
fast.  Running notebooks is covered by test_runner.py; one test here runs a
notebook through the installed console script end to end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from forecast import cli
from forecast.pipeline import runner

from _project import FIXTURES, make_project

SCRIPT = Path(sys.executable).with_name("compute-forecast")


@pytest.fixture
def project(tmp_path, monkeypatch):
    root = make_project(tmp_path / "proj", "typed", "ok", scenarios=("bear",), values=None)
    monkeypatch.chdir(root / "notebooks")  # the project is found by walking up
    return root


def one_line_error(capsys, argv) -> str:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err.strip()


@pytest.mark.parametrize("argv, message", [
    (["run", "--bogus"], "compute-forecast: error: unrecognized arguments: --bogus "
                         "(see compute-forecast --help)"),
    (["run", "--jobs", "0"], "argument --jobs/-j: expected a whole number >= 1, got '0'"),
    (["run", "--jobs", "two"], "argument --jobs/-j: expected a whole number >= 1, got 'two'"),
    (["run", "--timeout", "-5"], "argument --timeout: expected seconds > 0, got '-5'"),
    (["run", "--scenario", "bear", "--all-scenarios"],
     "argument --all-scenarios: not allowed with argument --scenario"),
    (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
    (["params"], "the following arguments are required: NOTEBOOK"),
    (["run", "--only", "nope"], "compute-forecast: error: unknown notebook 'nope'; valid: ok, typed"),
    (["run", "--param", "nope=1"],
     "compute-forecast: error: --param, parameter 'nope': unknown parameter; valid: cap, end_year, "
     "growth_rate, label, log_scale, models, n, options, scope"),
    (["run", "--param", "end_year=abc"],
     "compute-forecast: error: --param, parameter 'end_year': not a Python literal; expected int "
     "like the default 2030, got 'abc'"),
    (["run", "--param", "end_year=2030.5"],
     "--param, parameter 'end_year': wrong type (float); expected int like the default 2030, got 2030.5"),
    (["run", "--param", "log_scale=yes"],
     "--param, parameter 'log_scale': not a Python literal; expected bool like the default True, got 'yes'"),
    (["run", "--param", "end_year"], "--param 'end_year': expected NAME=VALUE, e.g. --param end_year=2035"),
    (["run", "--param", "data_dir='/x'"],
     "--param, parameter 'data_dir': is set by the runner (the project's data/ and outputs/)"),
    (["run", "--scenario", "bull"], "compute-forecast: error: unknown scenario 'bull'; valid: bear"),
    (["run", "--scenario", "bear"],
     "compute-forecast: error: no selected notebook declares a 'scenario' parameter"),
    (["params", "nope"], "compute-forecast: error: unknown notebook 'nope'; valid: ok, typed"),
])
def test_user_errors_are_one_line_with_exit_code_2(project, capsys, argv, message):
    assert message in one_line_error(capsys, argv)


@pytest.mark.parametrize("content, message", [
    (None, "--params {f}: file not found"),
    ("end_year: [2030\n", "--params {f}: line 2: not valid YAML"),
    ("just text\n", "--params {f}: expected a mapping of parameter names to values"),
    ("end_year: '2030'\n", "--params {f}, parameter 'end_year': wrong type (str); expected int"),
    ("typed:\n  bogus: 1\n", "--params {f}, parameter 'bogus': unknown parameter of typed; valid:"),
])
def test_params_file_errors(project, capsys, content, message):
    f = project / "my.yaml"
    if content is not None:
        f.write_text(content)
    assert message.format(f=f) in one_line_error(capsys, ["run", "--params", str(f)])


def test_outside_a_project(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert "no compute-forecast project found" in one_line_error(capsys, ["run"])


def test_no_notebooks(tmp_path, monkeypatch, capsys):
    (tmp_path / "pyproject.toml").write_text("")
    monkeypatch.chdir(tmp_path)
    assert f"no notebooks in {tmp_path / 'notebooks'}" in one_line_error(capsys, ["run"])


def test_busy_outputs_with_no_wait(project, capsys):
    with runner.RunLock(project / "outputs" / ".lock", wait=False):
        err = one_line_error(capsys, ["run", "--no-wait"])
    assert f"another compute-forecast run (pid {os.getpid()}) is writing {project / 'outputs'}" in err


def test_params_command_prints_the_table(project, capsys):
    assert cli.main(["params", "typed"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "typed.ipynb parameters:"
    assert out[1].split() == ["name", "default", "type", "comment"]
    assert out[4].split() == ["end_year", "2030", "int", "last", "year", "of", "the", "projection"]
    assert cli.main(["params", str(FIXTURES / "ok.ipynb")]) == 0  # a path works too
    assert "n           5        int   number of points" in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys):
    assert cli.main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_cli_module_keeps_heavy_imports_off_the_start_up_path():
    code = ("import sys, forecast.cli; "
            "print(sorted(m for m in ('pandas', 'papermill', 'matplotlib', 'nbconvert', 'numpy', "
            "'yaml', 'forecast.runner') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_console_script_and_module_are_the_same_command():
    script = subprocess.run([str(SCRIPT), "--help"], capture_output=True, text=True)
    module = subprocess.run([sys.executable, "-m", "forecast", "--help"], capture_output=True, text=True)
    assert script.returncode == module.returncode == 0
    assert script.stdout == module.stdout and "compute-forecast run" in script.stdout
    version = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True)
    from forecast import __version__
    assert version.stdout.strip() == f"compute-forecast {__version__}"


def test_bad_usage_through_the_real_process_has_no_traceback(project):
    out = subprocess.run([str(SCRIPT), "run", "--param", "end_year=abc"], capture_output=True,
                         text=True, cwd=project)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


@pytest.mark.slow
def test_run_exit_codes_through_the_console_script(project):
    env = {**os.environ, "COLUMNS": "120"}
    ok = subprocess.run([str(SCRIPT), "run", "--only", "ok", "--param", "n=3"], capture_output=True,
                        text=True, cwd=project, env=env)
    assert ok.returncode == 0, ok.stderr
    assert "1 ran, 0 cached, 0 failed" in ok.stderr and (project / "outputs" / "html" / "ok.html").is_file()
    shutil.copy(FIXTURES / "failing.ipynb", project / "notebooks" / "failing.ipynb")
    failed = subprocess.run([str(SCRIPT), "run", "--only", "ok", "--only", "failing", "--param", "n=3"],
                            capture_output=True, text=True, cwd=project, env=env)
    assert failed.returncode == 1
    assert "failed   failing" in failed.stderr and "0 failed" not in failed.stderr
    assert "Traceback" not in failed.stderr
