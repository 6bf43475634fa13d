"""Planning a run: which notebooks, in which output folders, with which parameters.

Everything here is checked before any kernel starts, and nothing heavy is
imported: the notebooks are read as JSON and their ``parameters`` cells with
:mod:`ast` (:mod:`forecast.notebook_params`).  The order in which values are
merged is: the notebook's defaults, then the ``--params`` YAML file (a key
naming a notebook holds values for that notebook only), then ``--param``;
``data_dir``/``output_dir`` are injected as absolute paths, and ``scenario``
for scenario runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from forecast import notebook_params as nbp
from forecast.errors import ParameterError, UnknownNameError, UsageError

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


def notebooks(root: Path) -> list[Path]:
    """The project's notebooks, in name order (checkpoints excluded)."""
    return sorted(p for p in (root / "notebooks").glob("*.ipynb") if not p.name.startswith("."))


def scenario_names(root: Path) -> list[str]:
    """Scenario names: the scenario files in ``notebooks/params/`` (other YAML files there are
    parameter files, not scenarios; ``forecast.scenarios`` decides which is which)."""
    from forecast._scenario_files import available_scenarios

    return available_scenarios(root / "notebooks" / "params")


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
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"--params {path}: file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"--params {path}: cannot read ({err})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise UsageError(f"--params {path}: {where}not valid YAML ({problem})") from None
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
         all_scenarios=False) -> list[Job]:
    """Check every user input and return the jobs of a run (nothing is executed).

    Raises UsageError, UnknownNameError or ParameterError naming the bad input.
    """
    root = Path(root)
    paths = notebooks(root)
    if not paths:
        raise UsageError(f"no notebooks in {root / 'notebooks'}")
    chosen = select(paths, list(only))
    file_values = load_params_file(params_file) if params_file else {}
    cli_values = [nbp.split_assignment(text) for text in params]

    docs = {p: nbp.read_notebook(p) for p in chosen}
    specs = {p: nbp.notebook_parameters(p, docs[p]) for p in chosen}
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
    if scenario and scenario not in names:
        raise UnknownNameError(scenario, names, kind="scenario")
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
        for target in targets:
            if target is not None and SCENARIO_PARAM not in spec:
                continue
            run_dir = root / "outputs" if target is None else root / "outputs" / "scenarios" / target
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
                            title(docs[path], path.stem), list(declared)))
    if not jobs:
        raise UsageError(f"no selected notebook declares a {SCENARIO_PARAM!r} parameter")
    return jobs
