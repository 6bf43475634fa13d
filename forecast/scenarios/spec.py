"""The scenario file format: reading, validating and naming scenario files (no numpy or pandas).

A scenario file is ``notebooks/params/<name>.yaml`` whose top-level ``format`` is
:data:`FORMAT`; the format is documented at the top of each shipped file and in
the README.  This module reads such files into a frozen :class:`Scenario`
(components, growth ranges, horizon), with every mistake reported as a
ParameterError naming the file and the key path, and lists the scenarios of a
folder.  It stays light because the runner asks it for the scenario names on
every run, cached or not; :mod:`forecast.scenarios` (the Monte Carlo)
re-exports its public names.

**Names are names.**  A scenario is named by a ``str`` (``"bear"``), which must
be the stem of a scenario file in the scenario folder (``notebooks/params/``,
or ``directory=``): letters, digits, ``_`` and ``-``, never a path, so a name
typed on the command line or set as a notebook parameter cannot reach a file
outside that folder.  A program that has a file elsewhere passes a
:class:`pathlib.Path` explicitly.

**Bounded reading.**  Files are read with :mod:`forecast._yaml`: no aliases, no
key given twice, limited size and nesting.  A file that cannot be read is
reported by name (:func:`unreadable_files`) and skipped by everything that does
not need it.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

from forecast import _yaml
from forecast.errors import DataError, ParameterError, UnknownNameError

#: First line every scenario file must carry; lets ``available_scenarios`` tell
#: scenario files from other parameter files in the same folder.
FORMAT = "compute-forecast-scenario/1"


def params_dir(path: str | os.PathLike | None = None) -> Path:
    """The folder holding scenario files: ``path``, else ``<project root>/notebooks/params``.

    The project root is found from the cwd (:func:`forecast.paths.project_root`);
    outside a project, the checkout the package was installed from (editable
    install) is used when it has that folder.
    """
    if path is not None:
        return Path(path)
    from forecast.paths import project_root

    try:
        return project_root() / "notebooks" / "params"
    except DataError:
        fallback = Path(__file__).resolve().parents[2] / "notebooks" / "params"
        if fallback.is_dir():
            return fallback
        raise


def available_scenarios(directory: str | os.PathLike | None = None) -> list[str]:
    """Names (file stems) of the scenario files in ``directory``, sorted.

    A ``.yaml`` file counts when its top-level ``format`` is :data:`FORMAT`;
    other parameter files in the folder are ignored.
    """
    return [path.stem for path, doc in _read_all(params_dir(directory))
            if isinstance(doc, dict) and doc.get("format") == FORMAT]


def unreadable_files(directory: str | os.PathLike | None = None) -> list[tuple[Path, str]]:
    """``(path, why)`` of the ``.yaml`` files in ``directory`` that cannot be read as YAML.

    They are not offered as scenarios; the runner reports them by name and runs
    the rest.
    """
    return [(path, why) for path, why in _read_all(params_dir(directory)) if isinstance(why, _Bad)]


class _Bad(str):
    """Why a file could not be read (a str, so it can be shown as is)."""


def _read_all(folder: Path) -> list[tuple[Path, object]]:
    found = []
    try:
        paths = sorted(Path(folder).glob("*.yaml"))
    except OSError:
        return []
    for path in paths:
        if not NAME.fullmatch(path.stem):  # a name with accents, spaces or bidi controls
            found.append((path, _Bad(f"{ascii(path.stem)} is not a scenario name (ASCII "
                                     f"letters, digits, '_' and '-', at most 64)")))
            continue
        try:
            found.append((path, _yaml.load_file(path)))
        except _yaml.YAMLRefused as err:
            found.append((path, _Bad(str(err))))
    return found


#: z-score of the 95th percentile of a standard normal (the edge of a central 90% interval):
#: ``scipy.stats.norm.ppf(0.95)``.
Z90 = 1.6448536269514722

_TOP_KEYS = {"format": str, "name": str, "label": str, "description": str,
             "end_year": int, "correlation": float, "components": dict}
_COMPONENT_KEYS = {"label": str, "precision": str, "base": dict, "growth": dict,
                   "cap": str, "sum_of": list}
_BASE_KEYS = {"dataset": str, "where": dict, "year": int}
_GROWTH_KEYS = {"low": float, "high": float, "per": str, "fit": str}
#: Models whose fitted growth rate (and its variance from ``FitResult.cov``) can stand in
#: for a stated range: both estimate ``ln(1 + growth)`` with a normal standard error.
FIT_MODELS = ("cagr", "exponential")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TYPE_WORDS = {str: "a string", int: "an integer", float: "a number", dict: "a mapping",
               list: "a list"}


#: what a scenario name looks like (a file stem, never a path; ASCII only, so no
#: right-to-left override or look-alike letter can disguise it)
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
#: largest yearly growth rate a scenario may state (100 = x101 a year): larger ones overflow
#: the Monte Carlo's projections to infinity
MAX_GROWTH = 100.0


# --------------------------------------------------------------------------- specification


@dataclass(frozen=True)
class Growth:
    """A yearly growth assumption: a 90% range ``[low, high]`` of the growth rate.

    ``low`` and ``high`` are fractions per year (0.44 = +44%/yr), the 5th and
    95th percentiles of a lognormal growth factor ``1 + g``.  ``per`` is
    ``"path"`` (one draw per path) or ``"year"`` (a new draw every year).
    ``fit`` names the model (``cagr`` or ``exponential``) whose fit to the base
    rows gave ``low``/``high`` (see :func:`resolve`); None for a stated range.
    """

    low: float
    high: float
    per: str = "path"
    fit: str | None = None

    @property
    def rate(self) -> float:
        """Median growth rate: the geometric midpoint of ``1 + low`` and ``1 + high``, minus 1.

        Exactly ``low`` when ``low == high``, so a zero-spread scenario reproduces
        :func:`forecast.growth.project` at that rate bit for bit.
        """
        if self.low == self.high:
            return self.low
        return math.expm1((math.log1p(self.low) + math.log1p(self.high)) / 2)

    @property
    def sigma(self) -> float:
        """Standard deviation of ``ln(1 + g)``: ``(ln(1 + high) - ln(1 + low)) / (2 * 1.645)``."""
        return (math.log1p(self.high) - math.log1p(self.low)) / (2 * Z90)


@dataclass(frozen=True)
class BaseSource:
    """Where a component's starting value comes from: ``dataset`` rows matching ``where``.

    ``year`` is the base year (default: the last year of the selected series).
    """

    dataset: str
    where: MappingProxyType
    year: int | None = None


@dataclass(frozen=True)
class Component:
    """One projected series: either ``base`` + ``growth`` (+ ``cap``), or ``sum_of`` others.

    ``cap`` is a ceiling in FLOP/s applied to every path (None: no cap).
    """

    name: str
    precision: str
    label: str = ""
    base: BaseSource | None = None
    growth: Growth | None = None
    cap: float | None = None
    sum_of: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scenario:
    """A validated scenario file: components, horizon and correlation of growth draws.

    ``source`` is the file it was read from (shown in every error message);
    ``correlation`` (0..1) is the share of variance of the standard-normal growth
    draws that all components drawn the same way (per path, or per year) share.
    """

    name: str
    components: MappingProxyType
    end_year: int
    label: str = ""
    description: str = ""
    correlation: float = 0.0
    source: str = "<memory>"

    def with_growth(self, component: str, low: float, high: float) -> "Scenario":
        """A copy with ``component``'s growth range replaced (the draw mode is kept)."""
        comp = self._get(component)
        if comp.growth is None:
            raise ParameterError("has no growth assumption (it is a sum of components)",
                                 name=f"components.{component}.growth", source=self.source)
        for bound, value in (("low", low), ("high", high)):
            _check_growth(f"components.{component}.growth.{bound}", value, self.source)
        if float(low) > float(high):
            raise ParameterError("low is above high", name=f"components.{component}.growth",
                                 source=self.source, expected="low <= high", value=(low, high))
        new = replace(comp, growth=replace(comp.growth, low=float(low), high=float(high)))
        return replace(self, components=MappingProxyType({**self.components, component: new}))

    def with_cap(self, component: str, cap: float | None) -> "Scenario":
        """A copy with ``component``'s cap replaced (None removes it)."""
        new = replace(self._get(component), cap=cap)
        return replace(self, components=MappingProxyType({**self.components, component: new}))

    def _get(self, component: str) -> Component:
        if component not in self.components:
            raise UnknownNameError(component, self.components, kind="component")
        return self.components[component]


