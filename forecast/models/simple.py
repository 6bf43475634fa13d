"""R's benchmark methods: random walks (``naive``, with drift or seasonal) and the mean (``meanf``).

* ``naive``: R's ``naive``/``rwf``/``snaive`` (a "lag walk"): the forecast is
  the last value (``lag=1``) or the last value of the same season (``lag=m``),
  plus ``h`` times the mean change with ``drift=True`` (R's ``rwf(drift=TRUE)``).
* ``meanf``: R's ``meanf``: the forecast is the sample mean.

Both work on y itself (no logs): they are the yardsticks of Hyndman &
Athanasopoulos, *Forecasting: Principles and Practice* (2nd ed., section 3.1)
and the scale of MASE.  Formulas from the R sources (robjhyndman/forecast,
``R/naive.R`` commit 02cc5bd108580f501acf13eae50766952120c38f, ``lagwalk`` and
``forecast.lagwalk``; ``meanf`` in ``R/forecast2.R``):

* lag walk: residuals ``e_t = y_t - y_(t-lag) - b`` for t > lag; ``b`` the
  mean change (0 without drift) with ``se(b) = s / sqrt(m)``, ``s`` the
  residual standard deviation on ``m - 1`` df (R's ``lm(y - fitted ~ 1)``);
  forecast ``y_(n - lag + 1 + (h - 1) mod lag) + k b`` with ``k = ceil(h / lag)``
  whole seasons ahead; standard error ``sqrt(mse k + (k se(b))^2)``,
  ``mse = SSE / (m - [drift])``; normal quantiles (R's ``qnorm``);
* mean: ``mu = mean(y)``; standard error ``s sqrt(1 + 1 / n)`` with ``s`` the
  sample standard deviation; Student t quantiles on ``n - 1`` df.

Oracles: tests/test_models_reference.py reproduces fpp2's section 3.4 tables
(``accuracy()`` of ``meanf``, ``rwf``, ``snaive`` on ausbeer and goog200, and
``tsCV(goog200, rwf, drift=TRUE)``), docs/references/r-printed-outputs.md.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from forecast.errors import ParameterError
from forecast.models.base import FitResult, Model, Prepared, gaussian_aic, register, t_quantile


@register("naive")
class Naive(Model):
    """Random walk forecasts (R's ``naive``, ``rwf``, ``snaive``) on y.

    Options: ``drift`` (bool, default False: R's ``rwf(drift=TRUE)`` when
    True), ``lag`` (int >= 1, default 1; the seasonal period m for R's
    ``snaive``).  Parameters: ``drift`` (mean change per step, unit of y) when
    ``drift=True``, none otherwise.  ``sigma`` is the residual standard
    deviation on ``m - k`` df (m = n - lag residuals, k = 1 with drift), the
    ``mse`` of R's ``forecast.lagwalk``.  ``fitted`` is ``y_(t-lag) + drift``,
    NaN for the first ``lag`` periods.  ``aic`` is NaN: the model describes the
    changes of y, not its levels.  Intervals: normal, standard error
    ``sqrt(mse k + (k se(drift))^2)`` for a forecast k whole seasons ahead
    (NaN when no degree of freedom is left, e.g. a drift from two points).
    """

    defaults = {"drift": False, "lag": 1}

    def all_param_names(self):
        return ("drift",) if self.options["drift"] else ()

    def _check_options(self):
        lag = self.options["lag"]
        if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or not 1 <= lag <= 1000:
            raise ParameterError("must be a whole number of periods from 1 to 1000 (the seasonal "
                                 "period for a seasonal naive forecast)", name="lag",
                                 source=self.name, value=lag)
        if not isinstance(self.options["drift"], (bool, np.bool_)):
            raise ParameterError("must be True or False", name="drift", source=self.name,
                                 value=self.options["drift"])
        self.options["lag"] = int(lag)

    def min_obs(self):
        lag = self.options["lag"]
        return lag + 1, f"{lag} to start the walk + 1 change"

    def _fit(self, data: Prepared) -> FitResult:
        y, lag = data.y, self.options["lag"]
        changes = y[lag:] - y[:-lag]
        m = len(changes)
        free = self.free_names()
        if "drift" in free:
            drift = float(np.mean(changes))
        else:
            drift = float(self.fixed.get("drift", 0.0))
        resid = changes - drift
        sse = float(resid @ resid)
        df = m - len(free)
        mse = sse / df if df > 0 else math.nan
        sigma = math.sqrt(mse)
        se_drift = sigma / math.sqrt(m) if free else 0.0
        params = {"drift": drift} if self.options["drift"] else {}
        stderr = {"drift": se_drift if free else math.nan} if self.options["drift"] else {}
        cov = pd.DataFrame([[se_drift ** 2]] if free else np.zeros((0, 0)), index=free,
                           columns=free)
        fitted = pd.Series(np.r_[np.full(lag, np.nan), y[:-lag] + drift],
                           index=data.series.index, name="fitted")
        last = y[-lag:]

        def predict(horizon, t_future, level):
            h = np.arange(1, horizon + 1)
            seasons = (h - 1) // lag + 1  # whole seasons ahead (R's "steps")
            centre = last[(h - 1) % lag] + seasons * drift
            sd = np.sqrt(mse * seasons + (seasons * se_drift) ** 2)
            q = float(stats.norm.ppf(0.5 + level / 2))
            return centre, centre, centre - q * sd, centre + q * sd

        kind = "seasonal naive" if lag > 1 else "random walk"
        return FitResult(
            model=self.name, params=params, stderr=stderr, cov=cov, sigma=sigma, sse=sse,
            aic=math.nan, aic_note="a random walk models the changes of y, not its levels",
            n_obs=len(y), fitted=fitted,
            residuals=(data.series.astype(float) - fitted).rename("residuals"),
            options=self._options_record(), df_resid=df,
            formula=(f"y_t = y_(t-{lag})" + (" + drift" if self.options["drift"] else "") + " + e"),
            interval_method=(f"{kind}{' with drift' if self.options['drift'] else ''} as R's "
                             f"forecast.lagwalk: mse on {df} df, normal quantiles"),
            _axis=data.axis, _predict=predict)


@register("meanf")
class Mean(Model):
    """The mean of the data as the forecast of every future value (R's ``meanf``).

    Parameter: ``mean`` (unit of y).  ``sigma`` is the sample standard
    deviation (n - 1 df).  Intervals: ``mean +/- t s sqrt(1 + 1 / n)``, Student
    t on n - 1 df, as R's ``meanf``.  Order and spacing of the time points do
    not matter (the values are treated as exchangeable).
    """

    param_names = ("mean",)
    replicates = True
    unsorted = True
    formula = "y_t = mean + e"

    def min_obs(self):
        k = len(self.free_names())
        return k + 1, f"{k} for the mean + 1 for the spread"

    def _fit(self, data: Prepared) -> FitResult:
        y = data.y
        n = len(y)
        free = self.free_names()
        mu = float(np.mean(y)) if free else float(self.fixed["mean"])
        resid = y - mu
        sse = float(resid @ resid)
        df = n - len(free)
        sigma = math.sqrt(sse / df) if df > 0 else math.nan
        se = sigma / math.sqrt(n) if free else math.nan
        cov = pd.DataFrame([[se ** 2]] if free else np.zeros((0, 0)), index=free, columns=free)
        fitted = pd.Series(np.full(n, mu), index=data.series.index, name="fitted")

        def predict(horizon, t_future, level):
            centre = np.full(horizon, mu)
            half = t_quantile(level, df) * sigma * math.sqrt(1 + 1 / n) if df > 0 else math.nan
            return centre, centre, centre - half, centre + half

        return FitResult(
            model=self.name, params={"mean": mu}, stderr={"mean": se}, cov=cov, sigma=sigma,
            sse=sse, aic=gaussian_aic(sse, n, len(free)), n_obs=n, fitted=fitted,
            residuals=pd.Series(resid, index=data.series.index, name="residuals"),
            options=self._options_record(), df_resid=df, formula=self.formula,
            interval_method=f"mean +/- t s sqrt(1 + 1/n), Student t on {df} df (as R's meanf)",
            _axis=data.axis, _predict=predict)
