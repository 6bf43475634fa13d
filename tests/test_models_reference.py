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


# --------------------------------------------------------------------------- R's printed output
# Every number below is quoted in docs/references/r-printed-outputs.md with its source
# (repository, path, commit, or book section).  Our arima and ets(log=True) fit log y, so
# R's fits of a series x are reproduced by fitting y = exp(x): log(y) is x again.


@pytest.fixture(scope="module")
def lh() -> pd.Series:
    """R's datasets::lh (wch/r-source src/library/datasets/data/lh.R), as exp(lh)."""
    frame = pd.read_csv(DATA / "r_lh.csv")
    return pd.Series(np.exp(frame["lh"].to_numpy()), index=frame["period"].to_numpy())


@pytest.fixture(scope="module")
def oil() -> pd.Series:
    """fpp2's oil (Saudi Arabia, Mt, 1965-2013), as listed in statsmodels' R-comparison tests."""
    frame = pd.read_csv(DATA / "fpp2_oil.csv")
    return pd.Series(frame["oil_mt"].to_numpy(), index=frame["year"].to_numpy())


def test_arima_ar1_matches_r_arima_estimates_standard_errors_and_aic(lh):
    # R: arima(lh, order = c(1,0,0)) (stats-Ex.Rout.save, wch/r-source 0c26529e):
    #   ar1 0.5739 (s.e. 0.1161), intercept 2.4133 (s.e. 0.1466)
    #   sigma^2 estimated as 0.1975: log likelihood = -29.38, aic = 64.76
    res = fit("arima", lh, order=(1, 0, 0), drift=False)
    assert round(res.params["ar1"], 4) == 0.5739
    assert round(res.params["const"], 4) == 2.4133
    assert round(res.params["sigma2"], 4) == 0.1975
    # observed-information standard errors (statsmodels' default outer product of
    # gradients gives 0.1435 and 0.1932 here); R's optim Hessian differs from ours in
    # the 4th digit of ar1's (0.11621 vs 0.1161)
    assert res.stderr["ar1"] == pytest.approx(0.1161, abs=1.5e-4)
    assert res.stderr["const"] == pytest.approx(0.1466, abs=1e-4)
    # our AIC is of y = exp(lh): R's aic (a likelihood of lh) plus 2 sum(log y)
    assert round(res.aic - 2 * float(np.log(lh).sum()), 2) == 64.76
    assert res.aic_note == ""  # d = 0: all 48 observations, comparable
    # forecast::Arima's sigma^2 (R/arima.R line 898): the 48 squared standardised residuals
    # (summing to 48 x 0.1975) over nstar - npar + 1 = 48 - 3 + 1 = 46
    assert res.sigma ** 2 == pytest.approx(res.params["sigma2"] * 48 / 46, rel=1e-12)
    assert res.sigma ** 2 == pytest.approx(0.1975 * 48 / 46, abs=1e-4)


def test_arima_ar3_matches_r_standard_errors_and_forecast_se(lh):
    # R: arima(lh, order = c(3,0,0)): ar1 0.6448 (0.1394), ar2 -0.0634 (0.1668),
    #    ar3 -0.2198 (0.1421), intercept 2.3931 (0.0963); aic = 64.18
    res = fit("arima", lh, order=(3, 0, 0), drift=False)
    expected = {"ar1": (0.6448, 0.1394), "ar2": (-0.0634, 0.1668), "ar3": (-0.2198, 0.1421),
                "const": (2.3931, 0.0963)}
    for name, (estimate, se) in expected.items():
        assert round(res.params[name], 4) == estimate, name
        assert res.stderr[name] == pytest.approx(se, abs=1.5e-4), name
    assert round(res.aic - 2 * float(np.log(lh).sum()), 2) == 64.18
    # R: predict(arima(lh, order = c(3,0,0)), n.ahead = 12) with options(digits = 5)
    r_pred = [2.4602, 2.2708, 2.1986, 2.2607, 2.3470, 2.4145, 2.4389, 2.4315, 2.4102, 2.3917,
              2.3827, 2.3827]
    r_se = [0.42268, 0.50293, 0.52452, 0.52472, 0.53055, 0.53692, 0.53880, 0.53884, 0.53910,
            0.53952, 0.53970, 0.53971]
    frame = res.forecast(12, level=0.95)
    assert np.log(frame["median"]).to_numpy() == pytest.approx(r_pred, abs=1e-4)
    # forecast::Arima's sigma2 is SSE / (n - d - k) = (48 / 44) x arima's ML sigma^2
    # (R/arima.R line 898), so its forecast s.e. is predict's times sqrt(48 / 44)
    sd = np.log(frame["upper"] / frame["median"]).to_numpy() / 1.959963984540054
    assert sd == pytest.approx(np.array(r_se) * math.sqrt(48 / 44), abs=3e-5)
    # the lognormal mean of the back-transformed forecast is exp(mu + sd^2 / 2)
    assert frame["mean"].to_numpy() == pytest.approx(
        np.exp(np.array(r_pred) + sd ** 2 / 2), rel=2e-4)


