"""FLOP/s quantities: SI prefixes, precisions, parsing and formatting.

Units are data.  ``PREFIXES`` lists the SI prefixes a FLOP/s figure may carry
(up to yotta) and ``PRECISIONS`` the numeric formats a figure may be counted
in.  A number of FLOP/s is only meaningful with its precision: an H100 SXM
delivers 67 TFLOP/s at FP32 but 989 TFLOP/s at dense FP16, so FP16, FP32 and
FP64 FLOP/s are treated as different quantities.  :class:`Quantity` refuses to
add or compare figures of different precisions; converting one into another
needs an explicit factor from the caller.

Accepted unit spellings (case-insensitive): ``FLOPS``, ``FLOP/s``, ``FLOPs``
with an optional prefix symbol or name (``EFlops``, ``EFLOP/s``,
``exaflops``); ``OPS``/``OP/s`` for integer formats (INT8 ``TOPS``).  A bare
``FLOP`` (no "/s") is an amount of computation, not a rate, and is refused.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from forecast.errors import UnitError, excerpt

#: SI prefix symbol -> (name, factor)
PREFIXES: dict[str, tuple[str, float]] = {
    "": ("", 1.0),
    "k": ("kilo", 1e3),
    "M": ("mega", 1e6),
    "G": ("giga", 1e9),
    "T": ("tera", 1e12),
    "P": ("peta", 1e15),
    "E": ("exa", 1e18),
    "Z": ("zetta", 1e21),
    "Y": ("yotta", 1e24),
}

#: precision -> description.  "mixed" marks a publisher's sum over precisions
#: (CAICT adds FP32 basic, FP16 intelligent and FP64 supercomputing compute).
PRECISIONS: dict[str, str] = {
    "FP64": "64-bit floating point (double)",
    "FP32": "32-bit floating point (single)",
    "TF32": "TensorFloat-32 tensor-core format",
    "FP16": "16-bit floating point (half); tensor-core peak",
    "BF16": "bfloat16; same tensor-core peak as FP16 on NVIDIA parts",
    "FP8": "8-bit floating point",
    "FP4": "4-bit floating point",
    "INT8": "8-bit integer (operations per second, not FLOP/s)",
    "mixed": "a published sum over several precisions; not a physical quantity",
}

_BY_LETTER = {symbol.lower(): symbol for symbol in PREFIXES if symbol}
_BY_NAME = {name: symbol for symbol, (name, _) in PREFIXES.items() if name}
# ASCII digits only: float() would read Arabic-Indic or full-width digits as a number
_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S.*?)?\s*$",
                       re.ASCII)
_UNIT = re.compile(r"^(?P<prefix>[a-z]*?)(?P<base>flop/s|flops|flop|op/s|ops)$")


def flops_per_unit(unit: str) -> float:
    """FLOP/s in one ``unit``: ``flops_per_unit("EFLOPS") == 1e18``.

    Raises
    ------
    UnitError
        For an unknown prefix or a unit that is not a rate of operations.
    """
    match = _UNIT.match(unit.strip().lower().replace(" ", ""))
    if match is None:
        raise UnitError(f"unknown unit {unit!r}; expected e.g. 'EFLOPS', 'ZFLOP/s', 'TOPS'")
    prefix, base = match["prefix"], match["base"]
    if base == "flop":
        raise UnitError(f"{unit!r} is an amount of computation (FLOP), not a rate (FLOP/s)")
    symbol = _BY_NAME.get(prefix, _BY_LETTER.get(prefix) if len(prefix) <= 1 else None)
    if symbol is None and prefix:
        raise UnitError(f"unknown prefix {prefix!r} in {unit!r}; expected one of "
                        + ", ".join(s for s in PREFIXES if s))
    return PREFIXES[symbol or ""][1]


def to_flops(text: str | float | int) -> float:
    """Parse a FLOP/s figure: ``to_flops("615 EFlops") == 6.15e20``.

    A plain number is taken to be FLOP/s already.  The result must be finite and
    not negative (``"1e400 EFLOPS"`` or ``"-5 EFLOPS"`` raise UnitError).
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        shown = excerpt(text, 60)
        match = _QUANTITY.match(str(text)) if len(str(text)) <= 200 else None
        if match is None:
            raise UnitError(f"cannot read {shown} as a FLOP/s figure; expected e.g. '615 EFLOPS'")
        number, unit = float(match[1]), match[2]
        value = number * (flops_per_unit(unit) if unit else 1.0)
    if not math.isfinite(value) or value < 0:
        raise UnitError(f"a FLOP/s figure must be a finite number >= 0, got {excerpt(text, 60)}")
    return value


