"""Baseline fit: candidate models, balance-point grid search, selection (CalTRACK 2.0 §3).

:func:`fit_baseline` turns a baseline period's usage and temperatures into a
:class:`~.model.BaselineModel`, for IPMVP Option C (a whole-facility meter)
or Option B (a meter isolating the retrofit): the mathematics are the same,
only the meter differs.

1. **Sufficiency** (:mod:`.sufficiency`): refused data give the status
   ``insufficient_data`` with the reasons, and no model.
2. **Observations**: each usable period ``i`` gives the usage per day
   ``y_i = E_i / d_i``, the weight ``w_i = d_i`` (its days; 1 for daily data,
   so daily fits are ordinary least squares and billing fits weighted least
   squares, CalTRACK §3.4.1-3.4.2), the production per day ``P_i / d_i`` when
   given, and for each grid base ``b`` the average degree days per day
   ``HDD_i(b)``, ``CDD_i(b)`` over the days with a temperature.
3. **Candidates** (CalTRACK §3.4.3.1), each with the intercept and, when the
   data carry one, the production term: ``intercept_only``; ``heating``
   (+ ``β_H·HDD(b_H)``) for every heating base; ``cooling`` (+ ``β_C·CDD(b_C)``)
   for every cooling base; ``heating_cooling`` for every pair with
   ``b_H <= b_C`` (§3.2.2.1). Default grid: -1 to 32 °C by 1 °C, CalTRACK's
   30-90 °F range with a step under its 3 °F maximum (§3.2.1, §3.2.3).
4. **Degree-day qualification** of a base (§3.2.2.2), with ``years =
   usable_days / 365``: at least ``10 · years`` observations with non-zero
   degree days (daily data only) and at least ``(20 / 1.8) · years`` °C·days
   in total (CalTRACK's 20 °F·days), summed as ``sum(d_i · DD_i(b))``.
5. **Fit** by weighted least squares, ``β = (X'WX)⁻¹ X'Wy``. For the search,
   every candidate of a type is solved at once from the Gram matrices (sums
   of weighted products assembled with array operations, scaled to a unit
   diagonal and inverted through a batched eigendecomposition; a candidate
   whose scaled matrix has an eigenvalue ratio below 1e-12 is singular);
   the selected candidate is then refitted
   through a QR factorisation of ``W^½ X`` for the reported statistics.
6. **Coefficient qualification**: a candidate qualifies when its design is
   not singular, its intercept is ``> 0`` (§3.4.3.2.3) and every slope
   (production, ``β_H``, ``β_C``) is ``> 0`` with a two-sided p-value ``<
   max_p_value`` (default 0.1, i.e. ``t > t_{0.95, n-p}``). The p-value rule
   is CalTRACK 1.0's; CalTRACK 2.0 kept only the sign rule. It is kept here
   so that a slope fitted to noise is not sold as savings; set
   ``max_p_value=1`` for the 2.0 behaviour.
7. **Selection**: the qualified candidate with the highest adjusted R²
   (§3.4.3.3); on a tie the simpler type (in the order above), then the lower
   balance points, win.
8. **Statistics** of the selected model (``n`` observations, ``p``
   coefficients including the intercept, ``e_i = y_i - ŷ_i`` per day):

   * ``σ² = sum(w_i e_i²) / (n - p)``; ``Cov(β) = σ² (X'WX)⁻¹``;
     ``se_j = sqrt(Cov_jj)``; ``t_j = β_j / se_j``; ``p_j = P(|T_{n-p}| > |t_j|)``;
   * ``R² = 1 - SSE / SST`` with ``SSE = sum(w_i e_i²)``, ``SST =
     sum(w_i (y_i - ȳ_w)²)``, ``ȳ_w = sum(w_i y_i) / sum(w_i)``;
   * ``adjusted R² = 1 - (1 - R²) (n - 1) / (n - p)`` (intercept-only: 0);
   * RMSE, CV(RMSE), NMBE (``n - p`` denominators) on the period totals
     ``E_i`` and ``Ê_i = d_i ŷ_i``, see :mod:`.statistics`;
   * ``ρ``: lag-1 autocorrelation of ``E_i - Ê_i`` over adjacent periods.
9. **Acceptance** (ASHRAE Guideline 14, :func:`.statistics.guideline14_acceptance`):
   status ``fit`` when CV(RMSE) and NMBE are within the thresholds of the
   data interval, else ``unfit`` with the reasons; ``unfit`` with
   ``no_qualified_model`` when no candidate qualifies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._series import to_date
from .degree_days import period_degree_days
from .distributions import t_critical, t_two_sided_p
from .model import (
    CDD,
    COOLING,
    HDD,
    HEATING,
    HEATING_COOLING,
    INTERCEPT,
    INTERCEPT_ONLY,
    MODEL_TYPES,
    PRODUCTION,
    BaselineModel,
    Coefficient,
)
from .reasons import MVError, Reason
from .statistics import goodness_of_fit, guideline14_acceptance, lag1_autocorrelation
from .sufficiency import Sufficiency, SufficiencyRules, check_sufficiency
from .temperature import DailyTemperature
from .usage import DAILY, UsageData

__all__ = [
    "DEFAULT_BALANCE_POINTS",
    "FIT",
    "INSUFFICIENT_DATA",
    "UNFIT",
    "BaselineOptions",
    "BaselineResult",
    "CandidateSummary",
    "fit_baseline",
]

FIT, UNFIT, INSUFFICIENT_DATA = "fit", "unfit", "insufficient_data"

# °C; CalTRACK's 30-90 °F is -1.1 to 32.2 °C
DEFAULT_BALANCE_POINTS = tuple(float(b) for b in range(-1, 33))
DEGREE_DAYS_PER_YEAR = 20.0 / 1.8  # CalTRACK's 20 °F·days in °C·days
NONZERO_DAYS_PER_YEAR = 10.0
_SINGULAR_RATIO = 1e-12


@dataclass(frozen=True)
class BaselineOptions:
    """Settings of :func:`fit_baseline` (defaults: CalTRACK 2.0, see the module docstring).

    ``model_types`` limits the candidates (a gas meter: ``("intercept_only",
    "heating")``); ``max_cv_rmse``/``max_nmbe`` (%) replace the Guideline 14
    thresholds of the data interval.
    """

    heating_balance_points: tuple[float, ...] = DEFAULT_BALANCE_POINTS
    cooling_balance_points: tuple[float, ...] = DEFAULT_BALANCE_POINTS
    model_types: tuple[str, ...] = MODEL_TYPES
    max_p_value: float = 0.1
    min_nonzero_days_per_year: float = NONZERO_DAYS_PER_YEAR
    min_degree_days_per_year: float = DEGREE_DAYS_PER_YEAR
    sufficiency: SufficiencyRules = field(default_factory=SufficiencyRules)
    max_cv_rmse: float | None = None
    max_nmbe: float | None = None

    def __post_init__(self):
        unknown = [t for t in self.model_types if t not in MODEL_TYPES]
        if unknown or not self.model_types:
            raise MVError("invalid_option", name="model_types", value=", ".join(unknown) or "()")
        if not 0.0 < self.max_p_value <= 1.0:
            raise MVError("invalid_option", name="max_p_value", value=self.max_p_value)
        for name in ("heating_balance_points", "cooling_balance_points"):
            grid = np.asarray(getattr(self, name), dtype=float)
            if grid.ndim != 1 or not np.isfinite(grid).all():
                raise MVError("invalid_option", name=name, value=str(getattr(self, name)))


@dataclass(frozen=True)
class CandidateSummary:
    """How one model type fared in the search.

    ``evaluated``: candidates fitted (bases with enough degree days);
    ``qualified``: those passing the coefficient rules; ``best_*``: the
    qualified one with the highest adjusted R² (None if none qualified);
    ``rejection``: when none qualified, why the best-fitting one was rejected
    (or ``degree_days_insufficient`` when no base had enough degree days).
    """

    model_type: str
    evaluated: int
    qualified: int
    best_adj_r_squared: float | None
    heating_balance_point: float | None
    cooling_balance_point: float | None
    rejection: Reason | None

    def to_dict(self) -> dict:
        """JSON-compatible form."""
        return {
            "model_type": self.model_type,
            "evaluated": self.evaluated,
            "qualified": self.qualified,
            "best_adj_r_squared": self.best_adj_r_squared,
            "heating_balance_point": self.heating_balance_point,
            "cooling_balance_point": self.cooling_balance_point,
            "rejection": None if self.rejection is None else self.rejection.to_dict(),
        }


@dataclass(frozen=True)
class BaselineResult:
    """Outcome of :func:`fit_baseline`.

    ``status``: ``fit``, ``unfit`` (``model`` may still be set: it failed
    Guideline 14) or ``insufficient_data`` (no model); ``reasons`` explain
    anything but ``fit``; ``warnings`` come from the data checks.
    """

    status: str
    reasons: tuple[Reason, ...]
    warnings: tuple[Reason, ...]
    model: BaselineModel | None
    sufficiency: Sufficiency
    candidates: tuple[CandidateSummary, ...]

    @property
    def is_fit(self) -> bool:
        """True when the model passed every check."""
        return self.status == FIT

    def to_dict(self) -> dict:
        """JSON-compatible form (the model as :meth:`BaselineModel.to_dict`)."""
        return {
            "status": self.status,
            "reasons": [r.to_dict() for r in self.reasons],
            "warnings": [r.to_dict() for r in self.warnings],
            "model": None if self.model is None else self.model.to_dict(),
            "sufficiency": self.sufficiency.to_dict(),
            "candidates": [c.to_dict() for c in self.candidates],
        }


# --------------------------------------------------------------------------
# Observations
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Observations:
    granularity: str
    starts: np.ndarray
    ends: np.ndarray
    days: np.ndarray  # float, also the weights
    y: np.ndarray  # usage per day
    base: np.ndarray  # (n, q): 1 and, when given, production per day
    base_terms: tuple[str, ...]
    hdd: np.ndarray  # (n_heating_bases, n) average HDD per day
    cdd: np.ndarray
    heating_bases: np.ndarray
    cooling_bases: np.ndarray

    @property
    def n(self) -> int:
        return int(self.y.size)


def _observations(
    usage: UsageData, temperature: DailyTemperature, usable: np.ndarray, options: BaselineOptions
) -> _Observations:
    starts, ends = usage.starts[usable], usage.ends[usable]
    days = usage.days[usable].astype(float)
    y = usage.usage[usable] / days
    columns, terms = [np.ones_like(y)], [INTERCEPT]
    if usage.production is not None:
        columns.append(usage.production[usable] / days)
        terms.append(PRODUCTION)
    heating = np.unique(np.asarray(options.heating_balance_points, dtype=float))
    cooling = np.unique(np.asarray(options.cooling_balance_points, dtype=float))
    dd = period_degree_days(temperature, starts, ends, heating, cooling)
    return _Observations(
        granularity=usage.granularity,
        starts=starts,
        ends=ends,
        days=days,
        y=y,
        base=np.stack(columns, axis=1),
        base_terms=tuple(terms),
        hdd=dd.hdd,
        cdd=dd.cdd,
        heating_bases=heating,
        cooling_bases=cooling,
    )


def _degree_days_ok(dd: np.ndarray, obs: _Observations, options: BaselineOptions) -> np.ndarray:
    """Bases (rows of ``dd``) with enough degree days (module docstring, step 4)."""
    years = obs.days.sum() / 365.0
    enough = (dd * obs.days).sum(axis=1) >= options.min_degree_days_per_year * years
    if obs.granularity == DAILY:
        enough &= (dd > 0).sum(axis=1) >= options.min_nonzero_days_per_year * years
    return enough


# --------------------------------------------------------------------------
# Batched candidate evaluation
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Batch:
    model_type: str
    terms: tuple[str, ...]
    heating: np.ndarray  # balance point of each candidate (NaN if unused)
    cooling: np.ndarray
    adj_r_squared: np.ndarray
    failure: np.ndarray  # -1 qualified, else index into failures
    failures: tuple[tuple[str, str | None], ...]  # (code, term)
    beta: np.ndarray
    t_stats: np.ndarray


def _evaluate(
    model_type: str,
    terms: tuple[str, ...],
    gram: np.ndarray,
    rhs: np.ndarray,
    sst: float,
    mean: float,
    n: int,
    max_p_value: float,
    heating: np.ndarray,
    cooling: np.ndarray,
) -> _Batch:
    """Solve and qualify every candidate of one type at once (module docstring, steps 5-6).

    ``rhs`` is ``X'W(y - ȳ_w)``: with the usage centred, ``y'Wy`` is ``SST``
    and ``SSE = SST - β'·rhs`` loses no digits to cancellation; the centred
    fit differs from the plain one only by ``ȳ_w`` on the intercept.
    """
    k, p, _ = gram.shape
    df = n - p
    if df < 1:  # possible only when the caller lowered min_observations
        return _Batch(
            model_type=model_type,
            terms=terms,
            heating=heating,
            cooling=cooling,
            adj_r_squared=np.full(k, -np.inf),
            failure=np.zeros(k, dtype=np.int64),
            failures=(("too_few_observations", None),),
            beta=np.full((k, p), np.nan),
            t_stats=np.full((k, p), np.nan),
        )
    # scaled to a unit diagonal, so that the singularity test does not depend on the
    # units of the variables (production in tonnes or in kg): G = D S D, G⁻¹ = D⁻¹ S⁻¹ D⁻¹
    diagonal = np.diagonal(gram, axis1=1, axis2=2)
    scale = np.sqrt(np.where(diagonal > 0, diagonal, 1.0))
    scaled = gram / (scale[:, :, None] * scale[:, None, :])
    eigenvalues, vectors = np.linalg.eigh(scaled)
    regular = (eigenvalues[:, 0] > _SINGULAR_RATIO * np.abs(eigenvalues[:, -1])) & (
        diagonal > 0
    ).all(axis=1)
    safe = np.where(regular[:, None], eigenvalues, 1.0)
    inverse = (vectors / safe[:, None, :]) @ vectors.transpose(0, 2, 1)
    inverse /= scale[:, :, None] * scale[:, None, :]
    beta = np.einsum("kij,kj->ki", inverse, rhs)
    sse = np.maximum(sst - np.einsum("ki,ki->k", beta, rhs), 0.0)
    beta[:, 0] += mean
    sigma2 = sse / df
    variances = np.clip(np.diagonal(inverse, axis1=1, axis2=2), 0.0, None) * sigma2[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = beta / np.sqrt(variances)
        r_squared = 1.0 - sse / sst if sst > 0 else np.zeros(k)
    adj = 1.0 - (1.0 - r_squared) * (n - 1) / df
    critical = t_critical(1.0 - max_p_value, df) if max_p_value < 1.0 else -np.inf
    slopes = [j for j, name in enumerate(terms) if name != INTERCEPT]
    checks = [
        (~regular, ("singular_design", None)),
        (beta[:, 0] <= 0, ("intercept_not_positive", None)),
    ]
    checks += [(~(beta[:, j] > 0), ("slope_not_positive", terms[j])) for j in slopes]
    checks += [(~(t[:, j] > critical), ("slope_not_significant", terms[j])) for j in slopes]
    failure = np.full(k, -1)
    for index in range(len(checks) - 1, -1, -1):  # the first failing check wins
        failure[checks[index][0]] = index
    return _Batch(
        model_type=model_type,
        terms=terms,
        heating=heating,
        cooling=cooling,
        adj_r_squared=np.where(regular, adj, -np.inf),
        failure=failure,
        failures=tuple(check[1] for check in checks),
        beta=beta,
        t_stats=t,  # p-values are computed only for the candidates reported
    )


def _batches(obs: _Observations, options: BaselineOptions) -> tuple[list[_Batch], dict[str, str]]:
    """Every candidate of every requested type, and the types that had no usable base."""
    w, base = obs.days, obs.base
    q = base.shape[1]
    weighted_base = base * w[:, None]
    bb = base.T @ weighted_base
    mean = float((w * obs.y).sum() / w.sum())
    y = obs.y - mean
    by = weighted_base.T @ y
    sst = float((w * y) @ y)
    n = obs.n
    nan = np.full(1, np.nan)
    batches, no_base = [], {}
    base_terms = obs.base_terms

    def run(model_type, gram, rhs, heating, cooling, terms):
        batches.append(
            _evaluate(
                model_type, terms, gram, rhs, sst, mean, n, options.max_p_value, heating, cooling
            )
        )

    if INTERCEPT_ONLY in options.model_types:
        run(INTERCEPT_ONLY, bb[None], by[None], nan, nan, base_terms)

    heating_ok = _degree_days_ok(obs.hdd, obs, options)
    cooling_ok = _degree_days_ok(obs.cdd, obs, options)
    hdd, cdd = obs.hdd[heating_ok], obs.cdd[cooling_ok]
    heating_bases, cooling_bases = obs.heating_bases[heating_ok], obs.cooling_bases[cooling_ok]
    weighted_hdd, weighted_cdd = hdd * w, cdd * w

    def single(model_type, dd, weighted, bases, term):
        k = dd.shape[0]
        if k == 0:
            no_base[model_type] = term
            return
        gram = np.empty((k, q + 1, q + 1))
        gram[:, :q, :q] = bb
        cross = weighted @ base  # (k, q)
        gram[:, :q, q] = cross
        gram[:, q, :q] = cross
        gram[:, q, q] = (weighted * dd).sum(axis=1)
        rhs = np.concatenate((np.broadcast_to(by, (k, q)), (weighted @ y)[:, None]), axis=1)
        unused = np.full(k, np.nan)
        heating = bases if term == HDD else unused
        cooling = bases if term == CDD else unused
        run(model_type, gram, rhs, heating, cooling, (*base_terms, term))

    if HEATING in options.model_types:
        single(HEATING, hdd, weighted_hdd, heating_bases, HDD)
    if COOLING in options.model_types:
        single(COOLING, cdd, weighted_cdd, cooling_bases, CDD)
    if HEATING_COOLING in options.model_types:
        hi, ci = np.nonzero(heating_bases[:, None] <= cooling_bases[None, :])
        k = hi.size
        if k == 0:
            no_base[HEATING_COOLING] = HDD if not heating_bases.size else CDD
        else:
            h_base, c_base = weighted_hdd @ base, weighted_cdd @ base
            gram = np.empty((k, q + 2, q + 2))
            gram[:, :q, :q] = bb
            gram[:, :q, q] = gram[:, q, :q] = h_base[hi]
            gram[:, :q, q + 1] = gram[:, q + 1, :q] = c_base[ci]
            gram[:, q, q] = (weighted_hdd * hdd).sum(axis=1)[hi]
            gram[:, q + 1, q + 1] = (weighted_cdd * cdd).sum(axis=1)[ci]
            gram[:, q, q + 1] = gram[:, q + 1, q] = (weighted_hdd @ cdd.T)[hi, ci]
            rhs = np.concatenate(
                (
                    np.broadcast_to(by, (k, q)),
                    (weighted_hdd @ y)[hi, None],
                    (weighted_cdd @ y)[ci, None],
                ),
                axis=1,
            )
            run(
                HEATING_COOLING,
                gram,
                rhs,
                heating_bases[hi],
                cooling_bases[ci],
                (*base_terms, HDD, CDD),
            )
    return batches, no_base


def _summaries(
    batches: list[_Batch], no_base: dict[str, str], obs: _Observations, options: BaselineOptions
) -> tuple[list[CandidateSummary], tuple[str, float | None, float | None] | None]:
    """One summary per requested type, and the selected candidate (type, b_H, b_C)."""
    years = obs.days.sum() / 365.0
    summaries, best, best_adj = [], None, -np.inf
    by_type = {batch.model_type: batch for batch in batches}
    for model_type in MODEL_TYPES:
        if model_type not in options.model_types:
            continue
        batch = by_type.get(model_type)
        if batch is None:
            min_days = options.min_nonzero_days_per_year * years if obs.granularity == DAILY else 0
            rejection = Reason(
                "degree_days_insufficient",
                {
                    "term": no_base[model_type],
                    "min_days": int(np.ceil(min_days)),
                    "min_degree_days": options.min_degree_days_per_year * years,
                },
            )
            summaries.append(CandidateSummary(model_type, 0, 0, None, None, None, rejection))
            continue
        qualified = batch.failure < 0
        heating = cooling = None
        best_adj_type, rejection = None, None
        if qualified.any():
            adj = np.where(qualified, batch.adj_r_squared, -np.inf)
            index = int(np.argmax(adj))  # first maximum: lowest balance points on a tie
            best_adj_type = float(adj[index])
            heating, cooling = _point(batch.heating[index]), _point(batch.cooling[index])
            if best_adj_type > best_adj:
                best, best_adj = (model_type, heating, cooling), best_adj_type
        else:
            index = int(np.argmax(batch.adj_r_squared))
            rejection = _rejection(batch, index, obs.n - len(batch.terms), options.max_p_value)
        summaries.append(
            CandidateSummary(
                model_type,
                int(batch.failure.size),
                int(qualified.sum()),
                best_adj_type,
                heating,
                cooling,
                rejection,
            )
        )
    return summaries, best


def _point(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def _rejection(batch: _Batch, index: int, df: int, max_p_value: float) -> Reason:
    code, term = batch.failures[batch.failure[index]]
    if code == "too_few_observations":
        return Reason(
            code, {"observations": df + len(batch.terms), "min_observations": len(batch.terms) + 1}
        )
    if code == "singular_design":
        return Reason(code)
    if code == "intercept_not_positive":
        return Reason(code, {"value": float(batch.beta[index, 0])})
    column = batch.terms.index(term)
    if code == "slope_not_positive":
        return Reason(code, {"term": term, "value": float(batch.beta[index, column])})
    t = float(batch.t_stats[index, column])
    return Reason(
        code, {"term": term, "p_value": t_two_sided_p(t, df), "max_p_value": float(max_p_value)}
    )


# --------------------------------------------------------------------------
# Final fit of the selected candidate
# --------------------------------------------------------------------------


def _design(
    obs: _Observations, heating: float | None, cooling: float | None
) -> tuple[np.ndarray, tuple]:
    columns, terms = [obs.base], list(obs.base_terms)
    if heating is not None:
        row = int(np.flatnonzero(obs.heating_bases == heating)[0])
        columns.append(obs.hdd[row][:, None])
        terms.append(HDD)
    if cooling is not None:
        row = int(np.flatnonzero(obs.cooling_bases == cooling)[0])
        columns.append(obs.cdd[row][:, None])
        terms.append(CDD)
    return np.concatenate(columns, axis=1), tuple(terms)


def _refit(
    obs: _Observations,
    model_type: str,
    heating: float | None,
    cooling: float | None,
    sufficiency: Sufficiency,
) -> BaselineModel:
    x, terms = _design(obs, heating, cooling)
    w, y = obs.days, obs.y
    n, p = x.shape
    root = np.sqrt(w)
    q_matrix, r_matrix = np.linalg.qr(x * root[:, None])
    beta = np.linalg.solve(r_matrix, q_matrix.T @ (y * root))
    r_inverse = np.linalg.inv(r_matrix)
    xtwx_inverse = r_inverse @ r_inverse.T
    fitted = x @ beta
    residuals = y - fitted
    sse = float((w * residuals) @ residuals)
    df = n - p
    sigma2 = sse / df
    covariance = sigma2 * xtwx_inverse
    std_errors = np.sqrt(np.diag(covariance))
    mean = float((w * y).sum() / w.sum())
    sst = float((w * (y - mean)) @ (y - mean))
    r_squared = 1.0 - sse / sst if sst > 0 else 0.0
    adj = 1.0 - (1.0 - r_squared) * (n - 1) / df
    coefficients = []
    for j, name in enumerate(terms):
        t = float(beta[j] / std_errors[j]) if std_errors[j] > 0 else float("inf")
        coefficients.append(
            Coefficient(name, float(beta[j]), float(std_errors[j]), t, t_two_sided_p(t, df))
        )
    totals, predicted = y * w, fitted * w
    gof = goodness_of_fit(totals, predicted, p)
    adjacent = obs.starts[1:] == obs.ends[:-1]
    return BaselineModel(
        model_type=model_type,
        granularity=obs.granularity,
        heating_balance_point=heating,
        cooling_balance_point=cooling,
        coefficients=tuple(coefficients),
        covariance=tuple(tuple(float(v) for v in row) for row in covariance),
        n=n,
        sigma=float(np.sqrt(sigma2)),
        r_squared=float(r_squared),
        adj_r_squared=float(adj),
        rmse=gof.rmse,
        cv_rmse=gof.cv_rmse,
        nmbe=gof.nmbe,
        mean_usage=gof.mean,
        autocorrelation=lag1_autocorrelation(totals - predicted, adjacent),
        baseline_start=to_date(sufficiency.span_start),
        baseline_end=to_date(sufficiency.span_end),
        usable_days=int(obs.days.sum()),
    )


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def fit_baseline(
    usage: UsageData,
    temperature: DailyTemperature,
    options: BaselineOptions | None = None,
    *,
    window_start=None,
    window_end=None,
) -> BaselineResult:
    """Fit the baseline of ``usage`` against ``temperature`` (module docstring).

    ``window_start``/``window_end`` (dates, end excluded) set the baseline
    period; by default it is the span of ``usage``.
    """
    options = options or BaselineOptions()
    sufficiency = check_sufficiency(
        usage, temperature, options.sufficiency, window_start=window_start, window_end=window_end
    )
    if not sufficiency.sufficient:
        return BaselineResult(
            INSUFFICIENT_DATA, sufficiency.reasons, sufficiency.warnings, None, sufficiency, ()
        )
    obs = _observations(usage, temperature, sufficiency.usable, options)
    batches, no_base = _batches(obs, options)
    summaries, best = _summaries(batches, no_base, obs, options)
    if best is None:
        return BaselineResult(
            UNFIT,
            (Reason("no_qualified_model"),),
            sufficiency.warnings,
            None,
            sufficiency,
            tuple(summaries),
        )
    model = _refit(obs, *best, sufficiency)
    acceptance = guideline14_acceptance(
        model.cv_rmse,
        model.nmbe,
        model.granularity,
        max_cv_rmse=options.max_cv_rmse,
        max_nmbe=options.max_nmbe,
    )
    status = FIT if acceptance.passed else UNFIT
    return BaselineResult(
        status, acceptance.reasons, sufficiency.warnings, model, sufficiency, tuple(summaries)
    )
