"""Installed AI accelerator compute to 2030, bottom up: a stock-flow model by designer and cohort.

    stock(t) = sum over designers d and quarters c of  flow(d, c) x survival(t - c)

in FLOP/s of **dense FP16 peak** (the headline precision; never mixed with
other precisions).  Inputs come from :mod:`forecast.analysis.ai_flows`
(Epoch AI's chip timelines, each chip's FP16 peak, NVIDIA's revenue-implied
flow before 2022), all truncated to ``as_of``.

Survival
    Weibull with a median service life (``service_life_years``, default 5: the
    5-6 years over which hyperscalers depreciate servers, an assumption shown
    in the sensitivity table) and shape 3 (retirements bunched around the
    median: replacement by newer chips more than random failure; assumption).
    A chip shipped in quarter c is counted from mid-quarter.

Growth of the flows, from the data
    Per designer, OLS of log quarterly FLOP/s shipped on time over its last
    ``window`` complete quarters (default 8): slope (log growth per year),
    its standard error, the residual scatter ``sigma``.  A designer with fewer
    than 4 quarters borrows the others' mean slope with their spread added to
    the error.  Residual correlation across designers (quarters they share,
    at least 4, else 0) correlates their slope draws, quarterly noise and
    growth shocks.  The growth may slow: from its recent rate, each path's
    growth reverts each year toward ``mu`` by the factor ``phi`` and receives
    a shock of sd ``tau`` -- an AR(1) of yearly log growth fitted to NVIDIA's
    revenue-implied flow since fiscal 2016 (:func:`fit_reversion`), the
    longest flow series there is.  No growth figure is set by hand; a scenario
    may still pass ``reversion=`` as a what-if.

Uncertainty by simulation
    Each path draws: every designer's count level (log-normal, width from
    Epoch's cumulative 5-95% band), the revenue-implied flow level (price
    trend scatter), the slopes, the yearly growth shocks and the quarterly
    noise.  Percentiles of the stock, of the total and of the shares are taken
    over paths, never by adding percentiles; a designer's shares sum to one on
    every path.

A forecast ``as_of`` a past date is the same code on truncated inputs
(pseudo-real-time: later revisions of earlier quarters are kept).
"""

from __future__ import annotations

import math
import os
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.analysis import ai_flows
from forecast.errors import DataError, ParameterError
from forecast.i18n import N_
from forecast.i18n import gettext as _

DataDir = str | os.PathLike | None
PERCENTILES = (5, 50, 95)
#: fewest quarters for a designer's own growth fit; fewer borrow the others' growth
MIN_QUARTERS = 4
FIRST_TABLE_YEAR = 2022
PRECISION = "FP16"
BASES = ("shipments_h100e", "shipments_flops", "stock_flops")
MAX_PATHS = 1_000_000


# --------------------------------------------------------------------------- survival


