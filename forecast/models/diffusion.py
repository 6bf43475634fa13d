"""Bass diffusion: adoptions per period of a new product (e.g. GPUs bought per quarter).

The Bass (1969) model: the hazard of adoption at time t is ``p + q F(t)``, with
``p`` the coefficient of innovation, ``q`` of imitation and ``m`` the market
potential (total adoptions, unit of y).  The cumulative fraction adopted is

    F(t) = (1 - exp(-(p + q) t)) / (1 + (q / p) exp(-(p + q) t)).

Two estimators (Meade & Islam 2006, section 3):

* ``method="nls"`` (default; Srinivasan & Mason 1986): y_t = m [F(t) - F(t-1)]
  with t = 1 at the first observation, by nonlinear least squares.  Starting
  values come from the OLS estimator below (when it gives a valid m, p, q).
* ``method="ols"`` (Bass 1969): y_t = a + b Y_(t-1) + c Y_(t-1)^2 with Y the
  cumulative adoptions (Y_0 = 0), then m = (-b - sqrt(b^2 - 4ac)) / (2c)
  (the positive root of c m^2 + b m + a = 0), p = a / m, q = -c m.  Saturation
  shows as c < 0; the fit is refused ("no sign of saturation") unless c is
  significantly negative (its 95% t-interval on n - 3 df lies below 0) and
  larger than round-off (``|c| Y_max^2 > 1e-8 max|y|``: on pure exponential
  growth c is 0 in theory and +-1e-17 in floating point, so its sign must not
  decide), and unless m is within the plausibility limit of the nls path
  (``SCALE_LIMIT`` x max|y|).

References
----------
Bass, F. M. (1969), "A new product growth for model consumer durables",
Management Science 15(5), 215-227.  Srinivasan, V. and Mason, C. H. (1986),
"Nonlinear least squares estimation of new product diffusion models",
Marketing Science 5(2), 169-178.  Meade, N. and Islam, T. (2006), IJF 22(3).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from forecast.errors import ConvergenceError, ParameterError
from forecast.models.base import (SCALE_LIMIT, CurveModel, FitResult, Prepared, gaussian_aic,
                                  numeric_jacobian, register, scaled_inverse_gram, t_quantile)

#: the quadratic term of the Bass regression counts only when it moves y by more than this
#: fraction of max|y| over the data (below it, its sign is floating-point round-off)
ROUNDOFF = 1e-8


def bass_cumulative(t, p, q):
    """Bass cumulative fraction adopted F(t) (0 at t = 0, tends to 1)."""
    e = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1 - e) / (1 + (q / p) * e)


def _cumulative_partials(t, p, q):
    """dF/dp and dF/dq at t (analytic)."""
    t = np.asarray(t, dtype=float)
    e = np.exp(-(p + q) * t)
    r = q / p
    denom = (1 + r * e) ** 2
    d_e = -(1 + r) / denom * (-t * e)  # through e = exp(-(p+q) t); d(p+q)/dp = d(p+q)/dq = 1
    d_r = -(1 - e) * e / denom
    return d_e + d_r * (-q / p ** 2), d_e + d_r / p


def ols_to_mpq(a: float, b: float, c: float) -> tuple[float, float, float]:
    """Bass (1969): (m, p, q) from the regression coefficients (a, b, c); NaN when none is valid."""
    disc = b * b - 4 * a * c
    if c >= 0 or disc < 0:
        return math.nan, math.nan, math.nan
    m = (-b - math.sqrt(disc)) / (2 * c)
    if m <= 0:
        return math.nan, math.nan, math.nan
    return m, a / m, -c * m


@register("bass")
class Bass(CurveModel):
    """Bass diffusion of adoptions per period: parameters ``m``, ``p``, ``q``.

    ``m`` is the market potential (unit of y, total adoptions), ``p`` and ``q``
    the coefficients of innovation and imitation (per period).  y must be
    adoptions per period (not cumulative), evenly spaced, one value per period.

    Options: ``method`` ("nls" or "ols"), ``fixed={...}`` (with ``method="ols"``
    only ``m`` can be fixed first: then p and q enter linearly), ``start={...}``
    (nls).  Intervals: delta method on the parameter covariance plus residual
    variance, Student t on n - k df; the nls forecast continues the curve, the
    ols forecast continues the regression's recursion.
    """

    param_names = ("m", "p", "q")
    bounds = {"m": (0.0, np.inf), "p": (0.0, np.inf), "q": (0.0, np.inf)}
    scale_params = ("m",)
    replicates = False
    unsorted = False  # adoptions per period: a time series, each period after the one before
    defaults = {"method": "nls", "start": None}
    formula = "y_t = m * (F(t) - F(t-1)),  F(t) = (1 - exp(-(p+q) t)) / (1 + q/p exp(-(p+q) t))"

    def _check_options(self):
        if self.options["method"] not in ("nls", "ols"):
            raise ParameterError("unknown Bass estimator", name="method", source=self.name,
                                 expected="'nls' or 'ols'", value=self.options["method"])

    def _check_fixed(self):
        if self.options["method"] == "ols" and self.fixed and "m" not in self.fixed:
            raise ParameterError("with method='ols' fix m (then p and q are linear); fixing p or "
                                 "q alone needs method='nls'", name="fixed", source=self.name,
                                 value=dict(self.fixed))

    def _times(self, data):
        return np.arange(1, data.n + 1, dtype=float)

    def _future_times(self, data, horizon, t_future):
        return np.arange(data.n + 1, data.n + horizon + 1, dtype=float)

    def _curve(self, t, p):
        return p["m"] * (bass_cumulative(t, p["p"], p["q"])
                         - bass_cumulative(t - 1, p["p"], p["q"]))

    def _jacobian(self, t, p):
        dp1, dq1 = _cumulative_partials(t, p["p"], p["q"])
        dp0, dq0 = _cumulative_partials(t - 1, p["p"], p["q"])
        return {"m": bass_cumulative(t, p["p"], p["q"]) - bass_cumulative(t - 1, p["p"], p["q"]),
                "p": p["m"] * (dp1 - dp0), "q": p["m"] * (dq1 - dq0)}

    def _initial_guess(self, t, y, fixed):
        prior = np.concatenate([[0.0], np.cumsum(y)[:-1]])
        design = np.column_stack([np.ones_like(y), prior, prior ** 2])
        coef = np.linalg.lstsq(design, y, rcond=None)[0]
        m, p, q = ols_to_mpq(*coef)
        if not all(np.isfinite([m, p, q])) or p <= 0 or q <= 0:
            # no valid OLS solution (e.g. the peak is not in sight): start from twice the
            # adoptions so far and moderate coefficients; the fit then refines them
            m, p, q = 2.0 * float(np.sum(y)), 0.01, 0.3
        return {"m": m, "p": p, "q": q, **fixed}

    def hints(self):
        if self.options["method"] == "ols":
            return ["fix the market potential, e.g. fixed={'m': ...}, when the peak is not in "
                    "the data", "use the exponential model while adoptions still grow"]
        return ["fix the market potential, e.g. fixed={'m': ...}, when the peak is not in the data",
                "give starting values, e.g. start={'m': ..., 'p': 0.01, 'q': 0.3}",
                "try method='ols' to see the Bass (1969) regression estimates"]

    def min_obs(self):
        k = len(self.free_names())
        return k + 1, f"{k} free parameters + 1 for the residual variance"

    def _fit(self, data: Prepared) -> FitResult:
        if self.options["method"] == "nls":
            return super()._fit(data)
        return self._fit_ols(data)

    def _fit_ols(self, data: Prepared) -> FitResult:
        y = data.y
        n = len(y)
        prior = np.concatenate([[0.0], np.cumsum(y)[:-1]])
        if "m" in self.fixed:
            # y = p (m - Y) + q (Y - Y^2 / m): linear in p and q once m is known
            m = self.fixed["m"]
            columns = {"p": m - prior, "q": prior - prior ** 2 / m}
            free = [nm for nm in ("p", "q") if nm not in self.fixed]
            offset = sum(self.fixed[nm] * columns[nm] for nm in ("p", "q") if nm in self.fixed)
            design = np.column_stack([columns[nm] for nm in free]) if free else np.zeros((n, 0))
            coef = np.linalg.lstsq(design, y - offset, rcond=None)[0] if free else np.zeros(0)
            params = {"m": m, **{nm: self.fixed[nm] for nm in ("p", "q") if nm in self.fixed},
                      **dict(zip(free, map(float, coef)))}
            raw_cov_of = None
        else:
            free = ["m", "p", "q"]
            design = np.column_stack([np.ones(n), prior, prior ** 2])
            a, b, c = np.linalg.lstsq(design, y, rcond=None)[0]
            self._check_saturation(design, y, (a, b, c))
            m, p, q = ols_to_mpq(a, b, c)
            if not np.isfinite(m):
                raise ConvergenceError(self.name, f"the Bass (1969) regression gives a = {a:.4g}, "
                                       f"b = {b:.4g}, c = {c:.4g}, which imply no positive market "
                                       "potential", self.hints())
            limit = SCALE_LIMIT * float(np.max(np.abs(y)))
            if m > limit:
                raise ConvergenceError(self.name, f"the Bass (1969) regression gives m = {m:.4g}, "
                                       f"beyond {SCALE_LIMIT:g} x max(y) = {limit:.4g}: the data "
                                       "show no sign of saturation", self.hints())
            params = {"m": float(m), "p": float(p), "q": float(q)}
            raw_cov_of = (a, b, c)
        m_, p_, q_ = params["m"], params["p"], params["q"]
        # in-sample: the regression on the observed cumulative adoptions
        fitted_values = p_ * m_ + (q_ - p_) * prior - (q_ / m_) * prior ** 2
        resid = y - fitted_values
        k = len(free)
        df = n - k
        sse = float(resid @ resid)
        sigma = math.sqrt(sse / df)
        gram_inv = np.linalg.inv(design.T @ design) if k else np.zeros((0, 0))
        if raw_cov_of is not None:
            # delta method from cov(a, b, c) to cov(m, p, q)
            jac = numeric_jacobian(lambda v: np.array(ols_to_mpq(*v)), np.array(raw_cov_of))
            cov = sigma ** 2 * jac @ gram_inv @ jac.T
        else:
            cov = sigma ** 2 * gram_inv
        stderr = {nm: math.nan for nm in self.param_names}
        stderr.update({nm: float(math.sqrt(max(cov[i, i], 0.0))) for i, nm in enumerate(free)})
        total = float(np.sum(y))

        def predict(horizon, t_future, level):
            def path(values):
                return self._recursion({**params, **dict(zip(free, values))}, horizon, total)

            centre = path([params[nm] for nm in free])
            g = numeric_jacobian(path, np.array([params[nm] for nm in free])) if k \
                else np.zeros((horizon, 0))
            var = np.einsum("ij,jk,ik->i", g, cov, g) + sigma ** 2
            half = t_quantile(level, df) * np.sqrt(var)
            return centre, centre, centre - half, centre + half

        fitted = pd.Series(fitted_values, index=data.series.index, name="fitted")
        return FitResult(
            model=self.name, params=params, stderr=stderr,
            cov=pd.DataFrame(cov, index=free, columns=free), sigma=sigma, sse=sse,
            aic=gaussian_aic(sse, n, k), n_obs=n, fitted=fitted,
            residuals=(data.series.astype(float) - fitted).rename("residuals"),
            options=self._options_record(), df_resid=df,
            formula="y_t = p m + (q - p) Y_(t-1) - (q / m) Y_(t-1)^2  (Bass 1969 regression)",
            interval_method=("delta method on the parameter covariance plus residual variance, "
                             f"Student t on {df} df; forecast continues the regression recursion"),
            _axis=data.axis, _predict=predict)

    @staticmethod
    def _recursion(params, steps, cumulative):
        """``steps`` adoptions from y = pm + (q-p) Y - (q/m) Y^2, starting from cumulative Y."""
        m, p, q = params["m"], params["p"], params["q"]
        out = np.empty(steps)
        total = cumulative
        for i in range(steps):
            out[i] = p * m + (q - p) * total - (q / m) * total ** 2
            total += out[i]
        return out

    def _check_saturation(self, design, y, coef) -> None:
        """Refuse the regression unless its quadratic coefficient c shows saturation.

        c must exceed round-off (``|c| Y_max^2 > ROUNDOFF * max|y|``) and its 95%
        t-interval on n - 3 df must lie below 0, so the decision never rests on
        the sign of a coefficient that is zero in theory.
        """
        a, b, c = coef
        n = len(y)
        y_scale = float(np.max(np.abs(y))) or 1.0
        reach = abs(c) * float(np.max(design[:, 1])) ** 2
        resid = y - design @ np.asarray(coef)
        df = n - 3
        sigma2 = float(resid @ resid) / df
        scaled = scaled_inverse_gram(design, 1e-12)
        if scaled is None:
            raise ConvergenceError(self.name, "the Bass (1969) regression is singular (the "
                                   "cumulative adoptions do not vary enough)", self.hints())
        inner, norms = scaled
        se_c = math.sqrt(max(sigma2 * inner[2, 2], 0.0)) / norms[2]
        upper = c + t_quantile(0.95, df) * se_c
        if reach <= ROUNDOFF * y_scale or upper >= 0:
            raise ConvergenceError(
                self.name, f"the Bass (1969) regression's quadratic coefficient c = {c:.4g} "
                f"(95% interval up to {upper:.4g}) is not significantly below 0: the data show "
                "no sign of saturation", self.hints())