def test_arima_with_a_linear_trend_matches_r_lakehuron():
    # R: arima(LakeHuron, order = c(2,0,0), xreg = time(LakeHuron) - 1920):
    #   ar1 1.0048 (0.0976), ar2 -0.2913 (0.1004), slope -0.0216 (0.0081);
    #   sigma^2 0.4566, aic = 212.4.  Our order (2, 0, 0) with drift is the same regression
    #   on time with AR(2) errors (the intercept differs only by the time origin).
    frame = pd.read_csv(DATA / "r_lakehuron.csv")
    level = frame["level_ft"].to_numpy()
    res = fit("arima", pd.Series(np.exp(level), index=frame["year"].to_numpy()), order=(2, 0, 0))
    assert round(res.params["ar1"], 4) == 1.0048
    assert round(res.params["ar2"], 4) == -0.2913
    assert round(res.params["drift"], 4) == -0.0216
    assert round(res.params["sigma2"], 4) == 0.4566
    assert res.stderr["ar1"] == pytest.approx(0.0976, abs=1e-4)
    assert res.stderr["ar2"] == pytest.approx(0.1004, abs=1.5e-4)
    assert res.stderr["drift"] == pytest.approx(0.0081, abs=1e-4)
    assert round(res.aic - 2 * float(level.sum()), 1) == 212.4


def test_ses_matches_fpp2_printed_forecasts_and_intervals(oil):
    # fpp2 section 7.1: fc <- ses(window(oil, start = 1996), h = 5); printed:
    #        Point Forecast    Lo 80    Hi 80    Lo 95    Hi 95
    #   2014       542.6806 504.4541 580.9070 484.2183 601.1429
    #   2015       542.6806 492.9073 592.4539 466.5589 618.8023
    #   2016       542.6806 483.5747 601.7864 452.2860 633.0752
    #   2017       542.6806 475.5269 609.8343 439.9778 645.3834
    #   2018       542.6806 468.3452 617.0159 428.9945 656.3667
    # and accuracy(fc): RMSE 28.12 (= sqrt(SSE / n)).  The widths need R's
    # sigma2 = SSE / (n - 2); statsmodels' SSE / n would make them 5.7% narrower.
    res = fit("ets", oil.loc[1996:], trend=None)
    r80 = [(504.4541, 580.9070), (492.9073, 592.4539), (483.5747, 601.7864),
           (475.5269, 609.8343), (468.3452, 617.0159)]
    r95 = [(484.2183, 601.1429), (466.5589, 618.8023), (452.2860, 633.0752),
           (439.9778, 645.3834), (428.9945, 656.3667)]
    for level, printed in ((0.8, r80), (0.95, r95)):
        frame = res.forecast(5, level=level)
        assert frame["median"].to_numpy() == pytest.approx([542.6806] * 5, abs=1e-3)
        assert frame["lower"].to_numpy() == pytest.approx([lo for lo, _ in printed], abs=5e-3)
        assert frame["upper"].to_numpy() == pytest.approx([hi for _, hi in printed], abs=5e-3)
    assert round(math.sqrt(res.sse / 18), 2) == 28.12
    assert round(res.params["alpha"], 4) == 0.8338 or round(res.params["alpha"], 4) == 0.8339


@pytest.mark.parametrize("options, r_loglik, r_sigma2, k", [
    # R ets(oil, model = "ANN"), ets(oil, "AAN"), ets(oil, "AAN", damped = TRUE): loglik and
    # sigma2 from statsmodels' fit_ets_results_nonseasonal.json (commit 1e1c89c0)
    ({"trend": None}, -285.07846207, 2405.9689539, 2),
    ({"damped": False}, -285.64745013, 2571.94347286, 4),
    ({"damped": True}, -284.64438385, 2524.87915822, 5),
])
def test_ets_likelihood_is_at_least_rs_on_fpp2_oil(oil, options, r_loglik, r_sigma2, k):
    # R's loglik for additive errors is -n/2 log(SSE) (R/ets.R), so "at least R's
    # likelihood" is "SSE at most R's"; R's SSE is sigma2 (n - k), sigma2 = SSE / (n - k)
    res = fit("ets", oil, **options)
    n = len(oil)
    assert len(res.cov) == k
    assert -0.5 * n * math.log(res.sse) >= r_loglik - 1e-6
    assert r_sigma2 * (n - k) == pytest.approx(math.exp(-2 * r_loglik / n), rel=1e-8)
    assert res.sigma ** 2 == pytest.approx(res.sse / (n - k), rel=1e-12)


