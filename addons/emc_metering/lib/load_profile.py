"""Synthetic meter data for demonstrations and benchmarks: temperatures and load profiles.

Pure Python with numpy, deterministic for a given seed (``numpy.random.
default_rng``): the same arguments give the same numbers on every machine,
so demo databases and benchmark runs are comparable.

* :func:`daily_temperatures`: daily mean outdoor temperature in °C of a
  Bazhong-like climate (annual mean 16.5 °C, ±10.5 °C seasonal swing peaking
  in late July, day-to-day noise σ 2.5 °C with lag-1 persistence 0.6).
* :func:`interval_consumption`: energy per interval (kWh) of a site over
  whole local days, the product of

  - a base level: ``annual_kwh`` spread evenly over the year,
  - a daily shape by hour of the local day (:data:`SHAPES`, normalised to a
    mean of 1), interpolated between hours, and a weekend factor,
  - a weather term, ``1 + heating · HDD(14 °C) + cooling · CDD(22 °C)``
    relative to its mean, from the day's temperature,
  - multiplicative noise ``1 + ε``, ``ε ~ N(0, noise)`` clipped at ±3σ,
  - optionally a step ``1 - saving`` from a given day on (a retrofit).

  Values are never negative.
* :func:`cumulative_register`: the readings of a cumulative register (kWh)
  at the end of each interval, starting from ``start_value``, rounded to the
  register's resolution (0.01 kWh).

Times are local; the caller converts to UTC (China has no daylight saving
time, so a fixed offset is exact there).
"""

from __future__ import annotations

import numpy as np

# Relative load by local hour (0-23) for each kind of site.
SHAPES = {
    "industry": [0.85] * 6 + [0.95, 1.05] + [1.1] * 10 + [1.05, 1.0, 0.95, 0.9, 0.9, 0.85],
    "office": [0.35] * 6
    + [0.5, 0.9, 1.5, 1.7, 1.75, 1.7, 1.45, 1.6, 1.7, 1.65, 1.5, 1.2]
    + [0.8, 0.6, 0.5, 0.45, 0.4, 0.35],
    "hospital": [0.7] * 6
    + [0.85, 1.1, 1.3, 1.35, 1.35, 1.3, 1.2, 1.3, 1.3, 1.25, 1.15, 1.05]
    + [1.0, 0.95, 0.9, 0.85, 0.8, 0.75],
    "school": [0.25] * 6
    + [0.4, 1.2, 1.8, 1.9, 1.9, 1.6, 1.2, 1.7, 1.8, 1.7, 1.3, 0.9]
    + [0.9, 0.8, 0.5, 0.35, 0.3, 0.25],
    "retail": [0.3] * 7
    + [0.4, 0.8, 1.4, 1.6, 1.6, 1.6, 1.6, 1.6, 1.6, 1.6, 1.6]
    + [1.7, 1.7, 1.6, 1.0, 0.5, 0.35],
    "hotel": [0.7] * 6
    + [0.9, 1.2, 1.1, 0.95, 0.9, 0.95, 1.0, 0.95, 0.95, 1.0, 1.1, 1.3]
    + [1.4, 1.4, 1.3, 1.15, 0.95, 0.8],
}
WEEKEND = {
    "industry": 0.9,
    "office": 0.45,
    "hospital": 0.9,
    "school": 0.3,
    "retail": 1.15,
    "hotel": 1.1,
}
HEATING_BALANCE = 14.0
COOLING_BALANCE = 22.0


def daily_temperatures(first_day, days, seed=57313):
    """``days`` daily mean temperatures (°C, 2 decimals) from ``first_day`` (a date)."""
    rng = np.random.default_rng(seed)
    ordinal = np.arange(days) + first_day.timetuple().tm_yday
    seasonal = 16.5 + 10.5 * np.sin(2 * np.pi * (ordinal - 105) / 365.25)
    shocks = rng.normal(0.0, 2.5, days)
    noise = np.empty(days)
    previous = 0.0
    for i, shock in enumerate(shocks):
        previous = 0.6 * previous + 0.8 * shock
        noise[i] = previous
    return np.round(seasonal + noise, 2)


def _shape(kind, intervals_per_day):
    hourly = np.asarray(SHAPES[kind], dtype=float)
    hourly = hourly / hourly.mean()
    # Each interval takes the hour curve at its middle, interpolated (circular).
    middle = (np.arange(intervals_per_day) + 0.5) * 24.0 / intervals_per_day - 0.5
    return np.interp(middle, np.arange(25), np.append(hourly, hourly[0]))


def interval_consumption(
    first_day,
    temperatures,
    annual_kwh,
    kind="office",
    interval_minutes=15,
    heating=0.02,
    cooling=0.04,
    noise=0.08,
    saving=0.0,
    saving_from=None,
    seed=1,
):
    """kWh of each interval of the days of ``temperatures`` (one per day), from ``first_day``.

    Returns an array of ``len(temperatures) × 1440 / interval_minutes``
    values (see the module docstring for the model).
    """
    if kind not in SHAPES:
        raise ValueError(f"unknown load kind {kind!r}")
    if 1440 % interval_minutes:
        raise ValueError("the interval must divide a day")
    temperatures = np.asarray(temperatures, dtype=float)
    days = len(temperatures)
    per_day = 1440 // interval_minutes
    rng = np.random.default_rng(seed)
    weekday = (np.arange(days) + first_day.weekday()) % 7
    day_factor = np.where(weekday >= 5, WEEKEND[kind], 1.0)
    weather = 1.0 + heating * np.maximum(HEATING_BALANCE - temperatures, 0.0)
    weather += cooling * np.maximum(temperatures - COOLING_BALANCE, 0.0)
    day_factor = day_factor * weather
    day_factor = day_factor / day_factor.mean()
    if saving and saving_from is not None:
        offset = (saving_from - first_day).days
        day_factor[max(offset, 0) :] *= 1.0 - saving
    base = annual_kwh / (365.0 * per_day)
    shape = _shape(kind, per_day)
    epsilon = np.clip(rng.normal(0.0, noise, days * per_day), -3 * noise, 3 * noise)
    energy = base * np.repeat(day_factor, per_day) * np.tile(shape, days) * (1.0 + epsilon)
    return np.maximum(energy, 0.0)


def cumulative_register(energy, start_value=0.0, resolution=0.01):
    """Register readings at the end of each interval, rounded to ``resolution``."""
    values = start_value + np.cumsum(energy)
    return np.round(values / resolution) * resolution
