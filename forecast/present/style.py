"""The one figure style and the axis helpers every chart module shares.

``STYLE`` (size, colours, alphas), a new figure or the caller's axes, FLOP/s tick
labels on log and linear axes, a legend outside the data, and a grid of panels.
Used by :mod:`forecast.plots` and :mod:`forecast.present.evidence_plots`; like them it
imports matplotlib inside the functions, so importing it stays cheap.  Modelling
code never imports this module.
"""

from __future__ import annotations


#: the one style every figure uses
STYLE = {
    "figsize": (8.0, 4.5),
    "dpi": 150,
    "font_size": 9,
    "colors": ["#1f4e79", "#c0504d", "#4f9a4f", "#8064a2", "#d58a1f", "#2c9fa3", "#7f7f7f",
               "#a05a2c"],
    "band_alpha": 0.18,
    "grid_alpha": 0.3,
    "marker_size": 5,
}


def _fonts_for_language() -> None:
    """In a language other than English, charts fall back to the CJK font glyph by glyph."""
    from forecast.i18n import SOURCE, language

    if language() != SOURCE:
        from forecast.present import fonts

        fonts.use_for_charts()


def figure_axes(ax):
    """``(figure, ax)``: a new figure of the house size when ``ax`` is None, else ``ax``'s own."""
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": STYLE["font_size"]})
    _fonts_for_language()
    if ax is None:
        fig, ax = plt.subplots(figsize=STYLE["figsize"], dpi=STYLE["dpi"])
    return ax.figure, ax


def flops_label(value: float) -> str:
    """A tick label in FLOP/s units: ``100 ZFLOPS``, ``2 EFLOPS`` (never ``1e+02 ZFLOPS``)."""
    from forecast.present import format_flops_sig

    return format_flops_sig(value, 3) if value > 0 else ""


def flops_formatters(axis, horizontal: bool = False) -> None:
    """FLOP/s labels on a log ``axis`` (ax.xaxis or ax.yaxis), decades and, when the
    axis spans under two decades, enough minor ticks that at least two carry labels.
    On a horizontal axis only mantissas 1 and 3 are labelled (labels are wide)."""
    from matplotlib.ticker import LogFormatter

    class FlopsLog(LogFormatter):
        def __call__(self, x, pos=None):
            if not super().__call__(x, pos):
                return ""
            low, high = sorted(self.axis.get_view_interval()) if self.axis else (1, 10)
            narrow = low > 0 and high / low < 4  # then every labelled tick is needed
            if horizontal and not narrow and f"{x:.1e}"[:3] not in ("1.0", "3.0"):
                return ""
            return flops_label(x)

    axis.set_major_formatter(FlopsLog(labelOnlyBase=False))
    # labels on minor ticks: all of them under 0.5 decades, a subset (2, 3, 5) under 2
    axis.set_minor_formatter(FlopsLog(labelOnlyBase=False, minor_thresholds=(2, 0.5)))


def flops_axis(ax, log: bool = True, which: str = "y") -> None:
    """A FLOP/s axis with labelled ticks in FLOP/s units (615 EFLOPS, 56 ZFLOPS)."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    axis = ax.yaxis if which == "y" else ax.xaxis
    if log:
        (ax.set_yscale if which == "y" else ax.set_xscale)("log")
        flops_formatters(axis, horizontal=which == "x")
    else:
        axis.set_major_formatter(FuncFormatter(lambda v, _: flops_label(v) if v > 0 else
                                               ("0" if v == 0 else "")))
        axis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="major", axis=which, alpha=STYLE["grid_alpha"])


def legend_outside(ax, where: str = "right", **options):
    """A legend outside the plotting area, so it never covers data.

    ``where`` "right": to the right of the axes; "below": under the x-axis label.
    Returns the Legend (None when nothing is labelled).
    """
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    style = {"frameon": False, "fontsize": STYLE["font_size"] - 1, **options}
    if where == "below":
        columns = style.pop("ncol", min(3, len(handles)))
        return ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=columns,
                         borderaxespad=0.0, **style)
    return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **style)


def panel_axes(n: int, ax):
    """One axis per panel: ``ax`` itself for a single panel, else a new grid of 2 columns."""
    import matplotlib.pyplot as plt

    from forecast.errors import ParameterError

    plt.rcParams.update({"font.size": STYLE["font_size"]})
    _fonts_for_language()
    if ax is not None:
        if n != 1:
            raise ParameterError("one axis can hold one panel; pass ax=None for a grid",
                                 name="ax", expected="ax=None", value=f"{n} panels")
        return ax.figure, [ax]
    cols = 1 if n == 1 else 2
    rows = -(-n // cols)
    width, height = STYLE["figsize"]
    size = (width * (1 if n == 1 else 1.6), height * rows * 0.9)
    fig, axes = plt.subplots(rows, cols, figsize=size, dpi=STYLE["dpi"], squeeze=False)
    for extra in axes.flat[n:]:
        extra.set_visible(False)
    return fig, list(axes.flat[:n])
