"""Goodness of fit, ASHRAE Guideline 14-2014 acceptance and savings uncertainty.

Formulas (``y_i`` measured, ``ŷ_i`` predicted energy of observation ``i`` in
kWh, ``n`` observations, ``p`` model coefficients including the intercept,
``ȳ = sum(y_i) / n``):

* ``RMSE = sqrt(sum((y_i - ŷ_i)**2) / (n - p))``
* ``CV(RMSE) = 100 * RMSE / ȳ`` (%)
* ``NMBE = 100 * sum(y_i - ŷ_i) / ((n - p) * ȳ)`` (%)

Both use ``n - p`` as Guideline 14-2014 does (§4.3.2.4; CalTRACK uses
``n - c``, ``c`` not counting the intercept, a difference of one).

Acceptance (:func:`guideline14_acceptance`): monthly (billing) models pass
with ``CV(RMSE) <= 15 %`` and ``|NMBE| <= 5 %``; hourly models with ``<= 30 %``
and ``<= 10 %``. Guideline 14 names no daily criteria; daily models are held to
the hourly ones, because the guideline's split is between monthly data and
finer-than-monthly data, and the day-to-day scatter of a sound daily model is
well above what 15 % allows (a daily CV(RMSE) of 20 % averages to about
20 / sqrt(30) ≈ 4 % over a month). The caller may pass its own thresholds.

Fractional savings uncertainty (Guideline 14-2014 Annex B, from Reddy and
Claridge 2000), :func:`fractional_savings_uncertainty`::

    ΔE_save / E_save = c · t · CV · sqrt( (n / n') · (1 + 2 / n') · (1 / m) ) / F

* ``CV``: the baseline model's CV(RMSE) as a fraction (not %);
* ``t``: two-sided Student's t at the confidence level (0.9 → ``t_0.95``)
  with ``n - p`` degrees of freedom;
* ``n``: baseline observations; ``m``: reporting observations of the same
  interval (months for a monthly model, days for a daily one);
* ``n' = n · (1 - ρ) / (1 + ρ)``: effective number of independent
  observations, ``ρ`` the lag-1 autocorrelation of the baseline residuals
  (:func:`lag1_autocorrelation`), taken as 0 when negative;
* ``F = E_save / E_baseline``: savings as a fraction of the adjusted baseline
  over the reporting period; ``F <= 0`` has no uncertainty fraction
  (MVError ``no_savings``);
* ``c = 1.26`` for monthly data, the empirical correction of Annex B for
  monthly models; ``c = 1`` for daily and hourly data, whose autocorrelation
  is handled by ``n'``. For monthly data ``ρ = 0`` unless the caller gives it
  (Annex B treats monthly residuals as uncorrelated; the 1.26 factor stands in
  for that approximation).

The absolute uncertainty is ``ΔE_save = (ΔE_save / E_save) · E_save``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .distributions import t_critical
from .reasons import MVError, Reason

__all__ = [
    "GUIDELINE14_THRESHOLDS",
    "Acceptance",
    "GoodnessOfFit",
    "SavingsUncertainty",
    "fractional_savings_uncertainty",
    "goodness_of_fit",
    "guideline14_acceptance",
    "lag1_autocorrelation",
]

MONTHLY_CORRECTION = 1.26

# (max CV(RMSE) %, max |NMBE| %) by data interval; see the module docstring for daily
GUIDELINE14_THRESHOLDS = {
    "monthly": (15.0, 5.0),
    "daily": (30.0, 10.0),
    "hourly": (30.0, 10.0),
}
_INTERVAL_OF_GRANULARITY = {
    "billing": "monthly",
    "monthly": "monthly",
    "daily": "daily",
    "hourly": "hourly",
}


@dataclass(frozen=True)
class GoodnessOfFit:
    """Guideline 14 statistics of predictions against measurements (see module docstring)."""

    n: int
    p: int
    mean: float
    rmse: float
    cv_rmse: float
    nmbe: float


def goodness_of_fit(actual, predicted, n_parameters: int) -> GoodnessOfFit:
    """RMSE, CV(RMSE) % and NMBE % with the ``n - p`` denominators of Guideline 14."""
    y = np.asarray(actual, dtype=float)
    y_hat = np.asarray(predicted, dtype=float)
    n, p = int(y.size), int(n_parameters)
    if y_hat.size != n:
        raise MVError("length_mismatch", name="predicted", expected=n, got=int(y_hat.size))
    if n - p <= 0:
        raise MVError("too_few_observations", observations=n, min_observations=p + 1)
    residuals = y - y_hat
    mean = float(y.mean())
    rmse = math.sqrt(float(residuals @ residuals) / (n - p))
    cv = 100.0 * rmse / mean if mean else math.inf
    nmbe = 100.0 * float(residuals.sum()) / ((n - p) * mean) if mean else math.inf
    return GoodnessOfFit(n=n, p=p, mean=mean, rmse=rmse, cv_rmse=cv, nmbe=nmbe)


@dataclass(frozen=True)
class Acceptance:
    """Outcome of the Guideline 14 test: ``passed`` and the reasons it failed."""

    passed: bool
    interval: str
    max_cv_rmse: float
    max_nmbe: float
    reasons: tuple[Reason, ...]


def guideline14_acceptance(
    cv_rmse: float,
    nmbe: float,
    granularity: str,
    *,
    max_cv_rmse: float | None = None,
    max_nmbe: float | None = None,
) -> Acceptance:
    """Test CV(RMSE) % and NMBE % against the thresholds of the data interval.

    ``granularity`` is ``"billing"``/``"monthly"``, ``"daily"`` or ``"hourly"``;
    explicit ``max_cv_rmse``/``max_nmbe`` (in %) replace the defaults.
    """
    interval = _INTERVAL_OF_GRANULARITY.get(granularity)
    if interval is None:
        raise MVError("invalid_option", name="granularity", value=str(granularity))
    default_cv, default_nmbe = GUIDELINE14_THRESHOLDS[interval]
    max_cv = default_cv if max_cv_rmse is None else float(max_cv_rmse)
    max_bias = default_nmbe if max_nmbe is None else float(max_nmbe)
    reasons = []
    if not cv_rmse <= max_cv:  # NaN fails too
        reasons.append(
            Reason("cv_rmse_exceeds", {"cv_rmse": float(cv_rmse), "max_cv_rmse": max_cv})
        )
    if not abs(nmbe) <= max_bias:
        reasons.append(Reason("nmbe_exceeds", {"nmbe": float(nmbe), "max_nmbe": max_bias}))
    return Acceptance(not reasons, interval, max_cv, max_bias, tuple(reasons))


def lag1_autocorrelation(residuals, adjacent=None) -> float:
    """Lag-1 autocorrelation ``ρ = sum(e_i · e_{i+1}) / sum(e_i**2)`` of centred residuals.

    ``adjacent[i]`` (optional, length ``n - 1``) says whether observation
    ``i + 1`` directly follows ``i`` in time; pairs across a gap of missing
    days are left out of the numerator. Returns 0 for fewer than 2 values or
    residuals that are all equal.
    """
    e = np.asarray(residuals, dtype=float)
    if e.size < 2:
        return 0.0
    e = e - e.mean()
    denominator = float(e @ e)
    if denominator == 0.0:
        return 0.0
    products = e[1:] * e[:-1]
    if adjacent is not None:
        products = products[np.asarray(adjacent, dtype=bool)]
    return float(products.sum()) / denominator


@dataclass(frozen=True)
class SavingsUncertainty:
    """Fractional savings uncertainty and its inputs (see the module docstring)."""

    fraction: float
    confidence: float
    t: float
    cv: float
    n: int
    n_prime: float
    p: int
    m: int
    rho: float
    savings_fraction: float
    correction: float

    def absolute(self, savings_kwh: float) -> float:
        """``ΔE_save`` in kWh for savings ``E_save`` (kWh)."""
        return self.fraction * abs(float(savings_kwh))


def fractional_savings_uncertainty(
    cv_rmse: float,
    n: int,
    p: int,
    m: int,
    savings_fraction: float,
    *,
    confidence: float = 0.9,
    rho: float = 0.0,
    monthly: bool = False,
) -> SavingsUncertainty:
    """Guideline 14 Annex B fractional savings uncertainty ``ΔE_save / E_save``.

    ``cv_rmse`` in % (as reported by the models); ``monthly`` applies the
    1.26 correction. See the module docstring for every symbol.
    """
    n, p, m = int(n), int(p), int(m)
    if n - p <= 0:
        raise MVError("too_few_observations", observations=n, min_observations=p + 1)
    if m <= 0:
        raise MVError("invalid_option", name="m", value=m)
    if not 0.0 < confidence < 1.0:
        raise MVError("invalid_option", name="confidence", value=confidence)
    f = float(savings_fraction)
    if not f > 0.0:
        raise MVError("no_savings", savings_fraction=f)
    rho_used = max(float(rho), 0.0)
    if rho_used >= 1.0:
        raise MVError("invalid_option", name="rho", value=rho)
    n_prime = n * (1.0 - rho_used) / (1.0 + rho_used)
    t = t_critical(confidence, n - p)
    cv = float(cv_rmse) / 100.0
    correction = MONTHLY_CORRECTION if monthly else 1.0
    fraction = correction * t * cv * math.sqrt((n / n_prime) * (1.0 + 2.0 / n_prime) / m) / f
    return SavingsUncertainty(
        fraction=fraction,
        confidence=float(confidence),
        t=t,
        cv=cv,
        n=n,
        n_prime=n_prime,
        p=p,
        m=m,
        rho=rho_used,
        savings_fraction=f,
        correction=correction,
    )
