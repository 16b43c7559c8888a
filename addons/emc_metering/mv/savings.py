"""Savings per reporting period, non-routine adjustments, and their equivalents.

Per period (IPMVP; CalTRACK 2.0 §3.6.1 for avoided energy use)::

    savings = adjusted baseline - reporting consumption + non-routine adjustments

* **Periods**: calendar months when the reporting data are daily (the first
  and last month clipped to the data's span), the billing periods themselves
  when they are billing data.
* **Adjusted baseline**: the baseline model's prediction with the reporting
  period's temperatures (and production), summed over the *used* days. A
  daily row is used when its usage is present, not negative, not zero if
  ``zero_is_missing``, and the day has a temperature (CalTRACK §3.5.1.1 and
  §3.5.2.1: a day missing either is masked on both sides). A billing period
  is used when its usage is present and temperature covers at least
  ``min_coverage`` of its days.
* **Reporting consumption**: the metered kWh of the same used days/periods.
* **Non-routine adjustments** (:class:`NonRoutineAdjustment`): kWh added to
  the adjusted baseline for a change outside the model (an added production
  line, a closed wing...); positive when the change would have *raised* the
  baseline use, negative when it would have lowered it. Each has a reason and
  an approver (the caller's user id); it applies to the period containing its
  ``date``, and one dated in no period is an input error.
* ``days_used`` counts the days of a period with a reading and a
  temperature (a billing period's days with a temperature, when its reading
  is present). A period is ``complete`` when ``days_used`` is at least
  ``min_coverage`` (default 90 %) of its days; otherwise it carries the
  reason ``period_coverage``, and its figures cover only the used days (daily
  data) or are None (a billing period below the coverage). A period with
  nothing used has no figures (None).

Totals add the periods that have figures. The savings fraction is ``F =
total savings / total adjusted baseline``. The fractional savings uncertainty
(:func:`.statistics.fractional_savings_uncertainty`) uses ``m`` = used days
for a daily model, or the number of periods with figures for a monthly
(billing) model, ``ρ`` = the model's residual autocorrelation for a daily
model and 0 for a monthly one; it is None, with the reason, when ``F <= 0``.

Equivalents (:func:`convert_energy`) with the company's factors:
``tce = kWh · kgce_per_kWh / 1000``, ``tCO2 = kWh / 1000 · tCO2_per_MWh``,
``CNY = kWh · price_per_kWh``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ._series import DAY, iso, to_date, to_day
from .model import BaselineModel
from .reasons import MVError, Reason
from .statistics import SavingsUncertainty, fractional_savings_uncertainty
from .temperature import DailyTemperature
from .usage import BILLING, DAILY, UsageData

__all__ = [
    "ConversionFactors",
    "EnergyEquivalents",
    "NonRoutineAdjustment",
    "PeriodSavings",
    "SavingsReport",
    "compute_savings",
    "convert_energy",
]


@dataclass(frozen=True)
class NonRoutineAdjustment:
    """A non-routine adjustment of the baseline (see the module docstring).

    ``date`` is any day inside the period adjusted; ``ref`` is free for the
    caller (the id of its adjustment record), returned untouched.
    """

    date: object
    amount_kwh: float
    reason: str
    approver_id: int
    ref: object = None


@dataclass(frozen=True)
class PeriodSavings:
    """Savings of one reporting period; kWh figures are None when no day was used."""

    start: object  # datetime.date
    end: object  # datetime.date, excluded
    days: int
    days_used: int
    adjusted_baseline_kwh: float | None
    reporting_kwh: float | None
    non_routine_kwh: float
    savings_kwh: float | None
    complete: bool
    adjustments: tuple[NonRoutineAdjustment, ...]
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict:
        """JSON-compatible form (adjustments by ``ref``, amount, reason and approver)."""
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": self.days,
            "days_used": self.days_used,
            "adjusted_baseline_kwh": self.adjusted_baseline_kwh,
            "reporting_kwh": self.reporting_kwh,
            "non_routine_kwh": self.non_routine_kwh,
            "savings_kwh": self.savings_kwh,
            "complete": self.complete,
            "adjustments": [
                {
                    "ref": a.ref,
                    "amount_kwh": a.amount_kwh,
                    "reason": a.reason,
                    "approver_id": a.approver_id,
                }
                for a in self.adjustments
            ],
            "reasons": [r.to_dict() for r in self.reasons],
        }


@dataclass(frozen=True)
class SavingsReport:
    """Savings of every reporting period, totals and uncertainty (module docstring)."""

    periods: tuple[PeriodSavings, ...]
    adjusted_baseline_kwh: float
    reporting_kwh: float
    non_routine_kwh: float
    savings_kwh: float
    savings_fraction: float | None
    complete: bool
    uncertainty: SavingsUncertainty | None
    uncertainty_reason: Reason | None

    def to_dict(self) -> dict:
        """JSON-compatible form."""
        u = self.uncertainty
        return {
            "periods": [p.to_dict() for p in self.periods],
            "adjusted_baseline_kwh": self.adjusted_baseline_kwh,
            "reporting_kwh": self.reporting_kwh,
            "non_routine_kwh": self.non_routine_kwh,
            "savings_kwh": self.savings_kwh,
            "savings_fraction": self.savings_fraction,
            "complete": self.complete,
            "uncertainty": None
            if u is None
            else {
                "fraction": u.fraction,
                "savings_kwh": u.absolute(self.savings_kwh),
                "confidence": u.confidence,
                "t": u.t,
                "n": u.n,
                "n_prime": u.n_prime,
                "m": u.m,
                "rho": u.rho,
                "correction": u.correction,
            },
            "uncertainty_reason": None
            if self.uncertainty_reason is None
            else self.uncertainty_reason.to_dict(),
        }


def _validated(
    adjustments: Iterable[NonRoutineAdjustment],
) -> list[tuple[np.datetime64, NonRoutineAdjustment]]:
    checked = []
    for index, adjustment in enumerate(adjustments, start=1):
        if not isinstance(adjustment.reason, str) or not adjustment.reason.strip():
            raise MVError("adjustment_without_reason", index=index)
        approver = adjustment.approver_id
        if (
            isinstance(approver, bool)
            or not isinstance(approver, numbers.Integral)
            or approver <= 0
        ):
            raise MVError("adjustment_without_approver", index=index)
        try:
            amount = float(adjustment.amount_kwh)
        except (TypeError, ValueError):
            raise MVError("adjustment_amount_invalid", index=index) from None
        if not math.isfinite(amount):
            raise MVError("adjustment_amount_invalid", index=index)
        checked.append((to_day(adjustment.date, "adjustment date"), adjustment))
    return checked


def _reporting_periods(usage: UsageData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Period bounds and the period index of every usage row."""
    if usage.granularity == BILLING:
        return usage.starts, usage.ends, np.arange(len(usage))
    first, last = usage.span_start, usage.span_end
    months = np.arange(first.astype("datetime64[M]"), (last - DAY).astype("datetime64[M]") + 1)
    starts = np.maximum(months.astype("datetime64[D]"), first)
    ends = np.minimum((months + 1).astype("datetime64[D]"), last)
    index = np.searchsorted(starts, usage.starts, side="right") - 1
    return starts, ends, index


