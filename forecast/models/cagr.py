"""Compound annual growth from first to last observation: a random walk with drift on log y.

The CAGR ``(y_last / y_first) ** (1 / (t_last - t_first)) - 1`` is exactly the
maximum-likelihood drift of a random walk with drift on log y whose step
variance is proportional to the time step: with ``z_i = ln y_i - ln y_(i-1)``
over steps ``d_i``, ``drift = sum(z) / sum(d) = ln(y_last / y_first) / span``.
That model also gives honest intervals (Hyndman & Athanasopoulos,
*Forecasting: Principles and Practice*, 3rd ed., section 5.5, drift method):
for a point ``h`` units of t ahead,
``var(ln y) = sigma^2 * (h + h^2 / span)`` (the second term is the drift's
uncertainty; drop it when the growth is fixed).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from forecast.models.base import (FitResult, Model, Prepared, log_scale_forecast, prepare,
                                  register, t_quantile)


@register("cagr")
class CAGR(Model):
    """Constant growth between the first and last observations.

    Parameters: ``growth`` (per unit of t, 0.44 means +44% a year).  Options:
    ``fixed={'growth': g}`` projects at a given rate and estimates only the
    volatility.  ``sigma`` is the standard deviation of log growth per unit of
    t (``z_i / sqrt(d_i)`` around the drift) on ``n - 1 - k`` degrees of freedom;
    ``stderr['growth'] = (1 + g) * sigma / sqrt(span)``.  ``fitted`` is the
    constant-growth path through the first observation
    (``y_first * (1 + g) ** (t - t_first)``).  ``aic`` is NaN: the model
    describes growth steps, not the levels other models fit, so its AIC is not
    comparable.  Intervals: random walk with drift on log y, exponentiated.
    Time points must be distinct; uneven spacing is allowed.
    """

    param_names = ("growth",)
    positive = True
    formula = "ln y_t = ln y_(t-d) + ln(1 + growth) * d + e,  var(e) = sigma^2 * d"

    def min_obs(self):
        k = len(self.free_names())
        return k + 2, f"{k + 1} growth steps: {k} for the growth + 1 for its volatility"

    def fit(self, y):
        # distinct times are required, even spacing is not: validate as a curve model
        # would, then refuse replicates here
        minimum, reason = self.min_obs()
        data = prepare(y, self.name, min_obs=minimum, min_reason=reason, positive=True,
                       replicates=True)
        if (np.diff(data.t) == 0).any():
            prepare(y, self.name, min_obs=minimum, min_reason=reason, positive=True,
                    replicates=False)  # raises the repeated-time DataError
        return self._fit(data)

    def _fit(self, data: Prepared) -> FitResult:
        t, y = data.t, data.y
        logs = np.log(y)
        steps, z = np.diff(t), np.diff(logs)
        span = float(t[-1] - t[0])
        free = self.free_names()
        if free:
            drift = (logs[-1] - logs[0]) / span
        else:
            drift = math.log1p(self.fixed["growth"])
        df = len(z) - len(free)
        sse = float(np.sum((z - drift * steps) ** 2 / steps))
        sigma = math.sqrt(sse / df)
        growth = math.expm1(drift)
        se_drift = sigma / math.sqrt(span)
        stderr = {"growth": (1 + growth) * se_drift if free else math.nan}
        cov = pd.DataFrame([[stderr["growth"] ** 2]] if free else np.zeros((0, 0)),
                           index=free, columns=free)
        fitted = pd.Series(y[0] * np.exp(drift * (t - t[0])), index=data.series.index,
                           name="fitted")

        def predict(horizon, t_future, level):
            ahead = t_future - t[-1]
            var = sigma ** 2 * (ahead + (ahead ** 2 / span if free else 0.0))
            return log_scale_forecast(logs[-1] + drift * ahead, np.sqrt(var),
                                      t_quantile(level, df))

        return FitResult(
            model=self.name, params={"growth": growth}, stderr=stderr, cov=cov, sigma=sigma,
            sse=sse, aic=math.nan, aic_note="cagr models growth steps, not the levels of y",
            n_obs=len(y), fitted=fitted,
            residuals=(data.series.astype(float) - fitted).rename("residuals"),
            options=self._options_record(), df_resid=df, formula=self.formula,
            interval_method=(f"random walk with drift on log y (Student t on {df} df), "
                             "exponentiated"),
            _axis=data.axis, _predict=predict)
