"""The stock of AI accelerators, bottom-up from Epoch AI's chip counts, in H100e and FLOP/s.

Data: ``ai_chip_stock`` and ``ai_chip_sales`` (Epoch AI, "AI Chip Sales",
CC BY 4.0), built by ``data/scripts/build_sources.py``.

What Epoch counts
    Chips *shipped* by four designers since the first quarter each series
    covers (NVIDIA data-center GPUs from Q1 2022, Google TPUs from Q1 2023,
    AMD Instinct and Amazon Trainium from Q1 2024), cumulated with **no
    retirement**.  Not counted: chips shipped before those quarters, Huawei
    and other Chinese accelerators, CPUs, and every non-AI server.  Each
    figure is a triplet: 5th percentile, median, 95th percentile.

H100-equivalents
    Epoch defines H100e as "units x the chip's 8-bit TOPS / 1,979"
    (epoch-research/ai-chip-counts, docs/schema.md); 1,979 TFLOP/s is the
    H100 SXM's dense FP8 peak.  So H100e x 1,979 TFLOP/s is exactly the
    stock's dense 8-bit peak (``precision="FP8"``), and H100e x 989 TFLOP/s
    (H100 SXM dense FP16, ``precision="FP16"``, the default) is its dense
    FP16 peak *if* every chip's 16-bit peak is half its 8-bit peak, as on
    A100, H100, H200, B200 and MI300X; chips with another ratio are misstated
    at FP16 by that ratio.  Both per-H100e figures are read from
    ``data/accelerators.csv`` (row ``h100-sxm``).  Epoch's February 2025
    insight used dense FP16 ("4e21 FLOP/s ... approximately 4M
    H100-equivalents").

Combining percentiles
    A designer's cumulative percentiles are percentiles of the sum over its
    chips and quarters (Epoch sums Monte Carlo samples).  Across designers
    Epoch publishes no joint distribution, and neither the sum of medians nor
    the sum of 5th (95th) percentiles is a percentile of the sum.
    :func:`total` therefore labels what it returns.  The default,
    ``method="simulated"``, fits a log-normal to each designer's triplet and
    adds seeded draws whose logs have correlation ``rho`` (default 0: the
    designers are estimated from separate filings -- NVIDIA's revenue,
    Broadcom's for TPUs, AMD's, Amazon's and Marvell's -- so their errors are
    taken as independent), giving the median and band *of the simulated sum*;
    ``method="independent"`` is the same with ``rho=0``.  ``method="sum"``
    gives the **sum of medians** with the sums of 5th and of 95th percentiles
    (the exact band only if the errors were perfectly correlated, ``rho=1``).
    :func:`versus_top_down` quotes the sum of medians (Epoch's own headline
    figure) with the 5-95% band of the simulated sum.

Vintages
    Every row carries Epoch's "Estimates generated on" date.  ``vintage=None``
    takes, for each designer, its latest vintage; ``vintage="2026-03-31"``
    takes the latest vintage on or before that date (what was known then).
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from forecast import data
from forecast.errors import DataError, ParameterError
from forecast.i18n import N_
from forecast.i18n import gettext as _

#: H100e -> FLOP/s: the H100 SXM's dense peak at these precisions (accelerators.csv)
PRECISIONS = ("FP16", "FP8")
Z_95 = 1.6448536269514722  # standard normal 95th percentile

COUNTS = N_("AI accelerators shipped since each series start (NVIDIA Q1 2022, Google TPU Q1 "
            "2023, AMD and Amazon Trainium Q1 2024), never retired; peak, not use; excludes "
            "older chips, Huawei and other Chinese accelerators, CPUs and non-AI servers")


def _quarter(dates: pd.Series) -> pd.Series:
    stamps = pd.to_datetime(dates)
    return stamps.dt.year.astype(str) + "Q" + stamps.dt.quarter.astype(str)


def _pick_vintage(frame: pd.DataFrame, vintage, by: list[str]) -> pd.DataFrame:
    """Rows of one vintage per group ``by``: the latest, or the latest on or before ``vintage``."""
    if isinstance(vintage, str) and vintage == "all":
        return frame
    rows = frame
    if vintage is not None:
        try:
            cutoff = pd.Timestamp(vintage)
        except ValueError:
            raise ParameterError("not a date", name="vintage",
                                 expected="None, 'all' or a date YYYY-MM-DD",
                                 value=vintage) from None
        rows = frame[frame["vintage"] <= cutoff]
        if rows.empty:
            raise DataError("no Epoch vintage on or before that date", column="vintage",
                            expected=f"a date on or after {frame['vintage'].min():%Y-%m-%d}",
                            value=vintage)
    latest = rows.groupby(by)["vintage"].transform("max")
    return rows[rows["vintage"] == latest]


def _measure(measure: str) -> str:
    if measure not in ("units", "H100e", "MW"):
        raise ParameterError("unknown measure", name="measure",
                             expected="'units', 'H100e' or 'MW'", value=measure)
    return measure


def h100e_flops(precision: str = "FP16", specs: pd.DataFrame | None = None) -> float:
    """FLOP/s of one H100e at ``precision``: H100 SXM dense peak (FP16 989e12, FP8 1979e12)."""
    from forecast.analysis.gpu import peak_flops

    if precision not in PRECISIONS:
        raise ParameterError("H100e converts to FLOP/s only at FP16 or FP8", name="precision",
                             expected="'FP16' (dense, the default) or 'FP8' (dense 8-bit, "
                                      "Epoch's definition)", value=precision)
    return peak_flops("h100-sxm", precision, sparse=False, specs=specs)


def stock(measure: str = "H100e", *, by: str = "designer", vintage=None,
          data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Epoch's cumulative AI-chip stock by quarter end, per designer (or owner or NVIDIA chip).

    Parameters
    ----------
    measure : {"H100e", "units", "MW"}
    by : {"designer", "owner", "chip"}
        ``designer``: the four designers' totals; ``owner``: per owner and
        designer (Microsoft, Meta, Amazon, Google, Oracle, China, Other);
        ``chip``: per NVIDIA chip type.
    vintage : None, "all" or "YYYY-MM-DD"
        See the module docstring.

    Returns
    -------
    DataFrame
        Columns ``designer``, ``owner``, ``chip``, ``period_end`` (datetime),
        ``quarter`` ("2025Q4"), ``measure``, ``p5``, ``median``, ``p95``
        (counts of chips, H100e or MW; cumulative), ``incomplete``, ``vintage``,
        sorted by designer and date.
    """
    _measure(measure)
    rows = data.load("ai_chip_stock", data_dir)
    rows = rows[rows["measure"] == measure]
    if by == "designer":
        rows = rows[(rows["owner"] == "all") & (rows["chip"] == "all")]
    elif by == "owner":
        rows = rows[(rows["owner"] != "all") & (rows["chip"] == "all")]
    elif by == "chip":
        rows = rows[(rows["owner"] == "all") & (rows["chip"] != "all")]
    else:
        raise ParameterError("unknown grouping", name="by",
                             expected="'designer', 'owner' or 'chip'", value=by)
    rows = _pick_vintage(rows, vintage, ["designer", "owner", "chip"])
    out = rows[["designer", "owner", "chip", "period_end", "measure", "p5", "median", "p95",
                "incomplete", "vintage"]].copy()
    out.insert(4, "quarter", _quarter(out["period_end"]).to_numpy())
    out = out.sort_values(["designer", "owner", "chip", "period_end"]).reset_index(drop=True)
    out.attrs.update(measure=measure, counts=COUNTS, dataset="ai_chip_stock")
    return out


