"""compute-forecast: forecast the global computing-power market.

The public surface is small and imported lazily, so that ``compute-forecast
--help`` does not pay for pandas, statsmodels or matplotlib.

>>> import forecast
>>> forecast.to_flops("615 EFlops")
6.15e+20
"""

from __future__ import annotations

import importlib

from forecast._version import __version__

# public name -> module that defines it
_EXPORTS = {
    # data with provenance
    "load": "forecast.data",
    "datasets": "forecast.data",
    "series": "forecast.data",
    # units and growth arithmetic
    "to_flops": "forecast.units",
    "format_flops": "forecast.units",
    "Quantity": "forecast.units",
    "implied_cagr": "forecast.growth",
    "project": "forecast.growth",
    "doubling_time": "forecast.growth",
    # models
    "fit": "forecast.models",
    "available_models": "forecast.models",
    "compare": "forecast.models",
    "FitResult": "forecast.models",
    # GPU demand -> installed FLOP/s
    "fleet_flops": "forecast.gpu",
    "installed_base": "forecast.gpu",
    # scenarios and Monte Carlo
    "load_scenario": "forecast.scenarios",
    "simulate": "forecast.scenarios",
}

# submodules reachable as attributes (``forecast.gpu.fleet_flops``) without an explicit import
_SUBMODULES = {"data", "units", "growth", "models", "gpu", "scenarios", "backtest", "vintages",
               "io", "plots", "runner", "report", "headline", "history", "totals", "bridge",
               "backtest_suite", "top500", "ai_stock", "trends", "skill", "evidence",
               "evidence_views", "plots_evidence", "plots_style", "present", "explore",
               "scenario_format", "scenario_writer", "sweep", "keyfigures", "site"}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"forecast.{name}")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'forecast' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # cache: next access is a plain lookup
    return value


def __dir__():
    return sorted(__all__)
