"""Every error the library raises, in one place.

Each error inherits both :class:`ForecastError` (so callers can catch the
library's errors as a family) and the builtin it refines (so ``except
ValueError`` keeps working).  Errors carry the facts a user needs to fix the
input (file, line, column, parameter, what was expected) as attributes, and
their message is built from those attributes, so it is tested once per class.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


class ForecastError(Exception):
    """Base class of every error raised on purpose by ``forecast``."""


#: at most this many characters of a bad value are quoted in an error message
EXCERPT = 80


def excerpt(value, limit: int = EXCERPT) -> str:
    """``repr(value)`` cut to ``limit`` characters (``...`` marks the cut).

    A value that cannot even be represented cheaply (a huge nested structure) is
    described by its type.
    """
    if isinstance(value, (list, tuple, dict, set)) and len(value) > limit:
        return f"<{type(value).__name__} of {len(value)} items>"
    try:
        text = repr(value)
    except (RecursionError, ValueError, MemoryError):
        return f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _where(path: str | Path | None, line: int | None, column: str | None) -> str:
    parts = []
    if path is not None:
        parts.append(str(path))
    if line is not None:
        parts.append(f"line {line}")
    if column is not None:
        parts.append(f"column {column!r}")
    return ", ".join(parts)


class DataError(ForecastError, ValueError):
    """Input data is malformed: a file, a row or a series breaks an expectation.

    Attributes: ``path`` (file, or None for in-memory data), ``line`` (1-based
    line in the file, header = line 1), ``column``, ``expected`` (what a valid
    value looks like), ``value`` (what was found).
    """

    def __init__(self, message: str, *, path=None, line=None, column=None,
                 expected=None, value=None):
        self.path, self.line, self.column = path, line, column
        self.expected, self.value, self.reason = expected, value, message
        where = _where(path, line, column)
        text = f"{where}: {message}" if where else message
        if expected is not None:
            text += f"; expected {expected}"
        if value is not None:
            text += f", got {excerpt(value)}"
        super().__init__(text)


class UnitError(ForecastError, TypeError):
    """Quantities of different precisions or unparseable units were combined."""


class ParameterError(ForecastError, ValueError):
    """A parameter (of a model, a notebook or a scenario file) is unknown or invalid.

    Attributes: ``name`` of the parameter, ``source`` (file or command line
    where it came from), ``expected``, ``value``.
    """

    def __init__(self, message: str, *, name=None, source=None, expected=None, value=None):
        self.name, self.source, self.expected, self.value = name, source, expected, value
        self.reason = message
        head = ", ".join(x for x in (str(source) if source else None,
                                      f"parameter {name!r}" if name else None) if x)
        text = f"{head}: {message}" if head else message
        if expected is not None:
            text += f"; expected {expected}"
        if value is not None:
            text += f", got {excerpt(value)}"
        super().__init__(text)


class UnknownNameError(ForecastError, LookupError):
    """A name (model, accelerator, dataset, notebook...) is not one of the known names."""

    kind = "name"

    def __init__(self, name: str, valid: Iterable[str], *, kind: str | None = None,
                 source=None):
        self.name, self.valid, self.source = name, sorted(valid), source
        if kind is not None:
            self.kind = kind
        valid_text = ", ".join(self.valid) if self.valid else "(none)"
        head = f"{source}: " if source else ""
        super().__init__(f"{head}unknown {self.kind} {excerpt(name)}; valid: {valid_text}")

    def __str__(self) -> str:  # LookupError would repr() the message
        return self.args[0]


class UnknownModelError(UnknownNameError):
    """``fit``/``get_model`` was given a model name that is not registered."""

    kind = "model"


class ConvergenceError(ForecastError, RuntimeError):
    """A nonlinear fit did not converge; the message lists what to try."""

    def __init__(self, model: str, detail: str, hints: Iterable[str] = ()):
        self.model, self.detail, self.hints = model, detail, list(hints)
        text = f"{model} fit did not converge: {detail}"
        if self.hints:
            text += ". Try: " + "; ".join(f"{i}. {h}" for i, h in enumerate(self.hints, 1))
        super().__init__(text)


class NotebookExecutionError(ForecastError, RuntimeError):
    """A notebook failed while the runner executed it.

    Attributes: ``notebook`` (path or name), ``cell`` (where a user finds the
    failing cell, e.g. ``"In [4]"``; None when unknown), ``ename`` and
    ``evalue`` of the exception (``TimeoutError``, ``DeadKernelError`` and
    ``RenderError`` for the runner's own verdicts), ``traceback`` (plain text,
    may be empty).  ``message`` is the one-line summary without the notebook.
    """

    def __init__(self, notebook, cell=None, ename: str = "", evalue: str = "", *,
                 traceback: str = ""):
        self.notebook, self.cell, self.ename, self.evalue = notebook, cell, ename, evalue
        self.traceback = traceback
        self.message = f"{ename}: {evalue}".strip(": ") + (f" ({cell})" if cell else "")
        super().__init__(f"{notebook}: {self.message}")


class UsageError(ForecastError, ValueError):
    """The command line was used wrongly (exit code 2)."""
