"""Growth models behind one interface: ``fit(model, y, **options) -> FitResult``.

>>> import pandas as pd
>>> from forecast.models import fit
>>> res = fit("exponential", pd.Series([100.0, 144.0, 207.36], index=[2021, 2022, 2023]))
>>> round(res.params["growth"], 2)
0.44

Families (one module each): ``cagr`` (cagr.py); ``exponential``, ``logistic``,
``gompertz`` (curves.py); ``bass`` (diffusion.py); ``ets``, ``arima``
(timeseries.py); ``naive`` and ``meanf``, R's benchmark methods (simple.py).
``base.py`` holds the registry (families load on first use), least squares and :class:`FitResult`;
``timeaxis.py`` validation and time axes; ``comparison.py`` the side-by-side table.
"""

from forecast._lazy import exports

__all__ = ["FitResult", "available_models", "cap_sensitivity", "compare", "forecast_at",
           "get_model", "headline_table", "horizon_to", "register"]

# the families register themselves when the registry is first read (base.FAMILIES)
__getattr__, __dir__ = exports(__name__, {
    **dict.fromkeys(["FitResult", "available_models", "fit", "get_model", "register"], ".base"),
    **dict.fromkeys(["cap_sensitivity", "compare", "forecast_at", "headline_table", "horizon_to"],
                    ".comparison"),
}, globals())
