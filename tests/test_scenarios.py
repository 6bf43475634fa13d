"""forecast.scenarios: scenario files, Monte Carlo, percentiles, thresholds, sensitivity.

Reference values are computed beside each assertion from the lognormal model
stated in the module docstring (``ln(1 + g) ~ Normal(mu, sigma)`` with the 90%
range mapped to mu -+ 1.645 sigma) or from the data rows they come from
(CAICT WP 2022: basic 369, intelligent 232, supercomputing 14 EFLOPS in 2021).
"""

import math
import re
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast import growth, scenarios
from forecast.errors import ParameterError, UnknownNameError

from _project import EXECUTED_PARAMS, SHIPPED
from forecast.pipeline import params as nbp

PARAMS = SHIPPED / "notebooks" / "params"  # the shipped scenarios, never a user's

#: One component from the real data, for small scenario files written into tmp_path.
BASIC = """\
format: compute-forecast-scenario/1
end_year: 2030
components:
  basic:
    precision: FP32
    base:
      dataset: global_compute
      where: {scope: global, component: basic, publisher: CAICT, point: year}
      year: 2021
    growth: {low: LOW, high: HIGH, per: PER}
"""

THREE = """\
format: compute-forecast-scenario/1
end_year: 2035
correlation: RHO
components:
  basic:
    precision: FP32
    base: {dataset: global_compute, where: {scope: global, component: basic, publisher: CAICT,
           point: year}, year: 2021}
    growth: {low: 0.2, high: 0.2, per: PER}
  intelligent:
    precision: FP16
    base: {dataset: global_compute, where: {scope: global, component: intelligent,
           publisher: CAICT, point: year}, year: 2021}
    growth: {low: 0.5, high: 0.5, per: PER}
  supercomputing:
    precision: FP64
    base: {dataset: global_compute, where: {scope: global, component: supercomputing,
           publisher: CAICT, point: year}, year: 2021}
    growth: {low: 0.3, high: 0.3, per: PER}
  total:
    precision: mixed
    sum_of: [basic, intelligent, supercomputing]
"""


