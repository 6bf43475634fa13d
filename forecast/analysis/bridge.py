"""The bottom-up bridge: GPU purchases, claims and revenue as FLOP/s, against top-down totals.

Notebook 02's analysis, built on :mod:`forecast.gpu`:

* :func:`purchases_by_buyer`: Omdia's buyer estimates as FLOP/s, with the
  2024 "Hopper incl. H20" counts as a range between two chips;
* :func:`article_claims`: the originating article's unverified GPU claims,
  each as a range between a low and a high chip reading;
* :func:`revenue_installed_base` and :func:`epoch_stock`: two bottom-up
  stocks of NVIDIA data-center GPUs (revenue-implied, and Epoch AI's
  cumulative H100e);
* :func:`top_down_intelligent` and :func:`bottom_up_vs_top_down`: those stocks
  beside the published intelligent-compute totals at the same date, as ratios
  that refuse to divide figures of different precisions (:class:`Quantity`).

Every FLOP/s figure is dense peak at one named precision.  Columns named
``*_EFLOPS`` hold exaFLOP/s (FLOP/s / :data:`EXA`), for readable tables.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from forecast.analysis import gpu
from forecast.i18n import gettext as _
from forecast.units import Quantity

#: FLOP/s in one EFLOPS: the ``*_EFLOPS`` columns are FLOP/s / EXA.
EXA = 1e18
#: Omdia's 2024 label for Hopper counts that include H20s (the mix is not reported).
HOPPER_2024 = "Hopper incl. H20"
#: Columns of :func:`forecast.gpu.revenue_to_units` kept in notebook 02's table.
IMPLIED_COLUMNS = ("fiscal_year", "fiscal_quarter", "period_end", "revenue", "networking_share",
                   "networking_source", "accelerator", "asp", "units", "flops", "h100e",
                   "precision", "sparse", "status")
#: Top-down scopes compared, and their short names in labels.
TOP_DOWN_SCOPES = {"global": "global", "china-idc": "China",
                   "china-infrastructure": "China infra. side"}


# --- revenue fits ---------------------------------------------------------------------------

def fit_table(fits: Mapping[str, object]) -> pd.DataFrame:
    """The growth fits of the quarterly revenue side by side, one row per model.

    ``fits`` maps a model name to its :class:`~forecast.models.FitResult`.  Returns the
    index ``model`` and columns ``AIC``, ``n_obs`` and every fitted parameter (NaN where a
    model has none).  AIC is comparable across the models: each is a likelihood of the same
    revenue in USD; lower is better.
    """
    return pd.DataFrame({name: {"AIC": res.aic, "n_obs": res.n_obs, **res.params}
                         for name, res in fits.items()}).T.rename_axis("model")


def revenue_projections(fits: Mapping[str, object], horizon: int, level: float) -> pd.DataFrame:
    """Each fit's forecast ``horizon`` quarters ahead at interval coverage ``level``.

    Returns the columns of ``FitResult.forecast`` (USD per quarter) plus ``model``, one row
    per model and quarter, with the quarter as text in ``fiscal_quarter`` ("FY2027 Q1").
    """
    projections = pd.concat([res.forecast(horizon, level=level).assign(model=name)
                             for name, res in fits.items()])
    return projections.set_axis(gpu.fiscal_labels(projections.index)).reset_index()


# --- prices and assumptions ----------------------------------------------------------------

def price_notes(prices: pd.DataFrame) -> pd.DataFrame:
    """One line per chip of :func:`forecast.gpu.selling_prices`: price, range, status, source.

    Returns columns ``chip``, ``price`` (text: "39,139.00 USD per GPU (range
    25,000-47,000)", or "no sourced price"), ``status`` and ``source``.
    """
    def shown(p) -> str:
        if pd.isna(p["price"]):
            return _("no sourced price")
        if p["observations"] > 1:
            return _("{price} USD per GPU (range {low}-{high})").format(
                price=f"{p['price']:,.2f}", low=f"{p['low']:,.0f}", high=f"{p['high']:,.0f}")
        return _("{price} USD per GPU").format(price=f"{p['price']:,.2f}")

    return pd.DataFrame({"chip": prices.index, "price": [shown(p) for _i, p in prices.iterrows()],
                         "status": prices["status"].to_numpy(),
                         "source": prices["source"].to_numpy()})


def prices_used(hardware_prices: pd.DataFrame, prices: pd.DataFrame) -> pd.DataFrame:
    """The ``hardware_prices`` rows behind the sourced prices (8-GPU system prices per GPU)."""
    from_data = prices.index[prices["observations"] > 0]
    used = hardware_prices[hardware_prices["accelerator"].isin(list(from_data))
                           & hardware_prices["basis"].isin(gpu.SYSTEM_BASES)]
    return used[["accelerator", "model", "price", "basis", "price_date", "price_source",
                 "status"]]


def assumptions(generations: Mapping[int, str], networking_share: float | None,
                revenue: pd.DataFrame) -> tuple[pd.DataFrame, float]:
    """The user assumptions of the revenue conversion, as a table, and the networking share.

    ``networking_share`` None means the mean of the shares NVIDIA reports
    (:func:`forecast.gpu.networking_share`), labelled so.

    Returns
    -------
    (pandas.DataFrame, float)
        Columns ``assumption``, ``value``, ``unit``, ``status``; the share used
        (fraction of data-center revenue).
    """
    share = (networking_share if networking_share is not None
             else float(gpu.networking_share(revenue).mean()))
    table = pd.DataFrame(
        [(_("generation FY{year}").format(year=fy), chip, "", "assumption")
         for fy, chip in generations.items()]
        + [("networking share where not reported", round(share, 4), "fraction",
            "assumption" if networking_share is not None else "assumption (mean of reported)")],
        columns=["assumption", "value", "unit", "status"])
    return table, share


def unpriced_quarters(implied: pd.DataFrame) -> list[str]:
    """Fiscal quarters of :func:`forecast.gpu.revenue_to_units` left without units ("FY2023 Q1")."""
    rows = implied[implied["status"] == "no sourced price"]
    return [f"FY{fy} Q{q} ({chip})" for fy, q, chip in
            zip(rows["fiscal_year"], rows["fiscal_quarter"], rows["accelerator"])]


def units_by_fiscal_year(implied: pd.DataFrame, precision: str) -> pd.DataFrame:
    """Implied units (millions) and EFLOPS per fiscal year, with their status."""
    per_fy = implied.groupby("fiscal_year")[["units", "flops"]].sum(min_count=1)
    return per_fy.assign(
        units_m=per_fy["units"] / 1e6, EFLOPS=per_fy["flops"] / EXA, precision=precision,
        status=per_fy["units"].notna().map({True: "estimate", False: "no sourced price"}))[
        ["units_m", "EFLOPS", "precision", "status"]]


# --- purchases and claims -------------------------------------------------------------------

def purchases_by_buyer(shipments: pd.DataFrame, precision: str, *, hopper_low: str,
                       hopper_high: str, specs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Omdia's purchases by buyer and year as FLOP/s, "Hopper incl. H20" as a chip range.

    Parameters
    ----------
    shipments : pandas.DataFrame
        ``load("accelerator_shipments")``; rows with estimator Omdia and kind purchase.
    precision : str
        Precision of every FLOP/s figure (dense peak).
    hopper_low, hopper_high : str
        Chip ids that every 2024 "Hopper incl. H20" unit is read as, low and high
        (e.g. ``"h20"`` and ``"h100-sxm"``).

    Returns
    -------
    pandas.DataFrame
        One row per (buyer, year): ``units``, ``flops_low`` and ``flops``
        (high reading) in FLOP/s, ``EFLOPS_low``, ``EFLOPS_high``,
        ``precision``, ``status`` ("estimate (Omdia)").
    """
    omdia = shipments[(shipments["estimator"] == "Omdia") & (shipments["kind"] == "purchase")]
    low = gpu.purchases_flops(omdia, precision, specs=specs, chip_map={HOPPER_2024: hopper_low})
    high = gpu.purchases_flops(omdia, precision, specs=specs, chip_map={HOPPER_2024: hopper_high})
    bought = high.assign(flops_low=low["flops"])
    buyers = bought.groupby(["buyer", "year"], as_index=False)[["units", "flops_low",
                                                                 "flops"]].sum()
    return buyers.assign(EFLOPS_low=buyers["flops_low"] / EXA,
                         EFLOPS_high=buyers["flops"] / EXA, precision=precision,
                         status="estimate (Omdia)")