@dataclass(frozen=True)
class Survival:
    """Weibull survival of a cohort: the fraction still in service ``age`` years after shipment.

    ``median_years`` is the median service life (> 0), ``shape`` the Weibull shape (> 0).
    ``S(age) = exp(-(age / scale) ** shape)`` with ``scale = median / ln(2) ** (1 / shape)``.
    """

    median_years: float = 5.0
    shape: float = 3.0

    def __post_init__(self):
        for name, value in (("service_life_years", self.median_years), ("shape", self.shape)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not math.isfinite(value) or value <= 0:
                raise ParameterError("survival needs a positive number", name=name,
                                     expected="a number of years > 0 (e.g. 5)", value=value)

    @property
    def scale(self) -> float:
        """Weibull scale, years."""
        return self.median_years / math.log(2) ** (1 / self.shape)

    @property
    def mean(self) -> float:
        """Mean service life, years: ``scale x Gamma(1 + 1 / shape)``."""
        return self.scale * math.gamma(1 + 1 / self.shape)

    def __call__(self, age) -> np.ndarray:
        age = np.asarray(age, dtype=float)
        return np.where(age < 0, 1.0, np.exp(-(np.clip(age, 0, None) / self.scale) ** self.shape))


# --------------------------------------------------------------------------- growth


@dataclass(frozen=True)
class Reversion:
    """Yearly log growth as AR(1): ``g_k - mu = phi (g_{k-1} - mu) + tau eta_k``.

    ``phi = 1, tau = 0`` (:data:`NO_REVERSION`) keeps each path's starting growth.
    ``mu_se`` is the standard error of ``mu`` (each path draws its own ``mu``);
    ``n`` is the number of year pairs fitted, ``source`` says from what.
    """

    mu: float
    phi: float
    tau: float
    n: int = 0
    source: str = "none"
    mu_se: float = 0.0


NO_REVERSION = Reversion(0.0, 1.0, 0.0, 0, N_("none: each path keeps its starting growth"))


def fit_reversion(annual: pd.Series, *, source: str = "", min_pairs: int = 4) -> Reversion:
    """Fit :class:`Reversion` to a yearly positive series (index: years, ascending).

    OLS of ``g_{t+1}`` on ``g_t`` (``g`` = yearly log growth); ``phi`` clipped to
    [0, 1], ``mu = intercept / (1 - phi)`` (the series' mean growth when ``phi``
    is 1), ``tau`` the residual standard deviation, ``mu_se = tau / ((1 - phi)
    sqrt(n))`` (the long-run mean's error; ``sd(g) / sqrt(n)`` when ``phi`` is 1,
    though ``mu`` then plays no part).  With fewer than
    ``min_pairs`` pairs, :data:`NO_REVERSION`.
    """
    values = np.log(np.asarray(annual, dtype=float))
    g = np.diff(values)
    if len(g) - 1 < min_pairs:
        return NO_REVERSION
    x, y = g[:-1], g[1:]
    phi = np.polyfit(x, y, 1)[0]
    phi = float(np.clip(phi, 0.0, 1.0))
    mu = float(np.mean(y) - phi * np.mean(x)) / (1 - phi) if phi < 1 else float(np.mean(g))
    resid = y - (mu * (1 - phi) + phi * x)
    tau = float(np.sqrt(resid @ resid / max(len(y) - 2, 1)))
    mu_se = tau / ((1 - phi) * math.sqrt(len(y))) if phi < 1 else float(np.std(g) / len(g) ** .5)
    return Reversion(mu, phi, tau, len(y), source, float(mu_se))


@dataclass(frozen=True)
class Trend:
    """OLS of log values on time (years), ready to extrapolate.

    ``level``: fitted log value at the last point; ``slope``: log growth per year;
    ``se``: its standard error; ``sigma``: residual sd; ``level_se``: standard
    error of the mean level (``sigma / sqrt(n)``); ``offset``: last time minus the
    mean time (years), so that the level's error is ``level_se z2 + se z offset``;
    ``n``; ``resid``.  With ``predictive=True`` (the default of :func:`fit_trend`)
    ``se``, ``sigma`` and ``level_se`` are scaled by ``t(0.95, n - 2) / z(0.95)`` so
    that normal draws give Student-t widths on short windows.
    """

    level: float
    slope: float
    se: float
    sigma: float
    level_se: float
    offset: float
    n: int
    resid: np.ndarray = field(repr=False)


def fit_trend(t, logy, *, predictive: bool = True) -> Trend:
    """OLS of ``logy`` on ``t`` (years) as a :class:`Trend`.  Needs at least 3 points."""
    from scipy.stats import t as student

    t, logy = np.asarray(t, dtype=float), np.asarray(logy, dtype=float)
    n = len(t)
    if n < 3:
        raise DataError("too few points for a growth fit", expected="at least 3", value=n)
    tc = t - t.mean()
    sxx = float(tc @ tc)
    slope = float(tc @ (logy - logy.mean()) / sxx)
    resid = logy - logy.mean() - slope * tc
    sigma = float(np.sqrt(resid @ resid / (n - 2)))
    k = float(student.ppf(0.95, n - 2)) / 1.6448536269514722 if predictive else 1.0
    return Trend(float(logy.mean() + slope * tc[-1]), slope, k * sigma / math.sqrt(sxx),
                 k * sigma, k * sigma / math.sqrt(n), float(tc[-1]), n, resid)


@dataclass(frozen=True)
class GrowthFit:
    """Per-designer growth of the flows (arrays in the order of ``designers``).

    ``level``: fitted log FLOP/s shipped per quarter at ``last`` (the designer's last
    observed quarter); ``slope``/``se``: log growth per year and its standard
    error; ``sigma``: residual sd of log quarterly flows; ``n``: quarters fitted;
    ``borrowed``: growth taken from the other designers; ``corr``: residual
    correlation (d x d); ``reversion``: the shared :class:`Reversion`; ``level_se``
    and ``offset`` as in :class:`Trend` (0 for borrowed growth); ``window``.
    """

    designers: tuple
    last: tuple
    level: np.ndarray
    slope: np.ndarray
    se: np.ndarray
    sigma: np.ndarray
    n: np.ndarray
    borrowed: np.ndarray
    corr: np.ndarray
    reversion: Reversion
    window: int = 8
    level_se: np.ndarray | None = None
    offset: np.ndarray | None = None

    def table(self) -> pd.DataFrame:
        """One row per designer: growth per year as a factor with its 90% range, sd, n."""
        z = 1.6448536269514722
        return pd.DataFrame({
            "designer": self.designers, "last_quarter": [str(q) for q in self.last],
            "quarters": self.n, "log_growth": self.slope, "se": self.se,
            "x_per_year": np.exp(self.slope), "x_low": np.exp(self.slope - z * self.se),
            "x_high": np.exp(self.slope + z * self.se), "sigma": self.sigma,
            "borrowed": self.borrowed})


def _nearest_corr(c: np.ndarray) -> np.ndarray:
    """Clip negative eigenvalues and rescale to a unit diagonal (a valid correlation)."""
    w, v = np.linalg.eigh((c + c.T) / 2)
    c = (v * np.clip(w, 1e-6, None)) @ v.T
    d = np.sqrt(np.diag(c))
    return c / np.outer(d, d)


def fit_growth(flows: pd.DataFrame, *, window: int = 8, reversion: Reversion = NO_REVERSION,
               prior: tuple[float, float, float] | None = None) -> GrowthFit:
    """Fit each designer's growth to ``flows`` (``designer``, ``quarter``, ``flops``).

    ``window``: the last quarters used per designer (>= 4).  ``prior``: (slope per
    year, its se, quarterly sigma) lent to designers with too few quarters when no
    designer has enough (e.g. as of mid-2022: NVIDIA's revenue-implied growth).
    See the module docstring.
    """
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 4:
        raise ParameterError("window too short", name="window",
                             expected="an integer number of quarters >= 4", value=window)
    designers = tuple(flows["designer"].drop_duplicates())
    fits, resid = {}, {}
    for d in designers:
        rows = flows[(flows["designer"] == d) & (flows["flops"] > 0)].tail(int(window))
        t = rows["quarter"].dt.year + (rows["quarter"].dt.quarter - 0.5) / 4
        if len(rows) >= MIN_QUARTERS:
            tr = fit_trend(t, np.log(rows["flops"]))
            fits[d] = (tr.level, tr.slope, tr.se, tr.sigma, len(rows), False,
                       rows["quarter"].iloc[-1], tr.level_se, tr.offset)
            resid[d] = pd.Series(tr.resid, index=rows["quarter"].to_numpy())
        else:
            fits[d] = (float(np.log(rows["flops"]).mean()), np.nan, np.nan, np.nan, len(rows),
                       True, rows["quarter"].iloc[-1], 0.0, 0.0)
    own = [f for f in fits.values() if not f[5]]
    if not own and prior is not None:
        own = [(np.nan, float(prior[0]), float(prior[1]), float(prior[2]), 0, False, None, 0.0,
                0.0)]
    if not own:
        raise DataError("no designer has enough quarters for a growth fit", column="quarter",
                        expected=f"at least {MIN_QUARTERS} complete quarters of one designer",
                        value=max(f[4] for f in fits.values()))
    slopes = np.array([f[1] for f in own])
    pooled_se = math.sqrt(np.mean([f[2] ** 2 for f in own]) + (slopes.var() if len(own) > 1
                                                                else slopes[0] ** 2))
    for d, f in fits.items():
        if f[5]:  # borrowed: the others' mean growth, their spread added to the error
            fits[d] = (f[0], float(slopes.mean()), pooled_se,
                       float(np.mean([g[3] for g in own])), f[4], True, f[6], 0.0, 0.0)
    corr = np.eye(len(designers))
    for i, a in enumerate(designers):
        for j, b in enumerate(designers[:i]):
            if a in resid and b in resid:
                both = pd.concat([resid[a], resid[b]], axis=1, join="inner")
                if len(both) >= 4 and both.std().gt(0).all():
                    corr[i, j] = corr[j, i] = float(np.corrcoef(both.T.to_numpy())[0, 1])
    arrays = [np.array([fits[d][k] for d in designers]) for k in range(5)]
    return GrowthFit(designers, tuple(fits[d][6] for d in designers), *arrays[:4],
                     arrays[4].astype(int), np.array([fits[d][5] for d in designers]),
                     _nearest_corr(corr), reversion, int(window),
                     np.array([fits[d][7] for d in designers]),
                     np.array([fits[d][8] for d in designers]))


def log_paths(level, slope, se, sigma, reversion: Reversion, *, steps_per_year: int,
              n_steps: int, rng: np.random.Generator, n_paths: int,
              corr: np.ndarray | None = None, level_se=0.0, offset=0.0) -> np.ndarray:
    """Simulated log values ``n_steps`` ahead: shape (n_paths, n_steps, d).

    ``level``, ``slope`` (per year), ``se``, ``sigma`` (per step) have shape (d,)
    (scalars are one series).  Each path draws its starting slope (``slope +
    se z`` = ``g_0``) and long-run growth ``mu`` (``mu + mu_se z'``), then yearly
    growth ``g_k = mu + phi (g_{k-1} - mu) + tau eta_k``
    for k = 1, 2, ...
    and per-step noise ``sigma eps``; ``z``, ``eta`` and ``eps`` are correlated
    across series by ``corr``.  The starting level carries the fit's error,
    ``level_se z2 + se z offset`` (:class:`Trend`).  Step ``s`` (1-based) lies in
    year ``ceil(s / steps_per_year)`` after the origin.
    """
    level, slope, se, sigma, level_se, offset = (
        np.atleast_1d(np.asarray(a, dtype=float)) for a in (level, slope, se, sigma, level_se,
                                                            offset))
    d = level.size
    chol = np.linalg.cholesky(np.eye(d) if corr is None else corr)
    years = -(-n_steps // steps_per_year)
    z = rng.standard_normal((n_paths, d)) @ chol.T
    eta = rng.standard_normal((n_paths, years, d)) @ chol.T
    eps = rng.standard_normal((n_paths, n_steps, d)) @ chol.T
    start = level + level_se * (rng.standard_normal((n_paths, d)) @ chol.T) + se * z * offset
    # one long-run growth per path (shared by the series: it is the industry's)
    mu = reversion.mu + reversion.mu_se * rng.standard_normal((n_paths, 1))
    dev = slope + se * z - mu
    growth = np.empty((n_paths, years, d))
    for k in range(years):  # yearly recursion: at most a few dozen years
        # the fitted slope is the growth of the window that ends at the origin: the first
        # forecast year is already one AR(1) step away from it
        dev = reversion.phi * dev + reversion.tau * eta[:, k]
        growth[:, k] = mu + dev
    per_step = np.repeat(growth, steps_per_year, axis=1)[:, :n_steps] / steps_per_year
    return start[:, None, :] + np.cumsum(per_step, axis=1) + sigma * eps


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Inputs:
    """Everything the simulation reads, on a quarterly grid ``quarters`` (calendar).

    ``observed`` (d, q): counted FLOP/s shipped per quarter (0 before a designer's
    series starts, NaN after its last observed quarter); ``observed_h100e`` the
    same in H100e; ``h100e_per_flops`` (d,): H100e per FLOP/s over the designer's
    last 4 quarters (converts forecast flows); ``level_sigma`` (d,); ``back`` (q,):
    NVIDIA's revenue-implied flow per quarter before its counted series (0 elsewhere),
    ``back_sigma`` its log sd.  ``flows`` and ``implied`` are the source frames.
    """

    as_of: str | None
    quarters: pd.PeriodIndex
    designers: tuple
    observed: np.ndarray
    observed_h100e: np.ndarray
    h100e_per_flops: np.ndarray
    level_sigma: np.ndarray
    back: np.ndarray
    back_sigma: float
    last: tuple
    flows: pd.DataFrame = field(repr=False)
    implied: pd.DataFrame = field(repr=False)
    reversion: Reversion = NO_REVERSION
    prior: tuple | None = None


def load_inputs(data_dir: DataDir = None, as_of=None, *, end_year: int = 2030,
                designers=None, annual: pd.DataFrame | None = None) -> Inputs:
    """Read and align every input as of ``as_of`` (see :mod:`forecast.analysis.ai_flows`).

    ``designers``: None (every designer with data by ``as_of``) or names; a name
    without data is refused (DataError).
    """
    stamp = ai_flows.check_as_of(as_of)
    flows = ai_flows.quarterly_flows(data_dir, as_of)
    known = tuple(flows["designer"].drop_duplicates())
    if designers is not None:
        designers = tuple([designers] if isinstance(designers, str) else designers)
        missing = [d for d in designers if d not in known]
        if missing:
            raise DataError(f"designer {missing[0]!r} has no counted shipments by "
                            f"{'the latest data' if stamp is None else f'{stamp:%Y-%m-%d}'}",
                            column="designer", expected="one of " + ", ".join(known),
                            value=missing[0])
        flows = flows[flows["designer"].isin(designers)]
        known = designers
    last_year = int(flows["quarter"].max().year)
    if isinstance(end_year, bool) or not isinstance(end_year, (int, np.integer)) \
            or not last_year < end_year <= 2100:
        raise ParameterError("end year out of range", name="end_year",
                             expected=f"an integer year after {last_year} and <= 2100",
                             value=end_year)
    try:
        implied = ai_flows.implied_flow(data_dir, as_of, annual=annual)
    except DataError:
        implied = pd.DataFrame(columns=["calendar_year", "flops"])
    first = min(int(implied["calendar_year"].min()) if len(implied) else last_year,
                int(flows["quarter"].min().year))
    quarters = pd.period_range(f"{first}Q1", f"{int(end_year)}Q4", freq="Q")
    pos = {q: i for i, q in enumerate(quarters)}
    d, nq = len(known), len(quarters)
    observed, observed_h = np.zeros((d, nq)), np.zeros((d, nq))
    per_flops, sig, last = np.ones(d), np.zeros(d), []
    sigmas = ai_flows.level_sigma(data_dir, as_of)
    for i, name in enumerate(known):
        rows = flows[flows["designer"] == name]
        idx = [pos[q] for q in rows["quarter"]]
        observed[i, idx], observed_h[i, idx] = rows["flops"], rows["h100e"]
        observed[i, idx[-1] + 1:] = observed_h[i, idx[-1] + 1:] = np.nan
        tail = rows.tail(4)
        per_flops[i] = tail["h100e"].sum() / tail["flops"].sum()
        sig[i] = sigmas.get(name, float(np.mean(list(sigmas.values()))) if sigmas else 0.0)
        last.append(rows["quarter"].iloc[-1])
    back = np.zeros(nq)
    back_sigma = 0.0
    reversion = NO_REVERSION
    if "Nvidia" in known and len(implied):
        start = flows.loc[flows["designer"] == "Nvidia", "quarter"].min()
        for year, flops in implied[["calendar_year", "flops"]].itertuples(index=False):
            for qi in range(1, 5):
                q = pd.Period(f"{int(year)}Q{qi}", freq="Q")
                if q < start and q in pos:
                    back[pos[q]] = flops / 4
        back_sigma = implied.attrs["price_trend"].sigma
        series = implied.set_index("calendar_year")["flops"]
        reversion = fit_reversion(series, source=_(
            "NVIDIA revenue-implied FP16 flow, calendar {first}-{last}").format(
                first=int(series.index[0]), last=int(series.index[-1])))
    prior = None
    if len(implied) >= 3:  # the long series' recent growth, lent when no designer has 4 quarters
        recent = implied.tail(4)
        tr = fit_trend(recent["calendar_year"], np.log(recent["flops"]))
        prior = (tr.slope, tr.se, tr.sigma / 2)  # yearly scatter -> quarterly (sqrt of 4 quarters)
    return Inputs(None if stamp is None else f"{stamp:%Y-%m-%d}", quarters, known, observed,
                  observed_h, per_flops, sig, back, back_sigma, tuple(last), flows, implied,
                  reversion, prior)


# --------------------------------------------------------------------------- simulation


def _rng(seed: int, name: str) -> np.random.Generator:
    # one stream per named draw, as forecast.scenarios.montecarlo does (crc32, not hash())
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode())]))


