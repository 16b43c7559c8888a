"""Append-only, hash-chained evidence log of work orders (存证).

This module is deliberately pure Python (standard library only, no ORM): the
Odoo models call it when they append an event and when an auditor verifies the
log, and the unit tests exercise it without a database.

Row layout
----------
Every event row stores four text columns:

* ``payload``: the event data as canonical JSON (:func:`canonical_json`).
* ``payload_hash``: ``sha256(payload.encode("utf-8"))`` as lowercase hex.
* ``prev_hash``: the ``hash`` of the previous event, or :data:`GENESIS` (64
  zeros) for the very first event.
* ``hash``: :func:`link_hash` of ``prev_hash`` and ``payload_hash``, i.e. the
  lowercase hex SHA-256 of the ASCII text ``f"{prev_hash}:{payload_hash}"``
  (two 64-character hex digests joined by one colon, no newline).

The chain is global: one chain for all work orders, in row-id order. Some
payload fields are duplicated in indexed columns (``workorder_id``,
``event_type``, ``user_id``...) so that the database can search them; these
copies are not hashed, so :func:`verify_chain` checks that each one still
equals the value inside the payload.

Canonical JSON
--------------
``json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
allow_nan=False)``, with these conversions for values JSON lacks:
``datetime``/``date``/``time`` -> ``isoformat()`` (naive datetimes stay naive:
Odoo stores UTC without an offset), ``Decimal`` -> ``str`` (non-finite ones are
rejected), ``bytes`` -> lowercase hex, ``set``/``frozenset`` -> list sorted by
the canonical JSON of its items, any other ``Mapping`` -> ``dict``. NaN and
infinities raise ValueError, other types TypeError. The text is the same for
the same data on every run and platform, and it is hashed exactly as stored:
verification never re-serialises a payload.

Verification
------------
:func:`verify_chain` (or :class:`ChainVerifier` for batched reads) walks the
rows in id order, in constant memory, and stops at the first broken row. Each
row is checked in this order, and the first failing check gives the reason:

1. ``"prev_link"``: ``prev_hash`` is not the previous row's ``hash`` (or the
   start hash for the first row). A row was inserted, deleted or reordered, or
   an earlier row was re-hashed after a change.
2. ``"payload_hash"``: the stored payload does not hash to ``payload_hash``
   (the payload text was altered).
3. ``"link_hash"``: ``hash`` is not ``link_hash(prev_hash, payload_hash)``
   (the hash or the payload hash was altered).
4. Only when the row has indexed ``columns``: the payload is parsed once with
   ``json.loads``; ``"bad_payload"`` if it is not a JSON object, else
   ``"column_mismatch:<key>"`` for the first column whose value differs from
   ``payload[key]``. Values are compared as text (``str()``, with dates as
   ``isoformat()`` and bytes as hex, like in the payload); ``None`` equals a
   missing key, and a value equals ``None`` only if it is ``None``.

Rows without columns are never parsed, so a non-JSON payload in such a row is
not detected (its hashes are still checked). Hash comparisons are exact:
stored digests must be lowercase hex, as written by :func:`make_link`.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "GENESIS",
    "ChainRow",
    "ChainVerifier",
    "VerifyResult",
    "canonical_json",
    "link_hash",
    "make_link",
    "sha256_hex",
    "verify_chain",
]

GENESIS = "0" * 64

_HEX64 = re.compile(r"[0-9a-f]{64}")


# --------------------------------------------------------------------------
# Hashing
# --------------------------------------------------------------------------


def _json_default(value: object) -> object:
    """Convert the values ``json`` does not know (see the module docstring)."""
    if isinstance(value, (_dt.date, _dt.time)):  # datetime is a date subclass
        return value.isoformat()
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"Non-finite Decimal {value!r} is not allowed in evidence.")
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=_dumps)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"Object of type {type(value).__name__} is not allowed in evidence.")


def _dumps(value: object) -> str:
    return json.dumps(
        value,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
        default=_json_default,
    )


def canonical_json(data: Mapping) -> str:
    """Return the canonical JSON text of the mapping ``data``.

    Raises TypeError if ``data`` is not a mapping or holds an unsupported
    value, ValueError for NaN or infinite numbers.
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"Evidence payload must be a mapping, got {type(data).__name__}.")
    return _dumps(data if isinstance(data, dict) else dict(data))