def buyer_totals(buyers: pd.DataFrame) -> pd.DataFrame:
    """Named buyers' units and EFLOPS (low, high) summed by year."""
    return buyers.groupby("year")[["units", "EFLOPS_low", "EFLOPS_high"]].sum()


def not_converted(shipments: pd.DataFrame) -> pd.DataFrame:
    """Omdia deployments of custom chips (TPU, Trainium, ...): no spec row, not converted."""
    custom = shipments[(shipments["estimator"] == "Omdia") & (shipments["kind"] == "deployment")]
    return custom[["buyer", "chip", "year", "units", "unit", "status"]]


def article_claims(shipments: pd.DataFrame, precision: str, *, claim_low: Mapping[str, str],
                   claim_high: Mapping[str, str], china_units: float,
                   specs: pd.DataFrame | None = None) -> pd.DataFrame:
    """The originating article's claims (status ``claim``) as a FLOP/s range, **unverified**.

    The China-wide claim ("at least hundreds of thousands" Hopper GPUs) gives no
    number; ``china_units`` is the reading used, and its status says so.
    ``claim_low``/``claim_high`` map the article's chip wording to chip ids.

    Returns
    -------
    pandas.DataFrame
        ``buyer``, ``chip``, ``year``, ``kind``, ``units``, ``status``,
        ``chip_low``, ``EFLOPS_low``, ``chip_high``, ``EFLOPS_high``,
        ``precision`` and ``label`` (UNVERIFIED claim ...).
    """
    article = shipments[shipments["status"] == "claim"]
    china = pd.DataFrame({"buyer": ["China (all buyers)"], "chip": ["Hopper generation"],
                          "year": [2023], "units": [float(china_units)], "kind": ["demand"],
                          "status": ["claim (units: our reading of 'hundreds of thousands')"]})
    article = pd.concat([article, china], ignore_index=True)
    lo = gpu.purchases_flops(article, precision, chip_map=claim_low, specs=specs)
    hi = gpu.purchases_flops(article, precision, chip_map=claim_high, specs=specs)
    return lo[["buyer", "chip", "year", "kind", "units", "status"]].assign(
        chip_low=lo["accelerator"], EFLOPS_low=lo["flops"] / EXA,
        chip_high=hi["accelerator"], EFLOPS_high=hi["flops"] / EXA,
        precision=precision, label="UNVERIFIED claim of the originating article (2023-05)")