def _summary(paths: np.ndarray) -> np.ndarray:
    """(n_paths, ...) -> (4, ...): p5, p50, p95, mean."""
    q = np.percentile(paths, PERCENTILES, axis=0)
    return np.concatenate([q, paths.mean(axis=0)[None]], axis=0)


@dataclass(frozen=True)
class AIComputeForecast:
    """Simulated paths of the AI accelerator stock and flows, by designer and year.

    ``paths``: ``stock``, ``shipments`` (FLOP/s of dense FP16 peak; shipments are
    the peak added during the year) and ``shipments_h100e``, each an array of shape
    (n_paths, len(designers), len(years)).  ``observed_until``: per designer, the last
    year with four counted quarters (the ``kind`` of a row is ``observed`` up to it).
    """

    as_of: str | None
    years: np.ndarray
    designers: tuple
    paths: dict = field(repr=False)
    observed_until: dict
    survival: Survival
    growth: GrowthFit
    inputs: Inputs = field(repr=False)
    n_paths: int
    seed: int

    def _kind(self, designer: str, year: int) -> str:
        until = (min(self.observed_until.values()) if designer == "all"
                 else self.observed_until[designer])
        return "observed" if year <= until else "forecast"

    def _frame(self, measure: str) -> pd.DataFrame:
        arr = self.paths[measure]
        rows = []
        blocks = [("all", arr.sum(axis=1))] + [(d, arr[:, i]) for i, d in
                                               enumerate(self.designers)]
        for name, block in blocks:
            stats = _summary(block)
            for j, year in enumerate(self.years):
                if name != "all" and not block[:, j].any():
                    continue  # before the designer's series: not counted, not zero
                rows.append((int(year), name, measure, PRECISION, *stats[:, j], "FLOP/s",
                             self._kind(name, int(year))))
        return pd.DataFrame(rows, columns=["year", "designer", "measure", "precision", "p5",
                                           "p50", "p95", "mean", "unit", "kind"])

    @property
    def stock(self) -> pd.DataFrame:
        """Installed dense FP16 peak at each year's end, FLOP/s: rows of :meth:`table`."""
        return self._frame("stock")

    @property
    def shipments(self) -> pd.DataFrame:
        """Dense FP16 peak shipped during each year, FLOP/s: rows of :meth:`table`."""
        return self._frame("shipments")

    def share_paths(self, basis: str = "shipments_flops") -> np.ndarray:
        """Every designer's share on every path: (n_paths, d, n_years); sums to 1 over d."""
        key = {"shipments_h100e": "shipments_h100e", "shipments_flops": "shipments",
               "stock_flops": "stock"}.get(basis)
        if key is None:
            raise ParameterError("unknown share basis", name="basis",
                                 expected="one of " + ", ".join(BASES), value=basis)
        arr = self.paths[key]
        return arr / arr.sum(axis=1, keepdims=True)

    @property
    def shares(self) -> pd.DataFrame:
        """NVIDIA's share by year and basis (``nvidia_share_forecast.csv``):
        :meth:`designer_shares` of ``"Nvidia"``."""
        return self.designer_shares("Nvidia")

    def designer_shares(self, designer: str = "Nvidia") -> pd.DataFrame:
        """``designer``'s share by year and basis: ``year``, ``basis`` (:data:`BASES`),
        ``p5``, ``p50``, ``p95`` (fractions over the simulated paths), ``kind``."""
        if designer not in self.designers:
            raise DataError(f"designer {designer!r} is not in the forecast", column="designer",
                            expected="one of " + ", ".join(self.designers), value=designer)
        i = self.designers.index(designer)
        rows = []
        for basis in BASES:
            q = np.percentile(self.share_paths(basis)[:, i], PERCENTILES, axis=0)
            rows += [(int(y), basis, *q[:, j], self._kind("all", int(y)))
                     for j, y in enumerate(self.years)]
        return pd.DataFrame(rows, columns=["year", "basis", "p5", "p50", "p95", "kind"])

    def table(self) -> pd.DataFrame:
        """``ai_compute_forecast.csv``: year, designer (``all`` = total), measure (stock,
        shipments), precision, p5, p50, p95, mean, unit (FLOP/s), kind."""
        out = pd.concat([self.stock, self.shipments], ignore_index=True)
        return out.sort_values(["measure", "designer", "year"], key=lambda c: c.map(
            {"all": "0"}).fillna(c) if c.name == "designer" else c).reset_index(drop=True)

    def at(self, year: int, measure: str = "stock", designer: str = "all") -> dict:
        """``{"p5", "p50", "p95", "mean", "kind"}`` of one row of :meth:`table`."""
        rows = self.table()
        row = rows[(rows["year"] == year) & (rows["measure"] == measure)
                   & (rows["designer"] == designer)]
        if row.empty:
            raise DataError(f"no {measure} row for {designer} in {year}", column="year",
                            expected=f"{int(self.years[0])}-{int(self.years[-1])}", value=year)
        return row.iloc[0][["p5", "p50", "p95", "mean", "kind"]].to_dict()


