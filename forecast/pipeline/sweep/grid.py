"""Sweep grid files: which parameter values a sweep runs, checked before anything runs.

A grid file is a small YAML mapping (examples in ``notebooks/sweeps/``).  The short form
lists values of the notebook's parameters at the top level; every combination runs::

    seed: [1, 2, 3]
    n_paths: [500, 2000]

The long form separates the file's own keys from the notebook's parameters, so that a
parameter may have any name (notebook 03 has a ``seed`` parameter; the seed of the draws is
``sampling: {seed: ...}``)::

    notebook: 03_scenarios          # optional: the notebook this grid is written for
    grid:                           # full grid: every combination of these values
      seed: [1, 2, 3]
      scenario: [bear, base, bull]
    ranges:                         # sampled: `samples` points drawn in these ranges
      n_paths: {low: 500, high: 5000}             # int parameter: whole numbers, ends included
      threshold_year: [2028, 2032]                # [low, high] is the same as {low:, high:}
    sampling:                       # how the ranges are drawn (required with ranges)
      samples: 8                    # points drawn in the ranges
      method: latin                 # latin (Latin hypercube, the default) | random
      seed: 42                      # seed of the draws: the same seed gives the same points
    fixed:                          # one value at every point
      end_year: 2035
    max_points: 500                 # optional: allow a sweep larger than the default limit

Parameters only ever appear under ``grid:``, ``ranges:`` and ``fixed:`` or, in the short
form, at the top level beside them; the file's own keys (:data:`FILE_KEYS`) are never
parameters, so a notebook parameter named like one of them goes under ``grid:``.  A
top-level parameter is a list of values (one value for every point goes under
``fixed:``); the old top-level ``samples``/``method``/``seed`` of the draws are refused
with a line saying they go under ``sampling:``.

Every combination of ``grid`` is paired with each of the ``samples`` draws, so a
file with both has ``product(len(list)) * samples`` points.  Float ranges take
``scale: log`` for log-uniform draws (``low`` > 0); a drawn float is rounded to
6 significant digits so that sweep tables stay readable.  Draws use Python's
``random.Random(seed).random()``, whose sequence Python guarantees not to change
across versions, so a grid file gives the same points on any machine.

**Validation.**  Each value is checked by the runner's own parameter checks
(:func:`forecast.pipeline.params.check_value`): an unknown name lists the valid
ones, a wrong type names the expected type and the default.  An empty list, a
value given twice in a list, a parameter in two sections, a range of a
non-numeric parameter, and more points than the limit (:data:`DEFAULT_MAX_POINTS`
unless ``max_points``/``--max-points`` allow more, never above
:data:`HARD_MAX_POINTS`) are errors.  Each error is one line naming the file,
the line, the parameter and what was expected.

**Bounded parsing.**  Grid files are read by the project's bounded YAML reader
(:mod:`forecast._yaml`): large files, YAML aliases (the "billion laughs"
expansion), deep nesting and keys given twice are refused before any value is
built.

Points get a stable id from their parameter values (:func:`point_id`), so a
point keeps its folder, and its cache, when the grid around it changes.
Nothing heavy is imported here (no pandas, no numpy).
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
from dataclasses import dataclass
from pathlib import Path

from forecast.pipeline import params as nbp
from forecast.errors import ForecastError, ParameterError, excerpt

#: points allowed without ``max_points`` / ``--max-points``
DEFAULT_MAX_POINTS = 500
#: points never allowed, whatever ``max_points`` says
HARD_MAX_POINTS = 100_000
#: values allowed in one ``grid`` list
MAX_LIST = 10_000

METHODS = ("latin", "random")
SCALES = ("linear", "log")
#: the grid file's own keys; any other top-level key is a notebook parameter (short form)
FILE_KEYS = ("notebook", "grid", "ranges", "sampling", "fixed", "max_points")
#: the keys of ``sampling:``
SAMPLING_KEYS = ("samples", "method", "seed")


@dataclass(frozen=True)
class Point:
    """One point of a sweep: ``values`` maps parameter names to checked values
    (in grid-file order); ``index`` is its position in the sweep (0-based)."""

    index: int
    id: str
    values: dict


@dataclass(frozen=True)
class Grid:
    """A checked grid file: its points in a fixed order and what varies.

    ``swept`` names the parameters of ``grid`` and ``ranges`` (in file order),
    ``fixed`` those of ``fixed``; ``sampled`` the ones drawn from ranges.
    ``duplicates`` counts draws that repeated an earlier point (dropped).
    """

    source: str
    notebook: str | None
    points: tuple
    swept: tuple
    fixed: tuple
    sampled: tuple
    method: str | None
    duplicates: int = 0

    @property
    def parameters(self) -> tuple:
        return (*self.swept, *self.fixed)


# -- reading the file -----------------------------------------------------------------------

class _Where:
    """Line numbers of a parsed YAML document by key path (1-based), for error messages."""

    def __init__(self, source: str, lines: dict | None = None):
        self.source, self.lines = source, lines or {}

    def __call__(self, *path) -> str:
        for cut in range(len(path), 0, -1):
            line = self.lines.get(tuple(path[:cut]))
            if line is not None:
                return f"{self.source}, line {line}"
        return self.source


def _lines(node, path=(), out=None) -> dict:
    """Key path -> 1-based line of every mapping key and sequence item under ``node``."""
    import yaml

    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = path + (key_node.value,)
            out[key] = key_node.start_mark.line + 1
            _lines(value_node, key, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[path + (i,)] = item.start_mark.line + 1
            _lines(item, path + (i,), out)
    return out


def read_grid_file(path: str | Path) -> tuple[object, _Where]:
    """The document of a grid file and a line finder; ParameterError for a file refused.

    The file goes through the project's bounded YAML reader (:mod:`forecast._yaml`: size,
    depth, aliases and duplicate keys); once accepted, its node tree gives the lines.
    """
    import yaml

    from forecast import _yaml

    path = Path(path)
    source = str(path)
    try:
        doc = _yaml.load_file(path)
    except _yaml.YAMLRefused as err:
        where = f"{source}, line {err.line}" if err.line else source
        raise ParameterError(err.problem, source=where,
                             expected=None if err.line else "a readable YAML grid file") from None
    try:  # accepted above, so composing again is bounded
        lines = _lines(yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader))
    except (OSError, yaml.YAMLError):
        lines = {}
    return doc, _Where(source, lines)


# -- checking and expanding -----------------------------------------------------------------

def _canonical(value):
    """A hashable, order-independent form of a parameter value (dict items sorted)."""
    if isinstance(value, dict):
        return ("dict", tuple(sorted(((repr(k), _canonical(v)) for k, v in value.items()))))
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, tuple(_canonical(v) for v in value))
    return (type(value).__name__, repr(value))


def point_id(values: dict) -> str:
    """A stable 12-hex-digit id of a point's parameter values (order of names irrelevant).

    >>> point_id({"seed": 1, "n_paths": 500}) == point_id({"n_paths": 500, "seed": 1})
    True
    >>> point_id({"seed": 1}) == point_id({"seed": 1.0})
    False
    """
    text = repr(sorted((name, _canonical(v)) for name, v in values.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _whole(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _draws(n: int, dims: int, method: str, seed: int) -> list[list[float]]:
    """``n`` points in [0, 1)^dims: a Latin hypercube (one point in each of the n equal
    strata of every dimension) or independent uniform draws."""
    rng = random.Random(seed)
    if method == "random":
        return [[rng.random() for _ in range(dims)] for _ in range(n)]
    columns = []
    for _ in range(dims):
        order = list(range(n))
        for i in range(n - 1, 0, -1):  # Fisher-Yates with random() only (stable across versions)
            j = int(rng.random() * (i + 1))
            order[i], order[j] = order[j], order[i]
        columns.append([(order[i] + rng.random()) / n for i in range(n)])
    return [[columns[d][i] for d in range(dims)] for i in range(n)]


def _scale(u: float, spec: dict):
    low, high = spec["low"], spec["high"]
    if spec["int"]:
        return min(high, low + int(u * (high - low + 1)))
    if spec["scale"] == "log":
        x = math.exp(math.log(low) + u * (math.log(high) - math.log(low)))
    else:
        x = low + u * (high - low)
    return min(high, max(low, float(f"{x:.6g}")))


def parse_grid(doc, params: dict, *, notebook: str, where=None,
               max_points: int | None = None, validate=None) -> Grid:
    """Check a grid document against a notebook's parameters and list its points.

    Parameters
    ----------
    doc : the grid mapping (from a file, or a dict given in Python).
    params : the notebook's parameters, ``{name: forecast.pipeline.params.Parameter}``.
    notebook : the notebook's stem (checked against the file's ``notebook:`` key).
    where : line finder of :func:`read_grid_file` (None: errors name ``grid``).
    max_points : the caller's limit (``--max-points``), overriding the file's ``max_points``.
    validate : optional ``validate(name, value)`` raising a ForecastError for a value the
        runner would refuse beyond its type (an unknown scenario name).

    Raises
    ------
    ParameterError
        One line naming the file, line, parameter and what was expected.
    """
    where = where or _Where("grid")

    def fail(message, *path, name=None, expected=None, value=None):
        raise ParameterError(message, name=name, source=where(*path), expected=expected,
                             value=value)

    if doc is None:
        fail("the grid is empty", expected="a mapping with grid: and/or ranges:")
    if not isinstance(doc, dict):
        fail("a grid must be a mapping",
             expected="parameters with lists of values, or keys " + ", ".join(FILE_KEYS),
             value=doc)
    wanted = doc.get("notebook")
    if wanted is not None and wanted != notebook and not notebook.startswith(str(wanted)):
        fail(f"this grid is written for notebook {wanted!r}, not {notebook!r}", "notebook")

    def section(key) -> dict:
        value = doc.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            fail(f"{key}: must map parameter names to values", key,
                 expected=f"{key}:\\n  name: ...", value=value)
        return value

    grid, ranges, fixed = section("grid"), section("ranges"), section("fixed")
    valid = sorted(n for n in params if n not in nbp.RESERVED)
    short = {key: value for key, value in doc.items() if key not in FILE_KEYS}
    for key, value in short.items():  # the short form: a parameter's values at the top level
        if not isinstance(key, str) or key not in params:
            if key in SAMPLING_KEYS:
                fail(f"{key}: goes under sampling: (sampling: {{samples: 8, method: latin, "
                     f"seed: 42}}); {notebook} has no parameter {key!r}", key)
            fail(f"unknown key {key!r}", key, expected=f"a parameter of {notebook} "
                 f"({', '.join(valid) or 'none'}) with a list of values, or one of "
                 + ", ".join(FILE_KEYS))
        if not isinstance(value, list):
            fail(f"a top-level parameter is short for grid: and needs a list of values: did "
                 f"you mean {key}: [{excerpt(value, 40)}], or to put {key} under fixed:?"
                 + (" (the seed of the draws goes under sampling:)" if key == "seed" else ""),
                 key, name=key)
        if key in grid:
            fail("is in both grid: and the top level (short for grid:)", key, name=key)
    at = {**{name: ("grid", name) for name in grid}, **{name: (name,) for name in short}}
    grid = {**grid, **short}
    sampling = doc.get("sampling")
    if sampling is None:
        sampling = {}
    elif not isinstance(sampling, dict):
        fail("sampling: must be a mapping", "sampling",
             expected="sampling: {samples: 8, seed: 42}", value=sampling)
    for key in sampling:
        if key not in SAMPLING_KEYS:
            fail(f"unknown key {key!r} in sampling:", "sampling", key,
                 expected="one of " + ", ".join(SAMPLING_KEYS))
    if not grid and not ranges:
        fail("nothing to sweep", expected="a grid: or ranges: section naming parameters, "
             "or parameters with lists of values")
    seen: dict[str, str] = {}

    def known(name, key, path=None) -> nbp.Parameter:
        path = path or (key, name)
        if name in nbp.RESERVED:
            fail("is set by the runner (each point gets its own output folder)", *path,
                 name=name)
        if name not in params:
            fail(f"unknown parameter of {notebook}; valid: {', '.join(valid) or '(none)'}",
                 *path, name=name)
        if name in seen:
            fail(f"is in both {seen[name]}: and {key}:", *path, name=name)
        seen[name] = key
        return params[name]

    def check(param, value, *path):
        value = nbp.check_value(param, value, source=where(*path))
        if validate is not None:
            try:
                validate(param.name, value)
            except ForecastError as err:
                fail(str(err), *path, name=param.name)
        return value

    lists = {}
    for name, values in grid.items():
        param = known(name, "grid", at[name])
        if not isinstance(values, list):
            fail("grid: needs a list of values", *at[name], name=name,
                 expected=f"[{param.default!r}, ...]", value=values)
        if not values:
            fail("empty list: a grid parameter needs at least one value", *at[name],
                 name=name)
        if len(values) > MAX_LIST:
            fail(f"{len(values)} values", *at[name], name=name,
                 expected=f"at most {MAX_LIST} values per parameter")
        checked, ids = [], set()
        for i, value in enumerate(values):
            value = check(param, value, *at[name], i)
            key = _canonical(value)
            if key in ids:
                fail("value given twice", *at[name], i, name=name, value=value)
            ids.add(key)
            checked.append(value)
        lists[name] = checked

    specs = {}
    for name, spec in ranges.items():
        param = known(name, "ranges")
        if isinstance(spec, list) and len(spec) == 2:
            spec = {"low": spec[0], "high": spec[1]}
        if not isinstance(spec, dict):
            fail("a range is {low: L, high: H} or [L, H]", "ranges", name, name=name, value=spec)
        for key in spec:
            if key not in ("low", "high", "scale"):
                fail(f"unknown key {key!r}", "ranges", name, key, name=name,
                     expected="low, high, scale")
        if "low" not in spec or "high" not in spec:
            fail("a range needs low and high", "ranges", name, name=name)
        low, high = spec["low"], spec["high"]
        kind = param.type if param.literal and param.default is not None else None
        if kind not in ("int", "float", None) or not (_is_number(low) and _is_number(high)):
            fail("ranges apply to int or float parameters (use grid: for other values)",
                 "ranges", name, name=name,
                 expected=f"numbers low < high (default {param.default!r})", value=spec)
        as_int = kind == "int" or (kind is None and _whole(low) and _whole(high))
        if kind == "int" and not (_whole(low) and _whole(high)):
            fail("an int parameter needs whole-number bounds", "ranges", name, name=name,
                 expected=f"int like the default {param.default!r}", value=spec)
        scale = spec.get("scale", "linear")
        if scale not in SCALES:
            fail("unknown scale", "ranges", name, "scale", name=name,
                 expected=" | ".join(SCALES), value=scale)
        if as_int and scale != "linear":
            fail("scale: log applies to float parameters", "ranges", name, "scale", name=name)
        if not low < high or not all(math.isfinite(x) for x in (low, high)):
            fail("low must be below high", "ranges", name, name=name,
                 expected="finite numbers low < high", value=spec)
        if scale == "log" and low <= 0:
            fail("scale: log needs low > 0", "ranges", name, name=name, value=spec)
        specs[name] = {"low": low, "high": high, "scale": scale, "int": as_int, "param": param}

    samples = sampling.get("samples")
    method = sampling.get("method", "latin")
    seed = sampling.get("seed")
    if specs:
        if not _whole(samples) or samples < 1:
            fail("samples: needs a whole number >= 1 with ranges:", "sampling", "samples",
                 expected="sampling: {samples: 20, seed: 42}", value=samples)
        if method not in METHODS:
            fail("unknown sampling method", "sampling", "method", expected=" | ".join(METHODS),
                 value=method)
        if not _whole(seed):
            fail("seed: needs a whole number with ranges: (the same seed gives the same points)",
                 "sampling", "seed", expected="sampling: {samples: 20, seed: 42}", value=seed)
    elif "sampling" in doc:
        fail("sampling: applies to ranges:, and there is none", "sampling")

    constants = {name: check(known(name, "fixed"), value, "fixed", name)
                 for name, value in fixed.items()}

    limit = doc.get("max_points")
    if limit is not None and (not _whole(limit) or limit < 1):
        fail("max_points: needs a whole number >= 1", "max_points", value=limit)
    limit = max_points if max_points is not None else limit if limit is not None \
        else DEFAULT_MAX_POINTS
    total = math.prod(len(v) for v in lists.values()) * (samples if specs else 1)
    if total > min(limit, HARD_MAX_POINTS):
        hint = (f"at most {HARD_MAX_POINTS} points" if total > HARD_MAX_POINTS else
                f"at most {limit} points; pass --max-points {total} (or max_points: {total} in "
                "the grid file) to run them all")
        fail(f"the grid has {total} points", "grid" if lists else "samples", expected=hint)

    draws = _draws(samples, len(specs), method, seed) if specs else [[]]
    sampled = [{name: _scale(u, spec) for (name, spec), u in zip(specs.items(), row)}
               for row in draws]
    for row in sampled:  # a drawn value still goes through the runner's type check
        for name, value in row.items():
            row[name] = check(specs[name]["param"], value, "ranges", name)
    points, ids = [], set()
    duplicates = 0
    for combo in itertools.product(*lists.values()):
        for row in sampled:
            values = {**dict(zip(lists, combo)), **row, **constants}
            pid = point_id(values)
            if pid in ids:
                duplicates += 1
                continue
            ids.add(pid)
            points.append(Point(len(points), pid, values))
    return Grid(source=where(), notebook=notebook, points=tuple(points),
                swept=(*lists, *specs), fixed=tuple(constants), sampled=tuple(specs),
                method=method if specs else None, duplicates=duplicates)


def load_grid(grid, params: dict, *, notebook: str, max_points: int | None = None,
              validate=None) -> Grid:
    """A :class:`Grid` from a grid file path or a mapping (see the module docstring)."""
    if isinstance(grid, (str, Path)):
        doc, where = read_grid_file(grid)
    elif isinstance(grid, dict):
        doc, where = grid, _Where("grid")
    else:
        raise ParameterError("a grid is a YAML file or a mapping", source="grid",
                             value=type(grid).__name__)
    return parse_grid(doc, params, notebook=notebook, where=where, max_points=max_points,
                      validate=validate)
