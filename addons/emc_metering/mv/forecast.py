"""Forecasts: the coming months' consumption in a normal year, and the expected savings.

Normal year (:func:`normal_degree_days`): heating and cooling degree days for
each of the 366 calendar days (1 January ... 31 December, 29 February
included), at a model's balance points, from either

* the **temperature history** (default): for every day of the history with a
  temperature, ``HDD = max(b_H - T, 0)`` and ``CDD = max(T - b_C, 0)``; the
  normal of a calendar day is the mean over the years of that day's degree
  days. Averaging degree days rather than temperatures keeps the cold and hot
  days' contribution (degree days are convex in T: a mean temperature would
  understate them). 29 February, when the history has none, is the mean of 28
  February and 1 March; other calendar days without any observation are
  interpolated linearly (wrapping around the year) across gaps of at most 7
  days, and a longer gap is the error ``normals_incomplete``;
* **supplied normal temperatures** (``normal_temperatures``: 366 daily values
  in °C in the order of a leap year, or 365 for a common year, 29 February
  then being the mean of its neighbours), e.g. a typical meteorological year;
  degree days are computed from them directly.

Forecast (:func:`forecast_consumption`): for ``months`` calendar months
(default 12) from ``start`` (the first day of a month), with ``d`` days, the
normal year's ``ΣHDD`` and ``ΣCDD`` over those days and the expected
production ``P`` of the month (required when the model has a production
term)::

    kWh = d · μ + β_P · P + β_H · ΣHDD + β_C · ΣCDD

with the standard error ``sqrt(Var)`` of :mod:`.model` (uncertainty of the
fit and the days' scatter; not the year-to-year variation of the weather).

Expected savings (:func:`forecast_savings`), one of:

* against a **reporting-period model** (a model fitted on post-retrofit
  data): ``savings = baseline forecast - reporting-model forecast``, both on
  the same normal year and production (IPMVP's normalized savings);
* with a **savings fraction** ``f`` (0 to 1, e.g. the scheme's expected
  saving or the fraction measured so far): ``savings = f · baseline
  forecast``, ``expected consumption = (1 - f) · baseline forecast``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._series import DAY, iso, to_date, to_day, to_values
from .degree_days import cooling_degree_days, heating_degree_days
from .model import BaselineModel
from .reasons import MVError
from .temperature import DailyTemperature

__all__ = [
    "Forecast",
    "ForecastMonth",
    "NormalYear",
    "SavingsForecast",
    "SavingsForecastMonth",
    "forecast_consumption",
    "forecast_savings",
    "normal_degree_days",
]

MAX_INTERPOLATED_GAP = 7
_MONTH_OFFSETS = np.cumsum([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30])  # leap-year calendar
FEB_28, FEB_29, MAR_1 = 58, 59, 60


def calendar_index(days) -> np.ndarray:
    """Position 0..365 of each day in a leap-year calendar (29 February is 59)."""
    days = np.asarray(days, dtype="datetime64[D]")
    months = days.astype("datetime64[M]")
    month_of_year = (months - days.astype("datetime64[Y]").astype("datetime64[M]")).astype(np.int64)
    day_of_month = ((days - months.astype("datetime64[D]")) / DAY).astype(np.int64)
    return _MONTH_OFFSETS[month_of_year] + day_of_month


@dataclass(frozen=True, eq=False)
class NormalYear:
    """Normal HDD and CDD (°C·day) of each leap-year calendar day, at the given bases."""

    hdd: np.ndarray
    cdd: np.ndarray
    heating_balance_point: float | None
    cooling_balance_point: float | None
    source: str  # "history", "normals", or "none" for a model without weather terms

    def sums(self, start: np.datetime64, end: np.datetime64) -> tuple[float, float]:
        """``(ΣHDD, ΣCDD)`` of the days ``[start, end)``."""
        index = calendar_index(start + np.arange(int((end - start) / DAY)) * DAY)
        return float(self.hdd[index].sum()), float(self.cdd[index].sum())


def _fill_calendar(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Means with 29 February and short gaps filled (module docstring)."""
    known = counts > 0
    if not known[FEB_29] and known[FEB_28] and known[MAR_1]:
        values[FEB_29] = (values[FEB_28] + values[MAR_1]) / 2.0
        known[FEB_29] = True
    if known.all():
        return values
    missing = int((~known).sum())
    if not known.any():
        raise MVError(
            "normals_incomplete",
            missing_days=missing,
            longest_gap=366,
            max_gap=MAX_INTERPOLATED_GAP,
        )
    # runs of unknown days, wrapping around 31 December
    start = int(np.flatnonzero(known)[0])
    order = (np.arange(366) + start) % 366
    rolled = known[order]
    longest, run = 0, 0
    for flag in rolled:
        run = 0 if flag else run + 1
        longest = max(longest, run)
    if longest > MAX_INTERPOLATED_GAP:
        raise MVError(
            "normals_incomplete",
            missing_days=missing,
            longest_gap=longest,
            max_gap=MAX_INTERPOLATED_GAP,
        )
    position = np.arange(366)
    anchors = np.flatnonzero(known)
    extended = np.concatenate((anchors - 366, anchors, anchors + 366))
    filled = np.interp(position, extended, np.tile(values[anchors], 3))
    return np.where(known, values, filled)