def test_damped_ets_does_not_stop_at_the_scaled_fits_local_optimum():
    # a linear trend with noise: statsmodels from its default start on y / max|y| stops at
    # alpha = 1e-4, beta = 1e-8 (SSE 179.4 on y's scale) and reports success; the same
    # model on y itself reaches alpha = beta = 0.1316 (SSE 157.06).  Ours must reach the
    # better optimum whatever the scaling.
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    rng = np.random.default_rng(11)
    values = 100 + 5 * np.arange(20) + rng.standard_normal(20) * 3
    scaled = ETSModel(pd.Series(values / values.max()), error="add", trend="add",
                      damped_trend=True).fit(disp=False)
    unscaled = ETSModel(pd.Series(values), error="add", trend="add",
                        damped_trend=True).fit(disp=False)
    assert scaled.mle_retvals["converged"] and scaled.params.iloc[0] < 1e-3
    scaled_sse = float(scaled.sse) * values.max() ** 2
    assert float(unscaled.sse) < 0.9 * scaled_sse
    ours = fit("ets", pd.Series(values, index=range(2000, 2020)), damped=True)
    assert ours.sse <= float(unscaled.sse) * (1 + 1e-8)
    assert ours.params["alpha"] == pytest.approx(unscaled.params.iloc[0], rel=1e-3)


def test_random_walk_with_drift_closed_form_as_r_arima():
    # ARIMA(0,1,0) with drift on log y: the ML drift is the mean log step, the ML sigma2 the
    # mean squared deviation of the steps (over n - 1), and R's Arima reports
    # sigma^2 = SSE / (n - d - k) = SSE / (n - 2) (R/arima.R line 898: nstar = n - 1,
    # npar = 2 with sigma2).  predict.Arima's h-step variance is h sigma^2 (the drift's
    # own uncertainty is not added), normal quantiles.  The model solves this case in
    # closed form, so the agreement is to round-off.
    from statsmodels.tsa.arima.model import ARIMA

    rng = np.random.default_rng(8)
    steps = 0.3 + 0.08 * rng.standard_normal(11)
    z = np.concatenate([[2.0], 2.0 + np.cumsum(steps)])
    res = fit("arima", pd.Series(np.exp(z), index=range(2012, 2024)))
    drift = float(np.mean(steps))
    sse = float(np.sum((steps - drift) ** 2))
    assert res.params["drift"] == pytest.approx(drift, rel=1e-12)
    assert res.params["sigma2"] == pytest.approx(sse / 11, rel=1e-12)
    assert res.sigma ** 2 == pytest.approx(sse / 10, rel=1e-12)
    # observed information at the maximum: se(drift) = sqrt(sigma2 / m), se(sigma2) =
    # sigma2 sqrt(2 / m), m = 11 steps
    assert res.stderr["drift"] == pytest.approx(math.sqrt(sse / 11 / 11), rel=1e-12)
    assert res.stderr["sigma2"] == pytest.approx(sse / 11 * math.sqrt(2 / 11), rel=1e-12)
    frame = res.forecast(3, level=0.9)
    h = np.arange(1, 4)
    assert np.log(frame["median"]).to_numpy() == pytest.approx(z[-1] + drift * h, abs=1e-12)
    half = 1.6448536269514722 * np.sqrt(h * sse / 10)
    assert np.log(frame["upper"] / frame["median"]).to_numpy() == pytest.approx(half, rel=1e-10)
    # statsmodels maximises the same likelihood numerically: it lands within its tolerance
    # (drift to about 1e-5 of its value, 1/1000 of its standard error; Hessian standard
    # errors to 1e-3), with the same AIC; with the drift fixed the optimiser path is kept
    direct = ARIMA(z, order=(0, 1, 0), trend="t").fit(cov_type="approx")
    assert res.params["drift"] == pytest.approx(float(direct.params[0]), rel=1e-4)
    assert res.stderr["drift"] == pytest.approx(float(direct.bse[0]), rel=1e-3)
    assert res.aic == pytest.approx(float(direct.aic) + 2 * float(np.sum(z[1:])), abs=1e-5)
    assert fit("arima", pd.Series(np.exp(z), index=range(2012, 2024)),
               fixed={"drift": drift}).params["sigma2"] == pytest.approx(sse / 11, rel=1e-3)


def test_ets_extra_starts_matter_for_an_undamped_trend_on_top500():
    # Why every ETS fit, damped or not, is maximised from three starts: on the first 20
    # TOP500 lists of the #500 system (1993-06 to 2002-11), statsmodels' own start stops
    # at a Holt fit whose one-step SSE is 5.3 times the best one the extra starts reach
    # (both with alpha at its bound 0.9999, so "alpha at the bound" cannot tell them apart)
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    from forecast.analysis import top500

    y = top500.lists()["no500_rmax"].to_numpy(float)[:20]
    single = ETSModel(pd.Series(y / y.max()), error="add", trend="add",
                      initialization_method="estimated").fit(disp=False)
    ours = fit("ets", pd.Series(y))
    assert float(single.sse) * y.max() ** 2 > 5 * ours.sse
    assert single.params.iloc[0] == pytest.approx(0.9999) and ours.params["alpha"] == \
        pytest.approx(0.9999)


