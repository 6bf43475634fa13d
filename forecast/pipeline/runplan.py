"""Planning a run: which notebooks, in which output folders, with which parameters.

Everything here is checked before any kernel starts, and nothing heavy is
imported: the notebooks are read as JSON and their ``parameters`` cells with
:mod:`ast` (:mod:`forecast.pipeline.params`).  The order in which values are
merged is: the notebook's defaults, then the ``--params`` YAML file (a key
naming a notebook holds values for that notebook only), then ``--param``;
``data_dir``/``output_dir`` are injected as absolute paths, and ``scenario``
for scenario runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from forecast.pipeline import params as nbp
from forecast.errors import ForecastError, ParameterError, UnknownNameError, UsageError

SCENARIO_PARAM = "scenario"


@dataclass
class Job:
    """One notebook to bring up to date in one output folder."""

    stem: str
    path: Path
    run_dir: Path
    scenario: str | None
    inject: dict            # values given to papermill (overrides + paths + scenario)
    parameters: dict        # effective values: defaults updated with ``inject``
    title: str
    declared_inputs: list = field(default_factory=list)
    problem: str = ""       # why the notebook file cannot be run (it then fails alone)
    lang: str = "en"        # language of the pages (forecast.i18n); outputs/<lang>/ unless "en"

    @property
    def name(self) -> str:
        """How the job is shown: ``stem``, ``scenario/stem`` for a scenario run, with
        ``zh/`` before it for a page in another language than English."""
        name = self.stem if self.scenario is None else f"{self.scenario}/{self.stem}"
        return name if self.lang == "en" else f"{self.lang}/{name}"


def language_root(root: Path, lang: str = "en") -> Path:
    """The output folder of a language: ``outputs/`` for English, ``outputs/<lang>/`` else.

    Everything a run writes for that language (pages, figures, tables, the index, the
    workbook) is under it, with the same layout; the forecast history and the change report
    are kept once, in English (the numbers are the same in every language).
    """
    return Path(root) / "outputs" if lang == "en" else Path(root) / "outputs" / lang


def notebooks(root: Path) -> list[Path]:
    """The project's notebooks, in name order (checkpoints excluded)."""
    return sorted(p for p in (root / "notebooks").glob("*.ipynb") if not p.name.startswith("."))


def scenario_names(root: Path) -> list[str]:
    """Scenario names: the scenario files in ``notebooks/params/`` (other YAML files there are
    parameter files, not scenarios; ``forecast.scenarios`` decides which is which)."""
    from forecast.scenarios.spec import available_scenarios

    return available_scenarios(root / "notebooks" / "params")


def skipped_scenario_files(root: Path) -> list[str]:
    """One line per YAML file in ``notebooks/params/`` that cannot be read as YAML (skipped)."""
    from forecast.scenarios.spec import unreadable_files

    return [f"skipped {path.name} in {path.parent}: {why}"
            for path, why in unreadable_files(root / "notebooks" / "params")]


def check_scenario(name, names: list[str], source: str) -> str:
    """``name`` when it is one of the scenario ``names`` (names are names, never paths);
    ``source`` (None, or where the name was given) heads the error message."""
    if not isinstance(name, str) or name not in names:
        raise UnknownNameError(name if isinstance(name, str) else repr(name), names,
                               kind="scenario", source=source)
    return name


def catalogue(root: Path) -> list[tuple[str, str, bool]]:
    """``(stem, title, has a scenario parameter)`` of every notebook, for the index pages.

    A notebook that cannot be read is listed under its file name (it fails alone).
    """
    found = []
    for path in notebooks(root):
        try:
            nb = nbp.read_notebook(path)
            found.append((path.stem, title(nb, path.stem),
                          SCENARIO_PARAM in nbp.notebook_parameters(path, nb)))
        except ForecastError:
            found.append((path.stem, path.stem, False))
    return found


