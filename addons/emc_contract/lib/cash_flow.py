"""Monthly cash flow of EMC projects: spreading, the ESCO's revenue forecast, position and payback.

Pure Python (standard library, ``decimal`` for money, no ORM): the
``emc.cash.flow`` model reads budgets, analytic lines, contracts and M&V
forecasts, calls these functions with plain values and stores the result; the
unit tests run them without a database.

Conventions
-----------
* A month is the ``datetime.date`` of its first day. Money is CNY as
  :class:`decimal.Decimal`, rounded to the fen (0.01, ``ROUND_HALF_UP``) per
  month; inflows are positive, outflows negative.
* A span of days ``[first, last]`` **includes** both ends, as Odoo's date
  fields do (a contract's ``date_end`` is its last day).
* :func:`spread` divides an amount over months so that the parts add up to it
  exactly (largest remainder, to the fen), in proportion to weights (the days
  of each month inside the span, or 1 per month).
* The **payback month** of a series of monthly nets is the first month in
  which the cumulative position, after having been negative, is back at zero
  or above; None when it never turns (never negative, or never recovers).

Revenue forecast (:func:`revenue_forecast`)
-------------------------------------------
The ESCO's planned inflow of one contract per month of its term, from the
contract terms and the M&V forecast of a *normal year*: ``savings_kwh`` and
``baseline_kwh`` map a calendar month (1-12) to the kWh of that whole month
(the forecast repeats every year, being computed with normal degree days). A
month the contract only partly covers counts its days' share. Every month is
valued at the terms in force on its first contract day (a tier that changes
in mid-month applies from the next month). ``price`` is CNY/kWh (the average
of a time-of-use price, weighted by its profile).

* ``shared_savings``: S × p × share of the contract year.
* ``guaranteed_savings``: with G the guaranteed kWh of the month (per contract
  year: annual × days in the month / days of that contract year; per
  settlement period: per period / months per period × the month's share),
  the excess (S − G) × p × ``excess_share`` (0 when the client keeps it),
  minus the shortfall (G − S) × the shortfall price (p when none).
* ``hybrid``: the shared-savings revenue minus the guarantee shortfall.
* ``energy_trusteeship``: the fixed fee per period / months per period × the
  month's share, or ``fee_share`` × baseline kWh × p. The saving below a cap
  is not forecast (it depends on the actual energy cost).
* ``financing_lease``: the instalments (``lease``: ``(due date, payment)``)
  due in the month.

Errors raise :class:`CashFlowError` with a machine ``code``.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "CashFlowError",
    "RevenueTerms",
    "add_months",
    "cumulate",
    "days_in_span",
    "month_start",
    "months",
    "payback_month",
    "revenue_forecast",
    "spread",
]

FEN = Decimal("0.01")
ZERO = Decimal("0")


class CashFlowError(ValueError):
    """Bad input; ``code`` is a short machine code, ``str()`` an English message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _dec(value) -> Decimal:
    if isinstance(value, bool) or value is None:
        raise CashFlowError("bad_amount", f"Not an amount: {value!r}.")
    if isinstance(value, float):
        value = repr(value)
    try:
        result = Decimal(value)
    except (ArithmeticError, ValueError, TypeError):
        raise CashFlowError("bad_amount", f"Not an amount: {value!r}.") from None
    if not result.is_finite():
        raise CashFlowError("bad_amount", f"Not a finite amount: {value!r}.")
    return result


def fen(value) -> Decimal:
    """``value`` rounded to the fen, halves away from zero."""
    return _dec(value).quantize(FEN, rounding=ROUND_HALF_UP)


def month_start(day: datetime.date) -> datetime.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    """The first day of the month ``count`` months after ``month``'s."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every month from ``first``'s to ``last``'s, both included (empty when reversed)."""
    result = []
    month = month_start(first)
    end = month_start(last)
    while month <= end:
        result.append(month)
        month = add_months(month, 1)
    return result


