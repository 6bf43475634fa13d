"""One fit interface for every growth model: validation, registry, least squares, results.

A model family is a subclass of :class:`Model` that declares its maths and
nothing else; this module does the rest:

* :func:`register` / :func:`get_model` / :func:`available_models`: the one
  registry (adding a model touches its own file plus one ``@register`` line);
* input validation, shared by all models (:func:`prepare`, in ``timeaxis.py``
  with the time axis): a pandas Series
  whose index is time (integer years, floats, ``DatetimeIndex`` or
  ``PeriodIndex``), no NaN, sorted time (the curve models take any order),
  enough points, positive values for models fitted on log y;
* :class:`CurveModel`: nonlinear least squares (``scipy.optimize.least_squares``)
  for curves declared by ``param_names``, ``bounds``, ``_curve`` and
  ``_initial_guess``, with the Gauss-Newton covariance R's ``nls`` prints and
  delta-method prediction intervals;
* :class:`FitResult`: the frozen result every model returns, with
  ``forecast(horizon, level)`` continuing y's index with its own step.

Conventions (as R prints them): ``sigma`` is the residual standard error on
``n - k`` degrees of freedom (``k`` = number of free parameters; ``nls``/``lm``;
R's ``ets`` uses the same ``SSE / (n - k)`` and ``Arima`` ``SSE / (n - d - k)``),
and every prediction interval uses that variance, never the maximum-likelihood
``SSE / n``.  ``stderr`` are asymptotic standard errors ``sqrt(diag(cov))``
with ``cov = sigma**2 (J'J)^-1`` (observed information for ets and arima);
fixed parameters get NaN.  ``aic`` is ``n (log(2 pi) + 1 + log(SSE / n)) + 2 (k + 1)``,
for log-scale models plus ``2 sum(log y)`` so that it is a likelihood of y
itself and comparable across models fitted to the same n observations;
``aic_note`` says why when it is not (cagr; arima with d >= 1, whose
likelihood leaves out the first d observations).

Point forecasts: ``forecast()`` gives ``median`` and ``mean``.  For models
with additive symmetric errors they are equal; for models fitted on log y
(cagr, exponential, arima, ``ets`` with ``log=True``) the back-transformed
forecast is lognormal: ``median = exp(mu)`` (R's default point forecast with
``lambda = 0``) and ``mean = exp(mu + s**2 / 2)`` with ``s`` the forecast
standard deviation of log y (:func:`forecast.headline.lognormal_mean`; R's
``biasadj = TRUE`` is the second-order version of the same correction).

Oracle: tests/test_models_reference.py checks the curve fits against R's
printed ``nls`` output on R's DNase data (logistic and Gompertz).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import optimize, stats

from forecast.errors import ConvergenceError, ParameterError, UnknownModelError
# time axes and validation (timeaxis.py) are re-exported here: the models import them from base
from forecast.models.timeaxis import Prepared, TimeAxis, prepare, time_axis  # noqa: F401

#: longest forecast, in periods (years or quarters): refused beyond, before allocating
MAX_HORIZON = 1000

#: upper limit of a ceiling-like parameter (cap, m) in multiples of max|y|
SCALE_LIMIT = 1e3
#: positive parameters are searched on the log scale down to this value (in the units
#: of the fit: ceilings as multiples of max|y|, rates per unit of t)
LOG_FLOOR = 1e-12

# ----------------------------------------------------------------------------
# Registry

_REGISTRY: dict[str, type[Model]] = {}
#: the modules that register the families, in the order tables list them: R's benchmark
#: methods (simple) come after the growth models
FAMILIES = ("cagr", "curves", "diffusion", "timeseries", "simple")
_LOADED = False


def _registry() -> dict[str, type[Model]]:
    """The registry with every family loaded (imported on first use, so that importing the
    package costs nothing), in the order of :data:`FAMILIES`, whatever was imported first."""
    global _LOADED
    if not _LOADED:
        for family in FAMILIES:
            importlib.import_module(f"forecast.models.{family}")
        order = {f"forecast.models.{family}": i for i, family in enumerate(FAMILIES)}
        ranked = sorted(enumerate(_REGISTRY.items()),
                        key=lambda item: (order.get(item[1][1].__module__, len(order)), item[0]))
        _REGISTRY.clear()
        _REGISTRY.update(entry for _, entry in ranked)
        _LOADED = True
    return _REGISTRY


def register(name: str):
    """Class decorator adding a model class to the registry under ``name``."""

    def decorate(cls):
        if name in _REGISTRY:
            raise ValueError(f"model {name!r} is already registered")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def available_models() -> list[str]:
    """Names of the registered models, in the order of :data:`FAMILIES`."""
    return list(_registry())


def get_model(name: str) -> type[Model]:
    """The model class registered as ``name``; ``UnknownModelError`` lists the valid names."""
    registry = _registry()
    try:
        return registry[name]
    except (KeyError, TypeError):
        raise UnknownModelError(str(name), registry) from None


def fit(model: str, y: pd.Series, **options) -> FitResult:
    """Fit the registered model ``model`` to the series ``y``.

    Parameters
    ----------
    model : str
        One of :func:`available_models` (cagr, exponential, logistic, gompertz,
        bass, ets, arima).
    y : pandas.Series
        Values in any unit (FLOP/s, USD...), indexed by time: integer years,
        floats, a DatetimeIndex or a PeriodIndex.
    **options
        Keyword options of that model, e.g. ``fixed={"cap": 5.6e22}``.

    Returns
    -------
    FitResult
    """
    return get_model(model)(**options).fit(y)


def check_fixed(model: str, fixed, names) -> dict[str, float]:
    """Validate ``fixed={name: value}`` against the parameter ``names``."""
    if fixed is None:
        return {}
    if not isinstance(fixed, Mapping):
        raise ParameterError("must be a dict {parameter: value}", name="fixed", source=model,
                             value=fixed)
    out = {}
    for key, value in fixed.items():
        if key not in names:
            raise ParameterError(f"{model} has no parameter {key!r}", name="fixed", source=model,
                                 expected=f"one of {', '.join(names)}", value=key)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if not math.isfinite(number):
            raise ParameterError(f"fixed value of {key!r} must be a finite number", name="fixed",
                                 source=model, value=value)
        out[key] = number
    return out


def t_quantile(level: float, df: float) -> float:
    """Two-sided quantile of Student's t (normal when ``df`` is infinite)."""
    if not math.isfinite(df):
        return float(stats.norm.ppf(0.5 + level / 2))
    return float(stats.t.ppf(0.5 + level / 2, df))


