"""What a reader sees: tables, prose and figures formatted for a page, never a DataFrame dump.

Notebooks hand their results to three functions instead of printing frames or
typing numbers into Markdown:

* :func:`table` turns a result frame into a :class:`ReaderTable` (shown as HTML):
  FLOP/s in engineering units (``1.47 ZFLOPS``) with the precision named in the
  header, 3 significant figures, rates as percentages, counts as integers, a
  blank for a missing value, no DataFrame index, clickable links, units in the
  headers, and a wide table scrolls inside its box instead of being clipped.
  The CSV files written with ``forecast.io.save_table`` keep full precision;
  only the page is formatted.
* :func:`prose` renders Markdown whose numbers come from values
  (:class:`Prose`), so a page's text follows its data and parameters.
* :func:`figure` shows a chart as an image with alt text, a caption, and a
  link that downloads the chart's data as CSV (embedded as a ``data:`` URI, so
  the page stays one file).

Every text these functions show is looked up in the catalog of the current language
(:mod:`forecast.i18n`): a :func:`prose` or :func:`text` template before its values are put
in (and values that are texts, such as a scope or a model name, when the catalog has them),
a table's caption, headers and text cells, a figure's caption, alt text and every text
drawn in the chart (titles, axis labels, legends, annotations).  Numbers are formatted the
same way in every language.  In Chinese, charts are drawn with the CJK font of
:mod:`forecast.present.fonts`.

Captions carry an empty number slot (``<span class="cf-num">``) that
:func:`forecast.pipeline.site.pages.render_notebook` fills in page order ("Figure 2.",
"Table 3."), so numbering stays consistent however cells are rerun.

Format specs of :func:`prose` (the mini-language)
--------------------------------------------------
A placeholder is ``{name}`` or ``{name:spec}``; ``name`` is a keyword argument
of :func:`prose` (attribute and index access as in :meth:`str.format`:
``{row.year}``, ``{d[total]}``).  ``spec`` is one of:

=================  ==========================================  ======================
spec               meaning                                     example
=================  ==========================================  ======================
(none)             ``str(value)``                              ``global``
``flops``          FLOP/s with an SI prefix, 3 significant     ``1.4e21`` -> ``1.4 ZFLOPS``
                   figures (trailing zeros dropped)
``flopsN``         the same with N significant figures         ``flops2``
``flops@UNIT``     in a fixed unit (EFLOPS, ZFLOPS, ...)       ``5.6e22`` -> ``56,000 EFLOPS``
``pct``            a fraction as a percentage, 1 decimal       ``0.441`` -> ``44.1%``
``pctN``           N decimals                                  ``pct0``: ``0.44`` -> ``44%``
``pp``             a difference of fractions in points         ``0.05`` -> ``5.0 points``
``sigN``           N significant figures, thousands            ``sig3``: ``12345`` -> ``12,300``
                   separated, never an exponent
``int``            rounded to an integer, thousands separated  ``20000`` -> ``20,000``
``year``           an integer without separators               ``2030.0`` -> ``2030``
``x``              a multiple, 3 significant figures           ``2.5`` -> ``2.5x``
``usd``            US dollars with a scale word, 3 sig. figs   ``3.5e10`` -> ``$35 bn``
``upper``/         the text with its first letter upper-cased  ``global`` -> ``Global``
``title``          (``title``: each word)
anything else      Python's :func:`format` spec                ``.2f``
=================  ==========================================  ======================

A missing value (``None``, NaN, ``pandas.NA``) renders as ``not available``
whatever the spec; a literal brace is written ``{{`` or ``}}``.  A placeholder
whose name is not given, or an unknown spec applied to a number, raises
:class:`~forecast.errors.ParameterError` naming the placeholder.

>>> prose("Global compute reached {total:flops} in {year:year}, up {g:pct} a year.",
...       total=1.397e21, year=2023, g=0.44).text
'Global compute reached 1.4 ZFLOPS in 2023, up 44.0% a year.'
"""

from __future__ import annotations

import base64
import html as _html
import io
import math
import numbers
import re
import string
from dataclasses import dataclass, field

from forecast.errors import ParameterError
from forecast.i18n import gettext as _
from forecast.i18n import language
from forecast.present.html import INLINE_TABLE_STYLE, escape
from forecast.units import PREFIXES, flops_per_unit

