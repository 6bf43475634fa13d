"""Statistical time-series models from statsmodels behind the common fit interface.

* ``ets``: exponential smoothing state-space model with additive errors
  (``statsmodels.tsa.exponential_smoothing.ets.ETSModel``), optional additive
  and damped trend, optionally on log y (then multiplicative growth).
* ``arima``: ``statsmodels.tsa.arima.model.ARIMA`` on log y, with drift.

Both need one value per period, evenly spaced, in time order: they are time
series, each value read after the one before it.  Parameters are maximum
likelihood (statsmodels), renamed to short names; standard errors come from
the observed information (the numerical Hessian, ``cov_type="approx"``, which
is what R's ``arima`` prints).  Prediction intervals follow R's ``forecast``
package, not statsmodels' defaults: the innovation variance is the
df-corrected ``SSE / (n - k)`` (``R/ets.R``: ``sigma2 <- sum(res^2) / (ny - np)``;
``R/arima.R``: ``sum(res^2) / (nstar - npar + 1)``, i.e. ``n - d - k``), not the
maximum-likelihood ``SSE / n``, with normal quantiles as R's ``qnorm``.
Convergence is checked from statsmodels' optimiser report and a failure
raises ``ConvergenceError`` instead of returning the last iterate.

Oracles: tests/test_models_reference.py, against R's printed ``arima`` output
(wch/r-source tests/Examples/stats-Ex.Rout.save) and R's ``ets`` fits to the
fpp2 oil series saved by statsmodels' R script (docs/references/r-ets-oil.md).

References
----------
Hyndman, R. J., Koehler, A. B., Ord, J. K. and Snyder, R. D. (2008),
*Forecasting with Exponential Smoothing: The State Space Approach*, Springer.
"""

from __future__ import annotations

import contextlib
import math
import warnings

import numpy as np
import pandas as pd

from scipy import stats

from forecast.errors import ConvergenceError, ParameterError
from forecast.models.base import (FitResult, Model, Prepared, gaussian_aic, log_scale_forecast,
                                  register)

#: smoothing parameters tried as starting points of the ETS likelihood (besides
#: statsmodels' own start): the likelihood of a damped trend has local optima, and
#: a single start can stop at one with alpha near 0 far below R's optimum
#: (each start costs a full optimisation, so the grid is small: low and high alpha)
_ETS_STARTS = {"alpha": (0.2, 0.9), "phi": (0.9,)}


def _normal_quantile(level: float) -> float:
    """R's ``qnorm(0.5 + level / 2)``: forecast intervals of ets and Arima are normal."""
    return float(stats.norm.ppf(0.5 + level / 2))

_ETS_NAMES = {"alpha": "smoothing_level", "beta": "smoothing_trend", "phi": "damping_trend",
              "initial_level": "initial_level", "initial_trend": "initial_trend"}


def _checked(model: str, result, hints):
    retvals = getattr(result, "mle_retvals", None) or {}
    if retvals.get("converged") is False:
        raise ConvergenceError(model, "the likelihood optimiser did not converge "
                               f"({retvals.get('warnflag', 'no detail')})", hints)
    return result


