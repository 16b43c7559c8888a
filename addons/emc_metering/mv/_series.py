"""Conversions shared by the input containers: dates to numpy days, values to floats.

Dates are ``numpy.datetime64[D]`` everywhere inside the package. Accepted on
input: ``datetime.date``, ``datetime.datetime`` (its date part; naive local
time, since days change at local midnight), ``numpy.datetime64`` and ISO
``YYYY-MM-DD`` strings. Values are float64 with NaN for missing; ``None`` is
missing, an infinity or a non-number is an input error.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np

from .reasons import MVError

DAY = np.timedelta64(1, "D")


def to_days(values, name: str) -> np.ndarray:
    """Dates as a ``datetime64[D]`` array; MVError on an unreadable or missing date."""
    if isinstance(values, np.ndarray) and np.issubdtype(values.dtype, np.datetime64):
        days = values.astype("datetime64[D]")
    else:
        items = list(values)
        converted = []
        for index, item in enumerate(items):
            if isinstance(item, _dt.datetime):
                item = item.date()
            try:
                converted.append(np.datetime64(item, "D"))
            except (TypeError, ValueError):
                raise MVError("non_finite_value", name=name, position=index + 1) from None
        days = np.array(converted, dtype="datetime64[D]")
    if days.ndim != 1:
        days = days.reshape(-1)
    bad = np.isnat(days)
    if bad.any():
        raise MVError("non_finite_value", name=name, position=int(np.flatnonzero(bad)[0]) + 1)
    return days


def to_day(value, name: str) -> np.datetime64:
    """One date as ``datetime64[D]``."""
    return to_days([value], name)[0]


def to_values(values, name: str, expected: int | None = None) -> np.ndarray:
    """Floats with NaN for ``None``/NaN; MVError on infinities, text or a wrong length."""
    if not isinstance(values, np.ndarray):
        values = list(values)
    try:
        array = np.asarray(values, dtype=float).reshape(-1)  # None becomes NaN
    except (TypeError, ValueError):
        for index, item in enumerate(values):
            try:
                float(np.nan if item is None else item)
            except (TypeError, ValueError):
                raise MVError("non_finite_value", name=name, position=index + 1) from None
        raise
    infinite = np.isinf(array)
    if infinite.any():
        raise MVError("non_finite_value", name=name, position=int(np.flatnonzero(infinite)[0]) + 1)
    if expected is not None and array.size != expected:
        raise MVError("length_mismatch", name=name, expected=expected, got=int(array.size))
    return array


def iso(day: np.datetime64) -> str:
    """ISO text of a day, for reason parameters."""
    return str(np.datetime64(day, "D"))


def to_date(day: np.datetime64) -> _dt.date:
    """A ``datetime.date`` for results handed to the caller."""
    return np.datetime64(day, "D").astype(object)
