"""Polling slots, retry pauses and the fair share of gateways (pure Python).

Slots
-----
A meter polled every ``interval`` minutes is read once per *slot*: the
slots of an interval are the half-open spans ``[k * period, (k + 1) *
period)`` of Unix time, ``period = interval * seconds_per_minute`` (60 in
production; tests shrink the minute). A reading taken at any time inside a
slot is stored with the slot's start as its timestamp. Two reads of the same
slot -- a retry, a poller restarting, a second poller taking a gateway over
-- therefore give the same (channel, timestamp) key, and the readings store
keeps the first (``INSERT ... ON CONFLICT DO NOTHING``): a reading is never
stored twice, and the poller may always read a slot again when unsure
whether its reading was written.

Retries
-------
:func:`retry_pauses` gives the pauses between the attempts of one poll:
``first, 2 * first, 4 * first ...``, cut so that the attempts stay inside
the slot (a poll that spills into the next slot would be stamped with the
wrong slot).

Fair share
----------
:func:`fair_share` is the number of gateways one of ``pollers`` live pollers
should hold: ``ceil(gateways / pollers)``. A poller holding more releases
the extra ones, a poller holding fewer claims free or expired ones, so that
two pollers started together end up splitting the gateways.
"""

from __future__ import annotations

import datetime as _dt
import math

__all__ = ["fair_share", "retry_pauses", "slot_index", "slot_start", "slot_ts"]


def _period(interval: int, seconds_per_minute: float) -> float:
    if interval <= 0 or seconds_per_minute <= 0:
        raise ValueError(
            f"Interval ({interval}) and seconds per minute ({seconds_per_minute}) must be positive."
        )
    return interval * seconds_per_minute


def slot_index(now: float, interval: int, seconds_per_minute: float = 60.0) -> int:
    """Index of the slot of Unix time ``now`` for a polling ``interval`` in minutes."""
    return math.floor(now / _period(interval, seconds_per_minute))


def slot_start(index: int, interval: int, seconds_per_minute: float = 60.0) -> float:
    """Unix time at which slot ``index`` starts."""
    return index * _period(interval, seconds_per_minute)


def slot_ts(index: int, interval: int, seconds_per_minute: float = 60.0) -> _dt.datetime:
    """Timestamp (aware, UTC) stored for the readings of slot ``index``."""
    return _dt.datetime.fromtimestamp(
        slot_start(index, interval, seconds_per_minute), tz=_dt.timezone.utc
    )


def retry_pauses(retries: int, first: float, budget: float) -> list[float]:
    """Pauses before each of up to ``retries`` further attempts, doubling from ``first``.

    ``budget`` is the time left for the pauses (the rest of the slot, minus
    the expected length of the attempts); pauses that would exceed it are
    dropped, so fewer retries are made late in a slot.
    """
    pauses: list[float] = []
    spent = 0.0
    for attempt in range(max(0, retries)):
        pause = max(0.0, first) * 2**attempt
        if spent + pause > budget:
            break
        pauses.append(pause)
        spent += pause
    return pauses


def fair_share(gateways: int, pollers: int) -> int:
    """Gateways one of ``pollers`` live pollers should hold (all of them when alone)."""
    if gateways <= 0:
        return 0
    return math.ceil(gateways / max(1, pollers))