def normal_degree_days(
    heating_balance_point: float | None,
    cooling_balance_point: float | None,
    *,
    temperature_history: DailyTemperature | None = None,
    normal_temperatures=None,
) -> NormalYear:
    """Normal degree days at the given bases (module docstring); give exactly one source.

    With neither base (an intercept-only model) no weather is needed: zeros,
    source ``"none"``, whatever is given.
    """
    if heating_balance_point is None and cooling_balance_point is None:
        return NormalYear(np.zeros(366), np.zeros(366), None, None, "none")
    if (temperature_history is None) == (normal_temperatures is None):
        raise MVError("invalid_option", name="normal year source", value="history xor normals")
    if normal_temperatures is not None:
        temps = to_values(normal_temperatures, "normal temperatures")
        if temps.size == 365:
            # in a common year 28 February is index 58 and 1 March index 59
            temps = np.insert(temps, FEB_29, (temps[58] + temps[59]) / 2.0)
        elif temps.size != 366:
            raise MVError("normals_length", got=int(temps.size))
        if np.isnan(temps).any():
            raise MVError(
                "non_finite_value",
                name="normal temperatures",
                position=int(np.flatnonzero(np.isnan(temps))[0]) + 1,
            )
        source = "normals"
        hdd = heating_degree_days(temps, heating_balance_point or 0.0)
        cdd = cooling_degree_days(temps, cooling_balance_point or 0.0)
    else:
        temps = temperature_history.values
        present = ~np.isnan(temps)
        index = calendar_index(temperature_history.start + np.flatnonzero(present) * DAY)
        counts = np.bincount(index, minlength=366)

        def mean_by_day(daily):
            sums = np.bincount(index, weights=daily[present], minlength=366)
            with np.errstate(invalid="ignore", divide="ignore"):
                return _fill_calendar(np.where(counts > 0, sums / counts, np.nan), counts.copy())

        source = "history"
        hdd = mean_by_day(heating_degree_days(temps, heating_balance_point or 0.0))
        cdd = mean_by_day(cooling_degree_days(temps, cooling_balance_point or 0.0))
    if heating_balance_point is None:
        hdd = np.zeros(366)
    if cooling_balance_point is None:
        cdd = np.zeros(366)
    return NormalYear(hdd, cdd, heating_balance_point, cooling_balance_point, source)


@dataclass(frozen=True)
class ForecastMonth:
    """One forecast month: degree days of the normal year and the predicted kWh."""

    start: object  # datetime.date
    end: object  # datetime.date, excluded
    days: int
    hdd: float
    cdd: float
    production: float | None
    kwh: float
    std_error_kwh: float


@dataclass(frozen=True)
class Forecast:
    """Monthly forecast and its total (the total's standard error counts shared coefficients)."""

    months: tuple[ForecastMonth, ...]
    total_kwh: float
    total_std_error_kwh: float
    source: str


def _month_bounds(start, months: int) -> list[tuple[np.datetime64, np.datetime64]]:
    first = to_day(start, "forecast start")
    month = first.astype("datetime64[M]")
    if month.astype("datetime64[D]") != first:
        raise MVError("forecast_start", date=iso(first))
    if not isinstance(months, int) or months < 1:
        raise MVError("invalid_option", name="months", value=months)
    return [
        ((month + i).astype("datetime64[D]"), (month + i + 1).astype("datetime64[D]"))
        for i in range(months)
    ]