__all__ = ["table", "prose", "text", "figure", "ReaderTable", "Prose", "ReaderFigure", "KINDS",
           "column_kind", "format_value", "format_sig", "format_flops_sig", "format_probability",
           "MISSING_TEXT"]

#: what prose shows for a missing value (tables leave the cell blank)
MISSING_TEXT = "not available"

#: column kinds :func:`table` understands -> what a cell shows
KINDS = {
    "flops": "FLOP/s with an SI prefix, 3 significant figures (1.47 ZFLOPS)",
    "rate": "a fraction shown as a percentage, 3 significant figures (44.0%)",
    "probability": "a share of simulated paths: 70.8%, < 0.1%, > 99.9% (never 0% or 100%)",
    "percent": "a number already in percent, 3 significant figures (12.3%)",
    "int": "a count, rounded, thousands separated (20,000)",
    "number": "3 significant figures, never an exponent (0.0123, 12,300)",
    "multiple": "a ratio, 3 significant figures (2.5x)",
    "usd": "US dollars with a scale word (35 bn USD)",
    "year": "a year or other label-like integer (2030)",
    "link": "a URL shown as a clickable link (its host as the text)",
    "bool": "yes / no",
    "text": "shown as it is",
}

#: column names read as growth rates or probabilities (fractions) unless told otherwise
RATE_NAMES = re.compile(r"(^|_)(cagr|growth|rate|probability|prob|share|coverage|level"
                        r"|reported_growth|implied_cagr|stated_cagr)($|_)")
#: column names holding FLOP/s when the frame has no ``unit`` column saying so
FLOPS_NAMES = re.compile(r"(^|_)(flops|flop_s)($|_)")
#: columns that are years or other integer labels
YEAR_NAMES = re.compile(r"(^|_)(year|cutoff|vintage|edition_year|fiscal_year)$")
#: columns counting things
COUNT_NAMES = re.compile(r"(^|_)(n|count|units|paths|n_paths|rank|failed|quarters|points)$")
#: columns that hold a value in the unit named by the ``unit`` column
VALUE_NAMES = ("value", "mean", "median", "lower", "upper", "low", "high", "base", "actual", "cap",
               "forecast", "naive", "target", "value_low", "value_high", "value_base")

# -- values ------------------------------------------------------------------------------

def _missing(value) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return isinstance(value, float) and math.isnan(value) or (
        isinstance(value, numbers.Real) and not isinstance(value, bool)
        and math.isnan(float(value)))


