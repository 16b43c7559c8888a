"""Data sufficiency of a baseline (CalTRACK 2.0 §2.2): refuse to fit on too little data.

A period (row of :class:`~.usage.UsageData`) is *usable* when:

* its usage is present, not negative, and not zero if ``zero_is_missing``
  (CalTRACK §2.2.1.4 for electricity);
* its production is present, when the data carry a production variable;
* for billing data, it lasts ``billing_min_days`` to ``billing_max_days``
  days (default 25 to 35, CalTRACK §2.2.3.4-5: off-cycle reads are dropped);
* at least ``min_temperature_coverage`` (default 90 %, CalTRACK §2.2.3.2) of
  its days have a daily mean temperature; for a daily row this means the day
  has one;
* it lies inside the baseline window ``[window_start, window_end)`` when one
  is given (CalTRACK §2.2.5: data beyond the period is not used).

Counting, over the window (or the span of the data: first start to last end):

* ``span_days``: days of the window;
* ``usable_days``: days of the usable periods; ``missing_days = span_days -
  usable_days`` (gaps between periods, unusable periods);
* ``usage_days``: days of the periods whose usage is usable, temperature
  aside; ``temperature_missing_days``: the days of those periods without a
  temperature.

Refusal reasons, each a code with its parameters (all that apply are given):

* ``no_usable_data``: no usable period at all (then the only reason);
* ``baseline_too_short``: ``span_days < min_days`` (default 365, CalTRACK
  §2.2.1.1 and §3.1.3: a 12-month baseline);
* ``temperature_coverage``: ``temperature_missing_days > max_missing_fraction
  · usage_days`` (the weather data do not cover the metered days), with the
  first and last such day;
* ``too_many_missing_days``: ``missing_days > max_missing_fraction ·
  span_days`` (default 10 %, CalTRACK §2.2.1.2: at most 37 of 365 days);
  implied by ``temperature_coverage``, which says more precisely why;
* ``too_few_observations``: fewer than ``min_observations`` usable periods
  (default 12: a year of monthly bills).

Warnings (the data are used, the user should know): ``periods_dropped_length``,
``negative_usage``, ``zero_usage``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._series import DAY, iso, to_day
from .degree_days import period_degree_days
from .reasons import MVError, Reason
from .temperature import DailyTemperature
from .usage import BILLING, UsageData

__all__ = ["Sufficiency", "SufficiencyRules", "check_sufficiency"]


@dataclass(frozen=True)
class SufficiencyRules:
    """Thresholds of the sufficiency checks (defaults: CalTRACK 2.0, see module docstring)."""

    min_days: int = 365
    max_missing_fraction: float = 0.10
    min_observations: int = 12
    min_temperature_coverage: float = 0.9
    billing_min_days: int = 25
    billing_max_days: int = 35
    zero_is_missing: bool = False

    def __post_init__(self):
        if not 0.0 <= self.max_missing_fraction < 1.0:
            raise MVError(
                "invalid_option", name="max_missing_fraction", value=self.max_missing_fraction
            )
        if not 0.0 < self.min_temperature_coverage <= 1.0:
            raise MVError(
                "invalid_option",
                name="min_temperature_coverage",
                value=self.min_temperature_coverage,
            )
        if self.min_days < 1 or self.min_observations < 1:
            raise MVError("invalid_option", name="min_days", value=self.min_days)
        if not 1 <= self.billing_min_days <= self.billing_max_days:
            raise MVError("invalid_option", name="billing_min_days", value=self.billing_min_days)


@dataclass(frozen=True, eq=False)
class Sufficiency:
    """Outcome of :func:`check_sufficiency`; ``usable`` is a mask over the usage rows."""

    sufficient: bool
    reasons: tuple[Reason, ...]
    warnings: tuple[Reason, ...]
    span_start: np.datetime64
    span_end: np.datetime64
    span_days: int
    usable_days: int
    missing_days: int
    usage_days: int
    temperature_missing_days: int
    observations: int
    usable: np.ndarray
    temperature_days: np.ndarray

    def to_dict(self) -> dict:
        """JSON-compatible summary (without the per-row arrays)."""
        return {
            "sufficient": self.sufficient,
            "reasons": [r.to_dict() for r in self.reasons],
            "warnings": [r.to_dict() for r in self.warnings],
            "span_start": iso(self.span_start),
            "span_end": iso(self.span_end),
            "span_days": self.span_days,
            "usable_days": self.usable_days,
            "missing_days": self.missing_days,
            "usage_days": self.usage_days,
            "temperature_missing_days": self.temperature_missing_days,
            "observations": self.observations,
        }


def usable_usage(usage: UsageData, rules: SufficiencyRules) -> tuple[np.ndarray, list[Reason]]:
    """Mask of rows whose usage (and production) can be used, and the warnings."""
    values = usage.usage
    ok = ~np.isnan(values)
    warnings = []
    negative = ok & (values < 0)
    if negative.any():
        warnings.append(Reason("negative_usage", {"count": int(negative.sum())}))
    ok &= ~negative
    if rules.zero_is_missing:
        zero = ok & (values == 0)
        if zero.any():
            warnings.append(Reason("zero_usage", {"count": int(zero.sum())}))
        ok &= ~zero
    if usage.production is not None:
        ok &= ~np.isnan(usage.production)
    if usage.granularity == BILLING:
        days = usage.days
        wrong_length = ok & ((days < rules.billing_min_days) | (days > rules.billing_max_days))
        if wrong_length.any():
            warnings.append(
                Reason(
                    "periods_dropped_length",
                    {
                        "count": int(wrong_length.sum()),
                        "min_days": rules.billing_min_days,
                        "max_days": rules.billing_max_days,
                    },
                )
            )
        ok &= ~wrong_length
    return ok, warnings


def check_sufficiency(
    usage: UsageData,
    temperature: DailyTemperature,
    rules: SufficiencyRules | None = None,
    *,
    window_start=None,
    window_end=None,
) -> Sufficiency:
    """Check that ``usage`` and ``temperature`` can support a baseline (module docstring)."""
    rules = rules or SufficiencyRules()
    start = usage.span_start if window_start is None else to_day(window_start, "baseline start")
    end = usage.span_end if window_end is None else to_day(window_end, "baseline end")
    if end <= start:
        raise MVError("empty_period", start=iso(start), end=iso(end))
    inside = (usage.starts >= start) & (usage.ends <= end)
    usage_ok, warnings = usable_usage(usage, rules)
    usage_ok &= inside
    days = usage.days
    temperature_days = period_degree_days(temperature, usage.starts, usage.ends).temperature_days
    temperature_ok = temperature_days >= rules.min_temperature_coverage * days
    usable = usage_ok & temperature_ok

    span_days = int((end - start) / DAY)
    usable_days = int(days[usable].sum())
    usage_days = int(days[usage_ok].sum())
    missing_days = span_days - usable_days
    # day-level view of the metered days without temperature, for the message
    axis = start + np.arange(span_days) * DAY
    metered = np.zeros(span_days + 1, dtype=np.int64)
    first = ((usage.starts[usage_ok] - start) / DAY).astype(np.int64)
    last = ((usage.ends[usage_ok] - start) / DAY).astype(np.int64)
    np.add.at(metered, first, 1)
    np.add.at(metered, last, -1)
    metered_day = np.cumsum(metered[:-1]) > 0
    no_temperature = metered_day & np.isnan(temperature.on(axis))
    temperature_missing_days = int(no_temperature.sum())

    reasons = []
    fraction = rules.max_missing_fraction
    if not usable.any():
        reasons.append(Reason("no_usable_data"))
    else:
        if span_days < rules.min_days:
            reasons.append(
                Reason("baseline_too_short", {"days": span_days, "min_days": rules.min_days})
            )
        if temperature_missing_days > fraction * usage_days:
            where = np.flatnonzero(no_temperature)
            reasons.append(
                Reason(
                    "temperature_coverage",
                    {
                        "days_without_temperature": temperature_missing_days,
                        "days_with_usage": usage_days,
                        "missing_percent": 100.0 * temperature_missing_days / usage_days,
                        "first_date": iso(axis[where[0]]),
                        "last_date": iso(axis[where[-1]]),
                    },
                )
            )
        if missing_days > fraction * span_days:
            reasons.append(
                Reason(
                    "too_many_missing_days",
                    {
                        "missing_days": missing_days,
                        "days": span_days,
                        "missing_percent": 100.0 * missing_days / span_days,
                        "max_missing_percent": 100.0 * fraction,
                    },
                )
            )
        if usable.sum() < rules.min_observations:
            reasons.append(
                Reason(
                    "too_few_observations",
                    {"observations": int(usable.sum()), "min_observations": rules.min_observations},
                )
            )
    return Sufficiency(
        sufficient=not reasons,
        reasons=tuple(reasons),
        warnings=tuple(warnings),
        span_start=start,
        span_end=end,
        span_days=span_days,
        usable_days=usable_days,
        missing_days=missing_days,
        usage_days=usage_days,
        temperature_missing_days=temperature_missing_days,
        observations=int(usable.sum()),
        usable=usable,
        temperature_days=temperature_days,
    )