def soft_cap(annual, ceiling: float, sharpness: float = 4.0) -> np.ndarray:
    """``annual / (1 + (annual / ceiling) ** k) ** (1 / k)``: close to ``annual`` well below
    the ceiling, close to ``ceiling`` well above it, never above it (FLOP/s a year)."""
    annual = np.asarray(annual, dtype=float)
    return annual / (1 + (annual / ceiling) ** sharpness) ** (1 / sharpness)


def simulate(inputs: Inputs, growth: GrowthFit, survival: Survival, *, n_paths: int = 20_000,
             seed: int = 2030, first_year: int = FIRST_TABLE_YEAR,
             ceiling: float | None = None) -> AIComputeForecast:
    """Simulate ``n_paths`` paths of every designer's quarterly flows and the stock they leave.

    Observed quarters are scaled by the designer's count-level draw; later quarters
    come from :func:`log_paths` started at the fitted level of the last observed
    quarter (times the same level draw).  ``ceiling`` (FLOP/s shipped a year, all
    designers; default None) is a what-if soft limit on supply (packaging, HBM,
    power), an *assumption* of the caller: once every designer is forecast, each
    quarter's flows are scaled by :func:`soft_cap` of their annualised total
    (shares unchanged).  Returns an :class:`AIComputeForecast` for the years
    ``first_year`` to the end of ``inputs.quarters``.
    """
    if ceiling is not None and (isinstance(ceiling, bool) or not isinstance(
            ceiling, (int, float)) or not math.isfinite(ceiling) or ceiling <= 0):
        raise ParameterError("ceiling must be a positive number of FLOP/s a year",
                             name="ceiling", expected="None or a number > 0", value=ceiling)
    if isinstance(n_paths, bool) or not isinstance(n_paths, (int, np.integer)) \
            or not 1 <= n_paths <= MAX_PATHS:
        raise ParameterError("wrong number of paths", name="n_paths",
                             expected=f"an integer from 1 to {MAX_PATHS:,}", value=n_paths)
    q = inputs.quarters
    d, nq = len(inputs.designers), len(q)
    level_draw = np.exp(inputs.level_sigma * _rng(seed, "level").standard_normal((n_paths, d)))
    flows = np.nan_to_num(inputs.observed)[None] * level_draw[..., None]
    h100e = np.nan_to_num(inputs.observed_h100e)[None] * level_draw[..., None]
    if inputs.back.any():  # NVIDIA before its counted series: revenue-implied, one draw a path
        back = np.exp(inputs.back_sigma * _rng(seed, "back").standard_normal(n_paths))
        i = inputs.designers.index("Nvidia")
        flows[:, i] += inputs.back[None] * back[:, None]
        h100e[:, i] += inputs.back[None] * back[:, None] * inputs.h100e_per_flops[i]
    start = min(inputs.last)
    n_steps = int((q[-1] - start).n)
    if n_steps > 0:
        logs = log_paths(growth.level, growth.slope, growth.se, growth.sigma, growth.reversion,
                         steps_per_year=4, n_steps=n_steps, rng=_rng(seed, "growth"),
                         n_paths=n_paths, corr=growth.corr,
                         level_se=0.0 if growth.level_se is None else growth.level_se,
                         offset=0.0 if growth.offset is None else growth.offset)
        base = q.get_loc(start)
        for i, last in enumerate(growth.last):
            # a designer observed beyond the earliest origin starts its path at its own origin
            lag = int((last - start).n)
            ahead = logs[:, :n_steps - lag, i] + np.log(level_draw[:, i:i + 1])
            cols = slice(base + lag + 1, nq)
            flows[:, i, cols] = np.exp(ahead)
            h100e[:, i, cols] = np.exp(ahead) * inputs.h100e_per_flops[i]
        if ceiling is not None:
            cols = slice(q.get_loc(max(growth.last)) + 1, nq)
            annual = 4 * flows[:, :, cols].sum(axis=1, keepdims=True)
            factor = soft_cap(annual, ceiling) / annual
            flows[:, :, cols] *= factor
            h100e[:, :, cols] *= factor
    years = np.arange(max(first_year, q[0].year), q[-1].year + 1)
    mid = q.year.to_numpy() + (q.quarter.to_numpy() - 0.5) / 4
    age = (years[None, :] + 1) - mid[:, None]
    weights = np.where(age > 0, survival(age), 0.0)           # (q, years)
    in_year = (q.year.to_numpy()[:, None] == years[None, :]).astype(float)
    stock = flows @ weights
    shipped = flows @ in_year
    paths = {"stock": stock, "shipments": shipped, "shipments_h100e": h100e @ in_year}
    for arr in paths.values():
        arr.setflags(write=False)
    until = {name: (last.year if last.quarter == 4 else last.year - 1)
             for name, last in zip(inputs.designers, inputs.last)}
    return AIComputeForecast(inputs.as_of, years, inputs.designers, paths, until, survival,
                             growth, inputs, int(n_paths), int(seed))