def write(tmp_path, text, name="s.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def basic(tmp_path, low, high, per="path"):
    text = BASIC.replace("LOW", str(low)).replace("HIGH", str(high)).replace("PER", per)
    return scenarios.load_scenario(write(tmp_path, text))


# --------------------------------------------------------------------------- shipped files


def test_the_three_scenarios_are_available():
    assert scenarios.available_scenarios(PARAMS) == ["base", "bear", "bull"]


@pytest.mark.parametrize("name", ["bear", "base", "bull"])
def test_shipped_files_load_and_keep_precisions_apart(name):
    s = scenarios.load_scenario(name, directory=PARAMS)
    assert s.name == name and s.source == f"notebooks/params/{name}.yaml"
    precisions = {c.name: c.precision for c in s.components.values()}
    assert precisions == {"basic": "FP32", "intelligent": "FP16", "supercomputing": "FP64",
                          "total": "mixed"}
    assert s.components["total"].sum_of == ("basic", "intelligent", "supercomputing")
    assert "assumption" in s.label.lower()


@pytest.mark.parametrize("name", ["bear", "base", "bull"])
def test_every_growth_bound_is_a_rate_found_in_the_data(name):
    # traceability: each low/high must be one of the rates evidence() derives from data rows
    s = scenarios.load_scenario(name, directory=PARAMS)
    rates = set(scenarios.evidence(s)["rate"].round(4))
    for comp in s.components.values():
        if comp.growth is not None:
            assert round(comp.growth.low, 4) in rates, (comp.name, comp.growth.low)
            assert round(comp.growth.high, 4) in rates, (comp.name, comp.growth.high)


def test_scenarios_are_ordered_bear_base_bull():
    medians = {n: scenarios.load_scenario(n, directory=PARAMS).components["intelligent"].growth.rate
               for n in ("bear", "base", "bull")}
    assert medians["bear"] < medians["base"] < medians["bull"]


def test_evidence_rates_are_computed_from_the_rows():
    ev = scenarios.evidence(scenarios.load_scenario("base", directory=PARAMS))
    ev = ev.set_index(["component", "kind", "period", "line"])["rate"]
    # CAICT 232 -> 451 EFLOPS intelligent 2021 -> 2022: 451/232 - 1 = 0.94397
    assert ev.loc[("intelligent", "observed", "2021-2022", 12)] == 0.944
    # Huawei 2024: 864 ZFLOPS FP16 in 2030 from 232 EFLOPS (2021): (864000/232)**(1/9) - 1
    assert ev.loc[("intelligent", "implied by level", "2021-2030", 16)] == round(
        (864000 / 232) ** (1 / 9) - 1, 4) == 1.4933
    # CAICT WP 2022's 56 ZFLOPS from 615 EFLOPS (2021, = 369 + 232 + 14) needs 65.08%/yr
    assert ev.loc[("total", "implied by level", "2021-2030", 5)] == 0.6508
    assert ev.loc[("total", "stated CAGR", "2021-2030", 5)] == 0.65


# --------------------------------------------------------------------------- Monte Carlo


def test_same_seed_gives_identical_tables_and_another_seed_does_not():
    s = scenarios.load_scenario("base", directory=PARAMS)
    a = scenarios.simulate(s, n_paths=2000, seed=7)
    b = scenarios.simulate(s, n_paths=2000, seed=7)
    pd.testing.assert_frame_equal(a.percentiles(), b.percentiles(), check_exact=True)
    pd.testing.assert_frame_equal(a.headline(), b.headline(), check_exact=True)
    c = scenarios.simulate(s, n_paths=2000, seed=8)
    assert not np.array_equal(a.paths["total"], c.paths["total"])


def test_same_seed_is_identical_in_a_fresh_process():
    # no dependence on hash randomisation or global state: another interpreter, same CSV bytes
    code = ("from forecast import scenarios as s;"
            f"r = s.simulate(s.load_scenario('base', directory={str(PARAMS)!r}), n_paths=500,"
            " seed=3);"
            "print(r.percentiles().to_csv(index=False))")
    outputs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, env={"PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2")}
    here = scenarios.simulate(scenarios.load_scenario("base", directory=PARAMS), n_paths=500,
                              seed=3)
    assert outputs == {here.percentiles().to_csv(index=False) + "\n"}


def test_adding_a_component_does_not_change_another_components_draws(tmp_path):
    one = scenarios.simulate(basic(tmp_path, 0.1, 0.3), n_paths=300, seed=5)
    text = THREE.replace("RHO", "0.0").replace("PER", "path").replace(
        "{low: 0.2, high: 0.2, per: path}", "{low: 0.1, high: 0.3, per: path}")
    three = scenarios.simulate(scenarios.load_scenario(write(tmp_path, text, "t.yaml")),
                               n_paths=300, seed=5, end_year=2030)
    assert np.array_equal(one.paths["basic"], three.paths["basic"])


def test_percentiles_are_ordered_and_tidy():
    sim = scenarios.simulate(scenarios.load_scenario("base", directory=PARAMS), n_paths=3000,
                             seed=1)
    table = sim.percentiles(q=(99, 1, 50, 10, 90))
    assert list(table.columns) == ["scenario", "component", "precision", "year",
                                   "p1", "p10", "p50", "p90", "p99", "unit"]
    values = table[["p1", "p10", "p50", "p90", "p99"]].to_numpy()
    assert (np.diff(values, axis=1) >= 0).all()
    assert len(table) == 4 * (2035 - 2021 + 1) and set(table["unit"]) == {"FLOP/s"}
    # the base year has no spread: every percentile is the data value (CAICT 232 EFLOPS)
    first = table[(table["component"] == "intelligent") & (table["year"] == 2021)]
    assert (first[["p1", "p99"]].to_numpy() == 232e18).all()