def claims_against_omdia(claimed: pd.DataFrame, buyers: pd.DataFrame,
                         who=("Baidu", "Alibaba"), chip: str = "Hopper generation",
                         year: int = 2023) -> pd.DataFrame:
    """Each buyer's claimed Hopper GPUs against Omdia's H100 count for ``year``.

    Returns one row per buyer: ``buyer``, ``claimed_units`` (unverified),
    ``omdia_units`` (estimate) and ``ratio`` = claimed / Omdia.
    """
    omdia = buyers[buyers["year"] == year].set_index("buyer")["units"]
    rows = []
    for name in who:
        claim = claimed[claimed["buyer"].str.startswith(name) & (claimed["chip"] == chip)]
        units = float(claim["units"].iloc[0])
        rows.append({"buyer": name, "claimed_units": units, "omdia_units": float(omdia[name]),
                     "ratio": units / omdia[name]})
    return pd.DataFrame(rows)


# --- installed base against the top-down totals ----------------------------------------------

def revenue_installed_base(implied: pd.DataFrame, precision: str, *, service_life: int,
                           utilisation: float, specs: pd.DataFrame | None = None
                           ) -> pd.DataFrame:
    """The revenue-implied installed base by calendar quarter and chip.

    Quarters of :func:`forecast.gpu.revenue_to_units` with units (those without
    a sourced price are left out) are placed at the calendar quarter their
    fiscal quarter ends in and accumulated by :func:`forecast.gpu.installed_base`.
    """
    priced = implied.dropna(subset=["units"])  # quarters with no sourced price have no units
    shipped = priced.assign(year=priced["period_end"].dt.year,
                            quarter=priced["period_end"].dt.quarter)
    return gpu.installed_base(shipped[["accelerator", "year", "quarter", "units"]], precision,
                              service_life=service_life, utilisation=utilisation, specs=specs)


