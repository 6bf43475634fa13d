"""Tests of forecast.vintages: implied paths of published forecasts and their errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecast.analysis import vintages
from forecast.errors import DataError, ParameterError

E, Z = 1e18, 1e21  # EFLOPS, ZFLOPS in FLOP/s


def _row(publisher, edition, published, year, kind, flops, *, scope="global", component="total",
         precision="mixed", value=None, unit="EFLOPS", bound="point", base_year=None,
         stated_cagr=None, cagr_from=None, cagr_to=None, status="verified-secondary"):
    return {"publisher": publisher, "edition": edition, "published": published,
            "document": f"{publisher} {edition}", "scope": scope, "component": component,
            "precision": precision, "year": year, "kind": kind,
            "value": value if value is not None else (flops / E if flops is not None else None),
            "unit": unit, "bound": bound, "base_year": base_year, "stated_cagr": stated_cagr,
            "cagr_from": cagr_from, "cagr_to": cagr_to, "status": status,
            "flops": flops if flops is not None else np.nan}


@pytest.fixture
def forecasts():
    # figures from docs/sources.md, section 2 (CAICT, IDC/Inspur, Huawei), laid out
    # as in data/compute_forecasts.csv; "Pub X"/"Pub Y" are synthetic editions exercising the
    # multiple and CAGR-only anchors
    rows = [
        # WP 2021 states a growth rate only; its 2020 base (429) is in global_compute
        _row("CAICT", "WP 2021", "2021-09", 2025, "forecast", None, stated_cagr=0.50,
             cagr_from=2020, cagr_to=2025),
        _row("CAICT", "WP 2022", "2022-11-05", 2021, "actual", 615 * E),
        _row("CAICT", "WP 2022", "2022-11-05", 2030, "forecast", 56 * Z, unit="ZFLOPS",
             value=56, base_year=2021, stated_cagr=0.65, cagr_from=2021, cagr_to=2030),
        _row("CAICT", "WP 2023", "2023-09-15", 2022, "actual", 906 * E),
        _row("CAICT", "WP 2023", "2023-09-15", 2025, "forecast", 3 * Z, value=3, unit="ZFLOPS",
             bound="lower"),
        _row("CAICT", "WP 2023", "2023-09-15", 2030, "forecast", 20 * Z, value=20,
             unit="ZFLOPS", bound="lower"),
        _row("IDC", "2022-2023", "2023", 2021, "actual", 155.2 * E, scope="china-idc",
             component="intelligent", precision="FP16"),
        _row("IDC", "2022-2023", "2023", 2022, "estimate", 268.0 * E, scope="china-idc",
             component="intelligent", precision="FP16"),
        _row("IDC", "2022-2023", "2023", 2026, "forecast", 1271.4 * E, scope="china-idc",
             component="intelligent", precision="FP16", stated_cagr=0.523),
        _row("IDC", "2023-2024", "2023", 2022, "actual", 259.9 * E, scope="china-idc",
             component="intelligent", precision="FP16"),
        _row("IDC", "2023-2024", "2023", 2027, "forecast", 1117.4 * E, scope="china-idc",
             component="intelligent", precision="FP16"),
        _row("IDC", "2022-2023", "2023", 2026, "forecast", None, scope="china-idc",
             component="basic", precision="FP64", stated_cagr=0.185, cagr_from=2021,
             cagr_to=2026),
        _row("Huawei", "Computing 2030 (2021)", "2021-09", 2030, "forecast", None, value=10,
             unit="x", component="basic", precision="FP32"),
        _row("Huawei", "Computing 2030 (2021)", "2021-09", 2030, "forecast", 3.3 * Z, value=3.3,
             unit="ZFLOPS", component="basic", precision="FP32", status="recalled"),
        _row("Pub X", "X 2021", "2021", 2020, "actual", 1 * E, scope="World"),
        _row("Pub X", "X 2021", "2021", 2030, "forecast", None, value=10, unit="x",
             scope="World"),
        _row("Pub Y", "Y 2026", "2026", 2030, "forecast", 100 * E, scope="World",
             stated_cagr=0.5, cagr_from=2025, cagr_to=2030),
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def observed():
    # global_compute-like actuals (docs/sources.md, section 1): CAICT WP 2021/2022/2023, the
    # China Communications Industry Association (CCIA) 2023 figure; a mid-year figure and an
    # "Early" source published before WP 2022, which must never be used
    return pd.DataFrame({
        "scope": "global", "component": "total", "precision": "mixed",
        "year": [2020, 2021, 2022, 2023, 2022, 2023],
        "point": ["year", "year", "year", "year", "year", "mid-year"],
        "bound": "point",
        "flops": [429 * E, 615 * E, 906 * E, 1397 * E, 700 * E, 1000 * E],
        "publisher": ["CAICT", "CAICT", "CAICT", "CCIA", "Early", "CAICT"],
        "document": ["CAICT WP 2021", "CAICT WP 2022", "CAICT WP 2023", "report", "early",
                     "talk"],
        "published": ["2021-09", "2022-11-05", "2023-09-15", "2025", "2022-06", "2023-08"],
        "status": ["recalled", "verified-secondary", "verified-primary", "verified-secondary",
                   "verified-secondary", "verified-secondary"]})


@pytest.fixture
def known(forecasts, observed):
    return vintages.actuals(forecasts, observed)


def _path(paths, edition, scope=None):
    rows = paths[paths["edition"] == edition]
    if scope is not None:
        rows = rows[rows["scope"] == scope]
    return rows.set_index("year")


def test_actuals_keep_full_year_point_figures_with_sources(known):
    # 615 is in both datasets under the same document: kept once
    assert sorted(known["flops"].tolist()) == sorted(
        [615 * E, 259.9 * E, 155.2 * E, 1 * E, 429 * E, 906 * E, 1397 * E, 700 * E])
    assert tuple(known.columns) == vintages.ACTUAL_COLUMNS
    assert known.loc[known["flops"] == 429 * E, "status"].iloc[0] == "recalled"


def test_paths_hit_their_stated_endpoints(forecasts, known):
    paths, _ = vintages.implied_paths(forecasts, known)
    stated = forecasts[forecasts["flops"].notna()]
    for _, row in stated.iterrows():
        path = paths[(paths["edition"] == row["edition"]) & (paths["scope"] == row["scope"])
                     & (paths["component"] == row["component"])]
        at = path[path["year"] == row["year"]]
        assert len(at) == 1, (row["edition"], row["year"])
        assert at["flops"].iloc[0] == row["flops"]  # exactly, not up to rounding


def test_caict_2022_path_compounds_at_the_implied_rate(forecasts, known):
    paths, _ = vintages.implied_paths(forecasts, known)
    path = _path(paths, "WP 2022")
    assert list(path.index) == list(range(2021, 2031))
    rate = (56e21 / 615e18) ** (1 / 9) - 1  # 0.6508: the "65%" CAICT states
    assert rate == pytest.approx(0.6508, abs=1e-4)
    assert path.loc[2022, "flops"] == pytest.approx(615e18 * (1 + rate))
    assert path.loc[2025, "flops"] == pytest.approx(615e18 * (1 + rate) ** 4)
    assert path.loc[2029, "segment_cagr"] == pytest.approx(rate)
    assert path.loc[2022, "point"] == "interpolated"
    assert path.loc[2030, "point"] == "stated"
    assert (path["how"] == "edition actual").all()
    assert path.loc[2030, "stated_cagr"] == 0.65


def test_growth_only_forecast_compounds_the_publishers_earlier_actual(forecasts, known):
    paths, _ = vintages.implied_paths(forecasts, known)
    path = _path(paths, "WP 2021")
    # 429 EFLOPS in 2020 (global_compute, CAICT, published with WP 2021) at 50%/yr for
    # 5 years = 429 * 1.5**5 = 3257.7 EFLOPS
    assert path.loc[2020, "flops"] == 429e18
    assert path.loc[2025, "flops"] == pytest.approx(429e18 * 1.5 ** 5)
    assert path.loc[2025, "point"] == "from CAGR"
    assert path["how"].iloc[0] == "earlier actual of the publisher"
    assert path["base_status"].iloc[0] == "recalled"
    # without the actuals there is no base: the forecast is skipped with the reason
    _, skipped = vintages.implied_paths(forecasts)
    reasons = skipped.set_index("edition")["reason"]
    assert reasons["WP 2021"] == ("a growth rate of 50.0%/yr from 2020, a year whose value "
                                  "neither the edition nor earlier data states")


def test_estimate_is_a_stated_point_between_actual_and_target(forecasts, known):
    paths, _ = vintages.implied_paths(forecasts, known)
    path = _path(paths, "2022-2023", "china-idc")
    assert path.loc[2021, "point"] == "base" and path.loc[2021, "flops"] == 155.2e18
    assert path.loc[2022, "flops"] == 268.0e18 and path.loc[2022, "point"] == "stated"
    # 2022 -> 2026 compounds at (1271.4 / 268.0) ** (1/4) - 1
    assert path.loc[2024, "flops"] == pytest.approx(268.0e18 * (1271.4 / 268.0) ** 0.5)


def test_multiple_needs_a_base(forecasts, known):
    paths, skipped = vintages.implied_paths(forecasts, known)
    # Pub X states 1 EFLOPS in 2020, so "x10 by 2030" is 10 EFLOPS
    assert _path(paths, "X 2021").loc[2030, "flops"] == pytest.approx(10e18)
    assert _path(paths, "X 2021").loc[2030, "point"] == "from multiple"
    # Huawei's "general compute x10" has no base anywhere: skipped with the reason, as is
    # IDC's general-compute CAGR from a 2021 value it does not state
    assert sorted(skipped["edition"]) == ["2022-2023", "Computing 2030 (2021)"]
    huawei = skipped[skipped["publisher"] == "Huawei"].iloc[0]
    assert (huawei["value"], huawei["unit"]) == (10, "x")
    assert huawei["reason"] == ("a multiple of a base that neither the edition nor earlier "
                                "data states")


def test_two_figures_for_one_year_keep_the_stated_one(forecasts, known):
    extra = pd.DataFrame([
        _row("Pub Z", "Z 2021", "2021", 2020, "actual", 1 * E, scope="World"),
        _row("Pub Z", "Z 2021", "2021", 2030, "forecast", None, value=10, unit="x", scope="World"),
        _row("Pub Z", "Z 2021", "2021", 2030, "forecast", 12 * E, scope="World")])
    paths, skipped = vintages.implied_paths(pd.concat([forecasts, extra]), known)
    assert _path(paths, "Z 2021").loc[2030, "flops"] == 12e18
    lost = skipped[skipped["edition"] == "Z 2021"].iloc[0]
    assert lost["value"] == pytest.approx(10e18)
    assert lost["reason"] == ("the edition also gives 1.2e+19 FLOP/s (stated) for 2030, "
                              "which the path keeps")


def test_target_only_and_cagr_only_anchors(forecasts, known):
    paths, _ = vintages.implied_paths(forecasts, known)
    huawei = _path(paths, "Computing 2030 (2021)")
    assert list(huawei.index) == [2030] and huawei["how"].iloc[0] == "target only"
    assert pd.isna(huawei["base_year"].iloc[0])
    pub_y = _path(paths, "Y 2026")
    # no base figure: 100 EFLOPS in 2030 discounted at 50%/yr to 2025
    assert pub_y.loc[2025, "flops"] == pytest.approx(100e18 / 1.5 ** 5)
    assert pub_y.loc[2030, "flops"] == 100e18
    assert (pub_y["how"] == "stated CAGR").all()


def test_missing_column_is_named(forecasts):
    with pytest.raises(DataError) as info:
        vintages.implied_paths(forecasts.drop(columns="bound"))
    assert "column 'bound': compute_forecasts lacks columns ['bound']" in str(info.value)


def test_compare_uses_later_like_for_like_actuals(forecasts, known):
    paths, _ = vintages.implied_paths(forecasts, known)
    errors = vintages.compare(paths, known)
    caict = errors[errors["edition"] == "WP 2022"].set_index("year")
    assert list(caict.index) == [2022, 2023]
    rate = (56e21 / 615e18) ** (1 / 9) - 1
    # 2022: CAICT's own later figure, 906 EFLOPS (WP 2023); the "Early" 700 published
    # before WP 2022 is not a candidate, so there is no alternative
    assert caict.loc[2022, "actual"] == 906e18
    assert caict.loc[2022, "actual_publisher"] == "CAICT"
    assert caict.loc[2022, "alternatives"] == 0
    assert caict.loc[2022, "ratio"] == pytest.approx(615 * (1 + rate) / 906)
    assert caict.loc[2022, "log_ratio"] == pytest.approx(math.log(615 * (1 + rate) / 906))
    assert (caict.loc[2022, "horizon"], caict.loc[2022, "lead"]) == (1, 0)
    # 2023: only another publisher has a full-year figure (CAICT's 1000 is mid-year)
    assert caict.loc[2023, "actual_publisher"] == "CCIA"
    assert caict.loc[2023, "pct_error"] == pytest.approx((615 * (1 + rate) ** 2 / 1397 - 1) * 100)
    # WP 2021 (base 2020) is scored from 2021; for 2022 the Early figure (2022-06, after
    # WP 2021) is an alternative to CAICT's own 906
    wp21 = errors[errors["edition"] == "WP 2021"].set_index("year")
    assert list(wp21.index) == [2021, 2022, 2023]
    assert wp21.loc[2021, "ratio"] == pytest.approx(429 * 1.5 / 615)
    assert (wp21.loc[2022, "actual"], wp21.loc[2022, "alternatives"]) == (906e18, 1)
    # IDC's 2022 estimate against the later edition's actual: 268.0 / 259.9 (both "2023")
    idc = errors[errors["edition"] == "2022-2023"].set_index("year")
    assert list(idc.index) == [2022]
    assert idc.loc[2022, "ratio"] == pytest.approx(268.0 / 259.9)
    # never across precisions or scopes: Huawei FP32 and 'World' editions have no actuals
    assert not errors["publisher"].isin(["Huawei", "Pub X", "Pub Y"]).any()


def test_naive_benchmark_compounds_what_was_known_at_publication(forecasts, known):
    paths, _ = vintages.implied_paths(forecasts, known)
    errors = vintages.compare(paths, known)
    wp22 = errors[errors["edition"] == "WP 2022"].set_index("year")
    # known by Nov 2022: 429 (2020, published 2021-09) and the base 615 (2021), so the naive
    # forecast grows 615 at 615/429 - 1 = 43.4% a year: 2022 -> 881.6, 2023 -> 1263.9 EFLOPS
    assert wp22.loc[2022, "naive"] == pytest.approx(615e18 * 615 / 429)
    assert wp22.loc[2023, "naive"] == pytest.approx(615e18 * (615 / 429) ** 2)
    assert wp22.loc[2022, "naive_from"] == 2020
    assert wp22.loc[2022, "naive_log_ratio"] == pytest.approx(math.log(615 * 615 / 429 / 906))
    # nothing before 2020 was published: WP 2021 has no naive benchmark
    assert errors.loc[errors["edition"] == "WP 2021", "naive"].isna().all()
    table = vintages.closest(errors).set_index("publisher")
    assert table.loc["CAICT", "n_naive"] == 2
    assert table.loc["CAICT", "naive_mean_abs_log_ratio"] == pytest.approx(
        (abs(math.log(615 * 615 / 429 / 906)) + abs(math.log(615 * (615 / 429) ** 2 / 1397))) / 2)
    assert table.loc["CAICT", "mean_abs_log_ratio_naive_rows"] == pytest.approx(
        wp22["log_ratio"].abs().mean())


def test_lower_bound_held_when_actual_is_above(forecasts, known):
    paths, _ = vintages.implied_paths(forecasts, known)
    errors = vintages.compare(paths, known)
    row = errors[(errors["edition"] == "WP 2023") & (errors["year"] == 2023)].iloc[0]
    # 906 * (3000/906) ** (1/3) = 1350.6 EFLOPS <= 1397 actual
    assert row["forecast"] == pytest.approx(906e18 * (3000 / 906) ** (1 / 3))
    assert row["bound"] == "lower" and bool(row["held"]) is True
    assert pd.isna(errors.loc[errors["edition"] == "WP 2022", "held"]).all()


def test_closest_ranks_publishers_by_mean_absolute_log_error(forecasts, known):
    paths, _ = vintages.implied_paths(forecasts, known)
    errors = vintages.compare(paths, known)
    table = vintages.closest(errors)
    points = errors[errors["bound"] == "point"]
    expected = {p: float(np.mean(np.abs(points.loc[points["publisher"] == p, "log_ratio"])))
                for p in ("CAICT", "IDC")}
    assert table.set_index("publisher")["mean_abs_log_ratio"].to_dict() == pytest.approx(expected)
    # WP 2023's "more than 3 ZFLOPS" is a floor: counted only when asked
    assert table.set_index("publisher").loc["CAICT", "n"] == 5
    with_floors = vintages.closest(errors, include_bounds=True).set_index("publisher")
    assert with_floors.loc["CAICT", "n"] == 6
    # IDC: |ln(268/259.9)| = 0.031 beats CAICT's paths (WP 2022 ran ~12% high in 2022)
    assert table["publisher"].tolist() == ["IDC", "CAICT"]
    assert table["rank"].tolist() == [1, 2]


# --- the vintage chart --------------------------------------------------------------------

def test_plot_vintages_draws_one_log_panel_per_quantity(forecasts, known):
    import matplotlib

    matplotlib.use("Agg")
    from forecast.present import plots

    paths, _ = vintages.implied_paths(forecasts, known)
    fig = plots.plot_vintages(paths, known)
    panels = [a for a in fig.axes if a.get_visible()]
    # global total, China-IDC intelligent, global basic (Huawei), "World" (Pub X, Pub Y)
    assert len(panels) == paths.groupby(list(vintages.KEYS)).ngroups == 4
    assert all(a.get_yscale() == "log" for a in panels)
    # the most revised quantity (global total, 3 CAICT editions) comes first
    assert panels[0].get_title() == "global / total / mixed"
    labels = panels[0].get_legend_handles_labels()[1]
    assert labels[:2] == ["actual (latest published)", "actual (other sources)"]
    assert "CAICT WP 2022 (2022-11)" in labels
    with pytest.raises(ParameterError, match="one axis can hold one panel"):
        plots.plot_vintages(paths, known, ax=panels[0])
    matplotlib.pyplot.close("all")


# --- publication dates (forecast.data.partial_date, used for "published by then") ------------

@pytest.mark.parametrize("text, first_day", [("2023", "2023-01-01"), ("2023-06", "2023-06-01"),
                                              (" 2024-02-29 ", "2024-02-29"), (2022, "2022-01-01")])
def test_partial_date_is_the_first_day_it_can_mean(text, first_day):
    from forecast.data import partial_date

    assert partial_date(text) == pd.Timestamp(first_day)


@pytest.mark.parametrize("text", ["2023-02-30", "2023-13", "23-06", "June 2023", "2023/06", ""])
def test_partial_date_refuses_what_is_not_a_date(text):
    from forecast.data import partial_date

    with pytest.raises(DataError) as info:
        partial_date(text, column="actual_published")
    assert info.value.column == "actual_published"
    assert "expected a date YYYY, YYYY-MM or YYYY-MM-DD that exists" in str(info.value)
