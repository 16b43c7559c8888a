"""Fixed-window rate limiting: the arithmetic, without storage.

Model
    Time is cut into windows of ``period`` seconds starting at the Unix epoch.
    Each key (``token:<id>``, ``ip:<address>``, ``key:<id>``) has one counter
    per window; a request is allowed while the counter, after counting it, is
    at most ``limit``. The counters themselves live in PostgreSQL
    (``emc.wechat.rate.limit``) so that every worker and every node shares them.

Invariants
    ``window_start(t, p) <= t < window_start(t, p) + p``;
    ``retry_after`` is at least 1 second and at most ``period``.

A fixed window lets a client send up to ``2 * limit`` requests across the
boundary of two windows; that is the accepted price of one row per key and
window instead of a log of every request.
"""

import math


def window_start(now: float, period: int) -> int:
    """The epoch second at which the window holding ``now`` starts."""
    if period <= 0:
        raise ValueError("The period of a rate limit is a positive number of seconds.")
    return int(now // period) * period


def retry_after(now: float, period: int) -> int:
    """Whole seconds until the window holding ``now`` ends (at least 1)."""
    end = window_start(now, period) + period
    return max(1, math.ceil(end - now))


def allowed(count: int, limit: int) -> bool:
    """Whether the ``count``-th request of a window is within ``limit``."""
    return count <= limit
