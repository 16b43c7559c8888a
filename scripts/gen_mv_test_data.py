#!/usr/bin/env python3
"""Generate the M&V reference datasets of tests/unit/data/ (run once; the output is committed).

    .venv/bin/python scripts/gen_mv_test_data.py

Seed 20240517 (numpy PCG64 ``default_rng``), draws in the order below, so the
files are reproducible. Days run from 2023-01-01 to 2024-12-31 (731 days,
2024 is a leap year); ``k`` is the day number from 0, ``HDD(b) = max(b - T,
0)`` and ``CDD(b) = max(T - b, 0)`` in °C·day.

mv_daily.csv, one row a day:

* ``temperature_c``: ``T_k = 17.0 - 10.5 · cos(2π (k - 15) / 365.25) + a_k``
  with ``a_k = 0.7 · a_(k-1) + N(0, 2.2²)``, ``a_(-1) = 0`` (seasons with
  weather spells, a climate like Bazhong's), rounded to 0.1 °C;
* ``usage_kwh``: ``1200 + 40 · HDD(14.3) + 60 · CDD(22.6) + N(0, 60²)``,
  rounded to 0.1 kWh (the rounded temperature is used);
* ``production``: ``500 + N(0, 100²)`` units a day, rounded to 0.1;
* ``usage_production_kwh``: ``700 + 1.0 · production + 40 · HDD(14.3) + 60 ·
  CDD(22.6) + N(0, 60²)``, rounded to 0.1 kWh.

mv_monthly.csv, one row per calendar month (24 billing periods, end
excluded), from the daily temperatures above:

* ``usage_kwh``: ``Σ_days (900 + 55 · HDD(15.2) + 70 · CDD(21.8)) + N(0,
  60² · d)`` with ``d`` the days of the month (daily noise summed, so its
  variance grows with the period's length, as weighted least squares
  assumes), rounded to 0.1 kWh.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

SEED = 20240517
OUT = Path(__file__).resolve().parents[1] / "tests" / "unit" / "data"


def main() -> None:
    rng = np.random.default_rng(SEED)
    days = np.arange(np.datetime64("2023-01-01"), np.datetime64("2025-01-01"))
    k = np.arange(days.size)
    spell = np.zeros(days.size)
    shocks = rng.normal(0.0, 2.2, days.size)
    previous = 0.0
    for i in range(days.size):
        previous = 0.7 * previous + shocks[i]
        spell[i] = previous
    temperature = np.round(17.0 - 10.5 * np.cos(2 * np.pi * (k - 15) / 365.25) + spell, 1)
    hdd, cdd = np.maximum(14.3 - temperature, 0), np.maximum(temperature - 22.6, 0)
    usage = np.round(1200 + 40 * hdd + 60 * cdd + rng.normal(0, 60, days.size), 1)
    production = np.round(500 + rng.normal(0, 100, days.size), 1)
    usage_production = np.round(
        700 + 1.0 * production + 40 * hdd + 60 * cdd + rng.normal(0, 60, days.size), 1
    )
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "mv_daily.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["date", "temperature_c", "usage_kwh", "production", "usage_production_kwh"]
        )
        for row in zip(days, temperature, usage, production, usage_production, strict=True):
            writer.writerow(
                [str(row[0]), f"{row[1]:.1f}", f"{row[2]:.1f}", f"{row[3]:.1f}", f"{row[4]:.1f}"]
            )

    months = np.arange(np.datetime64("2023-01"), np.datetime64("2025-01"))
    daily_true = (
        900 + 55 * np.maximum(15.2 - temperature, 0) + 70 * np.maximum(temperature - 21.8, 0)
    )
    with (OUT / "mv_monthly.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["start", "end", "usage_kwh"])
        for month in months:
            start, end = month.astype("datetime64[D]"), (month + 1).astype("datetime64[D]")
            inside = (days >= start) & (days < end)
            n_days = int(inside.sum())
            value = daily_true[inside].sum() + rng.normal(0, 60 * np.sqrt(n_days))
            writer.writerow([str(start), str(end), f"{value:.1f}"])


if __name__ == "__main__":
    main()
