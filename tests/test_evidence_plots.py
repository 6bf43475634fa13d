"""Notebook 05's charts follow the one chart style: a title, legends outside the data, FLOP/s ticks.

The charts are drawn from the real evidence sections (small skill evaluation), captured where
the page would show them.
"""

import re

import pytest

from forecast.analysis import evidence
from forecast.present import evidence_views as views

pytestmark = pytest.mark.slow  # builds every section of notebook 05 (about 6 s)

FIGURES = {
    "top": ["eras_figure", "accelerated_figure", "countries_figure"],
    "sk": ["error_figure", "coverage_figure"],
    "ai": ["stock_figure", "clusters_figure", "models_figure"],
    "vendor": ["shipments_figure", "share_figure"],
    "back": ["fans_figure"],
}


@pytest.fixture(scope="module")
def figures():
    import matplotlib

    matplotlib.use("Agg")
    top = evidence.top500_section()
    sk = evidence.skill_section(top.lists, ["cagr", "naive"], max_horizon=10, workers=1)
    sections = {"top": top, "sk": sk, "ai": evidence.ai_section(),
                "vendor": evidence.vendor_section(), "back": evidence.back_to_2030(sk.quantiles)}
    drawn = {}
    original = views._shown
    try:
        views._shown = lambda fig, name, output_dir, data, caption: drawn.setdefault(name, fig)
        for section, names in FIGURES.items():
            for name in names:
                getattr(views, name)(sections[section])
    finally:
        views._shown = original
    return drawn


def test_every_figure_of_the_page_was_drawn(figures):
    assert len(figures) == sum(map(len, FIGURES.values()))


def test_every_chart_has_a_title_and_its_legend_outside_the_data(figures):
    for name, fig in figures.items():
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        visible = [a for a in fig.axes if a.get_visible()]
        suptitle = fig._suptitle.get_text() if fig._suptitle else ""
        assert suptitle or all(a.get_title() for a in visible), f"{name}: a panel without a title"
        for axis in visible:
            legend = axis.get_legend()
            if legend is not None:
                assert not axis.get_window_extent(renderer).overlaps(
                    legend.get_window_extent(renderer)), f"{name}: legend over the data"


def test_flops_axes_label_their_ticks_in_flops_units(figures):
    unit = re.compile(r"^[\d,.]+ [kMGTPEZY]?FLOPS$")
    checked = []
    for name, fig in figures.items():
        fig.canvas.draw()
        for axis in fig.axes:
            if axis.get_yscale() != "log" or not re.search(r"FLOP/s|Rmax", axis.get_ylabel()):
                continue
            low, high = sorted(axis.get_ylim())
            shown = [t.label1.get_text() for t in axis.yaxis.get_major_ticks()
                     + axis.yaxis.get_minor_ticks()
                     if t.label1.get_text() and low <= t.get_loc() <= high]
            assert shown, f"{name}: no labelled tick"
            checked.append(name)
            assert all(unit.match(label) for label in shown), (name, shown)
    assert {"05_top500_eras", "05_calibrated_fans"} <= set(checked), checked
