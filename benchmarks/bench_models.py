"""Benchmark: fit every registered model to every shipped series and time it.

Run with ``.venv/bin/python benchmarks/bench_models.py``.  Series: the global
total and its three components (CAICT), the China device-side and
infrastructure-side totals, and NVIDIA's quarterly data-center revenue.  A fit
the model refuses (too few points, no ceiling in sight) counts as done: it is
the library's answer, and it is timed too.  Imports (pandas, scipy,
statsmodels) are timed separately; the target is < 1 s for all fits.  Both wall-clock
and CPU seconds are printed: on a busy machine the CPU figure is the stable one.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()
import pandas as pd  # noqa: E402
import statsmodels.tsa.arima.model  # noqa: E402,F401
import statsmodels.tsa.exponential_smoothing.ets  # noqa: E402,F401

from forecast.data import load, series  # noqa: E402
from forecast.errors import ConvergenceError, DataError  # noqa: E402
from forecast.models import available_models, fit  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - T0


def shipped_series() -> dict[str, pd.Series]:
    """Every series the data package ships, one per (scope, component, source)."""
    gc = load("global_compute")
    out = {}
    caict = ["CAICT", "CCIA Data Center Committee (中国通信工业协会数据中心委员会)"]
    for component in ("total", "basic", "intelligent", "supercomputing"):
        out[f"global {component}"] = series(gc, scope="global", component=component, point="year",
                                            publisher=caict)
    out["china-device total"] = series(gc, scope="china-device", component="total", point="year",
                                       publisher="CAICT")
    out["china-infrastructure total"] = series(gc, scope="china-infrastructure", component="total",
                                               point="year")
    nv = load("nvidia_datacenter_revenue")
    quarters = pd.PeriodIndex([pd.Period(f"{fy}Q{fq}", freq="Q-JAN") for fy, fq in
                               zip(nv["fiscal_year"], nv["fiscal_quarter"])])
    out["NVIDIA data-center revenue (quarterly)"] = pd.Series(nv["revenue"].to_numpy(float),
                                                              index=quarters)
    return out


def main() -> None:
    data = shipped_series()
    fit("exponential", data["global total"])  # first call: lazy imports inside scipy/statsmodels
    rows, start, cpu = [], time.perf_counter(), time.process_time()
    for label, y in data.items():
        for model in available_models():
            t = time.perf_counter()
            try:
                fit(model, y).forecast(4)
                outcome = "fitted"
            except (DataError, ConvergenceError) as err:
                outcome = f"refused: {type(err).__name__}"
            rows.append((label, len(y), model, outcome, time.perf_counter() - t))
    total, cpu = time.perf_counter() - start, time.process_time() - cpu
    table = pd.DataFrame(rows, columns=["series", "n", "model", "outcome", "seconds"])
    with pd.option_context("display.width", 140, "display.max_rows", 200):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"\nimports (pandas, scipy, statsmodels, forecast): {IMPORT_SECONDS:.2f} s")
    # CPU seconds are the stable figure on a shared machine; wall seconds include waiting
    print(f"{len(rows)} fits + forecasts over {len(data)} series: {total:.3f} s wall, "
          f"{cpu:.3f} s CPU "
          f"(target < 1 s; slowest {table.seconds.max():.3f} s: "
          f"{table.loc[table.seconds.idxmax(), 'model']} on "
          f"{table.loc[table.seconds.idxmax(), 'series']})")


def ets_starts(y: pd.Series, repeats: int = 3) -> tuple[float, float]:
    """CPU seconds of one damped ETS fit: ours (several starts) and statsmodels' single start.

    The ratio is the price of not stopping at a poor local optimum (see
    forecast.models.timeseries); both are timed here, in the same run.
    """
    import warnings

    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    z = pd.Series(y.to_numpy(float) / float(y.abs().max()))

    def single():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ETSModel(z, error="add", trend="add", damped_trend=True).fit(disp=False)

    def ours():
        fit("ets", y, damped=True).forecast(4)

    timings = []
    for func in (ours, single):
        start = time.process_time()
        for _ in range(repeats):
            func()
        timings.append((time.process_time() - start) / repeats)
    return timings[0], timings[1]


if __name__ == "__main__":
    main()
    nvidia = shipped_series()["NVIDIA data-center revenue (quarterly)"]
    ours, single = ets_starts(nvidia)
    print(f"damped ETS on NVIDIA revenue: {ours:.3f} s CPU with several starts, {single:.3f} s "
          f"from statsmodels' single start (ratio {ours / single:.1f})")