def format_sig(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant figures, thousands separated, never an exponent.

    The ``sigN`` spec of :func:`prose`: ``format_sig(12345.6) == "12,300"``,
    ``format_sig(0.000123456) == "0.000123"``, ``format_sig(99.96, 2) == "100"``.
    Zero is ``"0"``; a non-finite value is ``str(value)``.
    """
    value = float(value)
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    exponent = math.floor(math.log10(abs(value)))
    decimals = digits - 1 - exponent
    rounded = round(value, decimals)
    if rounded != 0 and math.floor(math.log10(abs(rounded))) > exponent:  # 999.6 -> 1000
        decimals -= 1
        rounded = round(value, decimals)
    if decimals <= 0:
        return f"{int(round(rounded)):,}"
    text = f"{rounded:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_probability(p: float) -> str:
    """A Monte Carlo probability (a fraction) for a reader: ``70.8%``, ``< 0.1%``, ``> 99.9%``.

    The ``probability`` column kind, and the one text of a probability on every page (the
    index, the scenario comparison): a share of finitely many simulated paths is never
    shown as 0% or 100%.
    """
    p = float(p)
    if p < 0.001:
        return "< 0.1%"
    if p > 0.999:
        return "> 99.9%"
    return f"{p * 100:.1f}%"


def format_flops_sig(value: float, digits: int = 3, unit: str | None = None) -> str:
    """FLOP/s as a reader sees it: ``digits`` significant figures, the largest SI prefix
    that keeps the number >= 1, or the fixed ``unit`` (``"EFLOPS"``, ``"ZFLOPS"``, ...).

    The ``flopsN`` / ``flops@UNIT`` specs of :func:`prose`: ``format_flops_sig(615e18)
    == "615 EFLOPS"``, ``format_flops_sig(999.7e18) == "1 ZFLOPS"`` (rounding crosses
    the prefix), ``format_flops_sig(5.6e22, unit="EFLOPS") == "56,000 EFLOPS"``.
    Unlike :func:`forecast.units.format_flops` it separates thousands and drops
    trailing zeros; unlike :func:`format_value` it does not turn NaN into
    ``MISSING_TEXT``.
    """
    if unit is not None:
        return f"{format_sig(value / flops_per_unit(unit), digits)} {unit}"
    symbol = next((s for s in reversed(PREFIXES) if abs(value) >= PREFIXES[s][1]), "")
    scaled = value / PREFIXES[symbol][1]
    text = format_sig(scaled, digits)
    if text.replace(",", "") == "1000" and symbol != list(PREFIXES)[-1]:  # 999.7 E -> 1 Z
        symbol = list(PREFIXES)[list(PREFIXES).index(symbol) + 1]
        text = format_sig(value / PREFIXES[symbol][1], digits)
    return f"{text} {symbol}FLOPS"


def _usd(value: float, digits: int = 3) -> str:
    for factor, word in ((1e12, "trn"), (1e9, "bn"), (1e6, "m")):
        if abs(value) >= factor:
            return f"${format_sig(value / factor, digits)} {word}"
    return f"${format_sig(value, digits)}"


_SPEC = re.compile(r"^(?P<kind>flops|pct|pp|sig|int|year|x|usd|upper|title)(?P<digits>\d*)"
                   r"(?:@(?P<unit>[A-Za-z/]+))?$")


def format_value(value, spec: str = "") -> str:
    """One value by a :func:`prose` format spec (see the module docstring)."""
    if _missing(value):
        return _(MISSING_TEXT)
    match = _SPEC.match(spec)
    if not match:
        return format(value, spec)
    kind, digits, unit = match["kind"], match["digits"], match["unit"]
    if kind in ("upper", "title"):
        text = _(str(value))
        return text[:1].upper() + text[1:] if kind == "upper" else text.title()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ParameterError(f"format {spec!r} needs a number", name=spec,
                                 expected="a number", value=value) from None
    value = float(value)
    n = int(digits) if digits else None
    if kind == "flops":
        return format_flops_sig(value, n or 3, unit)
    if kind == "pct":
        return f"{value * 100:.{1 if n is None else n}f}%"
    if kind == "pp":
        return _("{0} points").format(f"{value * 100:.{1 if n is None else n}f}")
    if kind == "sig":
        return format_sig(value, n or 3)
    if kind == "int":
        return f"{round(value):,}"
    if kind == "year":
        return str(int(round(value)))
    if kind == "x":
        return f"{format_sig(value, n or 3)}x"
    return _usd(value, n or 3)  # usd


# -- prose -------------------------------------------------------------------------------

class _Formatter(string.Formatter):
    def get_value(self, key, args, kwargs):
        if isinstance(key, int) or key not in kwargs:
            raise ParameterError("placeholder has no value", name=str(key),
                                 expected="a keyword argument of prose() with that name",
                                 value=None)
        return kwargs[key]

    def format_field(self, value, format_spec):
        if isinstance(value, str) and not format_spec:
            return _(value)  # a scope, path or model name the catalog knows; else as it is
        return format_value(value, format_spec)


@dataclass(frozen=True)
class Prose:
    """Markdown rendered from values; shown as Markdown in a notebook (``.text`` is the string)."""

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def prose(template: str, /, **values) -> Prose:
    """Render ``template`` (Markdown with ``{name:spec}`` placeholders) from ``values``.

    The format specs are listed in the module docstring.  Headings work too:
    ``prose("# {scope:upper} compute", scope="china-device")``.

    The template is looked up in the catalog of the current language first (so it must be
    a constant, never an f-string); its translation holds the same placeholders.

    Raises
    ------
    ParameterError
        A placeholder without a value, or a numeric spec given a non-number.
    """
    try:
        return Prose(_Formatter().format(_(template), **values))
    except (ValueError, IndexError, KeyError) as error:
        if isinstance(error, ParameterError):
            raise
        raise ParameterError(f"malformed template: {error}", name="template",
                             expected="Markdown with {name} or {name:spec} placeholders",
                             value=template[:80]) from None


def text(template: str, /, **values) -> str:
    """:func:`prose` as a plain string: for captions, chart titles and labels.

    >>> text("{place}: {year:year} forecast with a fixed ceiling", place="Global", year=2030)
    'Global: 2030 forecast with a fixed ceiling'
    """
    return prose(template, **values).text


# -- tables ------------------------------------------------------------------------------

def column_kind(name: str, values, flops_rows=None) -> str:
    """The kind of a column from its name and values (see :data:`KINDS`): what a reader table
    (and the workbook) formats it as. ``flops_rows``: a boolean Series, True on rows whose
    ``unit`` is FLOP/s, so value columns of those rows read as FLOP/s."""
    import pandas as pd

    key = str(name).lower()
    present = values.dropna()
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if pd.api.types.is_bool_dtype(values):
        return "bool"
    if key in ("url", "link") or (len(present) and present.astype(str).str.match(
            r"^https?://\S+$").all()):
        return "link"
    if YEAR_NAMES.search(key):
        return "year" if numeric or len(present) == 0 else "text"
    if not numeric:
        return "text"
    if RATE_NAMES.search(key):
        return "rate"
    if FLOPS_NAMES.search(key) or (flops_rows is not None and flops_rows.any()
                                   and (key in VALUE_NAMES or re.fullmatch(r"p\d+(\.\d+)?", key))):
        return "flops"
    if key in ("mape", "smape") or key.endswith("_pct") or re.search(r"(^|_)pct_error$", key):
        return "percent"  # already in percent (vintages' pct_error = (ratio - 1) * 100)
    if "log_ratio" in key:
        return "number"  # a log of a ratio is not a multiple
    if key.startswith("ratio") or key.endswith("_ratio") or key.startswith("x_"):
        return "multiple"
    if COUNT_NAMES.search(key) or pd.api.types.is_integer_dtype(values):
        return "int"
    return "number"


def _cell(value, kind: str) -> tuple[str, str]:
    """(inner HTML, td class) of one cell."""
    if _missing(value):
        return "", ""
    if kind == "text":  # short texts (dates, names) never wrap; long ones do
        value = _(str(value))  # a status or path name the catalog knows; else as it is
        return escape(value), "cf-short" if len(str(value)) <= 24 else ""
    if kind == "link":
        url = str(value)
        if re.match(r"^https?://", url):
            host = re.sub(r"^https?://(www\.)?", "", url).split("/")[0]
            return f'<a href="{escape(url)}">{escape(host)}</a>', ""
        return escape(url), ""
    if kind == "bool":
        return escape(_("yes") if bool(value) else _("no")), ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return escape(value), ""  # a text note in a numeric column stays readable
    if not math.isfinite(number):
        return escape(_("no limit") if number > 0 else "-" + _("no limit")), "cf-num"
    if kind == "flops":
        text = format_flops_sig(number)
    elif kind == "rate":
        text = format_sig(number * 100, 3) + "%"
    elif kind == "probability":
        text = format_probability(number)
    elif kind == "percent":
        text = format_sig(number, 3) + "%"
    elif kind == "int":
        text = f"{round(number):,}"
    elif kind == "year":
        text = str(int(round(number))) if number == round(number) else format_sig(number, 6)
    elif kind == "multiple":
        text = format_sig(number, 3) + "x"
    elif kind == "usd":
        text = _usd(number)
    else:
        text = _big(number) if abs(number) >= 1e9 else format_sig(number, 3)
    return escape(text), "cf-num"


_SUPERSCRIPT = str.maketrans("-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079")


def _big(value: float) -> str:
    """A large number without a unit: ``1.23 × 10²¹`` (3 significant figures)."""
    exponent = math.floor(math.log10(abs(value)))
    mantissa = value / 10 ** exponent
    if abs(round(mantissa, 2)) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{format_sig(mantissa, 3)} \u00d7 10{str(exponent).translate(_SUPERSCRIPT)}"


def _unit_factor(unit) -> float | None:
    """FLOP/s in one ``unit`` (``EFLOPS`` -> 1e18), None when it is not a FLOP/s unit."""
    try:
        return flops_per_unit(str(unit)) if "flop" in str(unit).lower() else None
    except Exception:  # an unknown unit is simply not FLOP/s
        return None


def _header(name: str, kind: str, precision: str | None, labels: dict) -> str:
    label = _(labels.get(name, str(name).replace("_", " ")))
    if name in labels:
        return label
    unit = {"flops": "FLOP/s" + (f", {_(precision)}" if precision else ""),
            "rate": "%", "percent": "%", "usd": "USD"}.get(kind)
    return f"{label} ({unit})" if unit else label


@dataclass(frozen=True)
class ReaderTable:
    """A result frame formatted for a reader; ``_repr_html_`` draws it.

    Attributes: ``frame`` (the formatted cells as text, headers with units),
    ``kinds`` (column -> kind used), ``caption``.
    """

    html: str = field(repr=False)
    frame: object = field(repr=False)
    kinds: dict
    caption: str | None = None

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.frame.to_string(index=False)


def table(df, *, kinds: dict | None = None, caption: str | None = None,
          labels: dict | None = None, precision: str | None = None,
          max_rows: int = 500) -> ReaderTable:
    """A reader's table from a result frame.

    Parameters
    ----------
    df : pandas.DataFrame
        Any result frame.  A named index, or one of labels, becomes leading
        columns; an unnamed integer index (row numbers) is dropped.
    kinds : Mapping[str, str], optional
        Column -> kind (see :data:`KINDS`; columns the frame lacks are
        ignored, since columns can vary with parameters); other columns are inferred from
        their names and values: ``year``-like names are years, growth/CAGR/
        probability/share names rates, ``*flops*`` names FLOP/s, and with a
        ``unit`` column equal to ``FLOP/s`` the value columns (``mean``,
        ``lower``, ``p50``...) too; integer columns are counts.
    caption : str, optional
        Text above the table (Markdown is not interpreted); numbered
        "Table n." when the page is rendered.
    labels : Mapping[str, str], optional
        Column -> header text used as given (no unit appended).
    precision : str, optional
        The precision of the FLOP/s columns when the frame has no constant
        ``precision`` column to take it from.
    max_rows : int
        Longest table shown; more rows raise ParameterError (show a summary).

    Notes
    -----
    A ``unit`` column equal to ``FLOP/s`` on every row, and a constant
    ``precision`` column, are folded into the headers (``p50 (FLOP/s, FP16)``);
    a ``url`` column becomes a link on ``document``/``source`` when there is
    one.  Missing cells are blank.
    """
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise ParameterError("present.table needs a DataFrame", name="df",
                             expected="a pandas DataFrame", value=type(df).__name__)
    if len(df) > max_rows:
        raise ParameterError(f"{len(df)} rows are too many for a page", name="df",
                             expected=f"at most max_rows={max_rows} rows; show a summary "
                             "and save the full table with forecast.io.save_table")
    kinds = dict(kinds or {})
    labels = dict(labels or {})
    for name, kind in kinds.items():
        if kind not in KINDS:
            raise ParameterError("unknown column kind", name=f"kinds[{name!r}]",
                                 expected="one of " + ", ".join(KINDS), value=kind)
    frame = df.copy()
    unnamed = all(n is None for n in frame.index.names)
    if unnamed and pd.api.types.is_integer_dtype(frame.index):
        frame = frame.reset_index(drop=True)  # row numbers (a filtered frame's) are not data
    elif not isinstance(frame.index, pd.RangeIndex) or not unnamed:
        frame = frame.reset_index()
    frame.columns = [str(c) for c in frame.columns]
    for name in frame.columns:  # numbers held in an object column (e.g. with pd.NA) are numbers
        column = frame[name]
        if column.dtype == object:
            present = column[[not _missing(v) for v in column]]
            if len(present) and all(isinstance(v, numbers.Real) and not isinstance(v, bool)
                                    for v in present):
                frame[name] = pd.to_numeric(column.where([not _missing(v) for v in column]),
                                            errors="coerce")
    # a frame's columns can vary with the parameters (a model's own parameter names):
    # kinds for columns it does not have are ignored
    kinds = {name: kind for name, kind in kinds.items() if name in frame.columns}
    flops_rows = None
    if "unit" in frame.columns:  # FLOP/s in any prefix (EFLOPS, ZFLOP/s): values become FLOP/s
        factor = frame["unit"].map(_unit_factor)
        flops_rows = factor.notna()
        for name in frame.columns:
            if (name.lower() in VALUE_NAMES or re.fullmatch(r"p\d+(\.\d+)?", name.lower())) \
                    and name not in kinds and pd.api.types.is_numeric_dtype(frame[name]):
                frame[name] = frame[name] * factor.where(flops_rows, 1.0)
        if flops_rows.all():
            frame = frame.drop(columns="unit")
    if precision is None and "precision" in frame.columns:
        values = frame["precision"].dropna().unique()
        if len(values) == 1:
            precision = str(values[0])
            frame = frame.drop(columns="precision")
    link_into = next((c for c in ("document", "source", "title") if c in frame.columns), None)
    if "url" in frame.columns and link_into and "url" not in kinds:
        urls = frame.pop("url")
    else:
        urls = None
    used, rows_html = {}, []
    for name in frame.columns:
        used[name] = kinds.get(name) or column_kind(name, frame[name], flops_rows)
    body = []
    texts = {name: [] for name in frame.columns}
    for i in range(len(frame)):
        cells = []
        for name in frame.columns:
            kind = used[name]
            if kind == "flops" and flops_rows is not None and "unit" in df.columns \
                    and not flops_rows.iloc[i] and name not in kinds:
                # this row is not FLOP/s: dollars as dollars, anything else a plain number
                kind = "usd" if str(frame["unit"].iloc[i]) == "USD" else "number"
            inner, cls = _cell(frame[name].iloc[i], kind)
            if name == link_into and urls is not None and not _missing(urls.iloc[i]) \
                    and re.match(r"^https?://", str(urls.iloc[i])):
                inner = f'<a href="{escape(urls.iloc[i])}">{inner or escape(urls.iloc[i])}</a>'
            texts[name].append(_html.unescape(re.sub(r"<[^>]+>", "", inner)))
            cells.append(f'<td class="{cls}">{inner}</td>' if cls else f"<td>{inner}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    headers = [_header(n, used[n], precision, labels) for n in frame.columns]
    caption = _(caption) if caption else caption
    cap = (f'<caption class="cf-caption"><span class="cf-num" data-kind="Table"></span>'
           f"{escape(caption)}</caption>" if caption else "")
    table_html = (INLINE_TABLE_STYLE + '<div class="cf-table-wrap"><table class="cf-table">' + cap
                  + "<thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers)
                  + "</tr></thead><tbody>" + "".join(body) + "</tbody></table></div>")
    shown = pd.DataFrame({h: texts[n] for h, n in zip(headers, frame.columns)})
    return ReaderTable(html=table_html, frame=shown, kinds=used, caption=caption)


# -- figures -----------------------------------------------------------------------------

def figure_data(fig):
    """The data drawn in ``fig`` as a tidy frame: panel, series, x, y (lines and markers).

    Used when :func:`figure` is given no ``data``; bands (fill_between) are not
    recovered, so pass ``data`` for charts whose point is an interval.
    """
    import pandas as pd

    rows = []
    for number, ax in enumerate(fig.axes, start=1):
        panel = ax.get_title() or f"panel {number}"
        for line in ax.get_lines():
            label = line.get_label()
            if label.startswith("_"):
                continue
            for x, y in zip(line.get_xdata(), line.get_ydata()):
                rows.append({"panel": panel, "series": label, "x": x, "y": y})
    return pd.DataFrame(rows, columns=["panel", "series", "x", "y"])


@dataclass(frozen=True)
class ReaderFigure:
    """A chart as it appears on a page: image, alt text, caption, data download."""

    png: bytes = field(repr=False)
    alt: str
    caption: str
    csv: str = field(repr=False)
    name: str
    download: str = "Download the data (CSV)"

    def _repr_html_(self) -> str:
        src = "data:image/png;base64," + base64.b64encode(self.png).decode()
        href = "data:text/csv;charset=utf-8;base64," + base64.b64encode(
            self.csv.encode("utf-8")).decode()
        return (INLINE_TABLE_STYLE + f'<figure class="cf-figure"><img alt="{escape(self.alt)}" src="{src}">'
                f'<figcaption class="cf-caption"><span class="cf-num" data-kind="Figure"></span>'
                f'{escape(self.caption)} <a class="cf-download" download="{escape(self.name)}.csv" '
                f'href="{href}">{escape(self.download)}</a></figcaption></figure>')


def figure(fig, *, caption: str, data=None, alt: str | None = None,
           name: str | None = None, dpi: int = 110, save_as: str | None = None,
           output_dir=None) -> ReaderFigure:
    """Show ``fig`` with alt text, a numbered caption and a CSV download of its data.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The chart (closed afterwards, so Jupyter does not draw it a second time).
    caption : str
        What the chart shows and what to read from it (required: no bare charts).
    data : pandas.DataFrame, optional
        The numbers drawn, offered as CSV; default: the lines read back from the
        figure (:func:`figure_data`).
    alt : str, optional
        Alt text; default: the chart's title(s) and the caption.
    name : str, optional
        File name of the CSV download (default: from the title).
    dpi : int
        Resolution of the image on the page (dots per inch).
    save_as, output_dir : str, optional
        Also write the chart as ``<output_dir>/figures/<save_as>.png`` and ``.svg``, as
        :func:`forecast.io.save_figure` does.  The chart is then drawn once: the page shows
        the saved PNG scaled to ``dpi`` (the same picture as the file), instead of a second
        rendering.
    """
    import matplotlib.pyplot as plt

    if not caption or not str(caption).strip():
        raise ParameterError("a chart needs a caption", name="caption",
                             expected="a sentence saying what the chart shows")
    english_title = next(iter(_titles(fig)), "chart")  # names the CSV in every language
    if language() != "en":
        from forecast.present.fonts import translate_figure

        translate_figure(fig)
    titles = _titles(fig)
    if save_as is not None:
        from forecast import io as saving
        from forecast import paths

        paths.check_name(save_as, "figure name")
        images = saving.render_figure(fig, saving.FIGURE_FORMATS, saving.DPI)
        saving.write_figure(images, save_as, output_dir)
        png = (_scaled_png(images["png"], dpi / saving.DPI) if dpi <= saving.DPI
               else saving.render_figure(fig, ("png",), dpi)["png"])
    else:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        png = buffer.getvalue()
    plt.close(fig)
    frame = figure_data(fig) if data is None else data
    csv = frame.to_csv(index=not _default_index(frame))
    caption = _(str(caption))
    alt = _(alt) if alt else ("; ".join(titles) + (". " if titles else "") + caption)
    stem = name or re.sub(r"[^a-z0-9]+", "_", english_title.lower()).strip("_")
    if language() != "en" and save_as and not name:  # a translated title names nothing
        stem = save_as
    return ReaderFigure(png=png, alt=alt, caption=caption, csv=csv, name=stem or "chart",
                        download=_("Download the data (CSV)"))


def _titles(fig) -> list[str]:
    return [t for t in ([fig._suptitle.get_text()] if getattr(fig, "_suptitle", None) else [])
            + [ax.get_title() for ax in fig.axes] if t]


def _scaled_png(png: bytes, factor: float) -> bytes:
    """The PNG image resized by ``factor`` (Lanczos filter): a smaller copy of a saved chart.

    An opaque chart is stored with a palette of its 256 most used colours (median cut, no
    dithering): a resized chart has many slightly different edge colours, which would
    otherwise make the page's copy 1.7 times the size of a chart drawn at that resolution;
    with the palette it is about half that size, and looks the same.
    """
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
        small = image.resize(size, Image.Resampling.LANCZOS)
    if small.mode == "RGBA" and small.getextrema()[3][0] == 255:  # opaque: no alpha to keep
        small = small.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT,
                                              dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG")
    return out.getvalue()


def _default_index(frame) -> bool:
    """Whether the index of ``frame`` is row numbers, not data: unnamed and whole numbers (a
    RangeIndex, or the numbers a filter left), which the chart's CSV leaves out as
    :func:`table` does; a named index (years) or row labels are kept."""
    import pandas as pd

    return (all(name is None for name in frame.index.names)
            and pd.api.types.is_integer_dtype(frame.index))