def gaussian_aic(sse: float, n: int, k: int, log_jacobian: float = 0.0) -> float:
    """R's ``AIC`` for least squares: ``n(log 2pi + 1 + log(SSE/n)) + 2(k+1)``.

    ``log_jacobian`` (``sum(log y)`` for models fitted on log y) adds ``2 sum log y``,
    making the criterion a likelihood of y itself.
    """
    if sse <= 0:
        return -math.inf
    return n * (math.log(2 * math.pi) + 1 + math.log(sse / n)) + 2 * (k + 1) + 2 * log_jacobian


# ----------------------------------------------------------------------------
# Result


#: ``predict(horizon, t_future, level) -> (median, mean, lower, upper)``, arrays in y's unit
Predictor = Callable[[int, np.ndarray, float],
                     tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]


def log_scale_forecast(centre, sd, quantile):
    """Back-transform a normal forecast of log y: (median, mean, lower, upper) on y's scale.

    ``centre`` and ``sd`` are the forecast mean and standard deviation of log y,
    ``quantile`` the two-sided quantile of the interval (normal or Student t).
    ``median = exp(centre)``; ``mean = exp(centre + sd**2 / 2)`` (lognormal).
    """
    from forecast.data.headline import lognormal_mean

    centre, sd = np.asarray(centre, dtype=float), np.asarray(sd, dtype=float)
    median = np.exp(centre)
    return (median, np.asarray(lognormal_mean(median, sd), dtype=float),
            np.exp(centre - quantile * sd), np.exp(centre + quantile * sd))


def numeric_jacobian(func: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                     rel: float = 1e-6) -> np.ndarray:
    """Central-difference Jacobian of ``func`` at ``x``: shape (len(func(x)), len(x)).

    The step is ``rel * max(|x_j|, 1e-8)`` per coordinate, giving about eight
    significant digits for smooth functions (the truncation error is
    O(step**2), the round-off O(eps / step)).
    """
    x = np.asarray(x, dtype=float)
    base = np.atleast_1d(func(x))
    jac = np.empty((base.size, x.size))
    for j in range(x.size):
        h = rel * max(abs(x[j]), 1e-8)
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        jac[:, j] = (np.atleast_1d(func(up)) - np.atleast_1d(func(down))) / (2 * h)
    return jac