@register("ets")
class ETS(Model):
    """Exponential smoothing (ETS with additive errors) via statsmodels' ``ETSModel``.

    Options: ``trend`` ("add" or None), ``damped`` (bool, needs a trend),
    ``log`` (bool: fit on log y and back-transform, i.e. growth in percent),
    ``fixed={...}`` for any parameter.  Parameters: ``alpha`` (level
    smoothing), ``beta`` (trend smoothing), ``phi`` (damping, when damped),
    ``initial_level``, ``initial_trend`` (unit of y, or log y with ``log=True``).

    ``sse`` is on the scale of y (one-step-ahead errors); ``sigma`` is the
    residual standard error on the fitted scale on ``n - k`` degrees of freedom
    (k = estimated parameters including the initial states), R's ``ets``
    ``sigma2 = SSE / (n - k)``.  Intervals: the analytic forecast variance of the
    additive-error model (Hyndman et al. 2008, class 1) times that sigma2, normal
    quantiles, as R's ``forecast.ets`` (exponentiated with ``log=True``: then
    ``median`` and ``mean`` differ).  Without ``log`` the series is divided by
    max|y| before fitting (FLOP/s near 1e21 would defeat the optimiser) and the
    results scaled back.  The likelihood is maximised from statsmodels' start
    and from a small grid of smoothing parameters, keeping the best: one start
    can stop at a poor local optimum of a damped trend.
    """

    defaults = {"trend": "add", "damped": False, "log": False}

    def all_param_names(self):
        trend = self.options.get("trend")
        names = ["alpha"] + (["beta"] if trend else [])
        names += ["phi"] if self.options.get("damped") else []
        return tuple(names + ["initial_level"] + (["initial_trend"] if trend else []))

    def _check_options(self):
        if self.options["trend"] not in ("add", None):
            raise ParameterError("unknown ETS trend", name="trend", source=self.name,
                                 expected="'add' or None", value=self.options["trend"])
        if self.options["damped"] and not self.options["trend"]:
            raise ParameterError("a damped trend needs trend='add'", name="damped",
                                 source=self.name, value=True)
        self.positive = bool(self.options["log"])

    def hints(self):
        return ["fix the smoothing parameters, e.g. fixed={'alpha': 0.5}",
                "use a simpler model (trend=None, damped=False) on a short series"]

    def _fit(self, data: Prepared) -> FitResult:
        from statsmodels.tsa.exponential_smoothing.ets import ETSModel

        log = self.options["log"]
        y = data.y
        scale = 1.0 if log else (float(np.max(np.abs(y))) or 1.0)
        z = np.log(y) if log else y / scale
        scaled = {"initial_level", "initial_trend"} if not log else set()
        fixed = {_ETS_NAMES[k]: (v / scale if k in scaled else v) for k, v in self.fixed.items()}
        model = ETSModel(pd.Series(z), error="add", trend=self.options["trend"],
                         damped_trend=bool(self.options["damped"]),
                         initialization_method="estimated")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = self._best_fit(model, fixed)
            bse = np.asarray(result.bse, dtype=float)
            cov_all = np.asarray(result.cov_params(), dtype=float)
        sm_names = list(model.param_names)
        names = self.all_param_names()
        free = self.free_names()
        values = dict(zip(sm_names, np.asarray(result.params, dtype=float)))
        unscale = {nm: (scale if nm in scaled else 1.0) for nm in names}
        params = {nm: float(values[_ETS_NAMES[nm]] * unscale[nm]) for nm in names}
        positions = [sm_names.index(_ETS_NAMES[nm]) for nm in free]
        stderr = {nm: math.nan for nm in names}
        stderr.update({nm: float(bse[sm_names.index(_ETS_NAMES[nm])]) * unscale[nm] for nm in free})
        factor = np.array([unscale[nm] for nm in free])
        cov = cov_all[np.ix_(positions, positions)] * np.outer(factor, factor) if free \
            else np.zeros((0, 0))

        fitted_z = np.asarray(result.fittedvalues, dtype=float)
        fitted_y = np.exp(fitted_z) if log else fitted_z * scale
        resid_z = z - fitted_z
        n, k = len(y), len(free)
        df = n - k
        sse_z = float(resid_z @ resid_z)
        sse_model = sse_z * (1.0 if log else scale ** 2)
        sigma2_z = sse_z / df  # R: sigma2 <- sum(residuals^2) / (ny - np)
        fitted = pd.Series(fitted_y, index=data.series.index, name="fitted")

        def moments(horizon):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pred = result.get_prediction(start=n, end=n + horizon - 1)
            centre = np.asarray(pred.predicted_mean, dtype=float)
            # statsmodels scales the relative variance c_h = 1 + sum c_j^2 by SSE / n
            relative = np.asarray(pred.forecast_variance, dtype=float) / float(result.mse)
            return centre, np.sqrt(sigma2_z * relative)

        moments = _per_horizon(moments)

        def predict(horizon, t_future, level):
            centre, sd = moments(horizon)
            q = _normal_quantile(level)
            if log:
                return log_scale_forecast(centre, sd, q)
            centre = centre * scale
            return centre, centre, centre - q * sd * scale, centre + q * sd * scale

        residuals = data.series.astype(float) - fitted
        trend_code = "Ad" if self.options["damped"] else "A" if self.options["trend"] else "N"
        return FitResult(
            model=self.name, params=params, stderr=stderr,
            cov=pd.DataFrame(cov, index=free, columns=free), sigma=math.sqrt(sse_model / df),
            sse=float(residuals @ residuals),
            aic=gaussian_aic(sse_model, n, k, float(np.sum(z)) if log else 0.0), n_obs=n,
            fitted=fitted, residuals=residuals.rename("residuals"),
            options=self._options_record(), df_resid=df,
            formula=(f"ETS(A,{trend_code},N)" + (" on log y" if log else "")),
            interval_method=(f"analytic ETS forecast variance with sigma2 = SSE / (n - k) on {df} "
                             "df, normal quantiles (as R's forecast.ets)"
                             + (", exponentiated" if log else "")),
            _axis=data.axis, _predict=predict)

    def _best_fit(self, model, fixed):
        """Maximise the likelihood from several starts; the converged fit with the best llf.

        Each start is a full L-BFGS run; only the winner is turned into a results
        object (statsmodels' ``smooth``, which also computes the Hessian for the
        standard errors), the others are compared by their log-likelihood alone.
        """
        def context():
            return model.fix_params(fixed) if fixed else contextlib.nullcontext()

        runs = []

        def attempt(**kwargs):
            # statsmodels' fit() ends with smooth(params), a full results object with a
            # numerical Hessian; a stand-in keeps the optimiser's report and the
            # parameters, so losing starts cost only their optimisation
            model.smooth = lambda params, return_raw=False: _Run(np.asarray(params, float))
            try:
                with context():
                    run = model.fit(disp=False, **kwargs)
                    run.llf = float(model.loglike(run.params))
            finally:
                del model.smooth
            runs.append(run)

        attempt()
        names = list(model.param_names)
        if not fixed:  # starts are full parameter vectors; with fixed ones keep the default
            default = np.asarray(model.start_params, dtype=float)
            phis = _ETS_STARTS["phi"] if "damping_trend" in names else (None,)
            for alpha in _ETS_STARTS["alpha"]:
                for phi in phis:
                    start = default.copy()
                    start[names.index("smoothing_level")] = alpha
                    if "smoothing_trend" in names:
                        start[names.index("smoothing_trend")] = 0.1 * alpha
                    if phi is not None:
                        start[names.index("damping_trend")] = phi
                    try:
                        attempt(start_params=start)
                    except (ValueError, np.linalg.LinAlgError):
                        continue
        converged = [r for r in runs
                     if (r.mle_retvals or {}).get("converged") is not False
                     and np.isfinite(r.llf)]
        best = max(converged, key=lambda r: r.llf) if converged else runs[0]
        with context():
            result = model.smooth(best.params)
        result.mlefit, result.mle_retvals = best.mlefit, best.mle_retvals
        result.mle_settings = best.mle_settings
        if not converged:
            return _checked(self.name, result, self.hints())
        return result