# --------------------------------------------------------------------------- files


def _check_growth(key: str, value, source) -> None:
    """ParameterError unless ``value`` is a growth rate in (-1, :data:`MAX_GROWTH`]."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (ok and -1 < value <= MAX_GROWTH):
        raise ParameterError("out of range", name=key, source=source,
                             expected=f"a growth rate above -1 and at most {MAX_GROWTH:g} (a "
                             f"fraction per year: 0.44 = +44%)", value=value)


def _display(path: Path) -> str:
    """``path`` relative to its project root when it has one, else as given."""
    from forecast.paths import project_root

    try:
        root = project_root(path.parent)
        return path.resolve().relative_to(root).as_posix()
    except (DataError, ValueError, OSError):
        return str(path)


def check_name(name, directory=None) -> str:
    """``name`` when it looks like a scenario name (a file stem, never a path), else an error.

    Raises UnknownNameError listing the scenarios of ``directory`` (shown short).
    """
    if isinstance(name, str) and NAME.fullmatch(name):
        return name
    shown = (name if name.isascii() and name.isprintable() else ascii(name)) \
        if isinstance(name, str) else repr(name)
    raise UnknownNameError(shown[:60] + ("..." if len(shown) > 60 else ""),
                           available_scenarios(directory), kind="scenario")


def _find(name_or_path: str | os.PathLike, directory) -> Path:
    if isinstance(name_or_path, os.PathLike):  # an explicit file, from a program
        path = Path(name_or_path)
        if not path.is_file():
            raise ParameterError("scenario file not found", name="scenario", source=path,
                                 expected="an existing YAML file")
        return path
    folder = params_dir(directory)
    text = check_name(name_or_path, folder)
    path = folder / f"{text}.yaml"
    if not path.is_file():
        names = available_scenarios(folder)
        if not names:
            raise ParameterError("no scenario files in this folder", name="scenario",
                                 source=folder, expected=f"{text}.yaml with format: {FORMAT}")
        raise UnknownNameError(text, names, kind="scenario")
    return path


def load_scenario(name_or_path: str | os.PathLike, *, directory=None) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    name_or_path : a scenario name (``"bear"``: the file ``<directory>/bear.yaml``),
        or a :class:`pathlib.Path` to a YAML file.  A ``str`` is always a name.
    directory : folder of named scenarios (default :func:`params_dir`).

    Raises
    ------
    UnknownNameError
        No file for that name, or a name that is not a name (``"../x"``); the
        message lists the available scenarios.
    ParameterError
        The file is not valid: the message names the file and the key path
        (``components.intelligent.growth.low``), what was expected and what was found.
    """
    path = _find(name_or_path, directory)
    source = _display(path)
    try:
        doc = _yaml.load_file(path)
    except _yaml.YAMLRefused as err:
        where = f" (line {err.line})" if err.line else ""
        problem = err.problem.removeprefix("not valid YAML ").strip("()")
        raise ParameterError(f"not valid YAML{where}: {problem}", source=source) from None
    return parse_scenario(doc, source=source, name=path.stem)