@pytest.mark.parametrize("per", ["path", "year"])
def test_zero_spread_reproduces_the_deterministic_projection_exactly(tmp_path, per):
    text = THREE.replace("RHO", "0.5").replace("PER", per)
    sim = scenarios.simulate(scenarios.load_scenario(write(tmp_path, text)), n_paths=50, seed=0)
    k = np.arange(0, 2035 - 2021 + 1)
    expected = {"basic": growth.project(369e18, 0.2, k),
                "intelligent": growth.project(232e18, 0.5, k),
                "supercomputing": growth.project(14e18, 0.3, k)}
    for name, path in expected.items():
        assert np.array_equal(sim.paths[name], np.broadcast_to(path, (50, k.size))), name
    total = expected["basic"] + expected["intelligent"] + expected["supercomputing"]
    assert np.array_equal(sim.paths["total"][0], total)
    assert np.array_equal(sim.median_path("total").to_numpy(), total)
    assert sim.paths["total"][0, 0] == 615e18  # CAICT's 2021 total, 369 + 232 + 14


def test_per_path_percentiles_match_the_stated_range(tmp_path):
    # per path, V_k = V_0 (1 + g)^k with 1 + g lognormal: its 5th/95th percentiles are
    # V_0 (1 + low)^k and V_0 (1 + high)^k
    sim = scenarios.simulate(basic(tmp_path, 0.1, 0.4), n_paths=200_000, seed=11)
    row = sim.percentiles().query("year == 2030").iloc[0]
    assert row["p5"] == pytest.approx(369e18 * 1.1 ** 9, rel=0.015)
    assert row["p95"] == pytest.approx(369e18 * 1.4 ** 9, rel=0.015)
    assert row["p50"] == pytest.approx(369e18 * (1.1 * 1.4) ** 4.5, rel=0.01)


def test_per_year_spread_grows_with_the_square_root_of_time(tmp_path):
    g = scenarios.Growth(0.1, 0.4, "year")
    sim = scenarios.simulate(basic(tmp_path, 0.1, 0.4, per="year"), n_paths=100_000, seed=2)
    logs = np.log(sim.paths["basic"])
    for k in (1, 4, 9):
        assert logs[:, k].std() == pytest.approx(g.sigma * math.sqrt(k), rel=0.01)
        assert logs[:, k].mean() == pytest.approx(math.log(369e18) + k * math.log1p(g.rate),
                                                  abs=0.01 * g.sigma * math.sqrt(k) + 1e-12)


def test_lognormal_parameters_of_a_90_percent_range():
    g = scenarios.Growth(0.1, 0.4)
    # sigma = (ln 1.4 - ln 1.1) / (2 * 1.645); median = sqrt(1.1 * 1.4) - 1
    assert g.sigma == pytest.approx((math.log(1.4) - math.log(1.1)) / (2 * stats.norm.ppf(0.95)))
    assert g.rate == pytest.approx(math.sqrt(1.54) - 1)
    assert scenarios.Growth(0.3, 0.3).rate == 0.3 and scenarios.Growth(0.3, 0.3).sigma == 0


@pytest.mark.parametrize("rho, expected", [(0.0, 0.0), (1.0, 1.0), (0.5, 0.5)])
def test_correlation_is_the_shared_share_of_the_growth_draws(tmp_path, rho, expected):
    text = THREE.replace("RHO", str(rho)).replace("PER", "path").replace(
        "{low: 0.2, high: 0.2", "{low: 0.1, high: 0.3").replace("{low: 0.5, high: 0.5",
                                                                 "{low: 0.3, high: 0.9")
    sim = scenarios.simulate(scenarios.load_scenario(write(tmp_path, text)), n_paths=40_000, seed=4)
    r = np.corrcoef(np.log(sim.paths["basic"][:, 5]), np.log(sim.paths["intelligent"][:, 5]))[0, 1]
    assert r == pytest.approx(expected, abs=0.02)