class _Run:
    """One optimisation of an ETS likelihood: its parameters, report and llf."""

    __slots__ = ("params", "mle_retvals", "mle_settings", "mlefit", "llf")

    def __init__(self, params):
        self.params = params
        self.mle_retvals = self.mle_settings = self.mlefit = None
        self.llf = math.nan


def _per_horizon(moments):
    """Memoise ``moments(horizon) -> (centre, sd)`` of a fitted model.

    The forecast mean and standard deviation do not depend on the interval
    level, and step j does not depend on the horizon asked for, so a second
    level (the skill table asks for 80% and 95%) or a shorter horizon reuses
    the arrays of the longest horizon computed so far.
    """
    cache = {}

    def cached(horizon):
        if cache.get("horizon", 0) < horizon:
            cache["horizon"], cache["value"] = horizon, moments(horizon)
        centre, sd = cache["value"]
        return centre[:horizon].copy(), sd[:horizon].copy()

    return cached


@register("arima")
class ARIMA(Model):
    """ARIMA(p, d, q) on log y via statsmodels, with drift.

    Options: ``order=(p, d, q)`` (default (0, 1, 0): a random walk with drift on
    log y, i.e. constant expected growth), ``drift`` (bool, default True: with
    d = 1 a constant in the differences = log growth per period; with d = 0 a
    linear trend in log y; not allowed with d = 2), ``fixed={...}``.
    Parameters: ``const`` (d = 0), ``drift``, ``ar1..arp``, ``ma1..maq``,
    ``sigma2`` (maximum-likelihood innovation variance on log scale, R's
    ``arima``).  Standard errors and covariance: observed information (the
    numerical Hessian, statsmodels ``cov_type="approx"``), as R's ``arima``
    prints them.  The likelihood is
    maximised by statsmodels' default L-BFGS, falling back to Nelder-Mead when
    L-BFGS stops early; when neither converges, ``ConvergenceError``.  The
    default ARIMA(0,1,0) (a random walk, with or without drift) has a closed-form
    maximum (the mean step and the steps' variance) used instead of the
    optimiser: same likelihood, exact maximum (see ``_random_walk``).  ``fitted`` is NaN for the
    first d periods (no prediction without history).  ``sigma ** 2`` is the
    innovation variance on ``n - d - k`` degrees of freedom (k = free parameters
    other than sigma2), ``sigma2 * (n - d) / (n - d - k)``: what R's ``Arima``
    prints as ``sigma^2`` (the sum of its standardised residuals over
    ``nstar - npar + 1``), where ``params["sigma2"]`` is ``arima``'s ML value.
    Intervals: the state-space forecast variance of log y with the innovation
    variance df-corrected as R's ``Arima`` does (``sigma2 * (n - d) / (n - d - k)``),
    normal quantiles, exponentiated (``median = exp(mu)``, ``mean =
    exp(mu + s^2/2)``).  ``aic`` is the likelihood of the last n - d observations
    (plus the Jacobian of log y on them); with d >= 1 it is not comparable with
    models fitted to all n, which ``aic_note`` says.
    """

    positive = True
    defaults = {"order": (0, 1, 0), "drift": True}

    def _check_options(self):
        order = self.options["order"]
        if (not isinstance(order, (tuple, list)) or len(order) != 3
                or not all(isinstance(v, (int, np.integer)) and v >= 0 for v in order)):
            raise ParameterError("must be three non-negative integers (p, d, q)", name="order",
                                 source=self.name, value=order)
        if self.options["drift"] and order[1] >= 2:
            raise ParameterError("drift with d >= 2 would be a polynomial trend; set drift=False",
                                 name="drift", source=self.name, value=True)
        self.options["order"] = tuple(int(v) for v in order)

    def _trend(self) -> str:
        p, d, q = self.options["order"]
        if d == 0:
            return "ct" if self.options["drift"] else "c"
        return "t" if self.options["drift"] else "n"

    def all_param_names(self):
        p, d, q = self.options["order"]
        trend = self._trend()
        names = (["const"] if "c" in trend else []) + (["drift"] if "t" in trend else [])
        return tuple(names + [f"ar{i}" for i in range(1, p + 1)]
                     + [f"ma{i}" for i in range(1, q + 1)] + ["sigma2"])

    def min_obs(self):
        d = self.options["order"][1]
        k = len(self.free_names())
        return d + k + 1, f"{d} lost to differencing + {k} free parameters + 1"

    def hints(self):
        return ["use a smaller order, e.g. order=(0, 1, 0)",
                "fix a coefficient, e.g. fixed={'ar1': 0.5}"]

    @staticmethod
    def _sm_name(name: str) -> str:
        if name == "drift":
            return "x1"
        if name[:2] in ("ar", "ma") and name[2:].isdigit():
            return f"{name[:2]}.L{name[2:]}"
        return name

    @staticmethod
    def _maximise(model, fixed, method_kwargs):
        # cov_type="approx": the numerical Hessian (observed information), which is
        # what R's arima prints; statsmodels' default "opg" differs by O(1/sqrt(n))
        if fixed:
            with model.fix_params(fixed):
                return model.fit(method_kwargs=method_kwargs, cov_type="approx")
        return model.fit(method_kwargs=method_kwargs, cov_type="approx")

    def _random_walk(self, z: np.ndarray):
        """ARIMA(0,1,0), with or without drift, in closed form; None where it does not apply.

        The likelihood of the steps ``dz ~ N(drift, sigma2)`` (the first value
        conditioned on, as the diffuse state-space likelihood does) is maximised
        by the mean step and the mean squared deviation over n - 1; the observed
        information at that maximum gives ``se(drift) = sqrt(sigma2 / (n - 1))``
        and ``se(sigma2) = sigma2 sqrt(2 / (n - 1))``, uncorrelated; the h-step
        forecast is ``z_n + h drift`` with variance ``h sigma2``.  statsmodels
        maximises the same likelihood numerically and agrees to its tolerance
        (drift to about 5e-6, standard errors to 2e-4 relative).  Not used with
        fixed parameters, or when the steps are (nearly) exactly constant, where
        statsmodels' bounded optimiser is kept.
        """
        if self.options["order"] != (0, 1, 0) or self.fixed:
            return None
        steps = np.diff(z)
        m = len(steps)
        drift = float(np.mean(steps)) if self.options["drift"] else 0.0
        sigma2 = float(np.mean((steps - drift) ** 2))
        if not sigma2 > 1e-10 * max(1.0, drift ** 2):
            return None
        k = 2 if self.options["drift"] else 1
        llf = -0.5 * m * (math.log(2 * math.pi * sigma2) + 1)
        names = (["drift"] if self.options["drift"] else []) + ["sigma2"]
        values = {"drift": drift, "sigma2": sigma2}
        variances = {"drift": sigma2 / m, "sigma2": 2 * sigma2 ** 2 / m}
        cov = np.diag([variances[nm] for nm in names])
        fitted_z = np.r_[np.nan, z[:-1] + drift]
        last = float(z[-1])

        def moments(horizon):
            h = np.arange(1, horizon + 1, dtype=float)
            return last + drift * h, h * sigma2

        return ({nm: values[nm] for nm in names}, cov, fitted_z, -2 * llf + 2 * k, moments)

    def _state_space(self, z: np.ndarray):
        """statsmodels' ARIMA maximum likelihood: values, cov, fitted, AIC and moments."""
        from statsmodels.tsa.arima.model import ARIMA as SmARIMA

        order = self.options["order"]
        model = SmARIMA(z, order=order, trend=self._trend())
        sm_names = list(model.param_names)
        names = self.all_param_names()
        mapping = {nm: self._sm_name(nm) for nm in names}
        missing = [nm for nm in names if mapping[nm] not in sm_names]
        if missing:  # pragma: no cover - guards a statsmodels naming change
            raise ConvergenceError(self.name, f"statsmodels has no parameter for {missing}", [])
        fixed = {mapping[k]: v for k, v in self.fixed.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = self._maximise(model, fixed, None)
            if not (result.mle_retvals or {}).get("converged", True):
                # L-BFGS often stops on a line search when sigma2 is tiny (log growth
                # with little noise); Nelder-Mead then finishes the job.  If it also
                # fails, _checked raises.
                result = self._maximise(model, fixed, {"method": "nm", "maxiter": 5000})
            _checked(self.name, result, self.hints())
            cov_all = np.asarray(result.cov_params(), dtype=float)
        values = dict(zip(sm_names, np.asarray(result.params, dtype=float)))
        free = self.free_names()
        positions = [sm_names.index(mapping[nm]) for nm in free]
        cov = cov_all[np.ix_(positions, positions)] if free else np.zeros((0, 0))

        def moments(horizon):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                pred = result.get_forecast(horizon)
            return (np.asarray(pred.predicted_mean, dtype=float),
                    np.asarray(pred.var_pred_mean, dtype=float))

        return ({nm: float(values[mapping[nm]]) for nm in names}, cov,
                np.asarray(result.fittedvalues, dtype=float).copy(), float(result.aic), moments)

    def _fit(self, data: Prepared) -> FitResult:
        order = self.options["order"]
        d = order[1]
        z = np.log(data.y)
        solved = self._random_walk(z) or self._state_space(z)
        params, cov, fitted_z, aic_z, ml_moments = solved
        names, free = self.all_param_names(), self.free_names()
        params = {nm: float(params[nm]) for nm in names}
        stderr = {nm: math.nan for nm in names}
        with np.errstate(invalid="ignore"):
            stderr.update({nm: float(np.sqrt(cov[i, i])) for i, nm in enumerate(free)})
        fitted_z[:d] = np.nan  # the state-space fit has no information before d observations
        resid_z = (z - fitted_z)[d:]
        n = len(z)
        k_mean = len([nm for nm in free if nm != "sigma2"])
        df = n - d - k_mean
        sse = float(resid_z @ resid_z)
        fitted = pd.Series(np.exp(fitted_z), index=data.series.index, name="fitted")
        # R/arima.R: sigma2 <- sum(residuals^2) / (nstar - npar + 1) = SSE / (n - d - k);
        # the forecast variance is proportional to sigma2, so rescale the ML one
        correction = (n - d) / df if df > 0 else math.inf

        def moments(horizon):
            centre, variance = ml_moments(horizon)
            return centre, np.sqrt(variance * correction)

        moments = _per_horizon(moments)

        def predict(horizon, t_future, level):
            centre, sd = moments(horizon)
            return log_scale_forecast(centre, sd, _normal_quantile(level))

        return FitResult(
            model=self.name, params=params, stderr=stderr,
            cov=pd.DataFrame(cov, index=free, columns=free),
            sigma=math.sqrt(params["sigma2"] * correction), sse=sse,
            aic=aic_z + 2 * float(np.sum(z[d:])), n_obs=n, fitted=fitted,
            aic_note=(f"the ARIMA likelihood with d = {d} covers the last {n - d} of {n} "
                      "observations" if d else ""),
            residuals=(data.series.astype(float) - fitted).rename("residuals"),
            options=self._options_record(), df_resid=df,
            formula=f"ARIMA{order} on log y" + (" with drift" if self.options["drift"] else ""),
            interval_method=("state-space forecast variance on log y with sigma2 = SSE / "
                             f"(n - d - k) on {df} df (as R's Arima), normal quantiles, "
                             "exponentiated"),
            _axis=data.axis, _predict=predict)
