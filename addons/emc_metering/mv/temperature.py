"""Daily mean outdoor temperatures (°C), from daily or hourly observations.

:class:`DailyTemperature` is a dense series: ``values[i]`` is the mean outdoor
dry-bulb temperature in °C of the local calendar day ``start + i``, NaN when
the day is missing. Lookups outside the series give NaN, so a missing day and
a day before the first observation are handled alike: the day has no
temperature, and the M&V functions count it as such (never as 0 °C).

From hourly data (:meth:`DailyTemperature.from_hourly`), following CalTRACK
2.0 §2.2.4.1 and §2.2.2.3:

1. Timestamps are naive local time of the site (convert UTC first: days
   change at local midnight). Each reading goes to the hour it falls in
   (floor); several readings in an hour are averaged, NaN readings ignored.
2. Gaps of at most ``max_gap_hours`` (default 6) consecutive missing hours
   between two present hours are filled by linear interpolation; longer gaps
   and gaps at either end stay missing.
3. A day's mean is the mean of its present hourly values if at least
   ``min_hours`` (default 12, i.e. no more than 50 % missing) of its 24 hours
   are present after step 2; otherwise the day is missing.

Input errors (lengths that differ, an infinite value, a date given twice)
raise :class:`~.reasons.MVError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._series import DAY, iso, to_days, to_values
from .reasons import MVError

__all__ = ["DailyTemperature"]


@dataclass(frozen=True, eq=False)
class DailyTemperature:
    """Daily mean temperatures from ``start`` (a ``datetime64[D]``), NaN when missing."""

    start: np.datetime64
    values: np.ndarray

    @classmethod
    def from_days(cls, dates, temperatures) -> DailyTemperature:
        """Build from daily means; dates absent from ``dates`` are missing days."""
        days = to_days(dates, "temperature dates")
        temps = to_values(temperatures, "temperatures", expected=days.size)
        if days.size == 0:
            raise MVError("empty_series", name="temperatures")
        order = np.argsort(days, kind="stable")
        days, temps = days[order], temps[order]
        repeated = np.flatnonzero(days[1:] == days[:-1])
        if repeated.size:
            raise MVError("duplicate_date", date=iso(days[repeated[0]]), name="temperatures")
        start = days[0]
        dense = np.full(int((days[-1] - start) / DAY) + 1, np.nan)
        dense[((days - start) / DAY).astype(np.int64)] = temps
        return cls(start, dense)

    @classmethod
    def from_hourly(
        cls, timestamps, temperatures, *, max_gap_hours: int = 6, min_hours: int = 12
    ) -> DailyTemperature:
        """Build daily means from (sub-)hourly readings (see the module docstring)."""
        if not 0 <= int(max_gap_hours):
            raise MVError("invalid_option", name="max_gap_hours", value=max_gap_hours)
        if not 1 <= int(min_hours) <= 24:
            raise MVError("invalid_option", name="min_hours", value=min_hours)
        if not isinstance(timestamps, np.ndarray):
            timestamps = list(timestamps)
        stamps = np.asarray(timestamps, dtype="datetime64[m]").reshape(-1)
        if stamps.size == 0:
            raise MVError("empty_series", name="hourly temperatures")
        if np.isnat(stamps).any():
            raise MVError(
                "non_finite_value",
                name="hourly timestamps",
                position=int(np.flatnonzero(np.isnat(stamps))[0]) + 1,
            )
        temps = to_values(temperatures, "hourly temperatures", expected=stamps.size)
        present = ~np.isnan(temps)
        hours = stamps.astype("datetime64[h]")
        first_day = hours.min().astype("datetime64[D]")
        last_day = hours.max().astype("datetime64[D]")
        n_days = int((last_day - first_day) / DAY) + 1
        n_hours = n_days * 24
        slot = ((hours - first_day.astype("datetime64[h]")) / np.timedelta64(1, "h")).astype(
            np.int64
        )
        sums = np.bincount(slot[present], weights=temps[present], minlength=n_hours)
        counts = np.bincount(slot[present], minlength=n_hours)
        hourly = np.full(n_hours, np.nan)
        hourly[counts > 0] = sums[counts > 0] / counts[counts > 0]
        hourly = _interpolate_short_gaps(hourly, int(max_gap_hours))
        by_day = hourly.reshape(n_days, 24)
        valid = (~np.isnan(by_day)).sum(axis=1)
        with np.errstate(invalid="ignore"):
            means = np.nansum(by_day, axis=1) / valid
        means[valid < int(min_hours)] = np.nan
        return cls(first_day, means)

    @property
    def end(self) -> np.datetime64:
        """The day after the last day of the series."""
        return self.start + self.values.size * DAY

    def on(self, days: np.ndarray) -> np.ndarray:
        """Temperatures of the given ``datetime64[D]`` days, NaN where unknown."""
        offset = ((np.asarray(days, dtype="datetime64[D]") - self.start) / DAY).astype(np.int64)
        inside = (offset >= 0) & (offset < self.values.size)
        result = np.full(offset.shape, np.nan)
        result[inside] = self.values[offset[inside]]
        return result

    def window(self, start: np.datetime64, end: np.datetime64) -> np.ndarray:
        """Temperatures of the days ``start`` (included) to ``end`` (excluded)."""
        n = int((end - start) / DAY)
        return self.on(start + np.arange(n) * DAY)


def _interpolate_short_gaps(series: np.ndarray, max_gap: int) -> np.ndarray:
    """Fill runs of at most ``max_gap`` NaN between two present values, linearly."""
    present = ~np.isnan(series)
    if max_gap <= 0 or present.sum() < 2:
        return series
    index = np.arange(series.size)
    known = index[present]
    filled = np.interp(index, known, series[present])
    previous = np.maximum.accumulate(np.where(present, index, -1))
    following = np.minimum.accumulate(np.where(present, index, series.size)[::-1])[::-1]
    gap = following - previous - 1
    fill = ~present & (previous >= 0) & (following < series.size) & (gap <= max_gap)
    result = series.copy()
    result[fill] = filled[fill]
    return result