def test_cap_bounds_every_path(tmp_path):
    text = BASIC.replace("LOW", "0.1").replace("HIGH", "0.6").replace("PER", "path") + \
        "    cap: 1 ZFLOPS\n"
    sim = scenarios.simulate(scenarios.load_scenario(write(tmp_path, text)), n_paths=5000, seed=1)
    assert sim.paths["basic"].max() == 1e21
    sens = sim.sensitivity("basic", 2030)
    cap = sens.set_index("assumption").loc["basic cap"]
    # without the cap the median path reaches 369 EFLOPS * sqrt(1.1 * 1.6)**9
    assert cap["value_high"] == pytest.approx(369e18 * math.sqrt(1.76) ** 9)
    assert cap["value_low"] == 1e21


def test_threshold_probability_matches_the_lognormal(tmp_path):
    sim = scenarios.simulate(basic(tmp_path, 0.1, 0.4), n_paths=100_000, seed=9)
    g = scenarios.Growth(0.1, 0.4)
    table = sim.exceedance("basic", 2030, ["2 ZFLOPS", 3e21])
    for (_, row), threshold in zip(table.iterrows(), (2e21, 3e21)):
        # P(V > t) = 1 - Phi((ln(t / V0) / 9 - ln(1 + g_mid)) / sigma)
        z = (math.log(threshold / 369e18) / 9 - math.log1p(g.rate)) / g.sigma
        exact = stats.norm.sf(z)
        assert abs(row["probability"] - exact) < 4 * row["mc_stderr"] + 1e-4
    assert list(table["label"]) == ["> 2 ZFLOPS", "> 3 ZFLOPS"]
    assert ((table["mc_low"] <= table["probability"])
            & (table["probability"] <= table["mc_high"])).all()


@pytest.mark.parametrize("n", [100, 1000, 4000])
def test_certain_exceedance_reports_the_rule_of_three_not_zero(tmp_path, n):
    # no path reaches 1e30 FLOP/s and every path exceeds 1 FLOP/s: the binomial formula
    # would give a standard error of 0.  Rule of three (Hanley & Lippman-Hand 1983, JAMA
    # 249(13):1743): with 0 events in n trials the one-sided 95% upper limit of p is
    # 1 - 0.05 ** (1 / n) (exact, Clopper-Pearson), which 3 / n bounds from above.
    sim = scenarios.simulate(basic(tmp_path, 0.1, 0.4), n_paths=n, seed=3)
    table = sim.exceedance("basic", 2030, [1e30, 1.0]).set_index("threshold")
    never, always = table.loc[1e30], table.loc[1.0]
    assert never["probability"] == 0.0 and always["probability"] == 1.0
    exact = 1 - 0.05 ** (1 / n)
    assert never["mc_high"] == pytest.approx(3 / n)
    assert exact < never["mc_high"] < 1.02 * exact  # honest and not much wider
    assert never["mc_low"] == 0.0 and always["mc_high"] == 1.0
    assert always["mc_low"] == pytest.approx(1 - 3 / n)
    for row in (never, always):
        assert row["mc_stderr"] == pytest.approx(3 / n / 1.959964)


def test_monte_carlo_error_of_an_interior_proportion():
    # binomial standard error sqrt(p (1 - p) / n) and the Wald 95% interval
    out = scenarios.mc_error(0.25, 400)
    assert out["mc_stderr"] == pytest.approx(math.sqrt(0.25 * 0.75 / 400))
    assert out["mc_low"] == pytest.approx(0.25 - 1.959964 * out["mc_stderr"])
    assert out["mc_high"] == pytest.approx(0.25 + 1.959964 * out["mc_stderr"])
    # clipped to [0, 1] near the edges
    assert scenarios.mc_error(1 / 400, 400)["mc_low"] == 0.0


