"""Analysis layer: what the data say, one module per question.

``totals`` (published totals as series), ``top500`` (the TOP500 lists), ``ai_stock`` (Epoch AI's
accelerator counts), ``gpu`` and ``bridge`` (GPU purchases and revenue as FLOP/s), ``trends``
(log-linear trends and breaks), ``backtest``, ``backtest_suite`` and ``skill`` (forecast skill by
rolling origin), ``vintages`` (published forecast vintages against the actuals), ``evidence``
(notebook 05's sections) and ``influence`` (which swept parameter moves a sweep's headline
figures). Import the modules: ``from forecast.analysis import totals``.
Analysis may use the data, models and scenarios layers, never present or pipeline.
"""