def parse_scenario(doc, *, source: str = "<memory>", name: str | None = None) -> Scenario:
    """Validate a parsed YAML document (a dict) and build a :class:`Scenario`.

    ``name`` is the file stem; a ``name:`` key in the document must match it.
    """
    def fail(key, message, expected=None, value=None):
        raise ParameterError(message, name=key or None, source=source, expected=expected,
                             value=value)

    def check(mapping, allowed, prefix, required=()):
        if not isinstance(mapping, dict):
            fail(prefix, "must be a mapping", "key: value pairs", mapping)
        for key, value in mapping.items():
            where = f"{prefix}.{key}" if prefix else str(key)
            if key not in allowed:
                fail(where, "unknown key", "one of " + ", ".join(sorted(allowed)))
            want = allowed[key]
            ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
                  if want is float else
                  isinstance(value, int) and not isinstance(value, bool) if want is int else
                  isinstance(value, want))
            if value is None and key == "cap":
                ok = True  # an explicit "no cap"
            if not ok:
                fail(where, "wrong type", _TYPE_WORDS[want], value)
        for key in required:
            if key not in mapping:
                fail(f"{prefix}.{key}" if prefix else key, "is missing")

    if not isinstance(doc, dict):
        fail("", "a scenario file must be a YAML mapping", "key: value pairs at the top level", doc)
    for given in (name, doc.get("name")):  # before anything else: a name becomes a folder
        if given is not None and not (isinstance(given, str) and NAME.fullmatch(given)):
            fail("name", "not a scenario name", "ASCII letters, digits, '_' and '-' (at most "
                 "64), the file name without .yaml", ascii(given) if isinstance(given, str)
                 else given)
    check(doc, _TOP_KEYS, "", required=("format", "components", "end_year"))
    if doc["format"] != FORMAT:
        fail("format", "unsupported scenario format", repr(FORMAT), doc["format"])
    if name is not None and doc.get("name", name) != name:
        fail("name", "does not match the file name", repr(name), doc["name"])
    scenario_name = doc.get("name", name or "unnamed")
    end_year = doc["end_year"]
    if not 1990 <= end_year <= 2100:
        fail("end_year", "out of range", "a year between 1990 and 2100", end_year)
    correlation = float(doc.get("correlation", 0.0))
    if not 0.0 <= correlation <= 1.0:
        fail("correlation", "out of range", "a number between 0 and 1", correlation)
    raw = doc["components"]
    if not raw:
        fail("components", "is empty", "at least one component")

    from forecast.units import PRECISIONS, to_flops
    from forecast.errors import UnitError

    components = {}
    for comp_name, spec in raw.items():
        key = f"components.{comp_name}"
        if not isinstance(comp_name, str) or not _NAME.match(comp_name):
            fail(key, "bad component name", "lower-case letters, digits and _", comp_name)
        check(spec, _COMPONENT_KEYS, key, required=("precision",))
        precision = spec["precision"]
        if precision not in PRECISIONS:
            fail(f"{key}.precision", "unknown precision", "one of " + ", ".join(PRECISIONS),
                 precision)
        if "sum_of" in spec:
            extra = sorted(set(spec) & {"base", "growth", "cap"})
            if extra:
                fail(f"{key}.{extra[0]}", "a sum_of component takes no base, growth or cap")
            members = spec["sum_of"]
            if len(members) < 2 or not all(isinstance(m, str) for m in members):
                fail(f"{key}.sum_of", "wrong value", "a list of at least two component names",
                     members)
            components[comp_name] = Component(comp_name, precision, spec.get("label", ""),
                                              sum_of=tuple(members))
            continue
        check(spec, _COMPONENT_KEYS, key, required=("base", "growth"))
        base = spec["base"]
        check(base, _BASE_KEYS, f"{key}.base", required=("dataset", "where"))
        for col, val in base["where"].items():
            values = val if isinstance(val, list) else [val]
            if not values or any(not isinstance(v, (str, int)) or isinstance(v, bool)
                                 for v in values):
                fail(f"{key}.base.where.{col}", "wrong type",
                     "a string, an integer or a list of them", val)
        growth = spec["growth"]
        if "fit" in growth:
            check(growth, _GROWTH_KEYS, f"{key}.growth")
            if {"low", "high"} & set(growth):
                fail(f"{key}.growth.fit", "give either fit or low/high, not both")
            if growth["fit"] not in FIT_MODELS:
                fail(f"{key}.growth.fit", "unsupported model", "one of " + ", ".join(FIT_MODELS),
                     growth["fit"])
            low = high = math.nan  # filled from the fit by resolve()
        else:
            check(growth, _GROWTH_KEYS, f"{key}.growth", required=("low", "high"))
            low, high = float(growth["low"]), float(growth["high"])
        for bound, value in (("low", low), ("high", high)):
            if "fit" not in growth:
                _check_growth(f"{key}.growth.{bound}", value, source)
        if low > high:
            fail(f"{key}.growth", "low is above high", "low <= high", (low, high))
        per = growth.get("per", "path")
        if per not in ("path", "year"):
            fail(f"{key}.growth.per", "unknown draw mode", "'path' or 'year'", per)
        cap = spec.get("cap")
        if cap is not None:
            try:
                cap = to_flops(cap)
            except UnitError as err:
                fail(f"{key}.cap", str(err), "a FLOP/s figure such as '100 ZFLOPS'", cap)
            if not cap > 0:
                fail(f"{key}.cap", "must be positive", "a FLOP/s figure such as '100 ZFLOPS'",
                     spec["cap"])
        components[comp_name] = Component(
            comp_name, precision, spec.get("label", ""),
            base=BaseSource(base["dataset"], MappingProxyType(
                {c: tuple(v) if isinstance(v, list) else v for c, v in base["where"].items()}),
                base.get("year")),
            growth=Growth(low, high, per, growth.get("fit")), cap=cap)

    for comp in components.values():
        for member in comp.sum_of:
            key = f"components.{comp.name}.sum_of"
            if member not in components or components[member].sum_of:
                fail(key, f"{member!r} is not a projected component",
                     "names of components with base and growth: "
                     + ", ".join(c for c in components if not components[c].sum_of), member)
        precisions = {components[m].precision for m in comp.sum_of}
        if comp.sum_of and len(precisions) > 1 and comp.precision != "mixed":
            fail(f"components.{comp.name}.precision", "sums different precisions",
                 "'mixed' (the sum of " + ", ".join(sorted(precisions)) + " is not a physical"
                 " quantity, so it must be labelled mixed)", comp.precision)
        if comp.sum_of and len(precisions) == 1 and comp.precision not in precisions:
            fail(f"components.{comp.name}.precision", "differs from its members'",
                 repr(precisions.pop()), comp.precision)

    return Scenario(scenario_name, MappingProxyType(components), end_year,
                    label=doc.get("label", ""), description=doc.get("description", ""),
                    correlation=correlation, source=source)
