"""The ``parameters`` cell of a notebook, read as data: names, defaults, types, comments.

papermill injects whatever it is given and leaves every value from the command
line a string (papermill #55, #396, #667).  Here the cell tagged ``parameters``
is parsed with :mod:`ast` (never executed), and each value the user supplies is
checked against the default's type before any kernel starts:

>>> spec = parse_parameters_source("end_year = 2030  # last year of the projection")
>>> spec["end_year"].type, spec["end_year"].comment
('int', 'last year of the projection')
>>> coerce(spec["end_year"], "2035", source="--param")
2035

Values from the command line are Python literals (``ast.literal_eval``); the raw
text is kept as a string only when the default is a string (or None).  An int is
accepted where the default is a float; nothing else is converted.
"""

from __future__ import annotations

import ast
import io
import json
import math
import tokenize
from dataclasses import dataclass
from pathlib import Path

from forecast.errors import ParameterError, UsageError

# injected by the runner as absolute paths; a user value would point outputs elsewhere
RESERVED = ("data_dir", "output_dir")
#: longest ``--param`` value text, and most items in a list, tuple or dict value
MAX_TEXT = 10_000
MAX_ITEMS = 1_000

_TYPE_NAMES = {bool: "bool", int: "int", float: "float", str: "str", list: "list",
               tuple: "tuple", dict: "dict", type(None): "None"}


@dataclass(frozen=True)
class Parameter:
    """One assignment of a ``parameters`` cell.

    ``default`` is the literal value (None when ``literal`` is False, i.e. the
    default is an expression that cannot be evaluated without running code);
    ``type`` is the name of the default's type ("int", "float", "str", "bool",
    "list", "tuple", "dict", "None") or "any" for a non-literal default;
    ``comment`` is the text of the ``#`` comment on the assignment's line.
    """

    name: str
    default: object
    type: str
    comment: str
    line: int
    literal: bool = True


def _comments(source: str) -> dict[int, str]:
    """Line number (1-based) -> comment text on that line."""
    found = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                found[tok.start[0]] = tok.string.lstrip("#").strip()
    except (tokenize.TokenError, IndentationError):
        pass  # ast.parse below reports the syntax error with a line number
    return found


def parse_parameters_source(source: str, *, where: str = "parameters cell") -> dict[str, Parameter]:
    """Parse the text of a parameters cell into ``{name: Parameter}`` in source order.

    Raises
    ------
    ParameterError
        When the cell is not valid Python.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise ParameterError(f"line {err.lineno}: {err.msg}", source=where,
                             expected="valid Python assignments") from None
    comments = _comments(source)
    params: dict[str, Parameter] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if not isinstance(target, ast.Name):
            continue
        try:
            default, literal = ast.literal_eval(value), True
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            default, literal = None, False
        type_name = _TYPE_NAMES.get(type(default), type(default).__name__) if literal else "any"
        comment = comments.get(node.end_lineno, comments.get(node.lineno, ""))
        params[target.id] = Parameter(target.id, default, type_name, comment, node.lineno, literal)
    return params


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def parameters_cell(nb: dict) -> dict | None:
    """The first cell tagged ``parameters`` of a notebook dict, or None."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    return None


