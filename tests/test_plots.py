"""The plotting leaf: every chart has a title, labelled FLOP/s ticks, a legend clear of the data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from forecast.present import plots  # noqa: E402
from forecast.present import style as plots_style
from forecast import scenarios
from forecast.errors import ParameterError  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def sims():
    return {name: scenarios.simulate(name, n_paths=400, seed=7, end_year=2032)
            for name in ("bear", "base", "bull")}


def years(values, start=2020):
    return pd.Series(values, index=range(start, start + len(values)), dtype=float)


def forecast_frame(start, values):
    v = np.asarray(values, dtype=float)
    return pd.DataFrame({"mean": v, "lower": v / 2, "upper": v * 2},
                        index=range(start, start + len(v)))


def charts(sims):
    """One figure per public chart function, each from small but realistic inputs."""
    published = pd.DataFrame({"year": [2030, 2030], "flops": [5.6e22, 2e22],
                              "label": ["CAICT WP 2022: 56 ZFLOPS", "CAICT WP 2023: >20 ZFLOPS"],
                              "bound": ["point", "lower"]})
    history = years([4.29e20, 6.15e20, 9.06e20, 1.397e21])
    cap = pd.DataFrame({"model": ["logistic"] * 3, "cap": [1e22, 1e23, 1e24], "status": ["ok"] * 3,
                        "mean": [8e21, 3e22, 6e22], "lower": [6e21, 2e22, 3e22],
                        "upper": [9e21, 5e22, 1e23]})
    buyers = pd.DataFrame({"buyer": ["Microsoft", "Meta", "Baidu"], "year": [2023, 2023, 2024],
                           "flops": [4.8e20, 3.0e20, 1.0e20], "precision": ["FP16"] * 3})
    base = pd.DataFrame({"period": [2022, 2022, 2023, 2023], "accelerator": ["A100", "H100"] * 2,
                         "flops": [1e20, 5e19, 1.2e20, 4e20], "precision": ["FP16"] * 4})
    top_down = pd.DataFrame({"year": [2023], "point": ["year"], "flops": [7e20], "label": ["CAICT"]})
    percentiles = pd.concat([s.percentiles((5, 25, 50, 75, 95)) for s in sims.values()])
    runs = history_rows()
    return {
        "history": plots.plot_history({"basic (FP32)": history / 2, "intelligent (FP16)": history / 3}),
        "projection": plots.plot_projection(history, {"44% a year": years([1.397e21 * 1.44 ** k
                                                                            for k in range(8)], 2023)},
                                            published),
        "forecasts": plots.plot_forecasts(history, {"cagr": forecast_frame(2024, [2e21, 3e21, 4e21])},
                                          published=published),
        "cap": plots.plot_cap_sensitivity(cap, reference={"56 ZFLOPS": 5.6e22}),
        "purchases": plots.plot_purchases_by_buyer(buyers),
        "installed": plots.plot_installed_base(base, top_down=top_down),
        "fan": plots.fan_chart(sims["base"], "total", history=history, published=published),
        "tornado": plots.tornado_chart(sims["base"].sensitivity("total", 2030)),
        "comparison": plots.fan_comparison(percentiles, "total", history=history),
        "panels": plots.fan_comparison(percentiles, "total", layout="panels"),
        "forecast_history": plots.plot_forecast_history(runs, year=2030),
    }


def history_rows():
    return pd.DataFrame({
        "run_time": ["2026-11-01T10:00:00+00:00", "2026-11-02T10:00:00+00:00",
                     "2026-11-03T10:00:00+00:00"],
        "notebook": ["01_global_compute"] * 3, "model": ["cagr"] * 3, "year": [2030] * 3,
        "median": [1.6e22, 1.7e22, 3.0e22], "lower": [1e22, 1.1e22, 2e22],
        "upper": [2.5e22, 2.6e22, 4e22], "unit": ["FLOP/s"] * 3,
        "canonical": [True, True, False]})


def visible_labels(axis, which="y"):
    """The tick labels a reader sees (inside the view limits, non-empty), after drawing."""
    axis.figure.canvas.draw()
    ticks = axis.yaxis if which == "y" else axis.xaxis
    low, high = sorted(axis.get_ylim() if which == "y" else axis.get_xlim())
    shown = []
    for tick in ticks.get_major_ticks() + ticks.get_minor_ticks():
        text = tick.label1.get_text()
        if text and low <= tick.get_loc() <= high and tick.label1.get_visible():
            shown.append(text)
    return shown


def test_flops_tick_labels_are_engineering_units():
    assert plots_style.flops_label(1e23) == "100 ZFLOPS"        # not "1e+02 ZFLOPS"
    assert plots_style.flops_label(6.15e20) == "615 EFLOPS"
    assert plots_style.flops_label(2e21) == "2 ZFLOPS"
    assert plots_style.flops_label(1e27) == "1,000 YFLOPS"
    assert plots_style.flops_label(0) == ""
    assert plots.flops_label is plots_style.flops_label   # still importable from plots


def test_every_chart_has_a_title_and_its_legend_outside_the_data(sims):
    for name, fig in charts(sims).items():
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        titles = [a.get_title() for a in fig.axes if a.get_visible()]
        suptitle = fig._suptitle.get_text() if fig._suptitle else ""
        assert suptitle or all(titles), f"{name}: a panel without a title"
        for axis in fig.axes:
            legend = axis.get_legend()
            if legend is None:
                continue
            inside = axis.get_window_extent(renderer)
            box = legend.get_window_extent(renderer)
            assert not inside.overlaps(box), f"{name}: legend drawn over the plotting area"


def test_log_flops_axes_label_their_ticks_in_flops_units(sims):
    for name, fig in charts(sims).items():
        for axis in fig.axes:
            for which in ("x", "y"):
                if (axis.get_yscale() if which == "y" else axis.get_xscale()) != "log":
                    continue
                labels = visible_labels(axis, which)
                shared = axis.get_shared_y_axes().get_siblings(axis) if which == "y" else [axis]
                if not labels and len(shared) > 1:  # a side-by-side panel: labels on the first
                    labels = max((visible_labels(a) for a in shared), key=len)
                assert len(labels) >= 2, f"{name}: {which} axis shows {labels}"
                assert all(t.endswith("FLOPS") and "e+" not in t for t in labels), \
                    f"{name}: {which} labels {labels}"


def test_a_narrow_log_axis_still_has_two_labelled_ticks():
    fig = plots.plot_history({"total": years([1.2e21, 1.5e21, 1.8e21])})
    labels = visible_labels(fig.axes[0])
    assert len(labels) >= 2 and all("ZFLOPS" in t for t in labels), labels
    wide = plots.plot_history({"total": years([1e19, 1e21, 1e23, 1e25])})
    labels = visible_labels(wide.axes[0])
    assert "100 ZFLOPS" in labels and "10 EFLOPS" in labels, labels


def test_a_narrow_horizontal_log_axis_keeps_labels():
    table = pd.DataFrame({"model": ["logistic"] * 2, "cap": [2.1e22, 2.6e22], "status": ["ok"] * 2,
                          "median": [1e22, 1.1e22], "mean": [1e22, 1.1e22], "lower": [9e21, 1e22],
                          "upper": [1.1e22, 1.2e22]})
    fig = plots.plot_cap_sensitivity(table)
    labels = visible_labels(fig.axes[0], "x")
    assert len(labels) >= 2 and all(t.endswith("ZFLOPS") for t in labels), labels


def test_a_missing_estimate_is_drawn_as_words_not_a_gap():
    buyers = pd.DataFrame({"buyer": ["Microsoft", "Baidu"], "year": [2023, 2024],
                           "flops": [4.8e20, 1.0e20], "precision": ["FP16", "FP16"]})
    fig = plots.plot_purchases_by_buyer(buyers)
    notes = [t.get_text().strip() for t in fig.axes[0].texts]
    assert notes == ["no estimate", "no estimate"]  # Microsoft 2024 and Baidu 2023
    assert fig.axes[0].get_xlabel() == "EFLOPS bought (FP16 peak)"


def test_scenario_fans_side_by_side_share_one_axis(sims):
    percentiles = pd.concat([s.percentiles((5, 25, 50, 75, 95)) for s in sims.values()])
    fig = plots.fan_comparison(percentiles, "total", layout="panels")
    panels = fig.axes
    assert [a.get_title() for a in panels] == ["bear scenario", "base scenario", "bull scenario"]
    assert len({a.get_ylim() for a in panels}) == 1
    assert all(panels[0].get_shared_y_axes().joined(panels[0], a) for a in panels[1:])
    overlay = plots.fan_comparison(percentiles, "total")
    (axis,) = overlay.axes
    medians = {line.get_label(): line for line in axis.get_lines()}
    assert set(medians) == {"bear: median", "base: median", "bull: median"}
    bull_2030 = percentiles.query("scenario == 'bull' and component == 'total' and year == 2030")
    line = medians["bull: median"]
    assert line.get_ydata()[list(line.get_xdata()).index(2030)] == bull_2030["p50"].iloc[0]
    with pytest.raises(ParameterError, match="component.*no rows"):
        plots.fan_comparison(percentiles, "quantum")
    with pytest.raises(ParameterError, match="layout"):
        plots.fan_comparison(percentiles, "total", layout="grid")


def test_forecast_history_tells_exploratory_runs_apart():
    fig = plots.plot_forecast_history(history_rows(), year=2030)
    (axis,) = fig.axes
    labels = axis.get_legend_handles_labels()[1]
    assert labels == ["01 cagr", "01 cagr (exploratory)"]
    assert axis.get_title() == "How the 2030 forecast moved, run by run"
    lines = [line for line in axis.get_lines() if not line.get_label().startswith("_")]
    canonical, exploratory = lines
    assert list(canonical.get_ydata()) == [1.6e22, 1.7e22] and canonical.get_linestyle() == "-"
    assert list(exploratory.get_ydata()) == [3.0e22] and exploratory.get_linestyle() == "None"
    assert exploratory.get_markerfacecolor() == "white"
