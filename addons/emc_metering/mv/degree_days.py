"""Heating and cooling degree days (°C·day) from daily mean temperatures.

For a day with mean outdoor temperature ``T`` (°C) and a base (balance-point)
temperature ``b``:

* ``HDD(b) = max(b - T, 0)``
* ``CDD(b) = max(T - b, 0)``

A missing day (``T`` is NaN) has no degree days: NaN, never 0.

Per period (CalTRACK 2.0 §3.3.4-3.3.5), the regression uses the *average
degree days per day* over the days of the period that have a temperature:
``HDD_p(b) = sum(HDD_d(b)) / n_T`` with ``n_T`` the number of those days; the
caller decides whether ``n_T`` covers enough of the period (see
:mod:`.sufficiency`). With ``k`` bases the result is a ``(k, n_periods)``
matrix, computed with cumulative sums so that a whole balance-point grid over
years of data costs a few array operations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._series import DAY
from .temperature import DailyTemperature

__all__ = [
    "PeriodDegreeDays",
    "cooling_degree_days",
    "heating_degree_days",
    "period_degree_days",
]


def heating_degree_days(temperatures, base) -> np.ndarray:
    """``max(base - T, 0)``; a 1-D ``base`` gives one row per base. NaN stays NaN."""
    temps = np.asarray(temperatures, dtype=float)
    bases = np.asarray(base, dtype=float)
    if bases.ndim == 1:
        return np.maximum(bases[:, None] - temps[None, :], 0.0)
    return np.maximum(bases - temps, 0.0)


def cooling_degree_days(temperatures, base) -> np.ndarray:
    """``max(T - base, 0)``; a 1-D ``base`` gives one row per base. NaN stays NaN."""
    temps = np.asarray(temperatures, dtype=float)
    bases = np.asarray(base, dtype=float)
    if bases.ndim == 1:
        return np.maximum(temps[None, :] - bases[:, None], 0.0)
    return np.maximum(temps - bases, 0.0)


@dataclass(frozen=True, eq=False)
class PeriodDegreeDays:
    """Average degree days per day of each period, for each base.

    ``hdd[k, i]``/``cdd[k, i]``: mean over the days of period ``i`` that have a
    temperature, for the ``k``-th heating/cooling base (NaN if no day has one);
    ``temperature_days[i]``: how many days of period ``i`` have a temperature.
    """

    hdd: np.ndarray
    cdd: np.ndarray
    temperature_days: np.ndarray


def period_degree_days(
    temperature: DailyTemperature, starts, ends, heating_bases=(), cooling_bases=()
) -> PeriodDegreeDays:
    """Average HDD and CDD per day of each period ``[starts[i], ends[i])``."""
    starts = np.asarray(starts, dtype="datetime64[D]")
    ends = np.asarray(ends, dtype="datetime64[D]")
    origin = starts.min()
    temps = temperature.window(origin, ends.max())
    present = ~np.isnan(temps)
    first = ((starts - origin) / DAY).astype(np.int64)
    last = ((ends - origin) / DAY).astype(np.int64)
    count = np.concatenate(([0], np.cumsum(present)))
    temperature_days = count[last] - count[first]

    def means(daily: np.ndarray) -> np.ndarray:
        daily = np.where(present[None, :], daily, 0.0)
        running = np.concatenate((np.zeros((daily.shape[0], 1)), np.cumsum(daily, axis=1)), axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            result = (running[:, last] - running[:, first]) / temperature_days[None, :]
        result[:, temperature_days == 0] = np.nan
        return result

    hdd = means(heating_degree_days(temps, np.asarray(heating_bases, dtype=float).reshape(-1)))
    cdd = means(cooling_degree_days(temps, np.asarray(cooling_bases, dtype=float).reshape(-1)))
    return PeriodDegreeDays(hdd, cdd, temperature_days)
