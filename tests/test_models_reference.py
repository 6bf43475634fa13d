"""Model estimates against reference implementations and closed forms.

Every reference number below says where it comes from: R's printed output
(R is not installed here; the outputs are R's own saved example outputs),
statsmodels/numpy/scipy called directly in the test, or a closed form.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from forecast.models import fit
from forecast.models.diffusion import bass_cumulative

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def dnase1() -> pd.Series:
    """R: DNase1 <- subset(DNase, Run == 1); density indexed by log(conc) (16 rows, 8 x twice)."""
    frame = pd.read_csv(DATA / "dnase_run1.csv")
    return pd.Series(frame["density"].to_numpy(), index=pd.Index(np.log(frame["conc"].to_numpy())))


def test_logistic_matches_r_nls_sslogis(dnase1):
    # R (example of ?nls), output saved in R's sources, wch/r-source
    # tests/Examples/stats-Ex.Rout.save at commit 0044f6e9d583aec2a826aa51f3354f64a3e63a82:
    #   fm1DNase1 <- nls(density ~ SSlogis(log(conc), Asym, xmid, scal), DNase1)
    #   coef(summary(fm1DNase1))      (printed with options(digits = 5))
    #        Estimate Std. Error
    #   Asym   2.3452   0.078154
    #   xmid   1.4831   0.081353
    #   scal   1.0415   0.032271
    # summary(fm1DNase1) printed with default digits (R for data science book in Japanese,
    # chapter 30, same call): Asym 2.34518 (0.07815), xmid 1.48309 (0.08135),
    # scal 1.04146 (0.03227); "Residual standard error: 0.01919 on 13 degrees of freedom".
    # SSlogis is Asym / (1 + exp((xmid - x) / scal)): cap = Asym, midpoint = xmid,
    # rate = 1 / scal; the Gauss-Newton covariance transforms exactly by the Jacobian
    # of that map, so scal's SE is rate's SE / rate^2.
    res = fit("logistic", dnase1)
    cap, rate, mid = res.params["cap"], res.params["rate"], res.params["midpoint"]
    scal = 1 / rate
    assert round(cap, 5) == 2.34518
    assert round(mid, 5) == 1.48309
    # R stopped at its self-start values ("Number of iterations to convergence: 0",
    # "Achieved convergence tolerance: 8.273e-06"); our optimum is tighter, so scal
    # (1.041455) can differ from R's printed 1.04146 by one unit in the last digit
    assert scal == pytest.approx(1.04146, abs=1e-5)
    assert round(scal, 4) == 1.0415  # coef(summary()) with digits = 5
    assert res.stderr["cap"] == pytest.approx(0.078154, abs=5e-7)
    assert res.stderr["midpoint"] == pytest.approx(0.081353, abs=5e-7)
    assert res.stderr["rate"] / rate ** 2 == pytest.approx(0.032271, abs=5e-7)
    assert round(res.sigma, 5) == 0.01919
    assert res.df_resid == 13


def test_gompertz_matches_r_nls_ssgompertz(dnase1):
    # R (example of ?SSgompertz), same Rout.save file and commit as above:
    #   fm1 <- nls(density ~ SSgompertz(log(conc), Asym, b2, b3), data = DNase.1)
    #   summary(fm1)
    #        Estimate Std. Error
    #   Asym  4.60333    0.65321
    #   b2    2.27134    0.14373
    #   b3    0.71647    0.02206
    #   Residual standard error: 0.02684 on 13 degrees of freedom
    # SSgompertz is Asym * exp(-b2 * b3^x): cap = Asym, b3 = exp(-rate),
    # b2 = exp(rate * midpoint).  Our covariance is mapped to (Asym, b2, b3) by the
    # Jacobian of that map (exact for the Gauss-Newton covariance at the optimum).
    res = fit("gompertz", dnase1)
    cap, rate, mid = (res.params[k] for k in ("cap", "rate", "midpoint"))
    b2, b3 = math.exp(rate * mid), math.exp(-rate)
    jac = np.array([[1.0, 0.0, 0.0],
                    [0.0, mid * b2, rate * b2],   # d b2 / d(cap, rate, midpoint)
                    [0.0, -b3, 0.0]])             # d b3 / d(cap, rate, midpoint)
    se = np.sqrt(np.diag(jac @ res.cov.loc[["cap", "rate", "midpoint"],
                                           ["cap", "rate", "midpoint"]].to_numpy() @ jac.T))
    assert (round(cap, 5), round(b2, 5), round(b3, 5)) == (4.60333, 2.27134, 0.71647)
    assert se == pytest.approx([0.65321, 0.14373, 0.02206], abs=5e-6)
    assert round(res.sigma, 5) == 0.02684


def test_curve_models_accept_repeated_time_points(dnase1):
    # DNase has two replicates per concentration; R's nls fits them as they are
    assert dnase1.index.duplicated().sum() == 8
    assert fit("logistic", dnase1).n_obs == 16


def test_exponential_matches_numpy_polyfit_on_logs():
    y = pd.Series([429e18, 615e18, 906e18, 1397e18], index=[2020, 2021, 2022, 2023])
    slope, intercept = np.polyfit(y.index.to_numpy(float), np.log(y.to_numpy()), 1)
    res = fit("exponential", y)
    assert res.params["growth"] == pytest.approx(math.expm1(slope), rel=1e-12)
    assert res.params["level"] == pytest.approx(math.exp(intercept + slope * 2023), rel=1e-12)
    assert res.params["doubling_time"] == pytest.approx(math.log(2) / slope, rel=1e-12)
    # residual SE on n - 2 df, as R's lm prints it
    resid = np.log(y.to_numpy()) - (intercept + slope * y.index.to_numpy(float))
    assert res.sigma == pytest.approx(math.sqrt(resid @ resid / 2), rel=1e-10)


def test_exponential_interval_is_the_ols_prediction_interval_on_logs():
    # statsmodels OLS called directly: get_prediction(...).summary_frame(alpha)
    import statsmodels.api as sm

    y = pd.Series([1.0, 1.6, 2.3, 3.9, 5.8, 9.1], index=range(2018, 2024))
    x = sm.add_constant(y.index.to_numpy(float))
    ols = sm.OLS(np.log(y.to_numpy()), x).fit()
    frame = ols.get_prediction(sm.add_constant(np.array([2024.0, 2025.0]), has_constant="add")
                               ).summary_frame(alpha=0.1)
    ours = fit("exponential", y).forecast(2, level=0.9)
    assert ours["median"].to_numpy() == pytest.approx(np.exp(frame["mean"].to_numpy()), rel=1e-10)
    for ours_col, sm_col in (("lower", "obs_ci_lower"), ("upper", "obs_ci_upper")):
        expected = np.exp(frame[sm_col].to_numpy())
        assert ours[ours_col].to_numpy() == pytest.approx(expected, rel=1e-10)
    # the mean of the lognormal forecast: exp(mu + s^2 / 2), s the prediction standard
    # error of log y (obs_ci = mu -+ t(0.95, 4) s)
    from scipy import stats

    s_obs = (frame["obs_ci_upper"] - frame["mean"]).to_numpy() / stats.t.ppf(0.95, 4)
    assert ours["mean"].to_numpy() == pytest.approx(
        np.exp(frame["mean"].to_numpy() + s_obs ** 2 / 2), rel=1e-10)


def test_cagr_hand_computed():
    # CAICT global totals 615 (2021), 906 (2022), 1397 (2023) EFLOPS (docs/sources.md, section 1)
    # growth = (1397 / 615) ** (1 / 2) - 1 = 0.5071644619772437
    # log steps z = ln(906/615), ln(1397/906); drift = ln(1397/615) / 2;
    # sigma^2 = sum((z - drift)^2) / (2 - 1) = 0.001040866621364488
    y = pd.Series([615e18, 906e18, 1397e18], index=[2021, 2022, 2023])
    res = fit("cagr", y)
    assert res.params["growth"] == pytest.approx(0.5071644619772437, rel=1e-12)
    assert res.sigma ** 2 == pytest.approx(0.001040866621364488, rel=1e-9)
    # one year ahead: ln y = ln 1397e18 + drift, var = sigma^2 (1 + 1 / 2), t on 1 df
    from scipy import stats

    frame = res.forecast(1, level=0.8)
    half = stats.t.ppf(0.9, 1) * math.sqrt(0.001040866621364488 * 1.5)
    centre = math.log(1397e18) + math.log(1397 / 615) / 2
    assert frame.loc[2024, "median"] == pytest.approx(math.exp(centre), rel=1e-10)
    assert frame.loc[2024, "upper"] == pytest.approx(math.exp(centre + half), rel=1e-9)
    assert frame.loc[2024, "mean"] == pytest.approx(
        math.exp(centre + 0.001040866621364488 * 1.5 / 2), rel=1e-10)


def _bass_recursion(m, p, q, n):
    """Bass (1969) discrete model: y_t = p m + (q - p) Y_(t-1) - (q / m) Y_(t-1)^2, Y_0 = 0."""
    total, out = 0.0, []
    for _ in range(n):
        out.append(p * m + (q - p) * total - (q / m) * total ** 2)
        total += out[-1]
    return np.array(out)


def test_bass_ols_recovers_parameters_exactly_from_its_own_recursion():
    y = pd.Series(_bass_recursion(5000.0, 0.02, 0.45, 12), index=range(2010, 2022))
    res = fit("bass", y, method="ols")
    assert res.params["m"] == pytest.approx(5000.0, rel=1e-9)
    assert res.params["p"] == pytest.approx(0.02, rel=1e-9)
    assert res.params["q"] == pytest.approx(0.45, rel=1e-9)


def test_bass_ols_closed_form_on_noisy_data():
    # closed form: OLS of y on (1, Y_(t-1), Y_(t-1)^2) by numpy, then the positive root of
    # c m^2 + b m + a = 0, p = a / m, q = -c m (Bass 1969)
    rng = np.random.default_rng(7)
    y_values = _bass_recursion(5000.0, 0.02, 0.45, 14) * (1 + 0.05 * rng.standard_normal(14))
    prior = np.concatenate([[0.0], np.cumsum(y_values)[:-1]])
    a, b, c = np.linalg.lstsq(np.column_stack([np.ones(14), prior, prior ** 2]), y_values,
                              rcond=None)[0]
    m = (-b - math.sqrt(b * b - 4 * a * c)) / (2 * c)
    res = fit("bass", pd.Series(y_values, index=range(2010, 2024)), method="ols")
    assert res.params["m"] == pytest.approx(m, rel=1e-10)
    assert res.params["p"] == pytest.approx(a / m, rel=1e-10)
    assert res.params["q"] == pytest.approx(-c * m, rel=1e-10)


def test_bass_nls_recovers_the_curve_it_generated():
    t = np.arange(1, 16)
    y = 1000 * (bass_cumulative(t, 0.03, 0.4) - bass_cumulative(t - 1, 0.03, 0.4))
    res = fit("bass", pd.Series(y, index=range(2001, 2016)))
    assert res.params == pytest.approx({"m": 1000, "p": 0.03, "q": 0.4}, rel=1e-7)


def test_bass_nls_sse_no_worse_than_scipy_least_squares_from_the_same_start():
    rng = np.random.default_rng(3)
    t = np.arange(1, 13)
    y = 1000 * (bass_cumulative(t, 0.03, 0.4) - bass_cumulative(t - 1, 0.03, 0.4))
    y = y * (1 + 0.08 * rng.standard_normal(12))
    series = pd.Series(y, index=range(2001, 2013))
    from forecast.models.diffusion import Bass

    start = Bass()._initial_guess(t.astype(float), y, {})

    def residual(x):
        m, p, q = x
        return m * (bass_cumulative(t, p, q) - bass_cumulative(t - 1, p, q)) - y

    ref = optimize.least_squares(residual, [start["m"], start["p"], start["q"]])
    res = fit("bass", series)
    assert res.sse <= float(ref.fun @ ref.fun) * (1 + 1e-9)


def test_ets_matches_statsmodels_called_directly_with_r_variance():
    # simple exponential smoothing (one optimum): parameters and point forecasts are
    # statsmodels' ETSModel; the interval uses R's sigma2 = SSE / (n - k) (robjhyndman/forecast
    # R/ets.R, commit 10d097e8, line 549: sigma2 <- sum(residuals^2) / (ny - np)) where
    # statsmodels scales by SSE / n, so R's half-width is sqrt(n / (n - k)) times wider
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    rng = np.random.default_rng(11)
    values = 100 + np.cumsum(rng.standard_normal(20) * 3)
    y = pd.Series(values, index=range(2000, 2020))
    direct = ETSModel(pd.Series(values / values.max()), error="add", trend=None,
                      initialization_method="estimated").fit(disp=False)
    res = fit("ets", y, trend=None)
    params = dict(zip(direct.model.param_names, direct.params))
    assert res.params["alpha"] == pytest.approx(params["smoothing_level"], rel=1e-5)
    assert res.params["initial_level"] == pytest.approx(params["initial_level"] * values.max(),
                                                        rel=1e-5)
    frame = direct.get_prediction(start=20, end=24).summary_frame(alpha=0.2) * values.max()
    ours = res.forecast(5, level=0.8)
    assert ours["median"].to_numpy() == pytest.approx(frame["mean"].to_numpy(), rel=1e-6)
    assert (ours["mean"] == ours["median"]).all()
    widen = math.sqrt(20 / (20 - 2))
    half = (frame["mean"] - frame["pi_lower"]).to_numpy() * widen
    assert (ours["median"] - ours["lower"]).to_numpy() == pytest.approx(half, rel=1e-5)
    # sse on the scale of y: one-step-ahead errors; sigma^2 = SSE / (n - k)
    one_step = values - direct.fittedvalues.to_numpy() * values.max()
    assert res.sse == pytest.approx(float(one_step @ one_step), rel=1e-6)
    assert res.sigma ** 2 == pytest.approx(float(one_step @ one_step) / 18, rel=1e-6)


def test_ets_log_intervals_use_r_variance_on_log_y():
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    rng = np.random.default_rng(5)
    values = np.exp(0.3 * np.arange(15) + 0.05 * rng.standard_normal(15))
    res = fit("ets", pd.Series(values, index=range(2005, 2020)), log=True)
    # statsmodels at our parameters (smooth() evaluates the model at given parameters)
    model = ETSModel(pd.Series(np.log(values)), error="add", trend="add",
                     initialization_method="estimated")
    direct = model.smooth([res.params[k] for k in ("alpha", "beta", "initial_level",
                                                   "initial_trend")])
    pred = direct.get_prediction(start=15, end=17)
    mu = np.asarray(pred.predicted_mean)
    sd = np.sqrt(np.asarray(pred.forecast_variance) / direct.mse * res.sigma ** 2)
    ours = res.forecast(3, level=0.95)
    assert ours["median"].to_numpy() == pytest.approx(np.exp(mu), rel=1e-6)
    assert ours["upper"].to_numpy() == pytest.approx(np.exp(mu + 1.959964 * sd), rel=1e-5)
    assert ours["mean"].to_numpy() == pytest.approx(np.exp(mu + sd ** 2 / 2), rel=1e-6)
    assert res.sigma ** 2 == pytest.approx(direct.sse / (15 - 4), rel=1e-6)


def test_arima_matches_statsmodels_called_directly_with_r_variance():
    from statsmodels.tsa.arima.model import ARIMA

    rng = np.random.default_rng(2)
    values = np.exp(np.cumsum(0.25 + 0.1 * rng.standard_normal(20)))
    direct = ARIMA(np.log(values), order=(1, 1, 0), trend="t").fit(cov_type="approx")
    res = fit("arima", pd.Series(values, index=range(2000, 2020)), order=(1, 1, 0))
    assert res.params["drift"] == pytest.approx(direct.params[0], rel=1e-6)
    assert res.params["ar1"] == pytest.approx(direct.params[1], rel=1e-6)
    # observed information (numerical Hessian), as R's arima prints
    assert res.stderr["ar1"] == pytest.approx(direct.bse[1], rel=1e-4)
    frame = direct.get_forecast(4).summary_frame(alpha=0.2)
    ours = res.forecast(4)
    assert ours["median"].to_numpy() == pytest.approx(np.exp(frame["mean"].to_numpy()), rel=1e-8)
    # R/arima.R (robjhyndman/forecast, commit 10d097e8, line 898):
    # sigma2 <- sum(residuals^2) / (nstar - npar + 1) = SSE / (n - d - k): 19 / 17 here
    half = (frame["mean"] - frame["mean_ci_lower"]).to_numpy() * math.sqrt(19 / 17)
    assert np.log(ours["median"] / ours["lower"]).to_numpy() == pytest.approx(half, rel=1e-6)
    assert res.aic_note.startswith("the ARIMA likelihood with d = 1 covers the last 19 of 20")