def test_headline_table_columns_and_implied_cagr():
    sim = scenarios.simulate(scenarios.load_scenario("base", directory=PARAMS), n_paths=4000,
                             seed=1)
    table = sim.headline()
    assert list(table.columns) == ["scenario", "component", "precision", "year", "p5", "p50",
                                   "p95", "implied_cagr", "unit"]
    assert sorted(set(table["year"])) == [2030, 2035]
    row = table.query("component == 'total' and year == 2030").iloc[0]
    assert row["implied_cagr"] == pytest.approx((row["p50"] / 615e18) ** (1 / 9) - 1)
    rows = sim.forecasts()
    assert list(rows.columns) == ["target", "scope", "component", "precision", "year", "model",
                                  "median", "mean", "lower", "upper", "level", "unit"]
    # sample median = p50, interval p5-p95 at level 0.9; a lognormal spread has mean > median
    merged = rows.merge(table, on=["component", "year"])
    assert (merged["median"] == merged["p50"]).all() and (merged["lower"] == merged["p5"]).all()
    assert (merged["upper"] == merged["p95"]).all() and (rows["level"] == 0.9).all()
    assert (rows["mean"] > rows["median"]).all()
    assert set(rows["scope"]) == {"global"}


def test_sensitivity_moves_one_assumption_at_a_time():
    s = scenarios.load_scenario("base", directory=PARAMS)
    sim = scenarios.simulate(s, n_paths=10, seed=0)
    table = sim.sensitivity("total", 2030)
    assert list(table["assumption"]) == ["intelligent growth", "basic growth",
                                         "supercomputing growth"]

    def mid(c):
        return s.components[c].growth.rate

    others = 369e18 * (1 + mid("basic")) ** 9 + 14e18 * (1 + mid("supercomputing")) ** 9
    row = table.iloc[0]
    assert row["value_low"] == pytest.approx(232e18 * 1.462 ** 9 + others)
    assert row["value_high"] == pytest.approx(232e18 * 1.9728 ** 9 + others)
    assert row["value_base"] == pytest.approx(232e18 * (1 + mid("intelligent")) ** 9 + others)
    assert (table["value_low"] <= table["value_base"]).all()
    assert (table["value_base"] <= table["value_high"]).all()


def test_growth_from_a_cagr_fit(tmp_path):
    text = BASIC.replace("{low: LOW, high: HIGH, per: PER}", "{fit: cagr}").replace(
        "year: 2021", "year: 2022")
    s, bases = scenarios.resolve(scenarios.load_scenario(write(tmp_path, text)))
    g = s.components["basic"].growth
    # CAICT basic 313, 369, 440 EFLOPS (2020-22): drift b = ln(440/313)/2; step residuals
    # z_i - b; sigma^2 = sse / 1; se_b = sigma / sqrt(2) (random walk with drift, see cagr.py)
    z = np.diff(np.log([313.0, 369.0, 440.0]))
    b = math.log(440 / 313) / 2
    se_b = math.sqrt(((z - b) ** 2).sum()) / math.sqrt(2)
    # one residual degree of freedom: the 90% range uses Student's t(0.95, 1) = 6.314
    # (printed t tables, e.g. NIST/SEMATECH e-Handbook of Statistical Methods, section
    # 1.3.6.7.2 "Critical values of the Student's t distribution", row 1, column 0.05),
    # not the normal 1.645
    assert s.components["basic"].growth.fit == "cagr"
    assert g.low == pytest.approx(math.expm1(b - 6.314 * se_b), rel=1e-4)
    assert g.high == pytest.approx(math.expm1(b + 6.314 * se_b), rel=1e-4)
    assert bases["basic"].value == 440e18