def forecast(data_dir: DataDir = None, *, as_of=None, end_year: int = 2030,
             n_paths: int = 20_000, seed: int = 2030, service_life_years: float = 5.0,
             shape: float = 3.0, window: int = 8, reversion: Reversion | str = "fitted",
             designers=None, inputs: Inputs | None = None,
             ceiling: float | None = None) -> AIComputeForecast:
    """The bottom-up forecast of installed AI accelerator compute (dense FP16), as of a date.

    Parameters
    ----------
    data_dir : path, optional
        Data folder (default the project's ``data/``).
    as_of : str, optional
        ISO date: every input truncated to rows whose period ends on or before it.
    end_year : int
        Last year simulated (default 2030).
    n_paths, seed : int
        Monte Carlo paths and seed (same seed, same tables).
    service_life_years, shape : float
        Weibull survival: median life (years, > 0) and shape.
    window : int
        Quarters per designer in the growth fit (>= 4).
    reversion : "fitted", "none" or Reversion
        How growth slows: fitted to NVIDIA's revenue-implied flow (default), not at
        all, or a what-if :class:`Reversion`.
    designers : list of str, optional
        Designers to include (default all with data by ``as_of``).
    inputs : Inputs, optional
        Reuse inputs already read (sensitivity runs); ``data_dir``, ``as_of``,
        ``end_year`` and ``designers`` are then ignored.
    ceiling : float, optional
        What-if soft limit on the FLOP/s shipped a year by all designers (an
        assumption, none by default; see :func:`simulate`).

    Returns
    -------
    AIComputeForecast
    """
    survival = Survival(service_life_years, shape)
    inputs = inputs or load_inputs(data_dir, as_of, end_year=end_year, designers=designers)
    if isinstance(reversion, Reversion):
        chosen = reversion
    elif reversion == "fitted":
        chosen = inputs.reversion
    elif reversion == "none":
        chosen = NO_REVERSION
    else:
        raise ParameterError("unknown reversion", name="reversion",
                             expected="'fitted', 'none' or a Reversion", value=reversion)
    growth = fit_growth(inputs.flows, window=window, reversion=chosen, prior=inputs.prior)
    return simulate(inputs, growth, survival, n_paths=n_paths, seed=seed, ceiling=ceiling)