def stock_flops(precision: str = "FP16", *, vintage=None, specs: pd.DataFrame | None = None,
                data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The designers' cumulative stock as peak FLOP/s at ``precision`` (dense; FP16 or FP8).

    Same rows as :func:`stock` (``measure="H100e"``) with ``p5``, ``median``
    and ``p95`` multiplied by :func:`h100e_flops`; column ``precision``;
    ``attrs["flops_per_h100e"]``.
    """
    per = h100e_flops(precision, specs)
    out = stock("H100e", vintage=vintage, data_dir=data_dir)
    out[["p5", "median", "p95"]] = out[["p5", "median", "p95"]] * per
    out["measure"] = "FLOP/s"
    out["precision"] = precision
    out.attrs.update(unit="FLOP/s", precision=precision, flops_per_h100e=per, sparse=False)
    return out


def _lognormal_sum(triplets: np.ndarray, draws: int, seed: int,
                   rho: float = 0.0) -> tuple[float, float, float]:
    """p5, median, p95 of a sum of log-normals fitted to (p5, median, p95) rows, their logs
    equicorrelated with ``rho`` (one shared normal factor with weight sqrt(rho))."""
    rng = np.random.default_rng(seed)
    total = np.zeros(draws)
    shared = rng.standard_normal(draws)
    for p5, med, p95 in triplets:
        if med <= 0:
            continue
        low = np.log(med / p5) / Z_95 if p5 > 0 else np.nan
        high = np.log(p95 / med) / Z_95 if p95 > 0 else np.nan
        sigma = np.nanmean([low, high]) if np.isfinite([low, high]).any() else 0.0
        z = np.sqrt(rho) * shared + np.sqrt(1 - rho) * rng.standard_normal(draws)
        total += med * np.exp(sigma * z)
    p5, med, p95 = np.quantile(total, [0.05, 0.5, 0.95])
    return float(p5), float(med), float(p95)


def total(frame: pd.DataFrame | None = None, *, method: str = "simulated", rho: float = 0.0,
          draws: int = 20000, seed: int = 20260331) -> pd.DataFrame:
    """All designers together per quarter, with the combination rule named.

    Parameters
    ----------
    frame : DataFrame, optional
        From :func:`stock` or :func:`stock_flops` (default ``stock("H100e")``).
    method : {"simulated", "independent", "sum"}
        ``simulated`` (default): median and percentiles of the simulated sum of
        log-normals fitted to each designer's triplet, logs correlated ``rho``
        (``draws`` draws, ``seed``).  ``independent``: the same with ``rho=0``.
        ``sum``: ``median`` is the **sum of medians** and ``p5``/``p95`` the
        sums of the designers' 5th and 95th percentiles (exact only if their
        errors were perfectly correlated).
    rho : float
        Correlation of the designers' log errors, 0 (independent, the default:
        separate filings) to 1 (comonotone); ``simulated`` only.

    Returns
    -------
    DataFrame
        ``quarter``, ``period_end``, ``designers`` (how many series cover the
        quarter: 1 before 2023, 2 in 2023, 4 from 2024; totals jump when a
        series starts), ``complete`` (every designer of ``frame`` covers the
        quarter; False also when a series has not yet been extended, e.g.
        2026Q1 with only NVIDIA and Google), ``p5``, ``median``, ``p95``,
        ``method``.
    """
    frame = stock("H100e") if frame is None else frame
    if method not in ("sum", "independent", "simulated"):
        raise ParameterError("unknown combination method", name="method",
                             expected="'simulated' (log-normal draws, correlation rho), "
                                      "'independent' (rho=0) or 'sum' (sum of medians and of "
                                      "percentiles)", value=method)
    if isinstance(rho, bool) or not isinstance(rho, (int, float)) or not 0 <= rho <= 1:
        raise ParameterError("correlation out of range", name="rho",
                             expected="a number from 0 to 1", value=rho)
    rho = 0.0 if method == "independent" else float(rho)
    if frame.duplicated(["designer", "quarter"]).any():
        raise DataError("several rows per designer and quarter (owners, chips or vintages)",
                        expected="a frame from stock(by='designer') with one vintage")
    rows = []
    for (quarter, end), group in frame.groupby(["quarter", "period_end"], sort=True):
        triplets = group[["p5", "median", "p95"]].to_numpy(dtype=float)
        if method == "sum":
            p5, med, p95 = triplets.sum(axis=0)
        else:
            p5, med, p95 = _lognormal_sum(triplets, draws, seed, rho)
        rows.append({"quarter": quarter, "period_end": end, "designers": len(group),
                     "complete": len(group) == frame["designer"].nunique(),
                     "p5": p5, "median": med, "p95": p95,
                     "method": "sum of medians (band: sums of p5 and p95)" if method == "sum"
                     else "median of the sum, independent log-normals" if rho == 0
                     else f"median of the sum, log-normals with correlation {rho:g}"})
    out = pd.DataFrame(rows)
    out.attrs.update({k: v for k, v in frame.attrs.items() if k != "provenance"})
    return out


def at_year_end(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """Rows of a quarterly frame at the end of ``year`` (quarter ``YYYYQ4``)."""
    rows = frame[frame["quarter"] == f"{int(year)}Q4"]
    if rows.empty:
        raise DataError(f"no Q4 {year} in the stock", column="quarter",
                        expected="a year between "
                                 f"{frame['quarter'].min()[:4]} and {frame['quarter'].max()[:4]}",
                        value=year)
    return rows


def nvidia_share(*, vintage=None, data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """NVIDIA's share of the four designers' H100e stock by quarter.

    ``share`` = NVIDIA's median / sum of the designers' medians;
    ``share_low`` = NVIDIA p5 / (NVIDIA p5 + others' p95) and ``share_high`` =
    NVIDIA p95 / (NVIDIA p95 + others' p5), the extreme combinations of the
    designers' 90% intervals (wider than a joint 90% interval).
    ``complete`` is True from 2024Q1, when all four series have started:
    before that the share is of a smaller set and overstates NVIDIA.
    """
    frame = stock("H100e", vintage=vintage, data_dir=data_dir)
    nv = frame[frame["designer"] == "Nvidia"].set_index("quarter")
    others = frame[frame["designer"] != "Nvidia"].groupby("quarter")[["p5", "median", "p95"]].sum()
    others = others.reindex(nv.index, fill_value=0.0)
    count = frame.groupby("quarter")["designer"].nunique().reindex(nv.index)
    out = pd.DataFrame({
        "period_end": nv["period_end"],
        "nvidia_h100e": nv["median"],
        "others_h100e": others["median"],
        "share": nv["median"] / (nv["median"] + others["median"]),
        "share_low": nv["p5"] / (nv["p5"] + others["p95"]),
        "share_high": nv["p95"] / (nv["p95"] + others["p5"]),
        "designers": count,
        "complete": count == frame["designer"].nunique(),
    }).reset_index()
    out.attrs.update(measure="H100e", counts=COUNTS)
    return out


def shipments(measure: str = "H100e", *, vintage=None,
              data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Quarterly shipments by designer: differences of Epoch's cumulative counts.

    Returns
    -------
    DataFrame
        ``designer``, ``quarter``, ``period_start``, ``period_end``, ``measure``;
        ``median``: difference of consecutive cumulative medians (the first
        quarter of a series is its first cumulative value), which is a
        difference of medians, not the median of the quarter's shipments;
        ``chip_median_sum``, ``p5``, ``p95``: sums over the designer's chips of
        Epoch's quarterly percentiles (``ai_chip_sales``, calendar quarters),
        the band exact only if the chips' errors were perfectly correlated;
        ``incomplete`` (the quarter is only partly covered by Epoch's source).
    """
    _measure(measure)
    cumulative = stock(measure, vintage=vintage, data_dir=data_dir)
    cumulative = cumulative.sort_values(["designer", "period_end"])
    diff = cumulative.groupby("designer")["median"].diff()
    cumulative = cumulative.assign(shipped=diff.fillna(cumulative["median"]))
    cumulative = cumulative.drop(columns=["p5", "p95"])
    sales = data.load("ai_chip_sales", data_dir)
    sales = sales[(sales["measure"] == measure) & (sales["calendar"] == "calendar")]
    sales = _pick_vintage(sales, vintage, ["designer", "chip"])
    sales = sales.assign(quarter=_quarter(sales["period_end"]).to_numpy())
    by_chip = sales.groupby(["designer", "quarter"]).agg(
        chip_median_sum=("median", "sum"), p5=("p5", "sum"), p95=("p95", "sum"),
        period_start=("period_start", "min"))
    out = cumulative.join(by_chip, on=["designer", "quarter"])
    out = out.rename(columns={"median": "cumulative_median"})
    out = out[["designer", "quarter", "period_start", "period_end", "measure", "shipped",
               "chip_median_sum", "p5", "p95", "cumulative_median", "incomplete", "vintage"]]
    out = out.rename(columns={"shipped": "median"}).reset_index(drop=True)
    out.attrs.update(measure=measure, counts=COUNTS,
                     median="difference of cumulative medians")
    return out


# --------------------------------------------------------------------------- top-down vs bottom-up

TOP_DOWN_COUNTS = {
    ("global", "intelligent"): N_("AI servers' FP16 peak as estimated by the publisher "
                                  "(CAICT: servers shipped over about six years; dense or "
                                  "sparse not stated)"),
    ("global", "total"): N_("all servers shipped over about six years x average peak, plus "
                            "supercomputers; ADDS FP32 basic, FP16 intelligent and FP64 "
                            "supercomputing FLOP/s (mixed precision: not comparable at one "
                            "precision)"),
}


def versus_top_down(year: int = 2025, precision: str = "FP16", *, vintage=None,
                    rho: float = 0.0,
                    specs: pd.DataFrame | None = None,
                    data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The bottom-up AI stock at the end of ``year`` next to the global top-down figures.

    Rows: Epoch's stock (sum of designers' medians, with the 5th and 95th
    percentiles of the simulated sum, designers' log errors correlated ``rho``,
    see :func:`total`; and each designer), then every *global* figure of
    ``global_compute`` and ``compute_forecasts`` for component ``intelligent``
    (FP16) or ``total`` (mixed precision), whatever its year.  ``ratio`` is
    the bottom-up sum of medians divided by the row's figure (for the
    designer rows, ``share`` is the row's part of the bottom-up sum).  ``comparable`` is True only for a
    figure at the same precision as the bottom-up stock; the mixed totals are
    shown so the gap can be read, not compared.  ``counts`` says what each
    row counts.

    The gap this makes computable: Epoch's chips alone give ~19 ZFLOP/s of
    dense FP16 at the end of 2025, while CAICT's 2023 white paper forecast
    ">20 ZFLOPS" for 2030 *in total, all precisions*.  The top-down series
    were made before the 2023-25 accelerator build-out and add precisions; the
    bottom-up stock counts four designers' chips since 2022-24, no
    retirements, peak.
    """
    per_designer = at_year_end(stock_flops(precision, vintage=vintage, specs=specs,
                                           data_dir=data_dir), year)
    combined = total(per_designer, method="sum")
    band = total(per_designer, method="simulated", rho=rho)
    bottom = combined["median"].iloc[0]
    rows = [{
        "source": "Epoch AI (bottom-up, all designers)", "what": "sum of medians",
        "year": int(year), "kind": "estimate", "precision": precision,
        "median": bottom, "lower": band["p5"].iloc[0], "upper": band["p95"].iloc[0],
        "bound": "point", "comparable": True, "ratio": 1.0, "share": 1.0,
        "counts": _("{counts}; dense {precision} peak via H100e").format(
            counts=_(COUNTS), precision=precision)}]
    for _index, row in per_designer.iterrows():
        rows.append({"source": f"Epoch AI ({row['designer']})", "what": "median",
                     "year": int(year), "kind": "estimate", "precision": precision,
                     "median": row["median"], "lower": row["p5"], "upper": row["p95"],
                     "bound": "point", "comparable": True, "ratio": bottom / row["median"],
                     "share": row["median"] / bottom,
                     "counts": _("{designer} chips only").format(designer=row["designer"])})
    for name in ("global_compute", "compute_forecasts"):
        frame = data.load(name, data_dir)
        frame = frame[(frame["scope"] == "global")
                      & frame["component"].isin(["intelligent", "total"])
                      & frame["flops"].notna()]
        for _index, row in frame.iterrows():
            same = row["precision"] == precision
            rows.append({
                "source": f"{row['publisher']}: {row['document']}",
                "what": row["component"], "year": int(row["year"]),
                "kind": row.get("kind", "actual") if name == "compute_forecasts" else "actual",
                "precision": row["precision"], "median": row["flops"], "lower": np.nan,
                "upper": np.nan, "bound": row["bound"], "comparable": bool(same),
                "ratio": bottom / row["flops"], "share": np.nan,
                "counts": _(TOP_DOWN_COUNTS[("global", row["component"])])})
    out = pd.DataFrame(rows)
    out.attrs.update(unit="FLOP/s", precision=precision, year=int(year),
                     ratio="bottom-up sum of medians / figure",
                     band=band["method"].iloc[0] + " (5th and 95th percentiles of the sum)")
    return out