def days_in_month(month: datetime.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def days_in_span(month: datetime.date, first: datetime.date, last: datetime.date) -> int:
    """How many days of ``month`` lie in ``[first, last]``."""
    begin = max(month_start(month), first)
    end = min(month_start(month) + datetime.timedelta(days=days_in_month(month) - 1), last)
    return max((end - begin).days + 1, 0)


def spread(amount, weights: Sequence) -> list[Decimal]:
    """``amount`` divided in proportion to ``weights``, to the fen, adding up exactly.

    Largest-remainder method: each part is rounded down to the fen, then the
    fens left go to the largest remainders (the earliest on ties). A negative
    amount is spread as its opposite. Weights must be non-negative with a
    positive sum (code ``bad_weights``).
    """
    total = fen(amount)
    if total < 0:
        return [-part for part in spread(-total, weights)]
    weights = [_dec(weight) for weight in weights]
    if not weights or any(weight < 0 for weight in weights) or sum(weights) <= 0:
        raise CashFlowError("bad_weights", f"Cannot spread over weights {weights!r}.")
    cents = int(total / FEN)
    whole = sum(weights)
    exact = [Decimal(cents) * weight / whole for weight in weights]
    parts = [int(value) for value in exact]
    left = cents - sum(parts)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for index in order[:left]:
        parts[index] += 1
    return [Decimal(part) * FEN for part in parts]


def cumulate(nets: Iterable) -> list[Decimal]:
    """Running totals of ``nets``."""
    total = ZERO
    result = []
    for net in nets:
        total += _dec(net)
        result.append(total)
    return result


def payback_month(series: Sequence[tuple[datetime.date, object]]) -> datetime.date | None:
    """The first month whose cumulative position is back at 0 or above after being negative.

    ``series`` is ``(month, net)`` in month order. None when the position
    never goes negative or never recovers.
    """
    total = ZERO
    was_negative = False
    for month, net in series:
        total += _dec(net)
        if total < 0:
            was_negative = True
        elif was_negative:
            return month
    return None


@dataclass(frozen=True)
class RevenueTerms:
    """The terms of one contract that its revenue forecast needs (module docstring).

    ``tiers`` are ``(year_from, year_to or None, share)``; ``guarantee_kwh``
    is per contract year (``guarantee_per="year"``) or per settlement period
    (``"period"``); ``lease`` lists ``(due date, payment)``.
    """

    contract_type: str
    date_start: datetime.date
    date_last: datetime.date
    price: object = 0
    tiers: Sequence[tuple[int, int | None, object]] = ()
    period_months: int = 1
    guarantee_kwh: object = None
    guarantee_per: str = "year"
    excess_share: object = None
    shortfall_price: object = None
    fee: object = None
    fee_share: object = None
    lease: Sequence[tuple[datetime.date, object]] = field(default_factory=tuple)


TYPES = ("shared_savings", "guaranteed_savings", "energy_trusteeship", "financing_lease", "hybrid")


def _anniversary(start: datetime.date, years: int) -> datetime.date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return datetime.date(start.year + years, 3, 1)


def _contract_year(start: datetime.date, day: datetime.date) -> int:
    year = day.year - start.year
    if _anniversary(start, year) > day:
        year -= 1
    return year + 1


def _share(tiers, year: int) -> Decimal:
    for year_from, year_to, share in tiers:
        if year >= year_from and (not year_to or year <= year_to):
            return _dec(share)
    return ZERO


def revenue_forecast(
    terms: RevenueTerms,
    savings_kwh: Mapping[int, object],
    baseline_kwh: Mapping[int, object] | None = None,
) -> list[tuple[datetime.date, Decimal]]:
    """``(month, planned ESCO inflow)`` for every month of the contract (module docstring)."""
    if terms.contract_type not in TYPES:
        raise CashFlowError("bad_type", f"Unknown contract type {terms.contract_type!r}.")
    if not (terms.date_start and terms.date_last) or terms.date_last < terms.date_start:
        raise CashFlowError("bad_term", "The contract needs a start and an end after it.")
    baseline_kwh = baseline_kwh or {}
    price = _dec(terms.price or 0)
    result = []
    lease_by_month: dict[datetime.date, Decimal] = {}
    for due, payment in terms.lease:
        key = month_start(due)
        lease_by_month[key] = lease_by_month.get(key, ZERO) + _dec(payment)
    for month in months(terms.date_start, terms.date_last):
        days = days_in_span(month, terms.date_start, terms.date_last)
        fraction = Decimal(days) / Decimal(days_in_month(month))
        first_day = max(month, terms.date_start)
        year = _contract_year(terms.date_start, first_day)
        saved = _dec(savings_kwh.get(month.month, 0) or 0) * fraction
        amount = ZERO
        kind = terms.contract_type
        if kind in ("shared_savings", "hybrid"):
            amount += saved * price * _share(terms.tiers, year)
        if kind in ("guaranteed_savings", "hybrid") and terms.guarantee_kwh:
            if terms.guarantee_per == "year":
                year_start = _anniversary(terms.date_start, year - 1)
                year_days = (_anniversary(terms.date_start, year) - year_start).days
                guaranteed = _dec(terms.guarantee_kwh) * Decimal(days) / Decimal(year_days)
            else:
                guaranteed = _dec(terms.guarantee_kwh) / Decimal(terms.period_months) * fraction
            if saved < guaranteed:
                penalty = _dec(terms.shortfall_price) if terms.shortfall_price else price
                amount -= (guaranteed - saved) * penalty
            elif kind == "guaranteed_savings" and terms.excess_share:
                amount += (saved - guaranteed) * price * _dec(terms.excess_share)
        if kind == "energy_trusteeship":
            if terms.fee_share:
                base = _dec(baseline_kwh.get(month.month, 0) or 0) * fraction
                amount += base * price * _dec(terms.fee_share)
            elif terms.fee:
                amount += _dec(terms.fee) / Decimal(terms.period_months) * fraction
        if kind == "financing_lease":
            amount += lease_by_month.get(month, ZERO)
        result.append((month, fen(amount)))
    return result