@pytest.fixture(scope="module")
def goog() -> pd.Series:
    """fpp2's goog (Google closing prices, US$, days 1-240); goog200 is days 1-200."""
    frame = pd.read_csv(DATA / "fpp2_goog.csv")
    return pd.Series(frame["close"].to_numpy(float), index=frame["day"].to_numpy())


def test_naive_intervals_match_fpp2_printed_goog200(goog):
    # Hyndman & Athanasopoulos, fpp2 section 3.5
    # (https://otexts.com/fpp2/prediction-intervals.html):
    #   naive(goog200)
    #       Point Forecast Lo 80 Hi 80 Lo 95 Hi 95
    #   201          531.5 523.5 539.4 519.3 543.6
    #   202          531.5 520.2 542.7 514.3 548.7
    #   205          531.5 513.7 549.3 504.3 558.7
    #   210          531.5 506.3 556.6 493.0 570.0
    res = fit("naive", goog.iloc[:200])
    f80, f95 = res.forecast(10, level=0.8), res.forecast(10, level=0.95)
    assert list(f80.index[[0, 9]]) == [201, 210]
    printed = {201: (523.5, 539.4, 519.3, 543.6), 202: (520.2, 542.7, 514.3, 548.7),
               205: (513.7, 549.3, 504.3, 558.7), 210: (506.3, 556.6, 493.0, 570.0)}
    for day, (lo80, hi80, lo95, hi95) in printed.items():
        assert f80.loc[day, "median"] == pytest.approx(531.5, abs=0.05)
        got = (f80.loc[day, "lower"], f80.loc[day, "upper"], f95.loc[day, "lower"],
               f95.loc[day, "upper"])
        assert got == pytest.approx((lo80, hi80, lo95, hi95), abs=0.051), day


def test_rwf_drift_and_snaive_follow_r_lagwalk_formulas(goog):
    # R/naive.R (robjhyndman/forecast, commit 02cc5bd1): forecast.lagwalk's
    # se = sqrt(mse * steps + (steps * drift.se)^2), mse = SSE / (m - 1) with a drift,
    # drift.se = lm's standard error of the mean change; steps = whole seasons ahead
    y = goog.iloc[:200]
    changes = np.diff(y.to_numpy())
    drift, s = changes.mean(), changes.std(ddof=1)
    res = fit("naive", y, drift=True)
    assert res.params["drift"] == pytest.approx(drift, rel=1e-12)
    assert res.stderr["drift"] == pytest.approx(s / math.sqrt(199), rel=1e-12)
    frame = res.forecast(5, level=0.95)
    h = np.arange(1, 6)
    assert frame["median"].to_numpy() == pytest.approx(y.iloc[-1] + h * drift, rel=1e-12)
    se = np.sqrt(s ** 2 * h + (h * s / math.sqrt(199)) ** 2)
    assert (frame["upper"] - frame["median"]).to_numpy() == pytest.approx(1.959963984540054 * se,
                                                                          rel=1e-12)
    # seasonal naive, lag 4: the last year repeats, the interval widens once per year
    quarters = pd.period_range("2020Q1", periods=12, freq="Q")
    quarterly = pd.Series(np.arange(1.0, 13.0) ** 1.5, index=quarters)
    seasonal = fit("naive", quarterly, lag=4).forecast(6, level=0.8)
    last_year = quarterly.to_numpy()[[8, 9, 10, 11, 8, 9]]
    assert seasonal["median"].to_numpy() == pytest.approx(last_year)
    width = (seasonal["upper"] - seasonal["lower"]).to_numpy()
    assert width[4] / width[0] == pytest.approx(math.sqrt(2), rel=1e-12)
    assert width[0] == pytest.approx(width[3], rel=1e-12)


def test_meanf_interval_is_student_t_with_sqrt_one_plus_one_over_n(goog):
    # R's meanf: mean +/- qt(0.5 + level/2, n - 1) * sd(y) * sqrt(1 + 1/n)
    from scipy import stats

    y = goog.iloc[:200]
    frame = fit("meanf", y).forecast(3, level=0.9)
    s = y.std(ddof=1)
    half = stats.t.ppf(0.95, 199) * s * math.sqrt(1 + 1 / 200)
    assert frame["median"].to_numpy() == pytest.approx(np.full(3, y.mean()), rel=1e-12)
    assert (frame["upper"] - frame["median"]).to_numpy() == pytest.approx(np.full(3, half),
                                                                          rel=1e-12)