def format_flops(value: float, digits: int = 3, *, unit: str | None = None,
                 precision: str | None = None) -> str:
    """Format FLOP/s with the largest prefix that keeps the number >= 1.

    ``format_flops(5.6e22) == "56 ZFLOPS"``; ``digits`` significant digits;
    ``unit`` forces a unit (``unit="EFLOPS"`` gives ``"56000 EFLOPS"``);
    ``precision`` is appended in parentheses.
    """
    if not math.isfinite(value):
        text = f"{value} FLOPS"
    else:
        if unit is not None:
            factor, label = flops_per_unit(unit), unit
        else:
            symbol = next((s for s in reversed(PREFIXES) if abs(value) >= PREFIXES[s][1]), "")
            factor, label = PREFIXES[symbol][1], f"{symbol}FLOPS"
        scaled = value / factor
        text = f"{scaled:.{digits}g}" if abs(scaled) < 10 ** digits else f"{scaled:.0f}"
        text = f"{text} {label}"
    return f"{text} ({precision})" if precision else text


def check_precision(precision: str) -> str:
    """Return ``precision`` if it is known, else raise :class:`UnitError`."""
    if precision not in PRECISIONS:
        raise UnitError(f"unknown precision {precision!r}; expected one of {', '.join(PRECISIONS)}")
    return precision


@dataclass(frozen=True)
class Quantity:
    """A FLOP/s figure at one precision.

    Arithmetic between quantities needs equal precisions; scaling by a plain
    number is allowed.  ``convert`` changes precision with a factor the caller
    states (e.g. an FP16-to-FP32 ratio of a given chip).

    >>> Quantity(1e18, "FP16") + Quantity(2e18, "FP16")
    Quantity(flops=3e+18, precision='FP16')
    """

    flops: float
    precision: str

    def __post_init__(self):
        check_precision(self.precision)
        object.__setattr__(self, "flops", float(self.flops))

    @classmethod
    def parse(cls, text: str, precision: str) -> "Quantity":
        """``Quantity.parse("615 EFLOPS", "mixed")``."""
        return cls(to_flops(text), precision)

    def _same(self, other, verb: str) -> "Quantity":
        if not isinstance(other, Quantity):
            raise UnitError(f"cannot {verb} a {self.precision} FLOP/s quantity and {other!r}; "
                            "wrap plain numbers in Quantity(value, precision)")
        if other.precision != self.precision:
            raise UnitError(f"cannot {verb} {self.precision} and {other.precision} FLOP/s: "
                            "they are different quantities; convert one explicitly with "
                            ".convert(precision, factor)")
        return other

    def __add__(self, other):
        if other == 0 and not isinstance(other, Quantity):  # lets sum() start from 0
            return self
        return Quantity(self.flops + self._same(other, "add").flops, self.precision)

    __radd__ = __add__

    def __sub__(self, other):
        return Quantity(self.flops - self._same(other, "subtract").flops, self.precision)

    def __mul__(self, factor: float):
        if isinstance(factor, Quantity):
            raise UnitError("cannot multiply two FLOP/s quantities")
        return Quantity(self.flops * factor, self.precision)

    __rmul__ = __mul__

    def __truediv__(self, other):
        if isinstance(other, Quantity):
            return self.flops / self._same(other, "divide").flops  # a plain ratio
        return Quantity(self.flops / other, self.precision)

    def __lt__(self, other):
        return self.flops < self._same(other, "compare").flops

    def __le__(self, other):
        return self.flops <= self._same(other, "compare").flops

    def __gt__(self, other):
        return self.flops > self._same(other, "compare").flops

    def __ge__(self, other):
        return self.flops >= self._same(other, "compare").flops

    def convert(self, precision: str, factor: float) -> "Quantity":
        """The same hardware counted at ``precision``: ``flops * factor``, stated by the caller."""
        if not (factor > 0 and math.isfinite(factor)):
            raise UnitError(f"conversion factor must be a positive number, got {factor!r}")
        return Quantity(self.flops * factor, check_precision(precision))

    def __str__(self) -> str:
        return format_flops(self.flops, precision=self.precision)
