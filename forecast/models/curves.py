"""Growth curves of time: exponential (log-linear OLS), logistic and Gompertz (nonlinear LS).

All three accept unevenly spaced, repeated and unsorted time points (replicates
and event data, such as one row per machine at its decimal-year date), as R's
``nls`` and ``lm`` do.  ``t`` is the index value (years) or the decimal year for dated
indexes, so ``rate`` and ``growth`` are per year for yearly or dated series.

References
----------
Verhulst, P.-F. (1838), logistic growth; Gompertz, B. (1825); Meade, N. and
Islam, T. (2006), "Modelling and forecasting the diffusion of innovation - A
25-year review", International Journal of Forecasting 22(3), 519-545.

Oracles: logistic and Gompertz against R's printed ``nls`` output (R's own
examples on the DNase data, tests/test_models_reference.py); exponential
against ``numpy.polyfit`` on log y.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import expit

from forecast.errors import ParameterError
from forecast.models.base import (CurveModel, FitResult, Model, Prepared, gaussian_aic,
                                  log_scale_forecast, register, t_quantile)

_CAP_GRID = (1.05, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0)


def _linearised_start(t, y, fixed, transform, to_params, curve):
    """Starting values from a linearisation over a grid of candidate ceilings.

    For each candidate ceiling (the fixed one, or max(y) times 1.05 ... 10),
    ``transform(y / cap)`` is linear in t; its OLS slope and intercept give
    (rate, midpoint).  The candidate whose curve has the smallest SSE wins.
    """
    ymax = float(np.max(y))
    caps = [fixed["cap"]] if "cap" in fixed else [ymax * g for g in _CAP_GRID]
    best, best_sse = None, math.inf
    for cap in caps:
        ratio = np.clip(y / cap, 1e-9, 1 - 1e-9)
        z = transform(ratio)
        if np.ptp(t) == 0:
            slope, intercept = 1.0, -float(np.mean(t))
        else:
            slope, intercept = np.polyfit(t, z, 1)
        guess = {"cap": cap, **to_params(slope, intercept)}
        guess.update(fixed)
        if not (guess["rate"] > 0 and np.isfinite(guess["midpoint"])):
            continue
        with np.errstate(over="ignore", invalid="ignore"):
            sse = float(np.sum((curve(t, guess) - y) ** 2))
        if sse < best_sse:
            best, best_sse = guess, sse
    if best is None:  # data falling over time: a neutral start near the data
        best = {"cap": caps[0], "rate": 1.0 / max(np.ptp(t), 1.0), "midpoint": float(np.mean(t))}
        best.update(fixed)
    return best


@register("exponential")
class Exponential(Model):
    """Exponential growth: OLS of ln y on t, ``ln y = ln(level) + ln(1 + growth) (t - t_last)``.

    Parameters: ``growth`` (per unit of t; 0.44 means +44% a year), ``level``
    (fitted value at the last time point, unit of y), ``doubling_time``
    (``ln 2 / ln(1 + growth)``, units of t; derived from growth).  Standard
    errors of growth and level are the regression's (as R's ``lm`` prints them
    for the slope and intercept of log y) carried over by the delta method;
    ``cov`` is over the free parameters among (growth, level).

    Options: ``fixed`` may hold ``growth`` (or, equivalently, ``doubling_time``)
    and/or ``level``.  Intervals: the OLS prediction interval for log y
    (Student t on n - k df), exponentiated, so they are asymmetric on the scale
    of y: the forecast's ``median`` is ``exp(mu)``, its ``mean`` ``exp(mu + s^2/2)``.
    Accepts uneven, repeated and unsorted t (a regression: order does not
    matter); ``level`` is then the fitted value at the latest time.
    """

    param_names = ("growth", "level", "doubling_time")
    positive = True
    replicates = True
    unsorted = True
    formula = "ln y = ln(level) + ln(1 + growth) * (t - t_last)"

    def _check_fixed(self):
        if "growth" in self.fixed and "doubling_time" in self.fixed:
            raise ParameterError("fix growth or doubling_time, not both (one implies the other)",
                                 name="fixed", source=self.name, value=dict(self.fixed))
        for key in ("growth", "doubling_time", "level"):
            value = self.fixed.get(key)
            bad = (key == "growth" and value is not None and value <= -1) or \
                  (key != "growth" and value is not None and value <= 0)
            if bad:
                raise ParameterError(f"fixed {key} is out of range", name="fixed",
                                     source=self.name, value=value,
                                     expected="growth > -1, level > 0, doubling_time > 0")

    def free_names(self):
        free = []
        if "growth" not in self.fixed and "doubling_time" not in self.fixed:
            free.append("growth")
        if "level" not in self.fixed:
            free.append("level")
        return free

    def _fit(self, data: Prepared) -> FitResult:
        t, y = data.t, data.y
        z, x = np.log(y), t - np.max(t)
        beta = None
        if "growth" in self.fixed:
            beta = math.log1p(self.fixed["growth"])
        elif "doubling_time" in self.fixed:
            beta = math.log(2) / self.fixed["doubling_time"]
        alpha = math.log(self.fixed["level"]) if "level" in self.fixed else None

        # design columns: intercept (alpha = ln level) and slope (beta = ln(1 + growth)),
        # each only when free; fixed ones move into the offset
        names = ([] if alpha is not None else ["alpha"]) + ([] if beta is not None else ["beta"])
        offset = (alpha or 0.0) + (beta * x if beta is not None else 0.0)
        design = np.column_stack([np.ones_like(z) if nm == "alpha" else x for nm in names]) \
            if names else np.zeros((len(z), 0))
        k = len(names)
        coef = dict(zip(names, np.linalg.lstsq(design, z - offset, rcond=None)[0])) if k else {}
        alpha = float(coef.get("alpha", alpha if alpha is not None else 0.0))
        beta = float(coef.get("beta", beta if beta is not None else 0.0))
        n = len(z)
        df = n - k
        resid_log = z - (alpha + beta * x)
        sse = float(resid_log @ resid_log)
        sigma = math.sqrt(sse / df)
        cov_log = sigma ** 2 * np.linalg.inv(design.T @ design) if k else np.zeros((0, 0))
        se_log = dict(zip(names, np.sqrt(np.diag(cov_log))))

        growth, level = math.expm1(beta), math.exp(alpha)
        params = {"growth": growth, "level": level,
                  "doubling_time": math.log(2) / beta if beta > 0 else math.inf}
        stderr = {"growth": math.nan, "level": math.nan, "doubling_time": math.nan}
        if "beta" in se_log:
            stderr["growth"] = math.exp(beta) * float(se_log["beta"])
            stderr["doubling_time"] = (math.log(2) / beta ** 2 * float(se_log["beta"])
                                       if beta > 0 else math.nan)
        if "alpha" in se_log:
            stderr["level"] = level * float(se_log["alpha"])
        # cov over the free natural parameters (growth, level): delta method from (beta, alpha)
        free = self.free_names()
        source = {"growth": "beta", "level": "alpha"}
        deriv = {"growth": math.exp(beta), "level": level}
        cov = np.array([[cov_log[names.index(source[a]), names.index(source[b])]
                          * deriv[a] * deriv[b] for b in free] for a in free])

        fitted = pd.Series(np.exp(alpha + beta * x), index=data.series.index, name="fitted")

        def predict(horizon, t_future, level_):
            xf = t_future - np.max(t)
            rows = np.column_stack([np.ones_like(xf) if nm == "alpha" else xf for nm in names]) \
                if k else np.zeros((len(xf), 0))
            var = np.einsum("ij,jk,ik->i", rows, cov_log, rows) + sigma ** 2
            return log_scale_forecast(alpha + beta * xf, np.sqrt(var), t_quantile(level_, df))

        return FitResult(
            model=self.name, params=params, stderr=stderr,
            cov=pd.DataFrame(cov.reshape(len(free), len(free)), index=free, columns=free),
            sigma=sigma, sse=sse, aic=gaussian_aic(sse, n, k, float(np.sum(z))), n_obs=n,
            fitted=fitted, residuals=(data.series.astype(float) - fitted).rename("residuals"),
            options=self._options_record(), df_resid=df, formula=self.formula,
            interval_method=(f"OLS prediction interval for log y (Student t on {df} df), "
                             "exponentiated"),
            _axis=data.axis, _predict=predict)


@register("logistic")
class Logistic(CurveModel):
    """Logistic curve ``y = cap / (1 + exp(-rate * (t - midpoint)))``.

    Parameters: ``cap`` (ceiling, unit of y, > 0), ``rate`` (per unit of t,
    > 0), ``midpoint`` (t at which y = cap / 2).  R's ``SSlogis(x, Asym, xmid,
    scal)`` is the same curve with Asym = cap, xmid = midpoint, scal = 1 / rate.

    Starting values: OLS of the log-odds ``log(y / (cap - y))`` on t over a grid
    of candidate ceilings.  Options: ``fixed={...}``, ``start={...}``.
    Intervals: delta method on the parameter covariance plus residual variance
    (see :class:`~forecast.models.base.CurveModel`).
    """

    param_names = ("cap", "rate", "midpoint")
    bounds = {"cap": (0.0, np.inf), "rate": (0.0, np.inf)}
    scale_params = ("cap",)
    formula = "y = cap / (1 + exp(-rate * (t - midpoint)))"

    def _curve(self, t, p):
        return p["cap"] * expit(p["rate"] * (t - p["midpoint"]))

    def _jacobian(self, t, p):
        s = expit(p["rate"] * (t - p["midpoint"]))
        slope = p["cap"] * s * (1 - s)
        return {"cap": s, "rate": slope * (t - p["midpoint"]), "midpoint": -slope * p["rate"]}

    def _initial_guess(self, t, y, fixed):
        return _linearised_start(
            t, y, fixed, lambda r: np.log(r / (1 - r)),
            lambda slope, intercept: {"rate": slope,
                                      "midpoint": -intercept / slope if slope else 0.0},
            self._curve)

    def hints(self):
        return ["fix the ceiling, e.g. fixed={'cap': 5.6e22} (a published saturation level)",
                "give starting values, e.g. start={'cap': ..., 'rate': ..., 'midpoint': ...}",
                "use the exponential model when the data show no slowdown yet"]


@register("gompertz")
class Gompertz(CurveModel):
    """Gompertz curve ``y = cap * exp(-exp(-rate * (t - midpoint)))``.

    Parameters: ``cap`` (ceiling, unit of y, > 0), ``rate`` (per unit of t,
    > 0), ``midpoint`` (the inflection time, where y = cap / e).  R's
    ``SSgompertz(x, Asym, b2, b3) = Asym * exp(-b2 * b3^x)`` is the same curve
    with Asym = cap, b3 = exp(-rate), b2 = exp(rate * midpoint).

    Starting values: OLS of ``log(-log(y / cap))`` on t over a grid of candidate
    ceilings.  Options: ``fixed={...}``, ``start={...}``.  Intervals: delta
    method on the parameter covariance plus residual variance.
    """

    param_names = ("cap", "rate", "midpoint")
    bounds = {"cap": (0.0, np.inf), "rate": (0.0, np.inf)}
    scale_params = ("cap",)
    formula = "y = cap * exp(-exp(-rate * (t - midpoint)))"

    def _curve(self, t, p):
        with np.errstate(over="ignore"):
            return p["cap"] * np.exp(-np.exp(-p["rate"] * (t - p["midpoint"])))

    def _jacobian(self, t, p):
        log_u = -p["rate"] * (t - p["midpoint"])
        with np.errstate(over="ignore"):
            e = np.exp(-np.exp(log_u))
            ue = np.exp(log_u - np.exp(log_u))  # u * exp(-u) without inf * 0
        slope = p["cap"] * ue
        return {"cap": e, "rate": slope * (t - p["midpoint"]), "midpoint": -slope * p["rate"]}

    def _initial_guess(self, t, y, fixed):
        return _linearised_start(
            t, y, fixed, lambda r: np.log(-np.log(r)),
            lambda slope, intercept: {"rate": -slope,
                                      "midpoint": intercept / -slope if slope else 0.0},
            self._curve)

    hints = Logistic.hints
