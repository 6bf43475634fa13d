"""Inputs of the bottom-up AI compute forecast: quarterly flows by designer, as of a date.

Everything the stock-flow model (:mod:`forecast.analysis.ai_compute`) reads comes
through this module, and every reader takes ``as_of``.

Flows counted
    Epoch AI's chip timelines (``ai_chip_sales``, calendar quarters): units and
    H100e per chip and quarter, with 5th/50th/95th percentiles.  A designer's
    quarterly flow is the sum of its chips' medians.  Quarters Epoch marks
    ``incomplete`` (partly covered by the source's fiscal quarters) are left out.
    FLOP/s are **dense FP16 peak**: units x each chip's dense tensor FP16/BF16
    peak from Epoch's ML hardware dataset (``ml_hardware``, map
    :data:`CHIP_HARDWARE`); a chip without a row there falls back to H100e x
    989 TFLOP/s (the H100 SXM's dense FP16 peak), which assumes FP16 = half of
    8-bit, and is flagged.  Chips whose 16-bit peak equals their 8-bit peak
    (TPU v4, MI250X, Trainium1) count twice as many FLOP/s per H100e as an H100:
    that is why shares in H100e and in FP16 FLOP/s differ.

Level uncertainty
    Epoch's cumulative stock per designer (``ai_chip_stock``) has a 5-95%
    band that is a percentile of the sum over chips and quarters.  Its log
    width at the designer's last quarter, ``ln(p95 / p5) / (2 x 1.645)``, is
    the standard deviation of one log-normal multiplier per designer and path,
    applied to all its flows (the error of a designer's count is mostly
    systematic: one revenue split, one price per chip).

Revenue-implied NVIDIA flow (the long series)
    NVIDIA Data Center revenue per fiscal year (annual reports FY2016-2022,
    ``nvidia_datacenter_revenue_annual``; quarterly releases FY2022 onwards)
    x the compute share (1 before the Mellanox acquisition closed in FY2021,
    then Epoch's assumption in ``nvidia_revenue_inputs``) / the price of one
    FLOP/s of dense FP16 peak on the log-linear trend of NVIDIA system prices
    (``hardware_prices``, per-GPU shares of DGX/HGX systems and baseboards,
    divided by the chip's dense FP16 peak).  Fiscal year F (February F-1 to
    January F) is placed in calendar year F-1 (11 of its 12 months).

As of a date
    ``as_of`` (ISO date) drops every row whose period ends after it (prices
    dated after it, TOP500 lists published after it).  Rows kept are the
    *latest* revision of each number: Epoch's 2026 vintage of 2023's
    shipments, not what Epoch said in 2024.  A replay is therefore
    pseudo-real-time, not a true real-time vintage.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.data import datapackage as data
from forecast.errors import DataError, ParameterError, UnknownNameError
from forecast.i18n import N_

DataDir = str | os.PathLike | None

Z95 = 1.6448536269514722  # standard normal 95th percentile
#: H100 SXM dense FP16 peak, FLOP/s (accelerators.csv row h100-sxm): the fallback per H100e
H100E_FP16 = 989e12
#: Epoch chip name -> ``ml_hardware`` hardware name whose dense tensor FP16/BF16 peak is used
CHIP_HARDWARE = {
    "A100": "NVIDIA A100 SXM4 80 GB", "A800": "NVIDIA A800 SXM",
    "H100": "NVIDIA H100 SXM5 80GB", "H800": "NVIDIA H800 SXM5", "H20": "NVIDIA HGX H20",
    "B200": "NVIDIA B200", "B300": "NVIDIA B300 (Blackwell Ultra)",
    "TPU v4": "Google TPU v4", "TPU v4i": "Google TPU v4i", "TPU v5e": "Google TPU v5e",
    "TPU v5p": "Google TPU v5p", "TPU v6e": "Google TPU v6e Trillium",
    "TPU v7": "Google TPU v7 Ironwood",
    "Instinct MI250X": "AMD Radeon Instinct MI250X", "Instinct MI300A": "AMD Instinct MI300A",
    "Instinct MI300X": "AMD Instinct MI300X", "Instinct MI308X": "AMD Radeon Instinct MI308X",
    "Instinct MI325X": "AMD Instinct MI325X", "Instinct MI350X": "AMD Instinct MI350X",
    "Instinct MI355X": "AMD Instinct MI355X",
    "Trainium1": "Amazon Trainium1", "Trainium2": "Amazon Trainium2",
}
#: NVIDIA price rows that stand for what a data-center buyer pays per GPU
SYSTEM_BASES = ("per GPU: DGX 8-GPU system price / 8", "per GPU: HGX 8-GPU price / 8",
                "per GPU: 8-GPU baseboard price / 8")
#: first fiscal year in which NVIDIA's Data Center segment includes Mellanox networking
#: (acquisition closed 27 April 2020, in fiscal 2021 Q1)
MELLANOX_FY = 2021
ANNUAL_DATASET = "nvidia_datacenter_revenue_annual"


# --------------------------------------------------------------------------- as of a date


def check_as_of(as_of, *, today: pd.Timestamp | None = None) -> pd.Timestamp | None:
    """``as_of`` as a Timestamp (None stays None); a date after ``today`` is refused.

    Raises ParameterError (one line) for text that is not an ISO date or a future date.
    """
    if as_of is None:
        return None
    try:
        stamp = pd.Timestamp(str(as_of))
    except ValueError:
        raise ParameterError("not a date", name="as_of", expected="None or an ISO date "
                             "YYYY-MM-DD", value=as_of) from None
    if pd.isna(stamp):
        raise ParameterError("not a date", name="as_of", expected="None or an ISO date",
                             value=as_of)
    today = pd.Timestamp.today().normalize() if today is None else today
    if stamp > today:
        raise ParameterError("as_of is in the future", name="as_of",
                             expected=f"a date on or before today ({today:%Y-%m-%d})",
                             value=str(as_of))
    return stamp.normalize()


def truncate(frame: pd.DataFrame, as_of, column: str = "period_end") -> pd.DataFrame:
    """Rows of ``frame`` whose ``column`` (a date) is on or before ``as_of`` (all if None)."""
    cutoff = check_as_of(as_of)
    if cutoff is None:
        return frame
    dates = pd.to_datetime(frame[column])
    return frame[dates <= cutoff]


# --------------------------------------------------------------------------- counted flows


def chip_fp16(data_dir: DataDir = None, as_of=None) -> pd.DataFrame:
    """Dense FP16 peak per Epoch chip, FLOP/s: one row per chip of ``ai_chip_sales``.

    Columns ``chip``, ``designer``, ``fp16_flops`` (FLOP/s per unit), ``hardware``
    (the ``ml_hardware`` row used, or "" when the H100e fallback is used),
    ``source`` ("ml_hardware" or "H100e x 989 TFLOP/s").  Spec rows released after
    ``as_of`` are not used (the fallback then applies).
    """
    sales = data.load("ai_chip_sales", data_dir)
    specs = data.load("ml_hardware", data_dir)
    specs = specs[(specs["precision"] == "FP16") & specs["peak"].notna()]
    if as_of is not None:
        specs = specs[pd.to_datetime(specs["release_date"], errors="coerce")
                      <= check_as_of(as_of)]
    # tensor rows first: the dense tensor-core FP16/BF16 peak is the AI headline figure
    specs = specs.sort_values("kind", key=lambda k: k != "tensor")
    peak = specs.drop_duplicates("hardware").set_index("hardware")["peak"]
    rows = []
    chips = sales[["designer", "chip"]].drop_duplicates()
    for designer, chip in chips.itertuples(index=False):
        hardware = CHIP_HARDWARE.get(chip, "")
        if hardware in peak.index:
            rows.append((chip, designer, float(peak[hardware]), hardware, "ml_hardware"))
        else:
            per_unit = _h100e_per_unit(sales, chip)
            rows.append((chip, designer, per_unit * H100E_FP16, "", "H100e x 989 TFLOP/s"))
    return pd.DataFrame(rows, columns=["chip", "designer", "fp16_flops", "hardware", "source"])


def _h100e_per_unit(sales: pd.DataFrame, chip: str) -> float:
    rows = sales[sales["chip"] == chip]
    h100e = rows.loc[rows["measure"] == "H100e", "median"].sum()
    units = rows.loc[rows["measure"] == "units", "median"].sum()
    return float(h100e / units) if units > 0 else float("nan")


def quarterly_flows(data_dir: DataDir = None, as_of=None) -> pd.DataFrame:
    """Counted shipments by designer and calendar quarter (complete quarters only).

    Returns
    -------
    DataFrame
        ``designer``, ``quarter`` (``pandas.Period``, calendar), ``period_end``,
        ``units``, ``h100e`` (medians summed over chips), ``h100e_p5``,
        ``h100e_p95`` (sums of the chips' percentiles: a comonotone band, shown,
        not simulated), ``flops`` (dense FP16 peak shipped in the quarter,
        FLOP/s), ``fallback_share`` (part of ``flops`` from the H100e fallback),
        ``vintage`` (Epoch's "estimates generated on" date of the designer's rows:
        the latest revision, whatever ``as_of``).
        Sorted by designer and quarter.  ``attrs["as_of"]``.
    """
    sales = data.load("ai_chip_sales", data_dir)
    sales = sales[(sales["calendar"] == "calendar") & (sales["incomplete"].astype(str) != "true")
                  & (sales["incomplete"].astype(str) != "True")]
    sales = truncate(sales, as_of)
    if sales.empty:
        first = data.load("ai_chip_sales", data_dir)["period_end"].min()
        raise DataError("no AI chip shipments observed by as_of", column="period_end",
                        expected=f"as_of on or after {pd.Timestamp(first):%Y-%m-%d}, the end "
                                 "of the first quarter Epoch counts", value=str(as_of))
    per_chip = chip_fp16(data_dir, as_of).set_index("chip")
    wide = sales.pivot_table(index=["designer", "chip", "period_end"], columns="measure",
                             values=["median", "p5", "p95"], aggfunc="sum").reset_index()
    wide.columns = ["_".join(c).strip("_") for c in wide.columns]
    fp16 = per_chip["fp16_flops"].reindex(wide["chip"]).to_numpy()
    fallback = (per_chip["source"].reindex(wide["chip"]) != "ml_hardware").to_numpy()
    wide["flops"] = wide["median_units"] * fp16
    wide["fallback"] = np.where(fallback, wide["flops"], 0.0)
    out = wide.groupby(["designer", "period_end"], as_index=False).agg(
        units=("median_units", "sum"), h100e=("median_H100e", "sum"),
        h100e_p5=("p5_H100e", "sum"), h100e_p95=("p95_H100e", "sum"),
        flops=("flops", "sum"), fallback=("fallback", "sum"))
    vintage = sales.groupby("designer")["vintage"].max()
    out["vintage"] = out["designer"].map(vintage)
    out["fallback_share"] = out.pop("fallback") / out["flops"]
    out.insert(1, "quarter", pd.PeriodIndex(out["period_end"], freq="Q"))
    out = out.sort_values(["designer", "quarter"]).reset_index(drop=True)
    out.attrs.update(as_of=None if as_of is None else str(check_as_of(as_of).date()),
                     unit="FLOP/s per quarter (dense FP16 peak)")
    return out


def level_sigma(data_dir: DataDir = None, as_of=None) -> dict[str, float]:
    """Log-sd of each designer's count: ``ln(p95 / p5) / 3.29`` of its cumulative H100e stock
    at its last quarter on or before ``as_of`` (Epoch's ``ai_chip_stock``)."""
    stock = data.load("ai_chip_stock", data_dir)
    stock = stock[(stock["measure"] == "H100e") & (stock["owner"] == "all")
                  & (stock["chip"] == "all") & (stock["incomplete"].astype(str) == "false")]
    stock = truncate(stock, as_of).sort_values("period_end")
    last = stock.groupby("designer").tail(1)
    ok = (last["p5"] > 0) & (last["p95"] > last["p5"])
    return {d: float(np.log(hi / lo) / (2 * Z95)) for d, lo, hi in
            last.loc[ok, ["designer", "p5", "p95"]].itertuples(index=False)}


def epoch_year_end(data_dir: DataDir = None, as_of=None) -> pd.Series:
    """Epoch AI's own cumulative stock at each year's end (Q4 rows on or before ``as_of``):
    the sum of the designers' median H100e x 989 TFLOP/s, FLOP/s of dense FP16 peak.

    Epoch counts every chip shipped since each series started and never retires one, so
    the model's stock (survival applied, NVIDIA before 2022 added, each chip's own FP16
    peak) is not expected to equal it; it is drawn beside the fan as the published count.
    """
    stock = data.load("ai_chip_stock", data_dir)
    stock = stock[(stock["measure"] == "H100e") & (stock["owner"] == "all")
                  & (stock["chip"] == "all") & (stock["period_end"].dt.month == 12)
                  & (stock["incomplete"].astype(str) == "false")]
    stock = truncate(stock, as_of)
    out = stock.groupby(stock["period_end"].dt.year)["median"].sum() * H100E_FP16
    # the name is the chart's legend label, translated where drawn
    return out.rename(N_("Epoch AI cumulative stock (sum of medians, never retired)")
                      ).rename_axis("year")


# --------------------------------------------------------------------------- revenue bridge


@dataclass(frozen=True)
class PriceTrend:
    """Log-linear trend of NVIDIA's price per FLOP/s of dense FP16 peak (USD per FLOP/s).

    ``log(usd_per_flops) = intercept + slope x (year - 2020)``; ``sigma`` is the
    residual standard deviation (log), ``rows`` the prices used.
    """

    intercept: float
    slope: float
    sigma: float
    n: int
    rows: pd.DataFrame

    def at(self, year) -> np.ndarray:
        """USD per FLOP/s at decimal ``year`` (array-like)."""
        return np.exp(self.intercept + self.slope * (np.asarray(year, dtype=float) - 2020.0))


def price_trend(data_dir: DataDir = None, as_of=None) -> PriceTrend:
    """Fit :class:`PriceTrend` to NVIDIA system prices (``hardware_prices``, :data:`SYSTEM_BASES`)
    dated on or before ``as_of``, each divided by its chip's dense FP16 peak (``accelerators``)."""
    prices = truncate(data.load("hardware_prices", data_dir), as_of, "price_date")
    specs = data.load("accelerators", data_dir)
    fp16 = specs[(specs["precision"] == "FP16") & (specs["vendor"] == "NVIDIA")]
    scale = {"TFLOPS": 1e12, "PFLOPS": 1e15, "FLOP/s": 1.0}
    per_chip = {i: d * scale.get(u, np.nan) for i, d, u in
                fp16[["id", "dense", "unit"]].itertuples(index=False)}
    rows = prices[prices["basis"].isin(SYSTEM_BASES) & prices["accelerator"].isin(per_chip)]
    rows = rows.assign(fp16_flops=rows["accelerator"].map(per_chip))
    rows = rows.assign(usd_per_flops=rows["price"] / rows["fp16_flops"],
                       year=rows["price_date"].dt.year + (rows["price_date"].dt.day_of_year - 0.5)
                       / 365.25)
    if rows["accelerator"].nunique() < 2:
        raise DataError("fewer than two NVIDIA chips priced by as_of", column="price_date",
                        expected="system prices of at least two chip generations",
                        value=str(as_of))
    x = rows["year"].to_numpy() - 2020.0
    y = np.log(rows["usd_per_flops"].to_numpy())
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (intercept + slope * x)
    sigma = float(np.sqrt(resid @ resid / max(len(y) - 2, 1)))
    return PriceTrend(float(intercept), float(slope), sigma, len(y),
                      rows[["accelerator", "model", "price", "basis", "price_date", "fp16_flops",
                            "usd_per_flops", "status"]].reset_index(drop=True))


def annual_revenue(data_dir: DataDir = None, as_of=None, *,
                   annual: pd.DataFrame | None = None) -> pd.DataFrame:
    """NVIDIA Data Center revenue per fiscal year, USD, from every table that has it.

    Annual-report rows (``nvidia_datacenter_revenue_annual``, or ``annual`` if
    given) first; fiscal years not there are summed from the quarterly tables
    (FY2022 by market, FY2023 onwards from the releases) when all four quarters
    are present.  Rows ending after ``as_of`` are dropped.

    Returns
    -------
    DataFrame
        ``fiscal_year``, ``calendar_year`` (fiscal_year - 1), ``period_end``,
        ``revenue`` (USD), ``compute_share``, ``compute_revenue`` (USD),
        ``source``, ``status``.
    """
    pieces = []
    if annual is None:
        try:
            annual = data.load(ANNUAL_DATASET, data_dir)
        except (UnknownNameError, DataError):
            annual = None
    if annual is not None and not annual.empty:
        a = truncate(annual, as_of)
        pieces.append(pd.DataFrame({
            "fiscal_year": a["fiscal_year"].astype(int).to_numpy(),
            "period_end": pd.to_datetime(a["period_end"]).to_numpy(),
            "revenue": a["revenue"].astype(float).to_numpy(),
            "source": (a["publisher"] + ": " + a["document"]).to_numpy(),
            "status": a["status"].to_numpy()}))
    market = data.load("nvidia_revenue_by_market", data_dir)
    market = market[market["market"] == "Data Center"]
    quarterly = data.load("nvidia_datacenter_revenue", data_dir)
    for frame, label in ((market, "quarterly revenue by market"),
                         (quarterly, "quarterly Data Center revenue")):
        if "period_end" not in frame.columns:
            # the by-market slide has no dates: a fiscal quarter ends about 4 weeks after
            # its calendar quarter (FY2022 Q4 on 30 January 2022)
            frame = frame.assign(period_end=pd.PeriodIndex.from_fields(
                year=frame["fiscal_year"].to_numpy(int), quarter=frame["fiscal_quarter"]
                .to_numpy(int), freq="Q-JAN").end_time.normalize())
        frame = truncate(frame, as_of)
        full = frame.groupby("fiscal_year").filter(lambda g: g["fiscal_quarter"].nunique() == 4)
        if full.empty:
            continue
        summed = full.groupby("fiscal_year").agg(period_end=("period_end", "max"),
                                                 revenue=("revenue", "sum")).reset_index()
        summed["source"] = "NVIDIA: sum of four quarters (" + label + ")"
        summed["status"] = "derived"
        pieces.append(summed)
    if not pieces:
        raise DataError("no NVIDIA Data Center revenue by as_of", value=str(as_of))
    out = pd.concat(pieces, ignore_index=True).drop_duplicates("fiscal_year", keep="first")
    out = out.sort_values("fiscal_year").reset_index(drop=True)
    out.insert(1, "calendar_year", out["fiscal_year"] - 1)
    out["compute_share"] = _compute_share(out["fiscal_year"], data_dir)
    out["compute_revenue"] = out["revenue"] * out["compute_share"]
    return out[["fiscal_year", "calendar_year", "period_end", "revenue", "compute_share",
                "compute_revenue", "source", "status"]]


def _compute_share(fiscal_year: pd.Series, data_dir: DataDir) -> np.ndarray:
    """1 before Mellanox (FY2021); then Epoch's compute share of the year (its earliest value
    for years before Epoch's table starts)."""
    inputs = data.load("nvidia_revenue_inputs", data_dir)
    by_year = inputs.groupby("fiscal_year").apply(
        lambda g: float(g["compute_revenue"].sum() / g["dc_revenue"].sum()), include_groups=False)
    earliest = float(by_year.iloc[0]) if len(by_year) else 1.0
    years = fiscal_year.to_numpy(int)
    share = np.array([by_year.get(y, earliest) for y in years], dtype=float)
    return np.where(years < MELLANOX_FY, 1.0, share)


def implied_flow(data_dir: DataDir = None, as_of=None, *,
                 annual: pd.DataFrame | None = None) -> pd.DataFrame:
    """NVIDIA's revenue-implied shipments of dense FP16 peak per calendar year, FLOP/s.

    ``flops = compute_revenue / price_trend.at(mid fiscal year)``; ``flops_p5`` and
    ``flops_p95`` carry the price trend's residual scatter (log-normal).  Columns
    of :func:`annual_revenue` plus ``usd_per_flops``, ``flops``, ``flops_p5``,
    ``flops_p95``; ``attrs["price_trend"]`` is the :class:`PriceTrend`.
    """
    revenue = annual_revenue(data_dir, as_of, annual=annual)
    trend = price_trend(data_dir, as_of)
    mid = revenue["fiscal_year"].to_numpy(float) - 0.5  # the middle of fiscal year F
    usd = trend.at(mid)
    out = revenue.assign(usd_per_flops=usd, flops=revenue["compute_revenue"] / usd)
    out["flops_p5"] = out["flops"] * np.exp(-Z95 * trend.sigma)
    out["flops_p95"] = out["flops"] * np.exp(Z95 * trend.sigma)
    out.attrs.update(price_trend=trend, unit="FLOP/s shipped per year (dense FP16 peak)")
    return out


def bridge(data_dir: DataDir = None, as_of=None, *,
           annual: pd.DataFrame | None = None) -> pd.DataFrame:
    """Revenue-implied vs counted NVIDIA shipments where both exist, by calendar year.

    ``counted``: Epoch's NVIDIA flow summed over the four calendar quarters of the
    year (FLOP/s, dense FP16); ``implied`` from :func:`implied_flow` (fiscal year
    = calendar year + 1); ``ratio`` = counted / implied.  Years with both only.
    """
    implied = implied_flow(data_dir, as_of, annual=annual)
    flows = quarterly_flows(data_dir, as_of)
    nv = flows[flows["designer"] == "Nvidia"]
    year = nv["quarter"].dt.year
    counted = nv.groupby(year)["flops"].agg(["sum", "count"])
    counted = counted[counted["count"] == 4]["sum"].rename("counted")
    out = implied.set_index("calendar_year")[["fiscal_year", "revenue", "compute_revenue",
                                              "usd_per_flops", "flops", "flops_p5",
                                              "flops_p95"]]
    out = out.rename(columns={"flops": "implied", "flops_p5": "implied_p5",
                              "flops_p95": "implied_p95"}).join(counted, how="inner")
    out["ratio"] = out["counted"] / out["implied"]
    out["inside_90"] = (out["counted"] >= out["implied_p5"]) & (out["counted"]
                                                                 <= out["implied_p95"])
    return out.rename_axis("year").reset_index()