def forecast_consumption(
    model: BaselineModel,
    start,
    *,
    temperature_history: DailyTemperature | None = None,
    normal_temperatures=None,
    production_by_month=None,
    months: int = 12,
) -> Forecast:
    """Consumption of ``months`` months from ``start`` in a normal year (module docstring).

    ``production_by_month``: the expected production of each month (totals),
    required when the model has a production term, refused otherwise.
    """
    bounds = _month_bounds(start, months)
    if model.uses_production:
        if production_by_month is None:
            raise MVError("production_required")
        production = to_values(production_by_month, "production by month", expected=months)
        if np.isnan(production).any():
            raise MVError("production_required")
    elif production_by_month is not None:
        raise MVError("production_not_used")
    else:
        production = None
    normal = normal_degree_days(
        model.heating_balance_point,
        model.cooling_balance_point,
        temperature_history=temperature_history,
        normal_temperatures=normal_temperatures,
    )
    days = np.array([int((end - begin) / DAY) for begin, end in bounds], dtype=float)
    sums = np.array([normal.sums(begin, end) for begin, end in bounds])
    kwh, variance = model.totals(days, production, sums[:, 0], sums[:, 1])
    total_kwh, total_variance = model.totals(
        [days.sum()],
        None if production is None else [production.sum()],
        [sums[:, 0].sum()],
        [sums[:, 1].sum()],
    )
    rows = tuple(
        ForecastMonth(
            start=to_date(begin),
            end=to_date(end),
            days=int(days[i]),
            hdd=float(sums[i, 0]),
            cdd=float(sums[i, 1]),
            production=None if production is None else float(production[i]),
            kwh=float(kwh[i]),
            std_error_kwh=math.sqrt(float(variance[i])),
        )
        for i, (begin, end) in enumerate(bounds)
    )
    return Forecast(rows, float(total_kwh[0]), math.sqrt(float(total_variance[0])), normal.source)


@dataclass(frozen=True)
class SavingsForecastMonth:
    """Expected consumption and savings of one month (kWh)."""

    start: object
    end: object
    baseline_kwh: float
    expected_kwh: float
    savings_kwh: float


@dataclass(frozen=True)
class SavingsForecast:
    """Expected savings per month and in total; ``basis`` is how they were obtained."""

    months: tuple[SavingsForecastMonth, ...]
    baseline_kwh: float
    expected_kwh: float
    savings_kwh: float
    basis: str  # "reporting_model" or "savings_fraction"


def forecast_savings(
    baseline_model: BaselineModel,
    start,
    *,
    reporting_model: BaselineModel | None = None,
    savings_fraction: float | None = None,
    temperature_history: DailyTemperature | None = None,
    normal_temperatures=None,
    production_by_month=None,
    months: int = 12,
) -> SavingsForecast:
    """Expected savings of ``months`` months from ``start`` (module docstring)."""
    if (reporting_model is None) == (savings_fraction is None):
        raise MVError("forecast_basis")
    common = {
        "temperature_history": temperature_history,
        "normal_temperatures": normal_temperatures,
        "months": months,
    }
    baseline = forecast_consumption(
        baseline_model, start, production_by_month=production_by_month, **common
    )
    base_kwh = np.array([m.kwh for m in baseline.months])
    if reporting_model is not None:
        reporting = forecast_consumption(
            reporting_model,
            start,
            production_by_month=production_by_month if reporting_model.uses_production else None,
            **common,
        )
        expected = np.array([m.kwh for m in reporting.months])
        basis = "reporting_model"
    else:
        fraction = float(savings_fraction)
        if not 0.0 <= fraction <= 1.0:
            raise MVError("invalid_option", name="savings_fraction", value=savings_fraction)
        expected = base_kwh * (1.0 - fraction)
        basis = "savings_fraction"
    rows = tuple(
        SavingsForecastMonth(
            m.start, m.end, float(base_kwh[i]), float(expected[i]), float(base_kwh[i] - expected[i])
        )
        for i, m in enumerate(baseline.months)
    )
    return SavingsForecast(
        rows,
        float(base_kwh.sum()),
        float(expected.sum()),
        float((base_kwh - expected).sum()),
        basis,
    )
