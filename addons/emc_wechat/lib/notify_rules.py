"""Rules of the notification gateways, without the ORM: SMS segments, quiet hours, quota.

SMS segments (the unit Alibaba Cloud bills, and the unit of the quota):
the text counted is the whole message as the phone receives it, the sign
in brackets included (``【巴中供电】您的工单…``). Every character counts one,
Chinese or Latin, punctuation and spaces included. A text of at most 70
characters is one segment; a longer text is sent as a concatenated message
whose segments carry 67 characters each (3 go to the concatenation header):
``segments = 1 if n <= 70 else ceil(n / 67)``. An empty text is no message.

Quiet hours: a window ``start``–``end`` (``"22:00"``–``"08:00"``) in a time
zone, which may run over midnight. A non-urgent message whose sending time
falls inside the window is delayed to the window's end; outside it (or with
``start == end``: no quiet hours) it leaves at once.

Quota: ``quota`` segments are included per package year; thresholds are
percentages of the quota. Overage is the part of the usage beyond the quota,
each extra segment billed at the overage price.

WeChat subscribe-message values: WeChat rejects (errcode 47003) a value
longer than its key type allows (``thing`` 20 characters, ``name`` 10,
``phrase`` 5, ``character_string`` 32, ``phone_number`` 17, ``car_number``
8, ``letter`` 32, ``symbol`` 5): values are cut to fit, with an ellipsis
where a cut word would mislead (``thing``, ``name``).
"""

import math
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

SINGLE_SEGMENT = 70
MULTI_SEGMENT = 67

WECHAT_LIMITS = {
    "thing": 20,
    "name": 10,
    "phrase": 5,
    "character_string": 32,
    "phone_number": 17,
    "car_number": 8,
    "letter": 32,
    "symbol": 5,
}
_ELLIPSIS_TYPES = ("thing", "name")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def sms_segments(text):
    """Number of billed segments of ``text`` (see the module docstring)."""
    n = len(text or "")
    if not n:
        return 0
    return 1 if n <= SINGLE_SEGMENT else math.ceil(n / MULTI_SEGMENT)


def parse_hhmm(value):
    """``"22:00"`` → ``time(22, 0)``; ValueError on anything else."""
    match = _HHMM.match((value or "").strip())
    if not match:
        raise ValueError(f"not a time of day HH:MM: {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


def quiet_hours_end(now_utc, start, end, tz_name):
    """The UTC end of the quiet hours ``now_utc`` falls in, or None when it is outside.

    ``now_utc`` is a naive UTC datetime (as Odoo stores them); ``start`` and
    ``end`` are ``HH:MM`` strings in the time zone ``tz_name``. The result is
    a naive UTC datetime.
    """
    start_t, end_t = parse_hhmm(start), parse_hhmm(end)
    if start_t == end_t:
        return None
    zone = ZoneInfo(tz_name)
    local = now_utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start_t < end_t:
        inside = start_t <= clock < end_t
        end_day = local.date()
    else:  # over midnight: 22:00-08:00
        inside = clock >= start_t or clock < end_t
        end_day = local.date() + timedelta(days=1) if clock >= start_t else local.date()
    if not inside:
        return None
    end_local = datetime.combine(end_day, end_t, tzinfo=zone)
    return end_local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def crossed_thresholds(used_before, used_after, quota, thresholds=(80, 100)):
    """Thresholds (percent of ``quota``) reached by going from ``used_before`` to ``used_after``."""
    if quota <= 0:
        return []
    return [t for t in thresholds if used_before * 100 < t * quota <= used_after * 100]


def highest_threshold(used, quota, thresholds=(80, 100)):
    """The highest threshold (percent) ``used`` has reached, or 0."""
    if quota <= 0:
        return 0
    return max((t for t in thresholds if used * 100 >= t * quota), default=0)


def overage(used, quota):
    """Segments beyond the included ``quota``."""
    return max(0, used - max(0, quota))


def wechat_value(key, value):
    """``value`` as text that fits the subscribe-message key ``key`` (``thing1``, ``time2``…)."""
    text = "" if value is None or value is False else str(value)
    kind = re.sub(r"\d+$", "", key)
    limit = WECHAT_LIMITS.get(kind)
    if limit is None or len(text) <= limit:
        return text
    if kind in _ELLIPSIS_TYPES:
        return text[: limit - 1] + "…"
    return text[:limit]


def render_placeholders(text, values):
    """Alibaba-style template text: ``${name}`` replaced by ``values[name]`` (missing: empty)."""
    return re.sub(r"\$\{(\w+)\}", lambda m: str(values.get(m.group(1), "")), text or "")