def sensitivity(base: AIComputeForecast, *, year: int | None = None, n_paths: int = 4000,
                lives=(4.0, 7.0), shapes=(2.0, 5.0), windows=(6, 12)) -> pd.DataFrame:
    """Median stock in ``year`` (default the last) when one assumption moves (a tornado).

    Rows: service life (``lives``), Weibull shape (``shapes``), growth window
    (``windows``, quarters) and growth reversion (none vs fitted).  Columns
    ``parameter``, ``low_setting``, ``high_setting``, ``low``, ``high`` (p50
    stock, FLOP/s), ``base`` (p50 of ``base`` rerun at ``n_paths``), ``swing``
    (high - low), sorted by swing.
    """
    year = int(base.years[-1]) if year is None else int(year)
    j = list(base.years).index(year)
    kw = {"inputs": base.inputs, "n_paths": n_paths, "seed": base.seed,
          "service_life_years": base.survival.median_years, "shape": base.survival.shape,
          "window": base.growth.window, "reversion": base.growth.reversion}

    def p50(**change) -> float:
        run = forecast(**{**kw, **change})
        return float(np.median(run.paths["stock"][:, :, j].sum(axis=1)))

    rows = [("service life, median years", *lives, p50(service_life_years=lives[0]),
             p50(service_life_years=lives[1])),
            ("Weibull shape", *shapes, p50(shape=shapes[0]), p50(shape=shapes[1])),
            ("growth window, quarters", *windows, p50(window=windows[0]),
             p50(window=windows[1])),
            ("growth reversion", "none", "fitted", p50(reversion=NO_REVERSION),
             p50(reversion=base.inputs.reversion))]
    out = pd.DataFrame(rows, columns=["parameter", "low_setting", "high_setting", "low", "high"])
    out["base"] = p50()
    out["swing"] = (out["high"] - out["low"]).abs()
    out.attrs.update(year=year, unit="FLOP/s", precision=PRECISION)
    return out.sort_values("swing", ascending=False).reset_index(drop=True)
