"""Growth arithmetic: compound annual growth, projection, doubling time.

Rates are fractions per period (0.44 means +44% a period).  Every function
accepts scalars or numpy arrays and broadcasts, so the scenario Monte Carlo can
call them on whole vectors of draws.

>>> round(implied_cagr(615e18, 56e21, 9), 4)
0.651
>>> project(615e18, 0.44, 9) / 1e21  # ZFLOPS in 2030 at 44% a year from 2021
16.37...
"""

from __future__ import annotations

import numpy as np

from forecast.errors import ParameterError


def _positive(name: str, value) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    if np.any(~np.isfinite(array)) or np.any(array <= 0):
        raise ParameterError("must be positive and finite", name=name, value=value)
    return array


def _scalar_or_array(array: np.ndarray):
    return float(array) if array.ndim == 0 else array


def implied_cagr(start_value, end_value, periods):
    """Constant growth rate taking ``start_value`` to ``end_value`` in ``periods`` periods.

    ``(end / start) ** (1 / periods) - 1``; ``implied_cagr(615e18, 56e21, 9)`` is
    about 0.651 (CAICT: 615 EFLOPS in 2021 to 56 ZFLOPS in 2030).
    """
    start, end = _positive("start_value", start_value), _positive("end_value", end_value)
    n = _positive("periods", periods)
    return _scalar_or_array((end / start) ** (1.0 / n) - 1.0)


def project(value, rate, periods):
    """``value * (1 + rate) ** periods``: the value after ``periods`` periods of growth.

    ``rate`` must be greater than -1 (a fall of 100% or more is not growth);
    ``periods`` may be an array (a path) and broadcasts against ``value`` and ``rate``.
    """
    rate_ = np.asarray(rate, dtype=float)
    if np.any(~np.isfinite(rate_)) or np.any(rate_ <= -1):
        raise ParameterError("must be a finite rate above -1", name="rate", value=rate)
    result = np.asarray(value, dtype=float) * (1.0 + rate_) ** np.asarray(periods, dtype=float)
    return _scalar_or_array(result)


def doubling_time(rate):
    """Periods needed to double at ``rate``: ``ln 2 / ln(1 + rate)`` (1.0 at 100%)."""
    rate_ = _positive("rate", rate)
    return _scalar_or_array(np.log(2.0) / np.log1p(rate_))
