"""addons/emc_metering/mv/ loaded by path (see _load.py), for the M&V unit tests.

The reference datasets of
``tests/unit/data`` are read here too, and the design matrices that the
tests rebuild independently of the package for statsmodels.
"""

from pathlib import Path

import numpy as np
from _load import load

DATA = Path(__file__).resolve().parent / "data"
mv = load("emc_metering", "mv")


def read_csv(name):
    """A dataset of tests/unit/data as a numpy structured array (see scripts/gen_mv_test_data.py)."""
    return np.genfromtxt(DATA / name, delimiter=",", names=True, dtype=None, encoding="utf-8")


def daily_dataset():
    """The two-year daily dataset: (records, DailyTemperature)."""
    rows = read_csv("mv_daily.csv")
    return rows, mv.DailyTemperature.from_days(rows["date"], rows["temperature_c"])


def monthly_dataset():
    """The 24 monthly billing periods (records)."""
    return read_csv("mv_monthly.csv")


def hdd(temps, base):
    """Heating degree days, written out again so the tests do not trust the package's."""
    return np.maximum(base - temps, 0.0)


def cdd(temps, base):
    """Cooling degree days (see :func:`hdd`)."""
    return np.maximum(temps - base, 0.0)


def design(model, temps, production=None):
    """Design matrix of ``model``'s terms for daily rows (independent of the package)."""
    columns = []
    for name in model.terms:
        if name == "intercept":
            columns.append(np.ones(temps.size))
        elif name == "production":
            columns.append(production)
        elif name == "hdd":
            columns.append(hdd(temps, model.heating_balance_point))
        else:
            columns.append(cdd(temps, model.cooling_balance_point))
    return np.column_stack(columns)


def billing_design(model, starts, ends, temperature):
    """Average degree days per day of each period, by looping over its days."""
    rows = []
    for start, end in zip(starts, ends, strict=True):
        days = np.arange(np.datetime64(start), np.datetime64(end))
        temps = temperature.on(days)
        rows.append(design(model, temps).mean(axis=0))
    return np.array(rows)