def compute_savings(
    model: BaselineModel,
    reporting: UsageData,
    temperature: DailyTemperature,
    adjustments: Iterable[NonRoutineAdjustment] = (),
    *,
    min_coverage: float = 0.9,
    confidence: float = 0.9,
    zero_is_missing: bool = False,
) -> SavingsReport:
    """Savings per period of ``reporting`` against ``model`` (module docstring)."""
    if not 0.0 < min_coverage <= 1.0:
        raise MVError("invalid_option", name="min_coverage", value=min_coverage)
    checked = _validated(adjustments)
    daily_rows = reporting.granularity == DAILY
    prediction = model.predict(
        reporting, temperature, min_temperature_coverage=1.0 if daily_rows else min_coverage
    )
    values = reporting.usage
    metered_ok = ~np.isnan(values) & ~(values < 0)
    if zero_is_missing:
        metered_ok &= values != 0
    if reporting.production is not None:
        metered_ok &= ~np.isnan(reporting.production)
    used = metered_ok & prediction.predictable
    starts, ends, index = _reporting_periods(reporting)
    n_periods = starts.size
    days = ((ends - starts) / DAY).astype(np.int64)
    weather = model.heating_balance_point is not None or model.cooling_balance_point is not None
    # days with both a reading and (if the model needs it) a temperature; a billing
    # period refused for its temperature coverage still reports the days it had
    with_data = (
        np.minimum(prediction.temperature_days, reporting.days) if weather else reporting.days
    )
    row_days = np.where(metered_ok, with_data, 0)
    days_used = np.bincount(index, weights=row_days, minlength=n_periods).astype(np.int64)
    periods_used = np.bincount(index, weights=used, minlength=n_periods) > 0
    baseline = np.bincount(index, weights=np.where(used, prediction.kwh, 0.0), minlength=n_periods)
    metered = np.bincount(index, weights=np.where(used, values, 0.0), minlength=n_periods)

    by_period: list[list[NonRoutineAdjustment]] = [[] for _period in range(n_periods)]
    for day, adjustment in checked:
        slot = int(np.searchsorted(starts, day, side="right")) - 1
        if slot < 0 or day >= ends[slot]:
            raise MVError("adjustment_outside_periods", date=iso(day))
        by_period[slot].append(adjustment)

    periods = []
    for i in range(n_periods):
        applied = tuple(by_period[i])
        non_routine = float(sum(float(a.amount_kwh) for a in applied))
        has_figures = bool(periods_used[i])
        complete = has_figures and bool(days_used[i] >= min_coverage * days[i])
        reasons = ()
        if not complete:
            reasons = (
                Reason(
                    "period_coverage",
                    {
                        "days_used": int(days_used[i]),
                        "days": int(days[i]),
                        "start": iso(starts[i]),
                        "coverage_percent": 100.0 * days_used[i] / days[i],
                        "min_coverage_percent": 100.0 * min_coverage,
                    },
                ),
            )
        periods.append(
            PeriodSavings(
                start=to_date(starts[i]),
                end=to_date(ends[i]),
                days=int(days[i]),
                days_used=int(days_used[i]),
                adjusted_baseline_kwh=float(baseline[i]) if has_figures else None,
                reporting_kwh=float(metered[i]) if has_figures else None,
                non_routine_kwh=non_routine,
                savings_kwh=float(baseline[i] - metered[i] + non_routine) if has_figures else None,
                complete=complete,
                adjustments=applied,
                reasons=reasons,
            )
        )
    with_figures = [p for p in periods if p.savings_kwh is not None]
    total_baseline = float(sum(p.adjusted_baseline_kwh for p in with_figures))
    total_metered = float(sum(p.reporting_kwh for p in with_figures))
    total_non_routine = float(sum(p.non_routine_kwh for p in with_figures))
    total_savings = float(sum(p.savings_kwh for p in with_figures))
    fraction = total_savings / total_baseline if total_baseline > 0 else None
    uncertainty, uncertainty_reason = None, None
    monthly = model.granularity == BILLING
    m = len(with_figures) if monthly else int(days_used.sum())
    if m > 0:
        try:
            uncertainty = fractional_savings_uncertainty(
                model.cv_rmse,
                model.n,
                model.p,
                m,
                fraction if fraction is not None else 0.0,
                confidence=confidence,
                rho=0.0 if monthly else model.autocorrelation,
                monthly=monthly,
            )
        except MVError as error:
            uncertainty_reason = error.reason
    return SavingsReport(
        periods=tuple(periods),
        adjusted_baseline_kwh=total_baseline,
        reporting_kwh=total_metered,
        non_routine_kwh=total_non_routine,
        savings_kwh=total_savings,
        savings_fraction=fraction,
        complete=all(p.complete for p in periods),
        uncertainty=uncertainty,
        uncertainty_reason=uncertainty_reason,
    )


@dataclass(frozen=True)
class ConversionFactors:
    """A company's factors: kgce per kWh, tCO2 per MWh, price in CNY per kWh."""

    kgce_per_kwh: float
    tco2_per_mwh: float
    price_per_kwh: float

    def __post_init__(self):
        for name in ("kgce_per_kwh", "tco2_per_mwh", "price_per_kwh"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise MVError("invalid_option", name=name, value=value)


@dataclass(frozen=True)
class EnergyEquivalents:
    """An energy quantity in kWh and its equivalents."""

    kwh: float
    tce: float
    tco2: float
    cny: float


def convert_energy(kwh: float, factors: ConversionFactors) -> EnergyEquivalents:
    """Tonnes of coal equivalent, tonnes of CO2 and CNY of ``kwh`` (module docstring)."""
    kwh = float(kwh)
    if not math.isfinite(kwh):
        raise MVError("non_finite_value", name="kWh", position=1)
    return EnergyEquivalents(
        kwh=kwh,
        tce=kwh * factors.kgce_per_kwh / 1000.0,
        tco2=kwh / 1000.0 * factors.tco2_per_mwh,
        cny=kwh * factors.price_per_kwh,
    )
