"""Statistical time-series models from statsmodels behind the common fit interface.

* ``ets``: exponential smoothing state-space model with additive errors
  (``statsmodels.tsa.exponential_smoothing.ets.ETSModel``), optional additive
  and damped trend, optionally on log y (then multiplicative growth).
* ``arima``: ``statsmodels.tsa.arima.model.ARIMA`` on log y, with drift.

Both need one value per period, evenly spaced.  Their parameters, standard
errors, covariance and prediction intervals are statsmodels' (maximum
likelihood; intervals from the state-space forecast variance), renamed to
short names and back-transformed from the log scale when fitted on logs.
Convergence is checked from statsmodels' optimiser report and a failure
raises ``ConvergenceError`` instead of returning the last iterate.

Oracle: tests/test_models.py fits ``ETSModel`` and ``ARIMA`` directly and
compares parameters and forecasts.

References
----------
Hyndman, R. J., Koehler, A. B., Ord, J. K. and Snyder, R. D. (2008),
*Forecasting with Exponential Smoothing: The State Space Approach*, Springer.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from forecast.errors import ConvergenceError, ParameterError
from forecast.models.base import FitResult, Model, Prepared, gaussian_aic, register

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
    residual standard error on the fitted scale on ``n - k`` degrees of freedom.
    Intervals: statsmodels' analytic prediction intervals of the additive-error
    model (exponentiated with ``log=True``).  Without ``log`` the series is
    divided by max|y| before fitting (FLOP/s near 1e21 would defeat the
    optimiser) and the results scaled back.
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
            if fixed:
                with model.fix_params(fixed):
                    result = model.fit(disp=False)
            else:
                result = model.fit(disp=False)
            _checked(self.name, result, self.hints())
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
        sse_model = float(resid_z @ resid_z) * (1.0 if log else scale ** 2)
        fitted = pd.Series(fitted_y, index=data.series.index, name="fitted")

        def predict(horizon, t_future, level):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = result.get_prediction(start=n, end=n + horizon - 1).summary_frame(
                    alpha=1 - level)
            mean, lower, upper = (np.asarray(frame[c], dtype=float)
                                  for c in ("mean", "pi_lower", "pi_upper"))
            if log:
                return np.exp(mean), np.exp(lower), np.exp(upper)
            return mean * scale, lower * scale, upper * scale

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
            interval_method="statsmodels ETSModel analytic prediction intervals"
                            + (", exponentiated" if log else ""),
            _axis=data.axis, _predict=predict)


@register("arima")
class ARIMA(Model):
    """ARIMA(p, d, q) on log y via statsmodels, with drift.

    Options: ``order=(p, d, q)`` (default (0, 1, 0): a random walk with drift on
    log y, i.e. constant expected growth), ``drift`` (bool, default True: with
    d = 1 a constant in the differences = log growth per period; with d = 0 a
    linear trend in log y; not allowed with d = 2), ``fixed={...}``.
    Parameters: ``const`` (d = 0), ``drift``, ``ar1..arp``, ``ma1..maq``,
    ``sigma2`` (innovation variance on log scale).  Standard errors and
    covariance: statsmodels' (observed information).  The likelihood is
    maximised by statsmodels' default L-BFGS, falling back to Nelder-Mead when
    L-BFGS stops early; when neither converges, ``ConvergenceError``.  ``fitted`` is NaN for the
    first d periods (no prediction without history).  ``sigma`` is the residual
    standard error of the remaining one-step errors on ``n - d - k``
    degrees of freedom (k = free parameters other than sigma2).
    Intervals: statsmodels' state-space forecast intervals on log y,
    exponentiated.
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
        if fixed:
            with model.fix_params(fixed):
                return model.fit(method_kwargs=method_kwargs)
        return model.fit(method_kwargs=method_kwargs)

    def _fit(self, data: Prepared) -> FitResult:
        from statsmodels.tsa.arima.model import ARIMA as SmARIMA

        order = self.options["order"]
        d = order[1]
        z = np.log(data.y)
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
            bse = np.asarray(result.bse, dtype=float)
            cov_all = np.asarray(result.cov_params(), dtype=float)
        values = dict(zip(sm_names, np.asarray(result.params, dtype=float)))
        free = self.free_names()
        params = {nm: float(values[mapping[nm]]) for nm in names}
        stderr = {nm: math.nan for nm in names}
        stderr.update({nm: float(bse[sm_names.index(mapping[nm])]) for nm in free})
        positions = [sm_names.index(mapping[nm]) for nm in free]
        cov = cov_all[np.ix_(positions, positions)] if free else np.zeros((0, 0))

        fitted_z = np.asarray(result.fittedvalues, dtype=float).copy()
        fitted_z[:d] = np.nan  # the state-space fit has no information before d observations
        resid_z = (z - fitted_z)[d:]
        n = len(z)
        k_mean = len([nm for nm in free if nm != "sigma2"])
        df = n - d - k_mean
        sse = float(resid_z @ resid_z)
        fitted = pd.Series(np.exp(fitted_z), index=data.series.index, name="fitted")

        def predict(horizon, t_future, level):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame = result.get_forecast(horizon).summary_frame(alpha=1 - level)
            return tuple(np.exp(np.asarray(frame[c], dtype=float))
                         for c in ("mean", "mean_ci_lower", "mean_ci_upper"))

        return FitResult(
            model=self.name, params=params, stderr=stderr,
            cov=pd.DataFrame(cov, index=free, columns=free), sigma=math.sqrt(sse / df), sse=sse,
            aic=float(result.aic) + 2 * float(np.sum(z[d:])), n_obs=n, fitted=fitted,
            residuals=(data.series.astype(float) - fitted).rename("residuals"),
            options=self._options_record(), df_resid=df,
            formula=f"ARIMA{order} on log y" + (" with drift" if self.options["drift"] else ""),
            interval_method=("statsmodels ARIMA state-space forecast intervals on log y, "
                             "exponentiated"),
            _axis=data.axis, _predict=predict)