def test_fitted_range_uses_the_t_quantile_on_the_fits_degrees_of_freedom(tmp_path):
    # the half-width of the range in ln(1 + g), in standard errors, is t(0.95, df_resid)
    # of the fit (printed values from the NIST/SEMATECH table, section 1.3.6.7.2)
    text = BASIC.replace("{low: LOW, high: HIGH, per: PER}", "{fit: cagr}").replace(
        "year: 2021", "year: 2022")
    s, bases = scenarios.resolve(scenarios.load_scenario(write(tmp_path, text)))
    from forecast.models import fit
    res = fit("cagr", bases["basic"].history.loc[:2022])
    b = math.log1p(res.params["growth"])
    se_b = res.stderr["growth"] / (1 + res.params["growth"])
    g = s.components["basic"].growth
    half = (math.log1p(g.high) - math.log1p(g.low)) / 2
    table = {1: 6.314, 2: 2.920, 3: 2.353, 4: 2.132, 5: 2.015}
    assert half / se_b == pytest.approx(table[res.df_resid], abs=1e-3)
    assert math.log1p(g.rate) == pytest.approx(b)
    # the lognormal the Monte Carlo draws from then has sigma = half / 1.645
    assert g.sigma == pytest.approx(half / 1.6448536, rel=1e-6)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("edit, key, message", [
    (("end_year: 2030", "end_year: 2030\ncolour: red"), "colour", "unknown key; expected one of"),
    (("    precision: FP32", "    precision: FP32\n    speed: 3"), "components.basic.speed",
     "unknown key"),
    (("low: LOW", "low: fast"), "components.basic.growth.low",
     "wrong type; expected a number, got 'fast'"),
    (("low: LOW", "low: yes"), "components.basic.growth.low", "wrong type; expected a number"),
    (("end_year: 2030", "end_year: '2030'"), "end_year", "wrong type; expected an integer"),
    (("low: LOW, high: HIGH", "low: 0.5, high: 0.2"), "components.basic.growth",
     "low is above high"),
    (("low: LOW", "low: -1.5"), "components.basic.growth.low", "out of range"),
    (("PER", "monthly"), "components.basic.growth.per", "unknown draw mode"),
    (("    precision: FP32", "    precision: FP12"), "components.basic.precision",
     "unknown precision"),
    (("format: compute-forecast-scenario/1\n", ""), "format", "is missing"),
    (("/1", "/2"), "format", "unsupported scenario format"),
    (("end_year: 2030", "end_year: 2030\nname: other"), "name", "does not match the file name"),
    (("{low: LOW, high: HIGH, per: PER}", "{fit: logistic}"), "components.basic.growth.fit",
     "unsupported model; expected one of cagr, exponential"),
    (("    precision: FP32", "    precision: FP32\n    cap: 12 parsecs"), "components.basic.cap",
     "unknown unit"),
    (("      year: 2021", "      year: 2021\n      year: 2022"), None, "duplicate key 'year'"),
    (("    growth:", "    grow th: {}\n    growth:"), "components.basic.grow th", "unknown key"),
])
def test_bad_files_are_rejected_naming_file_and_key(tmp_path, edit, key, message):
    old, new = edit
    assert old in BASIC
    text = BASIC.replace(old, new, 1)
    text = text.replace("LOW", "0.1").replace("HIGH", "0.2").replace("PER", "path")
    path = write(tmp_path, text, "bad.yaml")
    with pytest.raises(ParameterError) as info:
        scenarios.load_scenario(path)
    text = str(info.value)
    assert text.startswith(str(path)), text
    if key is not None:
        assert f"parameter {key!r}" in text, text
    assert message in text, text


def test_growth_is_required(tmp_path):
    text = BASIC.replace("    growth: {low: LOW, high: HIGH, per: PER}\n", "")
    with pytest.raises(ParameterError, match=re.escape(
            "parameter 'components.basic.growth': is missing")):
        scenarios.load_scenario(write(tmp_path, text))


def test_invalid_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "format: compute-forecast-scenario/1\ncomponents: [a\n")
    with pytest.raises(ParameterError, match=r"not valid YAML \(line \d+\)"):
        scenarios.load_scenario(path)