def sha256_hex(data: bytes | str) -> str:
    """Lowercase hex SHA-256 of ``data`` (text is encoded as UTF-8)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def link_hash(prev_hash: str, payload_hash: str) -> str:
    """Hash of a chain link: ``sha256_hex(f"{prev_hash}:{payload_hash}")``.

    Both arguments are 64-character lowercase hex digests; the hashed text is
    the two digests joined by a single ``":"``.
    """
    return hashlib.sha256(f"{prev_hash}:{payload_hash}".encode()).hexdigest()


def make_link(prev_hash: str, data: Mapping) -> tuple[str, str, str]:
    """Build the next link after ``prev_hash``: ``(payload, payload_hash, hash)``.

    ``prev_hash`` must be a lowercase hex SHA-256 (:data:`GENESIS` for the
    first event), else ValueError. The caller stores ``payload``,
    ``payload_hash``, ``prev_hash`` and ``hash`` in the new row.
    """
    if not isinstance(prev_hash, str) or not _HEX64.fullmatch(prev_hash):
        raise ValueError(f"prev_hash must be 64 lowercase hex digits, got {prev_hash!r}.")
    payload = canonical_json(data)
    payload_hash = hashlib.sha256(payload.encode("utf-8")).hexdigest()
    return payload, payload_hash, link_hash(prev_hash, payload_hash)


# --------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChainRow:
    """One stored event, as read from the database.

    ``columns`` holds the indexed columns duplicated outside the payload
    (e.g. ``{"workorder_id": 7, "event_type": "note"}``); each must equal the
    payload's value for the same key. Verification only reads these
    attributes, so any object that has them (a named tuple...) can be used.
    """

    id: int
    payload: str
    payload_hash: str
    prev_hash: str
    hash: str
    columns: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a verification.

    ``checked`` counts the rows examined, including the broken one;
    ``broken_id`` and ``reason`` (a machine code, see the module docstring)
    are None when ``ok``; ``last_hash`` is the hash of the last good row, or
    the start hash if there was none.
    """

    ok: bool
    checked: int
    broken_id: int | None
    reason: str | None
    last_hash: str


def _column_text(value: object) -> str:
    """Text form of a column or payload value, for the column comparison."""
    if isinstance(value, str):
        return value
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


def _column_mismatch(payload: str | bytes, columns: Mapping[str, object]) -> str | None:
    """Reason code if the indexed ``columns`` disagree with ``payload``, else None."""
    try:
        data = json.loads(payload)
    except (ValueError, TypeError, RecursionError):
        return "bad_payload"
    if type(data) is not dict:
        return "bad_payload"
    get = data.get
    for key, value in columns.items():
        stored = get(key)
        if value is stored:  # both None (or the same object)
            continue
        if type(value) is type(stored) and value == stored:
            continue
        if value is None or stored is None or _column_text(value) != _column_text(stored):
            return f"column_mismatch:{key}"
    return None


class ChainVerifier:
    """Incremental verifier, for reading the log in batches.

    Feed the rows in id order, one batch after another::

        verifier = ChainVerifier()
        for batch in batches:
            if verifier.feed(batch) is not None:
                break
        result = verifier.result()

    :meth:`feed` returns None while the chain is intact and the failing
    :class:`VerifyResult` as soon as a row is broken; it stops reading at that
    row. Once broken, further calls return the same result without reading
    their rows.
    """

    __slots__ = ("_broken", "_checked", "_last_hash", "_last_id", "_start_hash")

    def __init__(self, start_hash: str = GENESIS) -> None:
        self._start_hash = start_hash
        self._last_hash = start_hash
        self._last_id: int | None = None
        self._checked = 0
        self._broken: VerifyResult | None = None

    @property
    def checked(self) -> int:
        """Rows examined so far (including a broken one)."""
        return self._checked

    @property
    def last_hash(self) -> str:
        """Hash of the last good row (the start hash if none)."""
        return self._last_hash

    @property
    def last_id(self) -> int | None:
        """Id of the last good row (None if none)."""
        return self._last_id

    def feed(self, rows: Iterable[ChainRow]) -> VerifyResult | None:
        """Verify the next ``rows``; None if they are all good, else the failure."""
        if self._broken is not None:
            return self._broken
        sha256 = hashlib.sha256
        expected = self._last_hash
        last_id = self._last_id
        checked = self._checked
        reason = None
        row = None
        for row in rows:
            checked += 1
            prev_hash = row.prev_hash
            if prev_hash != expected:
                reason = "prev_link"
                break
            payload = row.payload
            payload_hash = row.payload_hash
            try:
                payload_bytes = payload.encode()
            except AttributeError:  # bytes from the driver, or NULL
                if not isinstance(payload, (bytes, bytearray, memoryview)):
                    reason = "bad_payload"
                    break
                payload = payload_bytes = bytes(payload)
            if sha256(payload_bytes).hexdigest() != payload_hash:
                reason = "payload_hash"
                break
            row_hash = row.hash
            if sha256(f"{prev_hash}:{payload_hash}".encode()).hexdigest() != row_hash:
                reason = "link_hash"
                break
            columns = row.columns
            if columns:
                reason = _column_mismatch(payload, columns)
                if reason is not None:
                    break
            expected = row_hash
            last_id = row.id
        self._checked = checked
        self._last_hash = expected
        self._last_id = last_id
        if reason is None:
            return None
        self._broken = VerifyResult(False, checked, row.id, reason, expected)
        return self._broken

    def result(self) -> VerifyResult:
        """The failure if a row was broken, else a success over the rows so far."""
        if self._broken is not None:
            return self._broken
        return VerifyResult(True, self._checked, None, None, self._last_hash)


def verify_chain(rows: Iterable[ChainRow], start_hash: str = GENESIS) -> VerifyResult:
    """Verify ``rows`` (in id order) from ``start_hash``; stop at the first broken row.

    ``rows`` may be any iterable, e.g. a generator over a server-side cursor:
    it is read once, in constant memory. Pass the ``hash`` of the row before
    the first one as ``start_hash`` to verify a tail of the chain.
    """
    verifier = ChainVerifier(start_hash)
    verifier.feed(rows)
    return verifier.result()