def select(paths: list[Path], only: list[str]) -> list[Path]:
    """The notebooks named by ``--only`` (stem, file name or unique prefix such as ``01``)."""
    if not only:
        return paths
    stems = {p.stem: p for p in paths}
    chosen = []
    for name in only:
        name = Path(name).name.removesuffix(".ipynb")
        hits = [stems[name]] if name in stems else [p for s, p in stems.items() if s.startswith(name)]
        if len(hits) != 1:
            if hits:
                raise UsageError(f"--only {name!r} is ambiguous: "
                                 f"{', '.join(p.stem for p in hits)}")
            raise UnknownNameError(name, stems, kind="notebook")
        if hits[0] not in chosen:
            chosen.append(hits[0])
    return chosen


def load_params_file(path: str | Path) -> dict:
    """A ``--params`` YAML file: a mapping of parameter names to values.

    A key that names a notebook (``01_global_compute:``) holds a mapping that
    applies to that notebook only.
    """
    from forecast import _yaml

    path = Path(path)
    try:
        data = _yaml.load_file(path)
    except _yaml.YAMLRefused as err:
        raise UsageError(f"--params {path}: {err}") from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise UsageError(f"--params {path}: expected a mapping of parameter names to values")
    return data


def title(nb: dict, stem: str) -> str:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            text = "".join(cell.get("source", ""))
            match = re.search(r"^#\s+(.+)$", text, re.M)
            if match:
                return match.group(1).strip()
    return stem


def plan(root: Path, *, only=(), params=(), params_file=None, scenario=None,
         all_scenarios=False, langs=("en",)) -> list[Job]:
    """Check every user input and return the jobs of a run (nothing is executed).

    ``langs``: the languages of the pages (:data:`forecast.i18n.LANGUAGES`), one job per
    notebook and language, each language in its own :func:`language_root`.

    Raises UsageError, UnknownNameError or ParameterError naming the bad input.
    """
    from forecast.i18n import check_language

    langs = [check_language(lang, "--lang") for lang in dict.fromkeys(langs)]
    if not langs:
        raise UsageError("--lang: expected at least one language")
    root = Path(root)
    paths = notebooks(root)
    if not paths:
        raise UsageError(f"no notebooks in {root / 'notebooks'}")
    chosen = select(paths, list(only))
    file_values = load_params_file(params_file) if params_file else {}
    cli_values = [nbp.split_assignment(text) for text in params]

    docs, specs, problems = {}, {}, {}
    for p in chosen:  # an unreadable notebook fails alone when the run starts
        try:
            docs[p] = nbp.read_notebook(p)
            specs[p] = nbp.notebook_parameters(p, docs[p])
        except ForecastError as err:
            docs[p], specs[p], problems[p] = {}, {}, str(err)
    stems = {p.stem for p in paths}
    per_notebook = {k: v for k, v in file_values.items() if k in stems}
    for stem, values in per_notebook.items():
        if not isinstance(values, dict):
            raise UsageError(f"--params {params_file}: {stem}: expected a mapping of parameters")
    shared = {k: v for k, v in file_values.items() if k not in stems}

    def check_known(name, source):
        if name in nbp.RESERVED:
            raise ParameterError("is set by the runner (the project's data/ and outputs/)",
                                 name=name, source=source)
        if name == SCENARIO_PARAM and (scenario or all_scenarios):
            raise ParameterError("conflicts with --scenario/--all-scenarios", name=name, source=source)
        if not any(name in s for s in specs.values()):
            valid = sorted({n for s in specs.values() for n in s} - set(nbp.RESERVED))
            raise ParameterError(f"unknown parameter; valid: {', '.join(valid) or '(none)'}",
                                 name=name, source=source)

    for name in shared:
        check_known(name, f"--params {params_file}")
    for name, _ in cli_values:
        check_known(name, "--param")

    names = scenario_names(root)
    if scenario is not None:
        check_scenario(scenario, names, None)
    targets = names if all_scenarios else [scenario] if scenario else [None]
    if all_scenarios and not names:
        raise UsageError(f"--all-scenarios: no scenario files in {root / 'notebooks' / 'params'}")

    jobs = []
    for path in chosen:
        spec = specs[path]
        overrides = {}
        for name, value in shared.items():
            if name in spec:
                overrides[name] = nbp.check_value(spec[name], value, source=f"--params {params_file}")
        for name, value in per_notebook.get(path.stem, {}).items():
            if name not in spec or name in nbp.RESERVED:
                valid = sorted(set(spec) - set(nbp.RESERVED))
                raise ParameterError(f"unknown parameter of {path.stem}; valid: {', '.join(valid)}",
                                     name=name, source=f"--params {params_file}")
            overrides[name] = nbp.check_value(spec[name], value, source=f"--params {params_file}")
        for name, text in cli_values:
            if name in spec:
                overrides[name] = nbp.coerce(spec[name], text, source="--param")
        if overrides.get(SCENARIO_PARAM) is not None:
            given_on_command_line = any(n == SCENARIO_PARAM for n, _ in cli_values)
            check_scenario(overrides[SCENARIO_PARAM], names,
                           "--param" if given_on_command_line else f"--params {params_file}")
        for lang, target in ((lang, target) for lang in langs for target in targets):
            if target is not None and SCENARIO_PARAM not in spec:
                continue
            out = language_root(root, lang)
            run_dir = out if target is None else out / "scenarios" / target
            inject = dict(overrides)
            for name, value in (("data_dir", root / "data"), ("output_dir", run_dir)):
                if name in spec:
                    inject[name] = str(value)
            if target is not None:
                inject[SCENARIO_PARAM] = nbp.check_value(spec[SCENARIO_PARAM], target,
                                                         source="--scenario")
            effective = {n: p.default for n, p in spec.items() if p.literal}
            effective.update(inject)
            declared = docs[path].get("metadata", {}).get("compute_forecast", {}).get("inputs", [])
            jobs.append(Job(path.stem, path, run_dir, target, inject, effective,
                            title(docs[path], path.stem), _inputs(declared),
                            problems.get(path, ""), lang))
    if not jobs:
        raise UsageError(f"no selected notebook declares a {SCENARIO_PARAM!r} parameter")
    return jobs


