"""The runner: typed parameters, data-aware cache, failure isolation, provenance, scenarios.

Every test builds a throw-away project in tmp_path (pyproject.toml, data/,
notebooks/ with fixture notebooks from tests/notebooks/) and runs real kernels
(the project's ``compute-forecast`` kernel); each notebook takes about a second.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from forecast.pipeline import params as nbp
from forecast.pipeline import runcache
from forecast.pipeline import runner, schedule
from forecast.pipeline import runplan
from forecast.pipeline.progress import Progress
from forecast.errors import ParameterError, UnknownNameError, UsageError

from _project import FIXTURES, VALUES_CSV, make_project

pytestmark = pytest.mark.usefixtures("pinned_library")


def run(root, **kw):
    return runner.run(root, progress=Progress(quiet=True), **kw)


def statuses(report):
    return {(r.scenario, r.stem) if r.scenario else r.stem: r.status for r in report.results}


# -- parameters cell ----------------------------------------------------------------------

def test_parameters_cell_gives_names_defaults_types_and_comments():
    spec = nbp.notebook_parameters(FIXTURES / "typed.ipynb")
    assert list(spec) == ["data_dir", "output_dir", "end_year", "growth_rate", "scope",
                          "log_scale", "models", "options", "label", "cap"]
    assert (spec["end_year"].default, spec["end_year"].type) == (2030, "int")
    assert spec["end_year"].comment == "last year of the projection"
    assert (spec["growth_rate"].type, spec["scope"].type, spec["log_scale"].type) == ("float", "str", "bool")
    assert spec["models"].default == ["cagr", "logistic"] and spec["options"].type == "dict"
    assert (spec["label"].default, spec["label"].type) == ("base", "str")  # annotated assignment
    assert spec["cap"].type == "None" and spec["cap"].comment == "optional cap, FLOP/s"


def test_non_literal_default_accepts_any_value():
    spec = nbp.parse_parameters_source("start = 2000 + 10  # computed\nx = 1")
    assert (spec["start"].literal, spec["start"].type) == (False, "any")
    assert nbp.coerce(spec["start"], "'anything'", source="--param") == "anything"


def test_parameters_cell_syntax_error_names_the_line():
    with pytest.raises(ParameterError, match=r"line 2: .*expected valid Python assignments"):
        nbp.parse_parameters_source("a = 1\nb = = 2")


@pytest.mark.parametrize("name, text, value", [
    ("end_year", "2035", 2035),
    ("growth_rate", "1", 1.0),            # int accepted for a float, converted
    ("growth_rate", "0.5", 0.5),
    ("scope", "china-device", "china-device"),   # not a literal: kept as text for a str
    ("scope", "2030", "2030"),            # a str default keeps the text
    ("scope", "'quoted'", "quoted"),
    ("log_scale", "False", False),
    ("models", "['ets']", ["ets"]),
    ("models", "('ets', 'arima')", ["ets", "arima"]),
    ("options", "{'level': 0.95}", {"level": 0.95}),
    ("cap", "5.6e22", 5.6e22),            # None default: any literal
    ("cap", "big", "big"),
])
def test_command_line_values_are_parsed_as_literals(name, text, value):
    spec = nbp.notebook_parameters(FIXTURES / "typed.ipynb")
    got = nbp.coerce(spec[name], text, source="--param")
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("name, text, message", [
    ("end_year", "abc", "--param, parameter 'end_year': not a Python literal; expected int like "
                        "the default 2030, got 'abc'"),
    ("end_year", "2030.5", "--param, parameter 'end_year': wrong type (float); expected int like "
                           "the default 2030, got 2030.5"),
    ("end_year", "True", "wrong type (bool)"),
    ("log_scale", "1", "wrong type (int); expected bool like the default True, got 1"),
    ("models", "'ets'", "wrong type (str); expected list"),
    ("growth_rate", "'fast'", "wrong type (str); expected float like the default 0.44"),
])
def test_wrong_types_are_refused(name, text, message):
    spec = nbp.notebook_parameters(FIXTURES / "typed.ipynb")
    with pytest.raises(ParameterError) as err:
        nbp.coerce(spec[name], text, source="--param")
    assert message in str(err.value)


def test_format_parameters_lists_every_parameter():
    text = nbp.format_parameters(FIXTURES / "typed.ipynb")
    assert "end_year     2030" in text and "int" in text and "last year of the projection" in text
    assert "[set by the runner]" in text
    assert len(text.splitlines()) == 2 + 10  # title, header, ten parameters


# -- planning -----------------------------------------------------------------------------

def test_plan_merges_file_then_command_line_and_injects_paths(tmp_path):
    root = make_project(tmp_path / "p", "typed", "ok")
    (tmp_path / "p.yaml").write_text("end_year: 2040\nn: 7\ntyped:\n  scope: china-device\n")
    jobs = {j.stem: j for j in runplan.plan(root, params=["end_year=2035"],
                                           params_file=tmp_path / "p.yaml")}
    assert jobs["typed"].inject == {"end_year": 2035, "scope": "china-device",
                                    "data_dir": str(root / "data"),
                                    "output_dir": str(root / "outputs")}
    assert jobs["ok"].inject["n"] == 7 and "end_year" not in jobs["ok"].inject
    assert jobs["typed"].parameters["growth_rate"] == 0.44  # defaults are part of the key
    assert jobs["ok"].title == "A tiny report"


@pytest.mark.parametrize("kw, error, message", [
    ({"only": ["nope"]}, UnknownNameError, "unknown notebook 'nope'; valid: ok, typed"),
    ({"params": ["nope=1"]}, ParameterError,
     "--param, parameter 'nope': unknown parameter; valid: cap, end_year, growth_rate, label, "
     "log_scale, models, n, options, scope"),
    ({"params": ["output_dir='/tmp'"]}, ParameterError, "is set by the runner"),
    ({"params": ["end_year"]}, UsageError, "expected NAME=VALUE"),
    ({"scenario": "bull"}, UnknownNameError, "unknown scenario 'bull'; valid: (none)"[:24]),
])
def test_plan_refuses_bad_input(tmp_path, kw, error, message):
    root = make_project(tmp_path / "p", "typed", "ok")
    with pytest.raises(error) as err:
        runplan.plan(root, **kw)
    assert message in str(err.value)


@pytest.mark.parametrize("text, message", [
    ("end_year: [1, 2\n", "line 2: not valid YAML"),
    ("- 1\n- 2\n", "expected a mapping of parameter names to values"),
    ("typed: 3\n", "typed: expected a mapping of parameters"),
    ("typed:\n  n: 3\n", "parameter 'n': unknown parameter of typed; valid: cap, end_year"),
    ("end_year: abc\n", "parameter 'end_year': wrong type (str)"),
])
def test_params_file_errors_name_the_file(tmp_path, text, message):
    root = make_project(tmp_path / "p", "typed", "ok")
    (tmp_path / "bad.yaml").write_text(text)
    with pytest.raises((UsageError, ParameterError)) as err:
        runplan.plan(root, params_file=tmp_path / "bad.yaml")
    assert message in str(err.value) and "bad.yaml" in str(err.value)


def test_only_accepts_prefix_and_refuses_ambiguous(tmp_path):
    root = make_project(tmp_path / "p", "typed", "ok", "reads_data")
    shutil.copy(FIXTURES / "ok.ipynb", root / "notebooks" / "ok2.ipynb")
    assert [j.stem for j in runplan.plan(root, only=["ty", "ok.ipynb"])] == ["typed", "ok"]
    assert [j.stem for j in runplan.plan(root, only=["ok"])] == ["ok"]  # exact name wins
    with pytest.raises(UsageError, match="--only 'o' is ambiguous: ok, ok2"):
        runplan.plan(root, only=["o"])


# -- running --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """ok + failing + reads_data run once; the tests below read its outputs."""
    root = make_project(tmp_path_factory.mktemp("run") / "p", "ok", "failing", "reads_data")
    report = run(root, jobs=2)
    return root, report


@pytest.mark.slow
def test_run_writes_outputs_and_isolates_the_failure(first_run):
    root, report = first_run
    out = root / "outputs"
    assert statuses(report) == {"ok": "ok", "failing": "failed", "reads_data": "ok"}
    assert report.exit_code == 1
    for stem in ("ok", "reads_data"):
        assert (out / "html" / f"{stem}.html").is_file()
        assert (out / "notebooks" / f"{stem}.ipynb").is_file()
    assert (out / "figures" / "ok_square.png").is_file()
    assert (out / "tables" / "reads_data_total.csv").read_text() == "column,total\nvalue,3.5\n"
    assert not (out / "html" / "failing.html").exists()
    failed = nbformat.read(out / "failed" / "failing.ipynb", as_version=4)
    assert "This notebook failed at In [4]" in failed.cells[0].source
    assert "deliberate failure" in (out / "failed" / "failing.html").read_text()
    assert not list(out.rglob("*.tmp")) and not list(out.rglob(".*.tmp"))


@pytest.mark.slow
def test_index_marks_each_status_and_links_pages(first_run):
    root, _ = first_run
    page = (root / "outputs" / "index.html").read_text()
    assert 'href="html/ok.html"' in page and 'href="failed/failing.html"' in page
    assert "cf-failed" in page and page.count("cf-ok") >= 2
    assert "ValueError: deliberate failure for the runner tests (In [4])" in page
    assert 'href="run.log"' in page
    log = (root / "outputs" / "run.log").read_text()
    assert "FAILED failing: ValueError" in log and "ok reads_data" in log


@pytest.mark.slow
def test_files_read_are_recorded_with_their_hash(first_run):
    root, _ = first_run
    state = runcache.load_state(root / "outputs", "reads_data")
    assert state["good"]["inputs"] == {
        "data/values.csv": runcache.sha256_file(root / "data" / "values.csv")}
    assert "tables/reads_data_total.csv" in state["good"]["outputs"]
    assert runcache.load_state(root / "outputs", "ok")["good"]["inputs"] == {}


@pytest.mark.slow
def test_provenance_footer_and_metadata(first_run):
    root, _ = first_run
    page = (root / "outputs" / "html" / "reads_data.html").read_text()
    footer = page[page.index('<footer class="cf-provenance">'):]
    digest = runcache.sha256_file(root / "data" / "values.csv")
    assert "data/values.csv" in footer and digest in footer
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in footer and "<script>alert" not in page
    assert "Pub &lt;One&gt;" in footer
    assert 'href="https://example.org/a?x=1&amp;y=2"' in footer
    assert "<tr><td><code>column</code></td><td><code>'value'</code></td></tr>" in footer
    meta = nbformat.read(root / "outputs" / "notebooks" / "reads_data.ipynb",
                         as_version=4).metadata["compute_forecast"]
    assert meta["data_files"] == [{"path": "data/values.csv", "sha256": digest}]
    assert meta["parameters"]["column"] == "value" and meta["status"] == "ok"
    assert {s["publisher"] for s in meta["sources"]} == {"Pub <One>", "Pub Two"}
    assert meta["library_version"] and meta["run_started"]


@pytest.mark.slow
def test_code_is_hidden_by_default(first_run):
    root, _ = first_run
    page = (root / "outputs" / "html" / "ok.html").read_text()
    assert "sum of squares: 30" in page          # output kept
    assert "print(&#39;sum of squares" not in page and "print('sum of squares" not in page
    assert "<img" in page and 'src="data:image/png;base64,' in page


@pytest.mark.slow
def test_cache_reruns_only_what_changed(tmp_path):
    root = make_project(tmp_path / "p", "ok", "reads_data")
    assert statuses(run(root)) == {"ok": "ok", "reads_data": "ok"}
    again = run(root)
    assert statuses(again) == {"ok": "cached", "reads_data": "cached"} and again.exit_code == 0
    (root / "data" / "values.csv").write_text(VALUES_CSV + "c,10,P,D,2024,,estimate\n")
    assert statuses(run(root)) == {"ok": "cached", "reads_data": "ok"}
    assert (root / "outputs" / "tables" / "reads_data_total.csv").read_text().endswith(",13.5\n")
    assert statuses(run(root, params=["n=6"])) == {"ok": "ok", "reads_data": "cached"}
    assert statuses(run(root, params=["n=6"])) == {"ok": "cached", "reads_data": "cached"}
    (root / "outputs" / "html" / "reads_data.html").unlink()
    assert statuses(run(root, params=["n=6"])) == {"ok": "cached", "reads_data": "ok"}
    assert statuses(run(root, params=["n=6"], force=True)) == {"ok": "ok", "reads_data": "ok"}
    log = (root / "outputs" / "run.log").read_text()
    assert "run reads_data: --force" in log


def test_cache_key_covers_library_packages_and_notebook(tmp_path, monkeypatch):
    root = make_project(tmp_path / "p", "reads_data")
    job = runplan.plan(root)[0]
    state = {"good": {"key": runcache.key(notebook="n", parameters=job.parameters, library="l",
                                          packages="p", options={}), "inputs": {}, "outputs": {}}}
    base = dict(notebook="n", parameters=job.parameters, library="l", packages="p", options={})
    assert runcache.stale_reason(state, runcache.key(**base), root, root) is None
    for part, why in [("library", "the forecast library changed"),
                      ("packages", "installed packages changed"),
                      ("notebook", "the notebook changed")]:
        changed = runcache.key(**{**base, part: "other"})
        assert runcache.stale_reason(state, changed, root, root) == why
    changed = runcache.key(**{**base, "parameters": {**job.parameters, "column": "x"}})
    assert runcache.stale_reason(state, changed, root, root) == "parameters changed"


def test_markdown_and_tag_edits_change_the_notebook_fingerprint():
    nb = json.loads((FIXTURES / "ok.ipynb").read_text())
    before = runcache.notebook_fingerprint(nb)
    nb["cells"][0]["source"] = "# Another title"
    edited = runcache.notebook_fingerprint(nb)
    nb["cells"][3]["metadata"]["tags"] = ["hide-output"]
    tagged = runcache.notebook_fingerprint(nb)
    assert len({before, edited, tagged}) == 3
    # what execution adds (outputs, counts, other metadata) does not change it
    nb["cells"][3]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    nb["cells"][3]["execution_count"] = 7
    nb["cells"][3]["metadata"]["papermill"] = {"duration": 1.0}
    assert runcache.notebook_fingerprint(nb) == tagged
    # the code itself and the kernel do
    nb["cells"][3]["source"] += "\n"
    assert runcache.notebook_fingerprint(nb) != tagged


def test_outputs_changed_by_hand_are_not_vouched_for(tmp_path):
    root = make_project(tmp_path / "p", "reads_data")
    out = root / "outputs"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "t.csv").write_text("a\n1\n")
    job = runplan.plan(root)[0]
    base = dict(notebook="n", parameters=job.parameters, library="l", packages="p", options={})
    good = {"key": runcache.key(**base), "inputs": {},
            "outputs": {"tables/t.csv": runcache.sha256_file(out / "tables" / "t.csv")}}
    assert runcache.stale_reason({"good": good}, runcache.key(**base), root, out) is None
    (out / "tables" / "t.csv").write_text("a\n2\n")
    assert (runcache.stale_reason({"good": good}, runcache.key(**base), root, out)
            == "output tables/t.csv changed since the last run")
    (out / "tables" / "t.csv").unlink()
    assert (runcache.stale_reason({"good": good}, runcache.key(**base), root, out)
            == "output tables/t.csv is missing")
    old = {**good, "outputs": ["tables/t.csv"]}
    assert "without their sha256" in runcache.stale_reason({"good": old}, runcache.key(**base),
                                                             root, out)


@pytest.mark.slow
def test_failure_keeps_the_last_good_page(tmp_path):
    root = make_project(tmp_path / "p", "ok")
    run(root)
    good_html = (root / "outputs" / "html" / "ok.html").read_bytes()
    good_nb = (root / "outputs" / "notebooks" / "ok.ipynb").read_bytes()
    nb = nbformat.read(root / "notebooks" / "ok.ipynb", as_version=4)
    nb.cells[-1].source = "raise RuntimeError('broken on purpose')"
    nbformat.write(nb, root / "notebooks" / "ok.ipynb")
    report = run(root)
    assert statuses(report) == {"ok": "failed"} and report.exit_code == 1
    assert (root / "outputs" / "html" / "ok.html").read_bytes() == good_html
    assert (root / "outputs" / "notebooks" / "ok.ipynb").read_bytes() == good_nb
    index = (root / "outputs" / "index.html").read_text()
    assert "the page linked is the last good run" in index and 'href="html/ok.html"' in index
    # fixed again: the failed copy is removed
    shutil.copy(FIXTURES / "ok.ipynb", root / "notebooks" / "ok.ipynb")
    assert statuses(run(root)) == {"ok": "cached"}
    assert not (root / "outputs" / "failed" / "ok.html").exists()


@pytest.mark.slow
def test_dead_kernel_and_timeout_are_failures(tmp_path):
    root = make_project(tmp_path / "p", "dies", "sleeps", "ok")
    # the limit covers kernel start-up too: leave "ok" room for three kernels starting on 2 cores
    report = run(root, params=["seconds=60"], timeout=12, jobs=3)
    assert statuses(report) == {"dies": "failed", "sleeps": "failed", "ok": "ok"}
    errors = {r.stem: r.message for r in report.results}
    assert errors["dies"].startswith("DeadKernelError: the kernel died")
    assert errors["sleeps"] == "TimeoutError: the notebook exceeded its time limit of 12 s (In [3])"
    assert (root / "outputs" / "failed" / "sleeps.ipynb").is_file()


@pytest.mark.slow
def test_notebooks_run_in_parallel(tmp_path):
    root = make_project(tmp_path / "p", "sleeps")
    shutil.copy(FIXTURES / "sleeps.ipynb", root / "notebooks" / "sleeps2.ipynb")
    run(root, params=["seconds=2"], jobs=2)
    spans = []
    for stem in ("sleeps", "sleeps2"):
        meta = nbformat.read(root / "outputs" / "notebooks" / f"{stem}.ipynb", as_version=4).metadata
        spans.append((meta.papermill.start_time, meta.papermill.end_time))
    (s1, e1), (s2, e2) = sorted(spans)
    assert s2 < e1  # the second started before the first ended


@pytest.mark.slow
def test_typed_values_reach_the_kernel(tmp_path):
    root = make_project(tmp_path / "p", "typed")
    run(root, params=["end_year=2035", "models=['ets']", "scope=china-device", "growth_rate=1"])
    nb = nbformat.read(root / "outputs" / "notebooks" / "typed.ipynb", as_version=4)
    printed = json.loads(nb.cells[-1].outputs[0].text)
    assert printed == {"end_year": 2035, "growth_rate": 1.0, "scope": "china-device",
                       "log_scale": True, "models": ["ets"], "options": {"level": 0.8},
                       "label": "base", "cap": None}
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert f'output_dir = "{root / "outputs"}"' in injected[0].source


@pytest.mark.slow
def test_second_run_refuses_or_waits_while_outputs_are_locked(tmp_path):
    root = make_project(tmp_path / "p", "ok")
    lock = runner.RunLock(root / "outputs" / ".lock", wait=False)
    with lock:
        with pytest.raises(UsageError, match=r"another compute-forecast run \(pid \d+\) is writing"):
            run(root, wait=False)
        messages = []
        releaser = threading.Timer(1.0, lock.__exit__, args=(None, None, None))
        releaser.start()
        report = runner.run(root, progress=_Recorder(messages))
    assert any("waiting for another compute-forecast run" in m for m in messages)
    assert statuses(report) == {"ok": "ok"}


class _Recorder(Progress):
    def __init__(self, messages):
        super().__init__(quiet=True)
        self.messages = messages

    def say(self, text):
        self.messages.append(text)


@pytest.mark.slow
def test_scenarios_run_into_their_own_folders_and_compare(tmp_path):
    root = make_project(tmp_path / "p", "scen", "ok", scenarios=("bear", "base", "bull"))
    report = run(root, all_scenarios=True)
    assert statuses(report) == {("bear", "scen"): "ok", ("base", "scen"): "ok",
                                ("bull", "scen"): "ok"}
    scen = root / "outputs" / "scenarios"
    # 1e21 * 1.2**5 = 2.48832e21 (bear), 1.4**5 -> 5.37824e21, 1.6**5 -> 1.048576e22
    assert (scen / "bear" / "tables" / "scenarios_headline.csv").read_text() == "year,value\n2030,2.48832e+21\n"
    page = (scen / "index.html").read_text()
    # the comparison page shows them as a reader reads them (3 significant figures, no unit here)
    for name, value in (("bear", "2.49 × 10²¹"), ("base", "5.38 × 10²¹"), ("bull", "1.05 × 10²²")):
        assert f'<td class="cf-short">{name}</td><td class="cf-num">2030</td><td class="cf-num">{value}</td>' in page
        assert f'href="{name}/html/scen.html"' in page
    assert 'href="scenarios/index.html"' in (root / "outputs" / "index.html").read_text()
    assert not (root / "outputs" / "html" / "scen.html").exists()  # main outputs untouched
    one = run(root, scenario="bear")
    assert statuses(one) == {("bear", "scen"): "cached"}
    with pytest.raises(ParameterError, match="conflicts with --scenario"):
        run(root, scenario="bear", params=["scenario='bull'"])


def test_scenario_needs_a_notebook_with_a_scenario_parameter(tmp_path):
    root = make_project(tmp_path / "p", "ok", scenarios=("bear",))
    with pytest.raises(UsageError, match="no selected notebook declares a 'scenario' parameter"):
        runplan.plan(root, scenario="bear")


@pytest.mark.slow
def test_headline_forecasts_are_appended_to_the_history_once(tmp_path):
    root = make_project(tmp_path / "p", "scen")
    run(root)
    history = root / "outputs" / "history" / "forecast_history.csv"
    first = history.read_bytes()
    assert first.count(b"\n") == 2 and b"scen" in first and b"5.37824e+21" in first
    run(root)  # cached: nothing new to record
    assert history.read_bytes() == first
    run(root, params=["end_year=2031"])
    assert history.read_bytes().startswith(first) and history.read_bytes().count(b"\n") == 3


@pytest.mark.slow
def test_run_report_as_json(first_run):
    _, report = first_run
    data = json.loads(report.as_json())
    assert {r["stem"]: r["status"] for r in data["results"]} == {
        "ok": "ok", "failing": "failed", "reads_data": "ok"}
    assert data["index"].endswith("outputs/index.html")


@pytest.mark.slow
def test_no_change_rerun_does_not_import_the_engine(tmp_path):
    """The fast path (all cached) must not pay for papermill/nbconvert imports."""
    import subprocess
    import sys

    root = make_project(tmp_path / "p", "reads_data")
    run(root)
    code = ("import sys; from forecast.pipeline import runner, runcache; "
            "from forecast.pipeline.progress import Progress; "
            "runcache.library_fingerprint = lambda: 'pinned'; "
            f"runner.run({str(root)!r}, progress=Progress(quiet=True)); "
            "print(sorted(m for m in ('papermill', 'nbconvert', 'pandas', 'matplotlib') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- end to end on the real project (issue 2) ---------------------------------------------------

def test_compute_forecast_run_end_to_end_on_a_copy_of_the_project(executed_project):
    """`compute-forecast run` in a copy of the shipped project (conftest.executed_project, with
    2000 Monte Carlo paths): index.html + one page per notebook, each with its provenance."""
    assert executed_project.returncode == 0, executed_project.log
    stems, out = executed_project.stems, executed_project.outputs
    assert stems
    assert sorted(p.stem for p in (out / "html").glob("*.html")) == stems
    index = (out / "index.html").read_text()
    for stem in stems:
        assert f'href="html/{stem}.html"' in index
        page = (out / "html" / f"{stem}.html").read_text()
        assert '<footer class="cf-provenance">' in page and "data/" in page
    assert list((out / "figures").glob("*.png")) and list((out / "tables").glob("*.csv"))
    assert not list(out.rglob("*.tmp"))


@pytest.mark.slow
def test_ctrl_c_stops_kernels_and_leaves_no_half_written_file(tmp_path):
    """SIGINT to the runner alone (the harder case: its kernels do not get it from a terminal)."""
    import os
    import signal
    import subprocess
    import sys

    root = make_project(tmp_path / "p", "ok", "sleeps")
    script = Path(sys.executable).with_name("compute-forecast")
    proc = subprocess.Popen([str(script), "run", "--param", "seconds=120", "--jobs", "2"],
                            cwd=root, stderr=subprocess.PIPE, text=True)
    kernel_log = root / "outputs" / ".cache" / "sleeps.kernel.log"
    deadline = time.monotonic() + 120
    while not ((root / "outputs" / "html" / "ok.html").is_file() and kernel_log.is_file()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.2)
    time.sleep(1.0)  # let the sleeping cell start
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.strip().endswith("compute-forecast: interrupted; finished notebooks were kept, "
                                "no file was half-written")
    assert "Traceback" not in err
    out = root / "outputs"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    index = (out / "index.html").read_text()
    assert "cf-not-run" in index and 'href="html/ok.html"' in index
    assert not (out / "failed" / "sleeps.ipynb").exists()  # an interruption is not a failure
    cwd = str(root / "notebooks")
    leftovers = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/cwd") == cwd:
                leftovers.append(pid)
        except OSError:
            continue
    assert leftovers == [], "kernel processes left running"


def test_engine_skips_the_slow_optional_import_but_still_validates_notebooks():
    """_engine blocks rfc3987_syntax (2.4 s grammar build at import); validation must still work."""
    import subprocess
    import sys

    code = (
        "import sys, json\n"
        "import forecast.pipeline.engine, nbformat\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'))\n"
        f"nb = nbformat.read({str(FIXTURES / 'ok.ipynb')!r}, as_version=4)\n"
        "nbformat.validate(nb)\n"
        "nb.cells[0]['cell_type'] = 'bogus'\n"
        "try:\n    nbformat.validate(nb)\nexcept nbformat.ValidationError:\n    print('invalid caught')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["None", "invalid caught"]


def test_progress_prints_one_line_per_notebook_off_a_terminal():
    import io

    stream = io.StringIO()
    progress = Progress(stream=stream)
    progress.started("01_a")
    progress.finished("01_a", "ok", 1.234)
    progress.finished("02_b", "failed", 0.5, "ValueError: x (In [3])")
    assert stream.getvalue().splitlines() == [
        "  ok       01_a" + " " * 40 + "1.2 s",
        "  failed   02_b" + " " * 40 + "0.5 s  ValueError: x (In [3])"]
    quiet = io.StringIO()
    Progress(stream=quiet, quiet=True).finished("x", "ok", 1.0)
    assert quiet.getvalue() == ""


def test_missing_kernel_is_one_clear_error(tmp_path, monkeypatch):
    root = make_project(tmp_path / "p", "ok")
    monkeypatch.setattr(runner, "KERNEL", "no-such-kernel")
    with pytest.raises(UsageError, match=r"the Jupyter kernel 'no-such-kernel' is not installed "
                                         r"\(found: .*compute-forecast.*\); run `make setup`"):
        run(root)


@pytest.mark.slow
def test_notebook_without_parameters_cell_runs_unchanged(tmp_path):
    root = make_project(tmp_path / "p")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(6 * 7)")],
                                  metadata={"kernelspec": {"name": "compute-forecast",
                                                           "display_name": "x", "language": "python"}})
    nbformat.write(nb, root / "notebooks" / "plain.ipynb")
    assert statuses(run(root)) == {"plain": "ok"}
    done = nbformat.read(root / "outputs" / "notebooks" / "plain.ipynb", as_version=4)
    assert len(done.cells) == 1 and done.cells[0].outputs[0].text == "42\n"


def test_yaml_files_that_are_not_scenarios_are_not_run_as_scenarios(tmp_path):
    # a --params file kept beside the scenarios must not become a fourth scenario
    root = make_project(tmp_path, "scen", scenarios=["bear", "base"])
    (root / "notebooks" / "params" / "my_params.yaml").write_text("end_year: 2035\n")
    assert runplan.scenario_names(root) == ["base", "bear"]


def test_packages_fingerprint_follows_installs_upgrades_and_removals(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    seen = [runcache.packages_fingerprint()]
    (tmp_path / "foo-1.0.dist-info").mkdir()                       # install
    seen.append(runcache.packages_fingerprint())
    (tmp_path / "foo-1.0.dist-info").rename(tmp_path / "foo-1.1.dist-info")  # upgrade
    seen.append(runcache.packages_fingerprint())
    egg = tmp_path / "bar.egg-info"                                # a develop install: no
    egg.mkdir()                                                    # version in the name
    (egg / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: bar\nVersion: 0.1\n\n")
    seen.append(runcache.packages_fingerprint())
    (egg / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: bar\nVersion: 0.2\n\n")
    (tmp_path / "touch").mkdir()  # the folder's mtime changes, as an install's would
    seen.append(runcache.packages_fingerprint())
    (tmp_path / "touch").rmdir()
    (tmp_path / "foo-1.1.dist-info").rmdir()                       # removal
    seen.append(runcache.packages_fingerprint())
    assert len(set(seen)) == len(seen)
    assert runcache.packages_fingerprint() == seen[-1]  # unchanged: the same digest


def _kernels_in(cwd: Path) -> list[str]:
    """pids of live processes whose working directory is ``cwd`` (kernels started there)."""
    import os

    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/cwd") == str(cwd):
                found.append(pid)
        except OSError:
            pass
    return found


@pytest.mark.slow
def test_every_notebook_gets_a_fresh_kernel_of_its_own_and_none_is_left_running(tmp_path):
    """Kernels are started ahead of need (forecast.pipeline.kernels): still one new kernel per
    notebook, started in notebooks/, with nothing run in it before, and all gone after."""
    from nbformat.v4 import new_code_cell, new_notebook

    root = make_project(tmp_path / "p")
    cells = [new_code_cell("output_dir = None", metadata={"tags": ["parameters"]}),
             new_code_cell("import os\nfrom forecast import io\n"
                           "seen = 'marker' in globals()\nmarker = 1\n"
                           "(io.output_dir(output_dir) / 'tables').mkdir(parents=True, exist_ok=True)\n"
                           "(io.output_dir(output_dir) / 'tables' / f'pid_{os.getpid()}.csv')"
                           ".write_text(f'cwd,seen\\n{os.getcwd()},{seen}\\n')")]
    for i in range(4):  # the last without kernelspec metadata: the runner's kernel is Python
        metadata = {"kernelspec": {"name": "compute-forecast", "language": "python",
                                   "display_name": "Python (compute-forecast)"}} if i < 3 else {}
        nbformat.write(new_notebook(cells=cells, metadata=metadata),
                       root / "notebooks" / f"who_{i}.ipynb")
    report = run(root, jobs=2)
    assert [r.status for r in report.results] == ["ok"] * 4, [r.message for r in report.results]
    tables = sorted((root / "outputs" / "tables").glob("pid_*.csv"))
    assert len(tables) == 4  # four kernels, one per notebook
    assert {t.read_text() for t in tables} == {f"cwd,seen\n{root / 'notebooks'},False\n"}
    assert all((root / "outputs" / ".cache" / f"who_{i}.kernel.log").is_file() for i in range(4))
    assert not list((root / "outputs" / ".cache").glob(".kernel-*.log"))
    deadline = time.monotonic() + 10
    while _kernels_in(root / "notebooks") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _kernels_in(root / "notebooks") == []


@pytest.mark.slow
def test_kernel_pool_kills_the_kernels_nobody_took(tmp_path):
    from forecast.pipeline.kernels import KernelPool, kill

    pool = KernelPool("compute-forecast", tmp_path, tmp_path / "logs", workers=2)
    pool.prepare()
    pool.prepare()
    km = pool.take(tmp_path / "taken.log")
    assert km is not None and km.has_kernel and (tmp_path / "taken.log").is_file()
    deadline = time.monotonic() + 20
    while len(_kernels_in(tmp_path)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(_kernels_in(tmp_path)) == 2
    pool.close()      # the spare one
    kill(km)          # the taken one, as nbclient does at the end of a notebook
    while _kernels_in(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _kernels_in(tmp_path) == [] and list((tmp_path / "logs").iterdir()) == []
    pool.prepare()    # a closed pool starts nothing
    assert pool.take(tmp_path / "late.log") is None


def test_compile_library_leaves_current_bytecode_for_every_module():
    import importlib.util

    import forecast

    runcache.compile_library()
    package = Path(forecast.__file__).parent
    for source in package.rglob("*.py"):
        cached = Path(importlib.util.cache_from_source(str(source)))
        assert cached.is_file(), source
        # the header records the source's mtime and size (PEP 552 timestamp mode)
        header = cached.read_bytes()[:16]
        stat = source.stat()
        assert int.from_bytes(header[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF
        assert int.from_bytes(header[12:16], "little") == stat.st_size & 0xFFFFFFFF


def test_data_sources_are_read_again_when_a_file_changes(tmp_path):
    from forecast.data.provenance import data_sources

    table = tmp_path / "t.csv"
    table.write_text("value,publisher,document,published,url,status\n"
                     "1,CAICT,White paper 2022,2022-11,,verified-primary\n")
    first = data_sources([table, tmp_path / "missing.csv", tmp_path / "notes.txt"])
    assert [s["document"] for s in first] == ["White paper 2022"]
    first[0]["document"] = "edited by the caller"  # a caller's change stays its own
    assert data_sources([table])[0]["document"] == "White paper 2022"
    table.write_text(table.read_text() + "2,Epoch AI,ML hardware,2025-01,,verified-secondary\n")
    assert [s["publisher"] for s in data_sources([table])] == ["CAICT", "Epoch AI"]


def test_longest_notebook_starts_first_by_last_run_else_by_its_own_estimate(tmp_path):
    root = make_project(tmp_path / "p", "ok", "reads_data", "typed")
    for stem, hint in (("typed", 30), ("reads_data", "soon")):  # a word is no estimate
        path = root / "notebooks" / f"{stem}.ipynb"
        nb = json.loads(path.read_text())
        nb["metadata"]["compute_forecast"] = {"expected_seconds": hint}
        path.write_text(json.dumps(nb))
    jobs = {job.stem: job for job in runplan.plan(root)}
    assert {s: schedule.expected_seconds(j) for s, j in jobs.items()} == {
        "ok": 0.0, "reads_data": 0.0, "typed": 30.0}
    # a measured time beats the estimate
    runcache.save_state(jobs["ok"].run_dir, "ok", {"last": {"status": "ok", "seconds": 45.0}})
    assert schedule.expected_seconds(jobs["ok"]) == 45.0
    state = runner._Run(root, force=True)
    _, todo = schedule.check_all(state, list(jobs.values()), Progress(quiet=True))
    assert [job.stem for job, *_ in todo] == ["ok", "typed", "reads_data"]


@pytest.mark.slow
def test_a_kernel_that_never_answers_is_replaced_once_before_any_cell_runs(tmp_path, monkeypatch):
    """A kernel that does not answer its first request (seen once in a loaded test run) is
    replaced by a fresh one: no cell had run, so the notebook runs once, from the start; a
    second such kernel fails the notebook with jupyter_client's message."""
    from forecast.pipeline import engine

    real = engine.papermill_engines.execute_notebook_with_engine
    calls = []

    def flaky(*args, **kwargs):
        calls.append(kwargs.get("km"))
        if len(calls) <= failures:
            raise RuntimeError("Kernel didn't respond in 60 seconds")
        return real(*args, **kwargs)

    monkeypatch.setattr(engine.papermill_engines, "execute_notebook_with_engine", flaky)
    root = make_project(tmp_path / "p", "ok")
    failures = 1
    report = run(root, force=True, jobs=1)
    assert statuses(report) == {"ok": "ok"} and len(calls) == 2
    calls.clear()
    failures = 2
    report = run(root, force=True, jobs=1)
    assert statuses(report) == {"ok": "failed"} and len(calls) == 2
    assert "Kernel didn't respond in 60 seconds" in report.results[0].message
