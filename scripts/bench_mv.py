#!/usr/bin/env python3
"""Time the M&V package (addons/emc_metering/mv) on two years of daily data.

    .venv/bin/python scripts/bench_mv.py [--repeat N]

Reads the reference datasets of tests/unit/data (scripts/gen_mv_test_data.py)
and prints, for each operation, the best and the median wall time of
``--repeat`` runs (default 20) after one warm-up run. It asserts nothing: the
target (a baseline fit with the full balance-point search on two years of
daily data within 1 s) is for the reader to compare. The package is loaded
by file path, so neither Odoo nor a database is needed.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "addons" / "emc_metering" / "mv"
DATA = ROOT / "tests" / "unit" / "data"


def load_package():
    spec = importlib.util.spec_from_file_location(
        "emc_metering_mv_bench", PACKAGE / "__init__.py", submodule_search_locations=[str(PACKAGE)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def read(name):
    return np.genfromtxt(DATA / name, delimiter=",", names=True, dtype=None, encoding="utf-8")


def timed(label, repeat, call):
    call()  # warm-up: first-call costs (imports, allocations) are not what is measured
    times = []
    for _run in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    print(
        f"{label:<58} best {min(times) * 1000:8.2f} ms   median {statistics.median(times) * 1000:8.2f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    repeat = parser.parse_args().repeat
    mv = load_package()
    daily, monthly = read("mv_daily.csv"), read("mv_monthly.csv")
    temperature = mv.DailyTemperature.from_days(daily["date"], daily["temperature_c"])
    usage = mv.UsageData.daily(daily["date"], daily["usage_kwh"])
    with_production = mv.UsageData.daily(
        daily["date"], daily["usage_production_kwh"], daily["production"]
    )
    bills = mv.UsageData.billing(monthly["start"], monthly["end"], monthly["usage_kwh"])
    fine_grid = tuple(float(b) for b in np.arange(-1.0, 32.01, 0.5))
    fine = mv.BaselineOptions(heating_balance_points=fine_grid, cooling_balance_points=fine_grid)

    result = mv.fit_baseline(usage, temperature)
    model = result.model
    counts = {c.model_type: c.evaluated for c in result.candidates}
    threads = {
        name: os.environ.get(name, "unset") for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")
    }
    print(f"numpy {np.__version__}, BLAS threads {threads}, {os.cpu_count()} CPUs")
    print(f"daily data: {len(usage)} days, {temperature.values.size} temperature days")
    print(
        f"default grid: {len(mv.DEFAULT_BALANCE_POINTS)} balance points, candidates fitted {counts}"
    )
    print(
        f"selected: {model.model_type} b_H={model.heating_balance_point} b_C={model.cooling_balance_point} "
        f"adj R²={model.adj_r_squared:.4f} CV(RMSE)={model.cv_rmse:.2f} %"
    )
    print()
    timed(
        "fit_baseline, daily, 1 °C grid (-1..32 °C)",
        repeat,
        lambda: mv.fit_baseline(usage, temperature),
    )
    timed(
        "fit_baseline, daily, 0.5 °C grid",
        repeat,
        lambda: mv.fit_baseline(usage, temperature, fine),
    )
    timed(
        "fit_baseline, daily with production, 1 °C grid",
        repeat,
        lambda: mv.fit_baseline(with_production, temperature),
    )
    timed(
        "fit_baseline, 24 monthly bills, 1 °C grid",
        repeat,
        lambda: mv.fit_baseline(bills, temperature),
    )

    hours = np.arange(np.datetime64("2023-01-01T00"), np.datetime64("2025-01-01T00"))
    hourly = np.repeat(daily["temperature_c"].astype(float), 24) + 3 * np.sin(
        2 * np.pi * np.arange(hours.size) / 24
    )
    timed(
        "DailyTemperature.from_hourly, 2 years of hours",
        repeat,
        lambda: mv.DailyTemperature.from_hourly(hours, hourly),
    )
    timed(
        "compute_savings, 731 days -> 24 months",
        repeat,
        lambda: mv.compute_savings(model, usage, temperature),
    )
    timed(
        "forecast_consumption, 12 months from the history",
        repeat,
        lambda: mv.forecast_consumption(model, "2025-01-01", temperature_history=temperature),
    )
    timed(
        "monitor, 731 days, 95 % prediction interval",
        repeat,
        lambda: mv.monitor(model, usage, temperature),
    )


if __name__ == "__main__":
    main()