def epoch_stock(shipments: pd.DataFrame, precision: str,
                specs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Epoch AI's cumulative NVIDIA data-center stock (H100e rows) as FLOP/s by year.

    One H100e is read as one H100 SXM: exact at dense FP16 for Hopper and
    Blackwell, approximate for other chips (see :mod:`forecast.gpu`).
    """
    rows = shipments[(shipments["estimator"] == "Epoch AI") & (shipments["unit"] == "H100e")]
    return gpu.purchases_flops(rows, precision, specs=specs)


def stock_table(stock: pd.DataFrame) -> pd.DataFrame:
    """:func:`forecast.gpu.stock_by_period` with EFLOPS and million H100e, for reading."""
    return stock.assign(EFLOPS=stock["flops"] / EXA, million_h100e=stock["h100e"] / 1e6)[
        ["units", "EFLOPS", "million_h100e", "precision"]]


def top_down_intelligent(global_compute: pd.DataFrame, forecasts: pd.DataFrame,
                         scopes: Mapping[str, str] = TOP_DOWN_SCOPES) -> pd.DataFrame:
    """The published intelligent-compute totals the bottom-up stocks are held against.

    ``global_compute`` rows of component intelligent, plus the actuals and
    estimates of ``compute_forecasts`` (IDC/Inspur's China figures; the latest
    edition's figure for each scope and year), for the scopes in ``scopes``.

    Returns columns ``scope``, ``year``, ``point``, ``flops``, ``precision``,
    ``publisher``, ``status`` and ``label`` ("China, IDC"; publisher names up to
    any parenthesised original-language name).
    """
    keep = ["scope", "year", "point", "flops", "precision", "publisher", "status"]
    idc = forecasts[(forecasts["component"] == "intelligent")
                    & forecasts["kind"].isin(["actual", "estimate"])].assign(point="year")
    idc = idc.sort_values(["published", "edition"]).drop_duplicates(["scope", "year"],
                                                                    keep="last")
    td = pd.concat([global_compute[global_compute["component"] == "intelligent"][keep],
                    idc[keep]], ignore_index=True)
    td = td[td["scope"].isin(list(scopes))]
    return td.assign(label=td["scope"].map(scopes) + ", "
                     + td["publisher"].str.split(" (", regex=False).str[0])


def bottom_up_vs_top_down(top_down: pd.DataFrame, stock: pd.DataFrame, epoch: pd.DataFrame,
                          precision: str) -> tuple[pd.DataFrame, int]:
    """Each top-down point beside the bottom-up stocks at the same date, as ratios.

    The revenue-implied stock is read at the fourth quarter for year-end
    figures and the second for mid-year ones; Epoch's stock at year end only.
    Top-down points at another precision than ``precision`` are not compared;
    a ``stock`` whose ``precision`` column differs raises
    :class:`~forecast.errors.UnitError` (:class:`~forecast.units.Quantity`
    refuses to divide different precisions).

    The bottom-up stocks are global (NVIDIA's worldwide shipments), so a ratio is computed
    only against a global top-down figure: China's figures (IDC, the infrastructure side) are
    listed beside them for scale, with no ratio (``scope`` says why).

    Returns
    -------
    (pandas.DataFrame, int)
        One row per point at ``precision``: ``source``, ``scope``, ``year``, ``point``,
        ``status``, ``top_down_EFLOPS``, ``top_down_precision``,
        ``revenue_implied_EFLOPS`` (NaN before the stock starts),
        ``quarters_of_shipments``, ``epoch_EFLOPS``, ``ratio_revenue_implied``
        and ``ratio_epoch`` (bottom-up / top-down; NaN unless the scope is global); and the
        number of points left out for their precision.
    """
    epoch_year_end = epoch.set_index("year")["flops"]
    rows = []
    for r in top_down.itertuples():
        when = pd.Period(year=r.year, quarter=2 if r.point == "mid-year" else 4, freq="Q")
        implied_at = stock["flops"].get(when)
        rows.append({"source": r.label, "scope": r.scope, "year": r.year, "point": r.point,
                     "status": r.status,
                     "top_down_EFLOPS": r.flops / EXA, "top_down_precision": r.precision,
                     "revenue_implied_EFLOPS": None if implied_at is None else implied_at / EXA,
                     "quarters_of_shipments": int((stock.index <= when).sum()),
                     "epoch_EFLOPS": epoch_year_end.get(r.year, float("nan")) / EXA
                     if r.point == "year" else float("nan")})
    gap = pd.DataFrame(rows)
    comparable = gap["top_down_precision"] == precision
    gap = gap[comparable].reset_index(drop=True)
    # the stock's own precision: Quantity / Quantity is a plain ratio, and raises
    # UnitError if a stock at another precision is held against these points
    held = stock["precision"].iloc[0] if "precision" in stock and len(stock) else precision
    gap["ratio_revenue_implied"] = [
        Quantity(b * EXA, held) / Quantity(t * EXA, tp) if pd.notna(b) else float("nan")
        for b, t, tp in zip(gap["revenue_implied_EFLOPS"], gap["top_down_EFLOPS"],
                            gap["top_down_precision"])]
    gap["ratio_epoch"] = gap["epoch_EFLOPS"] / gap["top_down_EFLOPS"]
    # a worldwide stock over a China-only figure is no gap: a ratio only within one scope
    other_scope = gap["scope"] != "global"
    gap.loc[other_scope, ["ratio_revenue_implied", "ratio_epoch"]] = float("nan")
    return gap, int((~comparable).sum())


def findings(gap: pd.DataFrame, precision: str) -> list[str]:
    """The gap in words, one sentence per top-down point, from :func:`bottom_up_vs_top_down`."""
    if gap.empty:
        return [_("No top-down intelligent-compute figure is stated at {precision}: "
                  "no gap to state.").format(precision=precision)]
    lines = []
    for r in gap.itertuples():
        if r.scope != "global":
            continue  # said once below: a global stock is not divided by a China figure
        parts = []
        if pd.notna(r.revenue_implied_EFLOPS):
            parts.append(_("revenue-implied NVIDIA stock {eflops:,.0f} EFLOPS ({n} quarters of "
                           "shipments) = {ratio:.2f}x").format(
                eflops=r.revenue_implied_EFLOPS, n=r.quarters_of_shipments,
                ratio=r.ratio_revenue_implied))
        if pd.notna(r.epoch_EFLOPS):
            parts.append(_("Epoch NVIDIA stock {eflops:,.0f} EFLOPS = {ratio:.2f}x").format(
                eflops=r.epoch_EFLOPS, ratio=r.ratio_epoch))
        if parts:
            # "2022 year" / "2022 mid-year": whole phrases, so each language words them itself
            when = {"year": _("{year} year"), "mid-year": _("{year} mid-year")}.get(
                r.point, "{year} " + str(r.point)).format(year=r.year)
            lines.append(_("{when}: {source} {eflops:,.0f} EFLOPS {precision} ({status}); "
                           "{parts}").format(
                when=when, source=_(r.source), eflops=r.top_down_EFLOPS, precision=precision,
                status=_(r.status), parts="; ".join(parts)))
    china = gap[gap["scope"] != "global"]
    if len(china):
        lines.append(_("{n} China figure(s) ({sources}) are listed for scale only: the bottom-up "
                       "stocks count NVIDIA's worldwide shipments, so no ratio is taken against a "
                       "China-only total.").format(
            n=len(china), sources=", ".join(_(s) for s in dict.fromkeys(china["source"]))))
    return lines