def scaled_inverse_gram(matrix: np.ndarray, rcond: float):
    """(X'X)^-1 of ``matrix`` X (n, k) through the SVD of its column-scaled copy, as X'X
    itself is too ill-conditioned: ``(inner, norms)`` with (X'X)^-1 = inner / outer(norms,
    norms), norms the column norms (1 for a zero column); None when the smallest singular
    value of the scaled X is at most ``rcond`` times the largest (singular)."""
    norms = np.linalg.norm(matrix, axis=0)
    norms[norms == 0] = 1.0
    _, sv, vt = np.linalg.svd(matrix / norms, full_matrices=False)
    if sv[-1] <= rcond * sv[0]:
        return None
    return (vt.T / sv ** 2) @ vt, norms


@dataclass(frozen=True, repr=False, eq=False)
class FitResult:
    """The immutable result of fitting one model to one series.

    Attributes
    ----------
    model : str
        Registered model name.
    params : Mapping[str, float]
        Every parameter by name, estimated or fixed (read-only).
    stderr : Mapping[str, float]
        Asymptotic standard errors (NaN for fixed or derived-only parameters).
    cov : pandas.DataFrame
        Covariance of the free parameters (k x k, labelled), for Monte Carlo draws.
    sigma : float
        Residual standard error on ``n - k`` degrees of freedom, on the scale the
        model is fitted on (log y for exponential, arima and log ets).
    sse : float
        Residual sum of squares on that same scale (on the scale of y for ets).
    aic : float
        Akaike information criterion of y (see module docstring); NaN for cagr.
    aic_note : str
        Empty when ``aic`` is a likelihood of all n observations of y, comparable
        across models fitted to the same series; otherwise why it is not.
    n_obs : int
        Number of observations.
    fitted, residuals : pandas.Series
        In-sample fitted values and ``y - fitted``, on y's index and scale.
    options : Mapping[str, Any]
        The options the model was fitted with (including ``fixed``).
    interval_method : str
        How ``forecast`` computes its intervals.
    """

    model: str
    params: Mapping[str, float]
    stderr: Mapping[str, float]
    cov: pd.DataFrame
    sigma: float
    sse: float
    aic: float
    n_obs: int
    fitted: pd.Series
    residuals: pd.Series
    options: Mapping[str, Any]
    interval_method: str
    df_resid: int
    formula: str = ""
    aic_note: str = ""
    _axis: TimeAxis = field(default=None, repr=False)
    _predict: Predictor = field(default=None, repr=False)

    def __post_init__(self):
        # read-only views: a FitResult is a record of what was fitted
        for name in ("params", "stderr", "options"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    @property
    def fixed(self) -> Mapping[str, float]:
        """Parameters held at given values (``options['fixed']``)."""
        return MappingProxyType(dict(self.options.get("fixed") or {}))

    def forecast(self, horizon: int, level: float = 0.8) -> pd.DataFrame:
        """Forecast the ``horizon`` periods after the last observation.

        Parameters
        ----------
        horizon : int
            Number of future periods (years after the last year, quarters after
            the last quarter...), >= 1.
        level : float
            Coverage of the prediction interval, in (0, 1).

        Returns
        -------
        pandas.DataFrame
            Indexed by the future periods (continuing y's index with its own
            step), columns ``median``, ``mean``, ``lower``, ``upper`` in the unit
            of y, with ``lower <= median <= upper``.  For additive models
            ``mean == median``; for log-scale models ``median = exp(mu)`` and
            ``mean = exp(mu + s**2 / 2)`` (see the module docstring), which can
            lie above ``upper`` when the log-scale spread is very wide.
        """
        if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
            raise ParameterError("must be a whole number of periods >= 1", name="horizon",
                                 source=f"{self.model}.forecast", value=horizon)
        if horizon > MAX_HORIZON:  # refused before any array is made
            raise ParameterError(f"at most {MAX_HORIZON} periods", name="horizon",
                                 source=f"{self.model}.forecast", value=horizon)
        if not isinstance(level, (int, float)) or not 0 < level < 1:
            raise ParameterError("must be a coverage strictly between 0 and 1 (e.g. 0.8)",
                                 name="level", source=f"{self.model}.forecast", value=level)
        index, t = self._axis.future(int(horizon))
        median, mean, lower, upper = self._predict(int(horizon), t, float(level))
        frame = pd.DataFrame({"median": median, "mean": mean, "lower": lower, "upper": upper},
                             index=index)
        frame.index.name = self.fitted.index.name
        return frame

    def summary(self) -> str:
        """A plain-text report in the style of R's ``summary.nls``."""
        k = len(self.cov)
        lines = [f"Model: {self.model}" + (f"    {self.formula}" if self.formula else ""),
                 f"Observations: {self.n_obs}; free parameters: {k}; "
                 f"residual degrees of freedom: {self.df_resid}", "", "Parameters:"]
        width = max((len(name) for name in self.params), default=8) + 2
        lines.append(" " * width + f"{'Estimate':>14} {'Std. Error':>12}")
        for name, value in self.params.items():
            note = "  (fixed)" if name in self.fixed else ""
            se = self.stderr.get(name, math.nan)
            lines.append(f"{name:<{width}}{value:>14.6g} {se:>12.4g}{note}")
        lines += ["", f"Residual standard error: {self.sigma:.4g} on {self.df_resid} "
                      "degrees of freedom",
                  f"SSE: {self.sse:.6g}    AIC: {self.aic:.6g}"
                  + (f" (not comparable: {self.aic_note})" if self.aic_note else ""),
                  f"Intervals: {self.interval_method}"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params.items())
        return f"FitResult(model={self.model!r}, n_obs={self.n_obs}, {params})"


# ----------------------------------------------------------------------------
# Models


class Model:
    """Base of every model: holds options only (no data); ``fit(y)`` returns a FitResult.

    Subclasses set ``param_names``, ``positive`` (fitted on log y),
    ``replicates`` (accepts uneven and repeated times) and ``unsorted`` (a
    regression on time: accepts times in any order), list their options in
    ``defaults`` and implement ``_fit(data, fixed)``.
    """

    name: ClassVar[str] = "model"
    param_names: ClassVar[tuple[str, ...]] = ()
    positive: ClassVar[bool] = False
    replicates: ClassVar[bool] = False
    unsorted: ClassVar[bool] = False
    defaults: ClassVar[dict[str, Any]] = {}

    def __init__(self, *, fixed: Mapping[str, float] | None = None, **options):
        unknown = sorted(set(options) - set(self.defaults))
        if unknown:
            valid = ", ".join(["fixed", *self.defaults]) or "fixed"
            raise ParameterError(f"{self.name} has no option {unknown[0]!r}", name=unknown[0],
                                 source=self.name, expected=f"one of {valid}")
        self.options = {**self.defaults, **options}
        self.fixed: dict[str, float] = {}
        self._check_options()
        self.fixed = check_fixed(self.name, fixed, self.all_param_names())
        self._check_fixed()

    def all_param_names(self) -> tuple[str, ...]:
        """Parameter names under the current options (ets/arima depend on them)."""
        return self.param_names

    def free_names(self) -> list[str]:
        return [n for n in self.all_param_names() if n not in self.fixed]

    def min_obs(self) -> tuple[int, str]:
        """Minimum number of observations and the reason, for the DataError message."""
        k = len(self.free_names())
        return k + 1, f"{k} free parameters + 1 for the residual variance"

    def _check_options(self) -> None:
        """Validate ``self.options``; raise ParameterError."""

    def _check_fixed(self) -> None:
        """Validate ``self.fixed`` against the options; raise ParameterError."""

    def fit(self, y: pd.Series) -> FitResult:
        """Validate ``y`` and fit; see :func:`forecast.models.fit`."""
        minimum, reason = self.min_obs()
        data = prepare(y, self.name, min_obs=minimum, min_reason=reason,
                       positive=self.positive, replicates=self.replicates, unsorted=self.unsorted)
        return self._fit(data)

    def _fit(self, data: Prepared) -> FitResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def _options_record(self) -> dict[str, Any]:
        return {**self.options, "fixed": dict(self.fixed)}


class CurveModel(Model):
    """A deterministic curve y = f(t; theta) + e fitted by nonlinear least squares.

    Subclasses declare:

    * ``param_names``; ``bounds`` {name: (low, high)}; ``scale_params``, the
      parameters in the unit of y (f must be linear in each, like a ceiling);
    * ``_curve(t, p)`` -> f at times ``t`` for the parameter dict ``p``;
    * ``_initial_guess(t, y, fixed)`` -> starting values (a linearisation);
    * optionally ``_jacobian(t, p)`` -> {name: df/dname}: the default is a
      central difference of ``_curve`` (:func:`numeric_jacobian`), enough for a
      new curve; the built-in curves override it with analytic derivatives.

    The fit minimises the sum of squares with ``scipy.optimize.least_squares``
    (trust-region reflective within ``bounds``) on y divided by max|y|, so
    FLOP/s values of 1e21 are as well conditioned as densities near 1.
    Standard errors come from the Gauss-Newton covariance ``sigma^2 (J'J)^-1``,
    as R's ``nls`` prints them.  Prediction intervals use the delta method:
    ``var = g' cov g + sigma^2`` with ``g = df/dtheta`` at the future time, and
    Student's t on ``n - k`` degrees of freedom.
    """

    replicates = True
    unsorted = True
    bounds: ClassVar[dict[str, tuple[float, float]]] = {}
    scale_params: ClassVar[tuple[str, ...]] = ()
    formula: ClassVar[str] = ""
    defaults = {"start": None}

    def _curve(self, t: np.ndarray, p: Mapping[str, float]) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _jacobian(self, t: np.ndarray, p: Mapping[str, float]) -> dict[str, np.ndarray]:
        """df/dtheta at times ``t`` for every parameter: central differences of ``_curve``."""
        names = list(self.all_param_names())
        x = np.array([p[name] for name in names], dtype=float)
        jac = numeric_jacobian(lambda v: self._curve(t, dict(zip(names, v))), x)
        return {name: jac[:, j] for j, name in enumerate(names)}

    def _initial_guess(self, t, y, fixed) -> dict[str, float]:  # pragma: no cover
        raise NotImplementedError

    def _times(self, data: Prepared) -> np.ndarray:
        """The covariate the curve is evaluated at (default: the time values)."""
        return data.t

    def _future_times(self, data: Prepared, horizon: int, t_future: np.ndarray) -> np.ndarray:
        return t_future

    def hints(self) -> list[str]:
        """What to try when the fit does not converge (ConvergenceError)."""
        return ["give starting values, e.g. start={...}",
                "fix a parameter the data cannot pin down, e.g. fixed={...}"]

    def _fit(self, data: Prepared) -> FitResult:
        t, y = self._times(data), data.y
        scale = float(np.max(np.abs(y))) or 1.0
        ys = y / scale
        free = self.free_names()
        fixed_s = {k: (v / scale if k in self.scale_params else v) for k, v in self.fixed.items()}

        guess = self._start(t, y, data)
        natural0 = np.array([guess[n] / scale if n in self.scale_params else guess[n]
                             for n in free])
        lo = np.array([self._bound(n, 0, scale) for n in free])
        hi = np.array([self._bound(n, 1, scale) for n in free])
        # parameters bounded below by 0 (ceilings, rates, p and q) are searched on the log
        # scale: a runaway ceiling then reaches its limit in a few steps instead of hundreds,
        # and positivity needs no bound.  Standard errors use the natural parameters.
        logged = np.array([a == 0 for a in lo])
        floor = np.log(LOG_FLOOR)
        v_lo = np.where(logged, floor, lo)
        v_hi = np.where(logged, np.log(np.where(logged, hi, 1.0)), hi)
        with np.errstate(invalid="ignore", divide="ignore"):
            v0 = np.where(logged, np.log(np.maximum(natural0, LOG_FLOOR)), natural0)
            inner_lo = np.where(np.isfinite(v_lo), v_lo + 1e-9 * (np.abs(v_lo) + 1), v_lo)
            inner_hi = np.where(np.isfinite(v_hi), v_hi - 1e-9 * (np.abs(v_hi) + 1), v_hi)
        v0 = np.clip(v0, inner_lo, inner_hi)

        def natural(v):
            return np.where(logged, np.exp(np.where(logged, v, 0.0)), v)

        def params_of(x):
            return {**fixed_s, **dict(zip(free, x))}

        def residual(v):
            return self._curve(t, params_of(natural(v))) - ys

        def jacobian_natural(x):
            jac = self._jacobian(t, params_of(x))
            return np.column_stack([jac[n] for n in free]) if free else np.zeros((len(t), 0))

        def jacobian(v):
            x = natural(v)
            return jacobian_natural(x) * np.where(logged, x, 1.0)

        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                sol = optimize.least_squares(residual, v0, jac=jacobian, bounds=(v_lo, v_hi),
                                             method="trf", x_scale="jac", ftol=1e-13,
                                             xtol=1e-13, gtol=1e-13, max_nfev=200)
            except ValueError as err:
                raise ConvergenceError(self.name, f"least squares failed ({err})",
                                       self.hints()) from err
        if sol.status <= 0 or not np.all(np.isfinite(sol.x)):
            raise ConvergenceError(self.name, f"least squares stopped: {sol.message}", self.hints())
        at_bound = [(n, side) for n, x, a, b in zip(free, sol.x, v_lo, v_hi)
                    for side, edge in (("lower", a), ("upper", b))
                    if np.isfinite(edge) and abs(x - edge) <= 1e-6 * (abs(edge) + 1)]
        if at_bound:
            name, side = at_bound[0]
            if name in self.scale_params and side == "upper":
                where = f"{SCALE_LIMIT:g} x max(y): the data show no sign of saturation"
            elif side == "lower" and self.bounds.get(name, (None,))[0] == 0:
                where = "zero (it must be positive)"
            else:
                where = f"its bound {self.bounds.get(name)}"
            raise ConvergenceError(self.name, f"parameter {name!r} ran to {where}", self.hints())

        x_opt = natural(sol.x)
        ps = params_of(x_opt)
        resid_s = ys - self._curve(t, ps)
        n, k = len(y), len(free)
        df = n - k
        sse_s = float(resid_s @ resid_s)
        sigma_s = math.sqrt(sse_s / df)
        cov_s = sigma_s ** 2 * self._inverse_gram(jacobian_natural(x_opt))

        unscale = np.array([scale if nm in self.scale_params else 1.0 for nm in free])
        cov = cov_s * np.outer(unscale, unscale)
        params = {nm: float(ps[nm] * scale if nm in self.scale_params else ps[nm])
                  for nm in self.all_param_names()}
        stderr = {nm: math.nan for nm in params}
        stderr.update({nm: float(math.sqrt(max(cov[i, i], 0.0))) for i, nm in enumerate(free)})
        fitted = pd.Series(self._curve(t, ps) * scale, index=data.series.index, name="fitted")

        def jacobian_natural_at(times):
            jac = self._jacobian(times, ps)
            return np.column_stack([jac[nm] for nm in free]) if k else np.zeros((len(times), 0))

        def predict(horizon, t_future, level):
            tf = self._future_times(data, horizon, t_future)
            mean_s = self._curve(tf, ps)
            g = jacobian_natural_at(tf)
            var = np.einsum("ij,jk,ik->i", g, cov_s, g) + sigma_s ** 2
            half = t_quantile(level, df) * np.sqrt(var)
            return mean_s * scale, mean_s * scale, (mean_s - half) * scale, (mean_s + half) * scale

        return FitResult(
            model=self.name, params=params, stderr=stderr,
            cov=pd.DataFrame(cov, index=free, columns=free), sigma=sigma_s * scale,
            sse=sse_s * scale ** 2, aic=gaussian_aic(sse_s * scale ** 2, n, k), n_obs=n,
            fitted=fitted, residuals=(data.series.astype(float) - fitted).rename("residuals"),
            options=self._options_record(), df_resid=df, formula=self.formula,
            interval_method=("delta method on the parameter covariance plus residual variance, "
                             f"Student t on {df} df"),
            _axis=data.axis, _predict=predict)

    def _start(self, t, y, data) -> dict[str, float]:
        start = self.options.get("start") or {}
        if not isinstance(start, Mapping) or set(start) - set(self.all_param_names()):
            raise ParameterError("must be a dict of starting values for the model's parameters",
                                 name="start", source=self.name,
                                 expected=f"keys among {', '.join(self.all_param_names())}",
                                 value=start)
        complete = set(self.free_names()) <= set(start)
        guess = {} if complete else self._initial_guess(t, y, self.fixed)
        guess = {**guess, **{k: float(v) for k, v in start.items()}}
        return guess

    def _bound(self, name: str, side: int, scale: float) -> float:
        value = self.bounds.get(name, (-np.inf, np.inf))[side]
        if name in self.scale_params:
            # a ceiling beyond SCALE_LIMIT x max|y| means the data show no saturation:
            # stop there (and say so) instead of chasing it to infinity
            return value / scale if np.isfinite(value) else (SCALE_LIMIT if side else -SCALE_LIMIT)
        return value

    def _inverse_gram(self, jac: np.ndarray) -> np.ndarray:
        """(J'J)^-1 via the SVD of the column-scaled J; ConvergenceError when singular."""
        if jac.shape[1] == 0:
            return np.zeros((0, 0))
        scaled = scaled_inverse_gram(jac, 1e-10)
        if scaled is None:
            raise ConvergenceError(self.name, "the parameters are not identified by these data "
                                   "(singular gradient at the optimum)", self.hints())
        inner, norms = scaled
        return inner / np.outer(norms, norms)

