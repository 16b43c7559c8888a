"""Metered consumption by period: daily rollups or billing (meter-reading) periods.

:class:`UsageData` holds one row per period, sorted by start:

* ``starts[i]`` (included) and ``ends[i]`` (excluded) are ``datetime64[D]``
  local days; a daily row has ``ends = starts + 1``. A billing period read on
  5 January and again on 5 February is ``starts = 01-05, ends = 02-05``.
* ``usage[i]``: energy consumed in the period, kWh (NaN when missing).
* ``production[i]`` (optional): the production variable of the period (tonnes,
  units, occupied rooms...), a total over the period like the usage. The
  regression uses it per day, like the usage.

Invariants checked at construction (else :class:`~.reasons.MVError`): equal
lengths, at least one row, every period ends after it starts, no date twice
(daily) and no two periods overlapping (billing). Gaps between periods are
allowed: they are missing days.

Zero and negative readings are kept as given; what they mean (CalTRACK 2.0
§2.2.1.4 treats zero electricity readings as missing; negative readings are
flagged for review) is decided where the data are used, see
:mod:`.sufficiency`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._series import DAY, iso, to_days, to_values
from .reasons import MVError

__all__ = ["BILLING", "DAILY", "UsageData"]

DAILY = "daily"
BILLING = "billing"


@dataclass(frozen=True, eq=False)
class UsageData:
    """Usage per period (see the module docstring). Build with :meth:`daily` or :meth:`billing`."""

    granularity: str
    starts: np.ndarray
    ends: np.ndarray
    usage: np.ndarray
    production: np.ndarray | None = None

    @classmethod
    def daily(cls, dates, usage, production=None) -> UsageData:
        """One row per local day: ``usage[i]`` kWh consumed on ``dates[i]``."""
        days = to_days(dates, "usage dates")
        return cls._build(DAILY, days, days + DAY, usage, production)

    @classmethod
    def billing(cls, starts, ends, usage, production=None) -> UsageData:
        """One row per billing period ``[starts[i], ends[i])``."""
        first = to_days(starts, "period starts")
        last = to_days(ends, "period ends")
        if last.size != first.size:
            raise MVError("length_mismatch", name="period ends", expected=first.size, got=last.size)
        return cls._build(BILLING, first, last, usage, production)

    @classmethod
    def _build(cls, granularity, starts, ends, usage, production) -> UsageData:
        if starts.size == 0:
            raise MVError("empty_series", name="usage")
        values = to_values(usage, "usage", expected=starts.size)
        prod = None if production is None else to_values(production, "production", starts.size)
        empty = np.flatnonzero(ends <= starts)
        if empty.size:
            i = empty[0]
            raise MVError("empty_period", start=iso(starts[i]), end=iso(ends[i]))
        order = np.argsort(starts, kind="stable")
        starts, ends, values = starts[order], ends[order], values[order]
        prod = None if prod is None else prod[order]
        if granularity == DAILY:
            repeated = np.flatnonzero(starts[1:] == starts[:-1])
            if repeated.size:
                raise MVError("duplicate_date", date=iso(starts[repeated[0]]), name="usage")
        overlap = np.flatnonzero(starts[1:] < ends[:-1])
        if overlap.size:
            i = overlap[0]
            raise MVError(
                "periods_overlap",
                start=iso(starts[i]),
                end=iso(ends[i]),
                next_start=iso(starts[i + 1]),
            )
        return cls(granularity, starts, ends, values, prod)

    @property
    def days(self) -> np.ndarray:
        """Length of each period in days (int64)."""
        return ((self.ends - self.starts) / DAY).astype(np.int64)

    @property
    def span_start(self) -> np.datetime64:
        """First day covered."""
        return self.starts[0]

    @property
    def span_end(self) -> np.datetime64:
        """The day after the last day covered."""
        return self.ends.max()

    def __len__(self) -> int:
        return int(self.starts.size)
