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
            text += f", got {value!r}"
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
            text += f", got {value!r}"
        super().__init__(text)


class UnknownNameError(ForecastError, LookupError):
    """A name (model, accelerator, dataset, notebook...) is not one of the known names."""

    kind = "name"

    def __init__(self, name: str, valid: Iterable[str], *, kind: str | None = None):
        self.name, self.valid = name, sorted(valid)
        if kind is not None:
            self.kind = kind
        valid_text = ", ".join(self.valid) if self.valid else "(none)"
        super().__init__(f"unknown {self.kind} {name!r}; valid: {valid_text}")

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
    """A notebook raised while it was executed by the runner.

    Attributes: ``notebook`` (path), ``cell`` (execution count or index of the
    failing cell, None when unknown), ``ename`` and ``evalue`` of the exception.
    """

    def __init__(self, notebook, cell=None, ename: str = "", evalue: str = ""):
        self.notebook, self.cell, self.ename, self.evalue = notebook, cell, ename, evalue
        where = f"{notebook}" + (f", cell {cell}" if cell is not None else "")
        super().__init__(f"{where}: {ename}: {evalue}".rstrip(": "))


class UsageError(ForecastError, ValueError):
    """The command line was used wrongly (exit code 2)."""