@pytest.mark.parametrize("old, new, key, message", [
    ("precision: mixed", "precision: FP16", "components.total.precision",
     "sums different precisions; expected 'mixed'"),
    ("sum_of: [basic, intelligent, supercomputing]", "sum_of: [basic, gpus]",
     "components.total.sum_of", "'gpus' is not a projected component"),
])
def test_sums_must_be_labelled_mixed_and_name_components(tmp_path, old, new, key, message):
    text = THREE.replace("RHO", "0").replace("PER", "path").replace(old, new)
    with pytest.raises(ParameterError) as info:
        scenarios.load_scenario(write(tmp_path, text))
    assert f"parameter {key!r}: {message}" in str(info.value)


@pytest.mark.parametrize("old, new, key, message", [
    ("dataset: global_compute", "dataset: global_compoot", "components.basic.base",
     "unknown dataset 'global_compoot'"),
    ("publisher: CAICT", "publisher: Gartner", "components.basic.base",
     "no row with a value matches the filters"),
    ("publisher: CAICT, point: year}", "point: year}", "components.basic.base",
     "two or more rows share a year"),
    ("component: basic", "component: intelligent", "components.basic.precision",
     "the rows are FP16 FLOP/s but the component is declared FP32"),
    ("year: 2021", "year: 2019", "components.basic.base.year", "no data row for the base year"),
])
def test_base_rows_that_do_not_resolve_are_rejected(tmp_path, old, new, key, message):
    text = BASIC.replace("LOW", "0.1").replace("HIGH", "0.2").replace("PER", "path")
    s = scenarios.load_scenario(write(tmp_path, text.replace(old, new)))
    with pytest.raises(ParameterError) as info:
        scenarios.simulate(s, n_paths=10)
    assert str(info.value).startswith(f"{tmp_path / 's.yaml'}, parameter {key!r}: "), info.value
    assert message in str(info.value)


def test_unknown_scenario_lists_the_available_ones():
    with pytest.raises(UnknownNameError) as info:
        scenarios.load_scenario("sideways", directory=PARAMS)
    assert str(info.value) == "unknown scenario 'sideways'; valid: base, bear, bull"


def test_a_folder_without_scenarios_says_so(tmp_path):
    with pytest.raises(ParameterError, match=f"{re.escape(str(tmp_path))}, parameter 'scenario': "
                                             "no scenario files in this folder"):
        scenarios.load_scenario("base", directory=tmp_path)


def test_missing_file_path_is_reported(tmp_path):
    with pytest.raises(ParameterError, match="scenario file not found"):
        scenarios.load_scenario(tmp_path / "gone.yaml")


def test_available_scenarios_skips_other_yaml(tmp_path):
    write(tmp_path, BASIC.replace("LOW", "0.1").replace("HIGH", "0.2").replace("PER", "path"),
          "mine.yaml")
    write(tmp_path, "end_year: 2030\n", "params.yaml")
    write(tmp_path, "a: [\n", "broken.yaml")
    assert scenarios.available_scenarios(tmp_path) == ["mine"]


@pytest.mark.parametrize("kwargs, name", [
    ({"n_paths": 0}, "n_paths"), ({"seed": -1}, "seed"), ({"seed": 1.5}, "seed"),
    ({"end_year": 2021}, "end_year")])
def test_bad_simulation_arguments(tmp_path, kwargs, name):
    with pytest.raises(ParameterError, match=f"parameter '{name}'"):
        scenarios.simulate(basic(tmp_path, 0.1, 0.2), **kwargs)


def test_year_outside_the_simulation(tmp_path):
    sim = scenarios.simulate(basic(tmp_path, 0.1, 0.2), n_paths=10)
    with pytest.raises(ParameterError, match=r"parameter 'year': year outside the simulated "
                                             r"range; expected 2021\.\.2030, got 2040"):
        sim.exceedance("basic", 2040, [1e21])


# --------------------------------------------------------------------------- notebook


