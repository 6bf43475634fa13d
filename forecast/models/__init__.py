"""Growth models behind one interface: ``fit(model, y, **options) -> FitResult``.

>>> import pandas as pd
>>> from forecast.models import fit
>>> res = fit("exponential", pd.Series([100.0, 144.0, 207.36], index=[2021, 2022, 2023]))
>>> round(res.params["growth"], 2)
0.44

Families (one module each): ``cagr`` (cagr.py); ``exponential``, ``logistic``,
``gompertz`` (curves.py); ``bass`` (diffusion.py); ``ets``, ``arima``
(timeseries.py); ``naive`` and ``meanf``, R's benchmark methods (simple.py).
``base.py`` holds the registry, least squares and :class:`FitResult`;
``timeaxis.py`` validation and time axes; ``compare.py`` the side-by-side table.
"""

from forecast.models import cagr, curves, diffusion, timeseries  # noqa: F401  (registration)
# registered last: R's benchmark methods come after the growth models in every table
from forecast.models import simple  # noqa: E402,F401,I001
from forecast.models.base import FitResult, available_models, fit, get_model, register
from forecast.models.compare import (cap_sensitivity, compare, forecast_at, headline_table,
                                      horizon_to)

__all__ = ["FitResult", "available_models", "cap_sensitivity", "compare", "fit", "forecast_at",
           "get_model", "headline_table", "horizon_to", "register"]
