"""compute-forecast: forecast the global computing-power market.

The package is layered; each layer imports only the layers below it (``tests/test_layers.py``)::

    foundation  errors, units, growth, paths,       the rest of this folder
                files, io, cli
    data        forecast.data                       datasets with provenance, headline schema, history
    models      forecast.models                     growth models behind one ``fit()``
    scenarios   forecast.scenarios                  what-if files and their Monte Carlo
    analysis    forecast.analysis                   totals, TOP500, AI stock, GPUs, skill, vintages
    present     forecast.present                    reader tables, prose, the chart style, plots, widgets
    pipeline    forecast.pipeline                   runner, cache, staging, site pages, sweeps

This facade is small and lazy, so that ``compute-forecast --help`` does not pay for pandas,
statsmodels or matplotlib. Notebooks import the topics by their short names
(``from forecast import io, plots, present, totals``).

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
    "load": "forecast.data.datapackage",
    "datasets": "forecast.data.datapackage",
    "series": "forecast.data.datapackage",
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
    "fleet_flops": "forecast.analysis.gpu",
    "installed_base": "forecast.analysis.gpu",
    # scenarios and Monte Carlo
    "load_scenario": "forecast.scenarios.spec",
    "simulate": "forecast.scenarios.montecarlo",
}

# topics reachable as ``forecast.<topic>`` and ``from forecast import <topic>``: short name -> module
TOPICS = {
    "data": "forecast.data", "units": "forecast.units", "growth": "forecast.growth",
    "io": "forecast.io", "models": "forecast.models", "scenarios": "forecast.scenarios",
    "headline": "forecast.data.headline", "history": "forecast.data.history",
    **{name: f"forecast.analysis.{name}" for name in (
        "totals", "top500", "ai_stock", "gpu", "bridge", "trends", "skill", "backtest",
        "backtest_suite", "vintages", "evidence")},
    "present": "forecast.present", "plots": "forecast.present.plots",
    "evidence_views": "forecast.present.evidence_views", "explore": "forecast.present.explore",
    "runner": "forecast.pipeline.runner", "sweep": "forecast.pipeline.sweep",
    **{n: f"forecast.analysis.{n}" for n in ("ai_compute", "ai_flows", "hindcast")},
    "ai_plots": "forecast.present.ai_plots",
    **{n: f"forecast.analysis.{n}" for n in ("answer", "calibration", "combination", "verdicts")},
    "answer_views": "forecast.present.answer_views",
    "influence": "forecast.analysis.influence",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    module = TOPICS.get(name)
    if module is not None:
        value = importlib.import_module(module)
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'forecast' has no attribute {name!r}")
    globals()[name] = value  # cache: next access is a plain lookup
    return value


def __dir__():
    return sorted({*__all__, *TOPICS})