def test_notebook_tables_are_the_librarys(executed_project):
    """Notebook 03 in the session's executed project: the base scenario, default seed, and the
    project's path count (test_pages runs the bear scenario)."""
    out, scenario = executed_project.require("03_scenarios"), "base"
    defaults = nbp.notebook_parameters(SHIPPED / "notebooks" / "03_scenarios.ipynb")
    headline = pd.read_csv(out / "tables" / "scenarios_headline.csv")
    assert list(headline.columns) == ["scenario", "component", "precision", "year", "p5", "p50",
                                      "p95", "implied_cagr", "unit"]
    assert set(headline["scenario"]) == {scenario}
    assert set(headline["year"]) == {2030, 2035}
    # the notebook's table is the library's, for the same seed and number of paths
    sim = scenarios.simulate(scenarios.load_scenario(scenario, directory=PARAMS),
                             n_paths=EXECUTED_PARAMS["n_paths"], seed=defaults["seed"].default,
                             end_year=2035)
    expected = sim.headline(years=[2030, 2035])
    np.testing.assert_allclose(headline[["p5", "p50", "p95"]].to_numpy(),
                               expected[["p5", "p50", "p95"]].to_numpy(), rtol=1e-12)
    forecasts = pd.read_csv(out / "tables" / "headline_03_scenarios.csv")
    assert list(forecasts.columns) == ["target", "scope", "component", "precision", "year",
                                       "model", "median", "mean", "lower", "upper", "level",
                                       "unit"]
    thresholds = pd.read_csv(out / "tables" / "scenarios_thresholds.csv")
    assert set(thresholds["label"]) == {"> 56 ZFLOPS", "> 20 ZFLOPS"}
    # Monte Carlo error of each probability, never a bare 0 (rule of three at p = 0 or 1)
    assert {"mc_stderr", "mc_low", "mc_high"} <= set(thresholds.columns)
    assert (thresholds["mc_stderr"] > 0).all()
    assert ((thresholds["mc_low"] <= thresholds["probability"])
            & (thresholds["probability"] <= thresholds["mc_high"])).all()
    figures = sorted(p.name for p in (out / "figures").iterdir())
    assert [f for f in figures if "fan_" in f] == [
        "scenarios_fan_intelligent.png", "scenarios_fan_intelligent.svg",
        "scenarios_fan_total.png", "scenarios_fan_total.svg"]
    assert "scenarios_tornado.png" in figures


def test_growth_from_an_exponential_fit(tmp_path):
    text = BASIC.replace("{low: LOW, high: HIGH, per: PER}", "{fit: exponential}").replace(
        "year: 2021", "year: 2022")
    s, _ = scenarios.resolve(scenarios.load_scenario(write(tmp_path, text)))
    g = s.components["basic"].growth
    # OLS of ln y on t for t = 2020, 2021, 2022 (R: lm(log(y) ~ t)): slope b, and
    # var(b) = (sse / (n - 2)) / sum((t - mean t)^2) = sse / 2
    t, z = np.array([2020.0, 2021.0, 2022.0]), np.log([313.0, 369.0, 440.0])
    b, a = np.polyfit(t, z, 1)
    sse = float(((z - (a + b * t)) ** 2).sum())
    se_b = math.sqrt(sse / 1 / 2)
    # n - 2 = 1 df: Student t(0.95, 1) = 6.314 (NIST/SEMATECH e-Handbook 1.3.6.7.2)
    assert g.low == pytest.approx(math.expm1(b - 6.314 * se_b), rel=1e-4)
    assert g.high == pytest.approx(math.expm1(b + 6.314 * se_b), rel=1e-4)
    assert g.fit == "exponential" and g.per == "path"


def test_a_fit_that_cannot_be_made_is_reported(tmp_path):
    # one row up to 2020: nothing to fit
    text = BASIC.replace("{low: LOW, high: HIGH, per: PER}", "{fit: cagr}").replace(
        "year: 2021", "year: 2020")
    with pytest.raises(ParameterError, match=r"parameter 'components\.basic\.growth\.fit': "
                                             r"cannot fit 'cagr' to the base rows"):
        scenarios.resolve(scenarios.load_scenario(write(tmp_path, text)))