def read_notebook(path: str | Path) -> dict:
    """The notebook as a plain dict (json, not nbformat: this is on the fast path)."""
    path = Path(path)
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: notebook not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as err:
        raise UsageError(f"{path}: not a valid notebook file ({str(err)[:80]})") from None
    except OSError as err:
        raise UsageError(f"{path}: cannot read ({err.strerror or err})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list) \
            or not all(isinstance(c, dict) for c in nb["cells"]) \
            or not isinstance(nb.get("metadata", {}), dict):
        raise UsageError(f"{path}: not a valid notebook file (expected a JSON object with a "
                         f"list of cells)")
    return nb


def notebook_parameters(path: str | Path, nb: dict | None = None) -> dict[str, Parameter]:
    """The parameters declared by the notebook at ``path`` (empty when it has no such cell)."""
    nb = read_notebook(path) if nb is None else nb
    cell = parameters_cell(nb)
    if cell is None:
        return {}
    return parse_parameters_source(_source(cell), where=f"{Path(path).name}, parameters cell")


def _type_of(value) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def check_value(param: Parameter, value, *, source: str):
    """Return ``value`` converted to the parameter's type, or raise ParameterError.

    Accepted: the default's exact type; an int for a float (converted); a tuple
    for a list and a list for a tuple (converted); anything when the default is
    None or not a literal.  Floats must be finite.  The items of a list or tuple
    must have the type the default's items share (when they share one); lists,
    tuples and dicts hold at most :data:`MAX_ITEMS` items.
    """
    _check_finite(param, value, source)
    if not param.literal or param.default is None:
        return value
    want = type(param.default)
    if want is float and type(value) is int:
        return float(value)
    if want in (list, tuple) and type(value) in (list, tuple):
        return want(_check_items(param, value, source))
    if type(value) is want:
        if want is dict and len(value) > MAX_ITEMS:
            raise ParameterError(f"more than {MAX_ITEMS} items", name=param.name, source=source)
        return value
    raise ParameterError(f"wrong type ({_type_of(value)})", name=param.name, source=source,
                         expected=f"{param.type} like the default {param.default!r}", value=value)


def _check_finite(param: Parameter, value, source: str, depth: int = 0) -> None:
    """Refuse inf and nan anywhere in ``value`` (``1e400`` parses as inf)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ParameterError("not a finite number", name=param.name, source=source,
                             expected="a finite number", value=value)
    if isinstance(value, (list, tuple, dict)) and depth < 20:
        if len(value) > MAX_ITEMS:
            raise ParameterError(f"more than {MAX_ITEMS} items", name=param.name, source=source)
        items = value.values() if isinstance(value, dict) else value
        for item in items:
            _check_finite(param, item, source, depth + 1)


def _check_items(param: Parameter, value, source: str):
    """The items of a list value, checked against the type the default's items share."""
    kinds = {type(item) for item in param.default}
    if len(kinds) != 1:
        return value
    want = kinds.pop()
    items = []
    for i, item in enumerate(value):
        if want is float and type(item) is int:
            item = float(item)
        elif type(item) is not want:
            raise ParameterError(f"item {i} has the wrong type ({_type_of(item)})",
                                 name=param.name, source=source,
                                 expected=f"a list of {_TYPE_NAMES.get(want, want.__name__)} like "
                                          f"the default {param.default!r}", value=item)
        items.append(item)
    return items


def coerce(param: Parameter, text: str, *, source: str):
    """Parse the command-line text ``text`` for ``param`` and check its type."""
    if len(text) > MAX_TEXT:
        raise ParameterError(f"value longer than {MAX_TEXT} characters", name=param.name,
                             source=source)
    try:
        value = ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        if param.literal and param.default is not None and not isinstance(param.default, str):
            raise ParameterError("not a Python literal", name=param.name, source=source,
                                 expected=f"{param.type} like the default {param.default!r}",
                                 value=text) from None
        return text
    if isinstance(param.default, str) and not isinstance(value, str):
        return text  # `--param scope=2030` for a string parameter means the text "2030"
    return check_value(param, value, source=source)


def split_assignment(text: str) -> tuple[str, str]:
    """``"NAME=VALUE"`` -> ``("NAME", "VALUE")``; UsageError when there is no ``=``."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise UsageError(f"--param {text!r}: expected NAME=VALUE, e.g. --param end_year=2035")
    return name, value.strip()


def format_parameters(path: str | Path) -> str:
    """A plain-text table of a notebook's parameters (for ``compute-forecast params``)."""
    params = notebook_parameters(path)
    if not params:
        return f"{Path(path).name}: no cell tagged 'parameters'"
    rows = [("name", "default", "type", "comment")]
    for p in params.values():
        default = repr(p.default) if p.literal else "(expression)"
        note = p.comment + (" [set by the runner]" if p.name in RESERVED else "")
        rows.append((p.name, default, "any" if p.type == "None" else p.type, note))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"{Path(path).name} parameters:"]
    for r in rows:
        lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(r[:3], widths)) + "  " + r[3])
    return "\n".join(line.rstrip() for line in lines)
