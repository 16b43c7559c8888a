"""MQTT meter gateways: their JSON payload, a strict parser and a subscriber.

Payload
-------
A gateway publishes UTF-8 JSON objects (at most 1 MiB, 10 000 items)::

    {
      "v": 1,
      "gateway": "BZ-GW-0012",
      "ts": "2025-03-14T15:26:00+08:00",
      "readings": [
        {"meter": "M-0301", "channel": "energy_import_total",
         "ts": "2025-03-14T15:25:00+08:00", "value": 12345.67,
         "unit": "kWh", "quality": "ok"},
        {"meter": "000012345678", "channel": "voltage_a", "value": 231.4}
      ]
    }

Envelope keys: ``gateway`` (required: the gateway's code, 1-64 characters),
``readings`` (required: a list, possibly empty), ``ts`` (optional: the
default timestamp of items without one), ``v`` (optional: format version,
only 1). Item keys: ``meter`` (required: the meter's code or its address,
1-64 characters), ``channel`` (required: a channel code as in the device
maps, ``[a-z][a-z0-9_]*``), ``ts`` (required unless the envelope has one),
``value`` (required: a finite JSON number; ``null`` exactly when ``quality``
is ``invalid``), ``unit`` (optional, up to 16 characters) and ``quality``
(optional: ``ok`` (default), ``suspect``, ``estimated`` or ``invalid``).
Timestamps are ISO 8601 with a UTC offset (``Z`` or ``+08:00``); a timestamp
without an offset is refused, never guessed. Values are final: primary-side
engineering values in the channel's unit (the gateway applies CT/PT).

Strictness: an unknown key, a wrong type, a missing field, a non-finite
number (``NaN`` is not JSON and is refused), a duplicate key or a second item
with the same (meter, channel, ts) is an error. The parser never drops a good
item because of a bad one: :func:`parse_payload` returns a :class:`Batch`
with the readings of the good items and an :class:`ItemError` (index, field,
message) for each bad one. Only a payload that cannot be read at all (not
UTF-8, not JSON, not an object, a bad envelope key or value, too large)
raises :class:`PayloadError`; its bytes go to the error callback so that the
caller can keep them.

Subscriber
----------
:class:`MqttSubscriber` (paho-mqtt 2.x, callback API version 2) connects to
``mqtt://[user[:password]@]host[:port]`` (``mqtts://`` for TLS), subscribes
to a topic (wildcards allowed), parses each message and hands the batch to
``on_batch`` from paho's network thread (keep it short: hand off to a queue).
Rejected payloads and exceptions raised by ``on_batch`` go to ``on_error``
``(topic, payload, exception)``. The network thread reconnects by itself
with a growing delay (``reconnect_delay``) and subscribes again on every
connection. With a ``client_id`` the session is persistent (the broker keeps
the subscription and the QoS 1 messages published meanwhile); delivery is
at least once, so ingestion must be idempotent on (meter, channel, ts).
With ``manual_ack`` a QoS 1/2 message is acknowledged to the broker only
when the caller calls :meth:`MqttSubscriber.ack` with its batch (after the
readings are stored); messages not acknowledged when the connection drops
are delivered again on the next connection of the same session. Refused
payloads are acknowledged at once (sending them again would not help).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import json
import logging
import math
import re
import ssl
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from .points import QUALITY_ESTIMATED, QUALITY_INVALID, QUALITY_SUSPECT, Reading

__all__ = [
    "MAX_ITEMS",
    "MAX_PAYLOAD",
    "Batch",
    "ItemError",
    "MqttSubscriber",
    "PayloadError",
    "parse_payload",
]

_logger = logging.getLogger(__name__)

MAX_PAYLOAD = 1 << 20
MAX_ITEMS = 10_000
QUALITIES = {
    "ok": frozenset(),
    "suspect": frozenset({QUALITY_SUSPECT}),
    "estimated": frozenset({QUALITY_ESTIMATED}),
    "invalid": frozenset({QUALITY_INVALID}),
}
_ENVELOPE_KEYS = {"v", "gateway", "ts", "readings"}
_ITEM_KEYS = {"meter", "channel", "ts", "value", "unit", "quality"}
_CHANNEL = re.compile(r"[a-z][a-z0-9_]{0,63}")
_CODE = re.compile(r"[^\x00-\x1f\x7f]{1,64}")


class PayloadError(ValueError):
    """The whole payload is unreadable; nothing of it was ingested."""


@dataclass(frozen=True)
class ItemError:
    """Why item ``index`` of ``readings`` was refused (``field`` None for the item as a whole)."""

    index: int
    field: str | None
    message: str


@dataclass(frozen=True)
class Batch:
    """The readings of one payload, and the errors of its refused items."""

    gateway: str
    readings: list[Reading]
    errors: list[ItemError]
    topic: str = ""
    received_at: _dt.datetime | None = None
    raw: bytes = field(default=b"", repr=False)
    mid: int = 0
    qos: int = 0


class _Object(dict):
    """A JSON object that remembers the keys it saw twice."""

    duplicates: frozenset[str] = frozenset()


def _object(pairs: list[tuple[str, object]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen, twice = set(), set()
        for key, _ in pairs:
            (twice if key in seen else seen).add(key)
        obj.duplicates = frozenset(twice)
    return obj


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _timestamp(value: object) -> _dt.datetime:
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 text")
    try:
        ts = _dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not ISO 8601") from None
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return ts


def _code(value: object) -> str:
    if not isinstance(value, str) or not _CODE.fullmatch(value) or value != value.strip():
        raise ValueError("must be 1-64 printable characters without surrounding spaces")
    return value


class _ItemProblem(Exception):
    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _item(obj: object, default_ts: _dt.datetime | None) -> Reading:
    """The reading of one item; raises _ItemProblem."""
    if not isinstance(obj, dict):
        raise _ItemProblem(None, "an item must be a JSON object")
    if isinstance(obj, _Object) and obj.duplicates:
        raise _ItemProblem(sorted(obj.duplicates)[0], "key given twice")
    unknown = sorted(set(obj) - _ITEM_KEYS)
    if unknown:
        raise _ItemProblem(unknown[0], "unknown key")
    for key in ("meter", "channel", "value"):
        if key not in obj:
            raise _ItemProblem(key, "missing")
    try:
        meter = _code(obj["meter"])
    except ValueError as exc:
        raise _ItemProblem("meter", str(exc)) from None
    channel = obj["channel"]
    if not isinstance(channel, str) or not _CHANNEL.fullmatch(channel):
        raise _ItemProblem("channel", "must be a channel code [a-z][a-z0-9_]*")
    if "ts" in obj:
        try:
            ts = _timestamp(obj["ts"])
        except ValueError as exc:
            raise _ItemProblem("ts", str(exc)) from None
    elif default_ts is not None:
        ts = default_ts
    else:
        raise _ItemProblem("ts", "missing, and the payload has no default ts")
    quality_name = obj.get("quality", "ok")
    if quality_name not in QUALITIES:
        raise _ItemProblem("quality", f"must be one of {', '.join(QUALITIES)}")
    value = obj["value"]
    if quality_name == "invalid":
        if value is not None:
            raise _ItemProblem("value", "must be null when quality is invalid")
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _ItemProblem("value", "must be a number")
    elif not math.isfinite(value):
        raise _ItemProblem("value", "must be finite")
    unit = obj.get("unit", "")
    if not isinstance(unit, str) or len(unit) > 16:
        raise _ItemProblem("unit", "must be a text of at most 16 characters")
    return Reading(
        channel,
        None if value is None else float(value),
        unit,
        None,
        QUALITIES[quality_name],
        ts,
        meter,
    )


def parse_payload(
    payload: bytes | str,
    *,
    topic: str = "",
    received_at: _dt.datetime | None = None,
) -> Batch:
    """Parse one gateway payload (format in the module docstring).

    Raises :class:`PayloadError` when the payload as a whole is unreadable;
    otherwise every item is either a reading or an :class:`ItemError`.
    """
    raw = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    if len(raw) > MAX_PAYLOAD:
        raise PayloadError(f"Payload of {len(raw)} bytes exceeds {MAX_PAYLOAD}.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"Payload is not UTF-8: {exc}.") from None
    try:
        envelope = json.loads(text, object_pairs_hook=_object, parse_constant=_refuse_constant)
    except ValueError as exc:
        raise PayloadError(f"Payload is not JSON: {exc}.") from None
    if not isinstance(envelope, dict):
        raise PayloadError("Payload must be a JSON object.")
    if envelope.duplicates:
        raise PayloadError(f"Envelope key {sorted(envelope.duplicates)[0]!r} given twice.")
    unknown = sorted(set(envelope) - _ENVELOPE_KEYS)
    if unknown:
        raise PayloadError(f"Unknown envelope key {unknown[0]!r}.")
    if envelope.get("v", 1) != 1 or isinstance(envelope.get("v"), bool):
        raise PayloadError(f"Unsupported payload version {envelope.get('v')!r}.")
    try:
        gateway = _code(envelope.get("gateway"))
    except ValueError as exc:
        raise PayloadError(f"Envelope gateway {exc}.") from None
    default_ts = None
    if "ts" in envelope:
        try:
            default_ts = _timestamp(envelope["ts"])
        except ValueError as exc:
            raise PayloadError(f"Envelope ts {exc}.") from None
    items = envelope.get("readings")
    if not isinstance(items, list):
        raise PayloadError("Envelope readings must be a list.")
    if len(items) > MAX_ITEMS:
        raise PayloadError(f"{len(items)} readings exceed {MAX_ITEMS} per payload.")
    readings, errors, seen = [], [], {}
    for index, obj in enumerate(items):
        try:
            reading = _item(obj, default_ts)
        except _ItemProblem as problem:
            errors.append(ItemError(index, problem.field, problem.message))
            continue
        key = (reading.meter, reading.channel, reading.ts)
        if key in seen:
            errors.append(ItemError(index, None, f"same meter, channel and ts as item {seen[key]}"))
            continue
        seen[key] = index
        readings.append(reading)
    return Batch(gateway, readings, errors, topic, received_at, raw)


# --------------------------------------------------------------------------
# Subscriber
# --------------------------------------------------------------------------


def _broker(url: str) -> tuple[str, int, str | None, str | None, bool]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError(f"Broker URL must be mqtt://host[:port] or mqtts://..., got {url!r}.")
    tls = parts.scheme == "mqtts"
    user = urllib.parse.unquote(parts.username) if parts.username else None
    password = urllib.parse.unquote(parts.password) if parts.password else None
    return parts.hostname, parts.port or (8883 if tls else 1883), user, password, tls


class MqttSubscriber:
    """Subscribe to gateway payloads on ``topic`` (see the module docstring).

    ``on_batch(batch)`` receives each parsed :class:`Batch`; ``on_error(topic,
    payload, exception)`` the refused payloads and the exceptions of
    ``on_batch`` (logged when no ``on_error`` is given).
    """

    def __init__(
        self,
        url: str,
        topic: str,
        on_batch: Callable[[Batch], None],
        *,
        on_error: Callable[[str, bytes, Exception], None] | None = None,
        qos: int = 1,
        client_id: str | None = None,
        keepalive: int = 30,
        reconnect_delay: tuple[float, float] = (1, 30),
        tls_context: ssl.SSLContext | None = None,
        manual_ack: bool = False,
    ):
        self.host, self.port, user, password, tls = _broker(url)
        if not topic or qos not in (0, 1, 2):
            raise ValueError("A topic and a QoS of 0, 1 or 2 are required.")
        self.topic = topic
        self.qos = qos
        self.keepalive = keepalive
        self.on_batch = on_batch
        self.on_error = on_error
        self.subscribed = threading.Event()
        self.connections = 0
        self.last_error: str | None = None
        self._client = paho.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id or "",
            clean_session=client_id is None,
            manual_ack=manual_ack,
        )
        self.manual_ack = manual_ack
        if user is not None:
            self._client.username_pw_set(user, password)
        if tls:
            self._client.tls_set_context(tls_context or ssl.create_default_context())
        self._client.reconnect_delay_set(*reconnect_delay)
        self._client.on_connect = self._on_connect
        self._client.on_disconnect = self._on_disconnect
        self._client.on_subscribe = self._on_subscribe
        self._client.on_message = self._on_message
        self._started = False

    @property
    def connected(self) -> bool:
        return self._client.is_connected()

    def start(self) -> MqttSubscriber:
        """Start the network thread; it connects (and keeps reconnecting) in the background."""
        if not self._started:
            self._client.connect_async(self.host, self.port, self.keepalive)
            self._client.loop_start()
            self._started = True
        return self

    def wait_subscribed(self, timeout: float | None = None) -> bool:
        """Block until the subscription is acknowledged (True) or ``timeout`` passes (False)."""
        return self.subscribed.wait(timeout)

    def stop(self) -> None:
        """Disconnect and end the network thread."""
        if self._started:
            self._client.disconnect()
            self._client.loop_stop()
            self._started = False
        self.subscribed.clear()

    def ack(self, batch: Batch) -> None:
        """Acknowledge the message of ``batch`` (``manual_ack`` only; any thread)."""
        if self.manual_ack and batch.qos:
            self._client.ack(batch.mid, batch.qos)

    def __enter__(self) -> MqttSubscriber:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------ callbacks

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.last_error = f"connection refused: {reason_code}"
            _logger.warning(
                "MQTT broker %s:%s refused the connection: %s", self.host, self.port, reason_code
            )
            return
        self.connections += 1
        client.subscribe(self.topic, self.qos)

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        failures = [str(code) for code in reason_codes if code.is_failure]
        if failures:
            self.last_error = f"subscription to {self.topic} refused: {', '.join(failures)}"
            _logger.warning("MQTT %s", self.last_error)
            return
        self.subscribed.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.subscribed.clear()
        if reason_code.is_failure:
            self.last_error = f"disconnected: {reason_code}"

    def _on_message(self, client, userdata, message) -> None:
        received_at = _dt.datetime.now(_dt.timezone.utc)
        try:
            batch = parse_payload(message.payload, topic=message.topic, received_at=received_at)
            self.on_batch(dataclasses.replace(batch, mid=message.mid, qos=message.qos))
        except Exception as exc:  # the network thread must survive any payload and any callback
            if self.manual_ack and message.qos:
                client.ack(message.mid, message.qos)
            if self.on_error is None:
                _logger.error("MQTT message on %s not ingested: %s", message.topic, exc)
            else:
                try:
                    self.on_error(message.topic, bytes(message.payload), exc)
                except Exception:
                    _logger.exception(
                        "MQTT error callback failed for a message on %s", message.topic
                    )