def _inputs(declared) -> list[str]:
    """Declared extra inputs: names of files under ``data/`` (anything else is ignored)."""
    if not isinstance(declared, list):
        return []
    return [d for d in declared if isinstance(d, str) and ".." not in Path(d).parts
            and not Path(d).is_absolute()]


def single_job(root: Path, path: Path, values: dict, run_dir: Path) -> Job:
    """One notebook with ``values`` (checked like ``--params``) into ``run_dir``."""
    nb = nbp.read_notebook(path)
    spec = nbp.notebook_parameters(path, nb)
    source = f"run_notebook({path.name})"
    overrides = {}
    for name, value in values.items():
        if name in nbp.RESERVED:
            raise ParameterError("is set by the runner (the output_dir argument and the "
                                 "project's data/)", name=name, source=source)
        if name not in spec:
            valid = sorted(set(spec) - set(nbp.RESERVED))
            raise ParameterError(f"unknown parameter; valid: {', '.join(valid) or '(none)'}",
                                 name=name, source=source)
        overrides[name] = nbp.check_value(spec[name], value, source=source)
    if overrides.get(SCENARIO_PARAM) is not None:
        check_scenario(overrides[SCENARIO_PARAM], scenario_names(root), source)
    inject = dict(overrides)
    for name, value in (("data_dir", root / "data"), ("output_dir", run_dir)):
        if name in spec:
            inject[name] = str(value)
    effective = {n: p.default for n, p in spec.items() if p.literal}
    effective.update(inject)
    declared = nb.get("metadata", {}).get("compute_forecast", {}).get("inputs", [])
    from forecast.i18n import language

    # in the caller's language (a sweep started with COMPUTE_FORECAST_LANG=zh runs in Chinese)
    return Job(path.stem, path, Path(run_dir), None, inject, effective, title(nb, path.stem),
               _inputs(declared), lang=language())
