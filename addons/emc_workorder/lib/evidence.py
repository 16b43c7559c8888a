"""Append-only, hash-chained evidence log of work orders (存证), its anchors and its audit package.

This module is deliberately pure Python (standard library, plus the sibling
modules :mod:`merkle` and, for time-stamp tokens, :mod:`timestamp`): the Odoo
models call it when they append an event and when they verify the log, the
unit tests exercise it without a database, and an auditor runs it on an
exported package with ``python -m evidence verify PACKAGE`` (see the end of
this docstring), without Odoo.

Chains
------
There is one chain per organisation (``res.company``), as Odoo keeps one
inalterability chain per journal, plus the *legacy* chain: the single global
chain of the events recorded before chains were split per organisation,
kept as it was (never re-hashed). A chain is identified by its ``key``, a
text fixed when the chain is created (``<database uuid>/company/<id>`` or
``<database uuid>/legacy``).

Row layout
----------
Every stored column of an event row is evidence, and falls in one of two
groups:

* *structural* columns (:data:`STRUCTURAL_COLUMNS`): ``id`` (row id),
  ``chain_id`` and ``sequence`` (the chain and the 0-based position in it),
  ``payload`` (the event data as canonical JSON, :func:`canonical_json`),
  ``payload_hash`` (``sha256(payload.encode("utf-8"))``, lowercase hex),
  ``prev_hash`` (the ``hash`` of the previous event of the chain, or
  :data:`GENESIS`, 64 zeros, for the first one) and ``hash``
  (:func:`link_hash` of ``prev_hash`` and ``payload_hash``: the lowercase hex
  SHA-256 of the ASCII text ``f"{prev_hash}:{payload_hash}"``);
* *payload* columns (:data:`PAYLOAD_COLUMNS`): copies of payload values kept
  in their own columns so that the database can search them and the screens
  show them. Appending builds the payload from these columns
  (:func:`build_payload`) and verification compares each of them with the
  payload, so that the one list is used both ways.

Payload versions: a version-2 payload (``"v": 2``) holds every payload
column, ``company_id`` included. Legacy (version-1) payloads have no ``v``
and no ``company_id``: for them ``company_id`` (:data:`V1_UNCOVERED`) is not
covered, everything else is.

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
rows of one chain in sequence order, in constant memory, and stops at the
first broken row. Each row is checked in this order, and the first failing
check gives the reason:

1. ``"sequence"``: the row's ``sequence`` is not the previous one plus one
   (the first row: ``start_index``). Rows without a sequence skip this check.
2. ``"prev_link"``: ``prev_hash`` is not the previous row's ``hash`` (or the
   start hash for the first row). A row was inserted, deleted or reordered, or
   an earlier row was re-hashed after a change.
3. ``"payload_hash"``: the stored payload does not hash to ``payload_hash``
   (the payload text was altered).
4. ``"link_hash"``: ``hash`` is not ``link_hash(prev_hash, payload_hash)``
   (the hash or the payload hash was altered).
5. Only when the row has payload ``columns``: the payload is parsed once with
   ``json.loads``; ``"bad_payload"`` if it is not a JSON object, or if the
   verifier requires version 2 and the payload is not; else
   ``"column_mismatch:<column>"`` for the first column (in
   :data:`PAYLOAD_COLUMNS` order) whose value differs from the payload's.
   Values are compared as text (``str()``, with dates as ``isoformat()`` and
   bytes as hex, like in the payload); ``None`` equals a missing key, and a
   value equals ``None`` only if it is ``None``.
6. ``"anchor_mismatch:<n>"``: after the row, the chain has the size anchored
   by anchor number ``n`` (a *checkpoint*), and its Merkle tree head or its
   last hash is not the one anchored. The chain was rewritten up to there.

After the last row, ``"truncated:<n>"`` if anchor ``n`` covers more events
than the chain has: events were deleted from its end. Hash comparisons are
exact: stored digests must be lowercase hex, as written by :func:`make_link`.

Anchors
-------
An anchor fixes the head of a chain at a time certified by a Time-Stamping
Authority (RFC 3161). For a chain of ``size`` events it records the RFC 6962
Merkle tree head (``root``, see :mod:`merkle`) over the events' link hashes
— the leaf data of event ``i`` is the 32 raw bytes of its ``hash`` — and the
``head`` (the ``hash`` of event ``size - 1``). The TSA time-stamps the SHA-256
of :func:`anchor_statement` (canonical JSON of ``{"chain", "head", "root",
"size", "v": 1}``, UTF-8). Verifying an anchor: the token's signature chains
to a trusted CA certificate and its imprint is the statement's SHA-256
(:func:`check_anchors`, reason ``"anchor_token:<n>"``); successive anchors of
a chain come with a consistency proof that the later tree extends the earlier
one (``"anchor_consistency:<n>"``); and the chain's own tree, recomputed while
walking it, has that head at that size (reason 6 above).

Package
-------
An evidence package is a ZIP file (or the directory it unpacks to) with:

* ``package.json``: ``{"format": "emc-evidence-package", "version": 1,
  "kind": "chain" | "order", "created": ISO time, "scope": {...},
  "chains": [{"key", "name", "legacy": bool}]}``;
* ``events.jsonl``: one event per line, ``{"chain", "id", "sequence",
  "payload", "payload_hash", "prev_hash", "hash", "columns": {column:
  value}}``; in an *order* package also ``"proof"`` (the inclusion proof of
  the event's leaf, hex digests) and ``"anchor"`` (the number of the anchor
  it is proven against), or neither when no anchor covers it yet;
* ``anchors.jsonl``: one anchor per line, ``{"chain", "number", "size",
  "root", "head", "token" (base64 DER), "tsa_time", "consistency"}`` where
  ``consistency`` proves the tree of the previous anchor of the same chain is
  a prefix of this one (empty list for the first anchor);
* ``ca.pem``: the CA certificate(s) the server trusts for the tokens;
* ``evidence.py``, ``merkle.py``, ``timestamp.py`` and ``README.txt``: this
  verifier and how to run it.

A *chain* package holds every event of the chains it names and is verified
like the database (:class:`ChainVerifier` with the anchors as checkpoints).
An *order* package holds only the events of one work order — no other
customer's event, only hashes on the proof paths — each proven by its
inclusion proof against an anchored tree head, so it stays small whatever
the size of the chain.

``python -m evidence verify PACKAGE [--ca FILE] [--json]`` (run from the
unpacked package, or with this file's folder on ``PYTHONPATH``) prints the
verdict and exits 0 if the package is intact, 1 if it is not, 2 if it cannot
be read. ``--ca`` uses the auditor's own copy of the CA certificate instead
of the package's. ``--json`` prints :meth:`VerifyResult.as_dict` per chain,
the form the server reports too.
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path

try:  # inside the addon
    from . import merkle
except ImportError:  # run as a script beside merkle.py (the auditor's package)
    import merkle  # type: ignore[no-redef]

__all__ = [
    "GENESIS",
    "PACKAGE_FORMAT",
    "PAYLOAD_COLUMNS",
    "STRUCTURAL_COLUMNS",
    "AnchorRecord",
    "ChainRow",
    "ChainVerifier",
    "Checkpoint",
    "PackageError",
    "VerifyResult",
    "anchor_statement",
    "build_payload",
    "canonical_json",
    "check_anchors",
    "column_map",
    "describe",
    "leaf_of",
    "link_hash",
    "make_link",
    "sha256_hex",
    "verify_chain",
    "verify_package",
    "write_package",
]

GENESIS = "0" * 64
PAYLOAD_VERSION = 2
PACKAGE_FORMAT = "emc-evidence-package"

# Column name -> payload key, in the order verification compares them.
PAYLOAD_COLUMNS = {
    "workorder_id": "workorder_id",
    "company_id": "company_id",
    "event_type": "event_type",
    "user_id": "user_id",
    "date": "date",
    "old_value": "old",
    "new_value": "new",
    "note": "note",
}
# Columns a legacy (version-1) payload does not hold.
V1_UNCOVERED = frozenset({"company_id"})
# Columns checked by the chain's structure rather than against the payload.
STRUCTURAL_COLUMNS = ("id", "chain_id", "sequence", "payload", "payload_hash", "prev_hash", "hash")

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


def build_payload(columns: Mapping[str, object], **extra: object) -> dict:
    """The version-2 payload of an event whose payload columns are ``columns``.

    Every key of :data:`PAYLOAD_COLUMNS` is read from ``columns`` (a missing
    or empty value is stored as ``None``, as the column holds NULL);
    ``extra`` adds the data kept in the payload only (attachments hashes,
    details). ValueError if ``extra`` would overwrite a column's key.
    """
    payload = {"v": PAYLOAD_VERSION}
    for column, key in PAYLOAD_COLUMNS.items():
        value = columns.get(column)
        payload[key] = value if value not in (None, False, "") else None
    clash = set(extra) & (set(payload) | {"v"})
    if clash:
        raise ValueError(f"Payload extras may not overwrite {sorted(clash)}.")
    payload.update(extra)
    return payload


def leaf_of(row_hash: str) -> bytes:
    """Merkle leaf hash of an event: RFC 6962 leaf hash of its link hash's bytes."""
    return merkle.leaf_hash(bytes.fromhex(row_hash))


def anchor_statement(chain_key: str, size: int, root_hex: str, head_hash: str) -> bytes:
    """The bytes an anchor's time-stamp token certifies (UTF-8 canonical JSON)."""
    return canonical_json(
        {"v": 1, "chain": chain_key, "size": size, "root": root_hex, "head": head_hash}
    ).encode("utf-8")


# --------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------


# Not frozen: a frozen dataclass is several times slower to build, and the
# database is read a million rows at a time.
@dataclass(slots=True)
class ChainRow:
    """One stored event, as read from the database or a package.

    ``columns`` holds the payload columns by column name (see
    :data:`PAYLOAD_COLUMNS`, e.g. ``{"workorder_id": 7, "old_value": "x"}``),
    or as a tuple of values in the order of :data:`PAYLOAD_COLUMNS` (faster to
    read from the database); each must equal the payload's value.
    ``sequence`` is the row's position in its chain (None to skip that
    check). Verification only reads these attributes, so any object that has
    them can be used.
    """

    id: int
    payload: str
    payload_hash: str
    prev_hash: str
    hash: str
    columns: Mapping[str, object] = field(default_factory=dict)
    sequence: int | None = None


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """What anchor ``number`` certifies: the tree ``root`` (bytes) and ``head`` at its size."""

    number: int
    root: bytes
    head: str


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of a verification.

    ``checked`` counts the rows examined, including the broken one;
    ``broken_id``/``broken_sequence`` and ``reason`` (a machine code, see the
    module docstring) are None when ``ok``; ``last_hash`` is the hash of the
    last good row, or the start hash if there was none. ``anchored`` is the
    number of events covered by the last anchor verified against the chain
    (0 if none), ``anchor_number`` and ``anchor_time`` (ISO text) identify that
    anchor; ``unanchored`` counts the good events after it.
    """

    ok: bool
    checked: int
    broken_id: int | None
    reason: str | None
    last_hash: str
    broken_sequence: int | None = None
    anchored: int = 0
    anchor_number: int | None = None
    anchor_time: str | None = None
    unanchored: int = 0

    @property
    def code(self) -> str | None:
        """The reason without its parameter (``"column_mismatch"``...)."""
        return self.reason.partition(":")[0] if self.reason else None

    @property
    def detail(self) -> str | None:
        """The reason's parameter: a column name or an anchor number."""
        return self.reason.partition(":")[2] or None if self.reason else None

    def as_dict(self) -> dict:
        """Plain dict of the result (the ``--json`` form)."""
        return asdict(self)


def _column_text(value: object) -> str:
    """Text form of a column or payload value, for the column comparison."""
    if isinstance(value, str):
        return value
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    return str(value)


_COLUMN_NAMES = tuple(PAYLOAD_COLUMNS)
_PAYLOAD_KEYS = tuple(PAYLOAD_COLUMNS.values())


def column_map(columns: Mapping[str, object] | tuple) -> dict:
    """The payload columns of a row by name, whichever form the row holds them in."""
    if isinstance(columns, tuple):
        return dict(zip(_COLUMN_NAMES, columns, strict=True))
    return dict(columns)


def _column_mismatch(
    payload: str | bytes, columns: Mapping[str, object] | tuple, require_v2: bool
) -> str | None:
    """Reason code if the payload ``columns`` disagree with ``payload``, else None."""
    try:
        data = json.loads(payload)
    except (ValueError, TypeError, RecursionError):
        return "bad_payload"
    if type(data) is not dict:
        return "bad_payload"
    version = data.get("v")
    if require_v2 and version != PAYLOAD_VERSION:
        return "bad_payload"
    get = data.get
    if isinstance(columns, tuple):
        # The usual case, an intact row: one tuple comparison.
        if version is not None and tuple(map(get, _PAYLOAD_KEYS)) == columns:
            return None
        items = zip(_COLUMN_NAMES, columns, strict=True)
    else:
        items = columns.items()
    for column, value in items:
        if version is None and column in V1_UNCOVERED:
            continue
        stored = get(PAYLOAD_COLUMNS.get(column, column))
        if value is stored:  # both None (or the same object)
            continue
        if type(value) is type(stored) and value == stored:
            continue
        if value is None or stored is None or _column_text(value) != _column_text(stored):
            return f"column_mismatch:{column}"
    return None


class ChainVerifier:
    """Incremental verifier of one chain, for reading it in batches.

    Feed the rows in sequence order, one batch after another::

        verifier = ChainVerifier(checkpoints=anchors)
        for batch in batches:
            if verifier.feed(batch) is not None:
                break
        result = verifier.result()

    :meth:`feed` returns None while the chain is intact and the failing
    :class:`VerifyResult` as soon as a row is broken; it stops reading at that
    row. Once broken, further calls return the same result without reading
    their rows. ``checkpoints`` maps a chain size to the :class:`Checkpoint`
    an anchor certifies for it; the Merkle tree of the rows is then computed
    on the way (from the genesis only: give no checkpoints with a start
    hash). ``require_v2`` refuses legacy payloads (per-organisation chains
    only hold version-2 payloads). ``anchor_times`` maps anchor numbers to
    their TSA time, reported in the result.
    """

    __slots__ = (
        "_anchor",
        "_anchor_times",
        "_broken",
        "_checked",
        "_checkpoints",
        "_last_hash",
        "_last_id",
        "_require_v2",
        "_start_hash",
        "_tree",
    )

    def __init__(
        self,
        start_hash: str = GENESIS,
        *,
        start_index: int = 0,
        checkpoints: Mapping[int, Checkpoint] | None = None,
        require_v2: bool = False,
        anchor_times: Mapping[int, str] | None = None,
    ) -> None:
        if checkpoints and (start_hash != GENESIS or start_index):
            raise ValueError("Checkpoints need the chain from its first event.")
        self._start_hash = start_hash
        self._last_hash = start_hash
        self._last_id: int | None = None
        self._checked = start_index
        self._broken: VerifyResult | None = None
        self._checkpoints = dict(checkpoints or {})
        self._tree = merkle.CompactRange() if self._checkpoints else None
        self._require_v2 = require_v2
        self._anchor: Checkpoint | None = None
        self._anchor_times = dict(anchor_times or {})

    @property
    def checked(self) -> int:
        """Rows examined so far (including a broken one), plus ``start_index``."""
        return self._checked

    @property
    def last_hash(self) -> str:
        """Hash of the last good row (the start hash if none)."""
        return self._last_hash

    @property
    def last_id(self) -> int | None:
        """Id of the last good row (None if none)."""
        return self._last_id

    def _fail(self, row: ChainRow, reason: str) -> VerifyResult:
        self._broken = VerifyResult(
            False,
            self._checked,
            row.id,
            reason,
            self._last_hash,
            broken_sequence=row.sequence,
            **self._anchor_fields(self._checked - 1),
        )
        return self._broken

    def _anchor_fields(self, good: int) -> dict:
        anchor = self._anchor
        if anchor is None:
            return {"anchored": 0, "unanchored": good}
        size = next(s for s, c in self._checkpoints.items() if c is anchor)
        return {
            "anchored": size,
            "anchor_number": anchor.number,
            "anchor_time": self._anchor_times.get(anchor.number),
            "unanchored": good - size,
        }

    def feed(self, rows: Iterable[ChainRow]) -> VerifyResult | None:
        """Verify the next ``rows``; None if they are all good, else the failure."""
        if self._broken is not None:
            return self._broken
        sha256 = hashlib.sha256
        expected = self._last_hash
        checkpoints = self._checkpoints
        tree = self._tree
        require_v2 = self._require_v2
        for row in rows:
            index = self._checked
            self._checked = index + 1
            reason = None
            if row.sequence is not None and row.sequence != index:
                reason = "sequence"
            elif row.prev_hash != expected:
                reason = "prev_link"
            else:
                payload = row.payload
                payload_hash = row.payload_hash
                try:
                    payload_bytes = payload.encode()
                except AttributeError:  # bytes from the driver, or NULL
                    payload_bytes = (
                        bytes(payload)
                        if isinstance(payload, (bytes, bytearray, memoryview))
                        else None
                    )
                    payload = payload_bytes
                if payload_bytes is None:
                    reason = "bad_payload"
                elif sha256(payload_bytes).hexdigest() != payload_hash:
                    reason = "payload_hash"
                elif sha256(f"{expected}:{payload_hash}".encode()).hexdigest() != row.hash:
                    reason = "link_hash"
                elif row.columns:
                    reason = _column_mismatch(payload, row.columns, require_v2)
            if reason is not None:
                self._last_hash = expected
                return self._fail(row, reason)
            if tree is not None:
                tree.append(leaf_of(row.hash))
                checkpoint = checkpoints.get(index + 1)
                if checkpoint is not None:
                    if tree.root() != checkpoint.root or row.hash != checkpoint.head:
                        self._last_hash = expected
                        return self._fail(row, f"anchor_mismatch:{checkpoint.number}")
                    self._anchor = checkpoint
            expected = row.hash
            self._last_id = row.id
            self._last_hash = expected
        return None

    def result(self) -> VerifyResult:
        """The failure if a row was broken, else the verdict over the rows so far.

        The rows being all good, the chain is still broken (``truncated:<n>``)
        if a checkpoint lies beyond its end.
        """
        if self._broken is not None:
            return self._broken
        size = self._checked
        beyond = [c for s, c in self._checkpoints.items() if s > size]
        if beyond:
            last = max(beyond, key=lambda c: c.number)
            return VerifyResult(
                False,
                size,
                None,
                f"truncated:{last.number}",
                self._last_hash,
                **self._anchor_fields(size),
            )
        return VerifyResult(True, size, None, None, self._last_hash, **self._anchor_fields(size))


def verify_chain(rows: Iterable[ChainRow], start_hash: str = GENESIS, **options) -> VerifyResult:
    """Verify ``rows`` (in sequence order) from ``start_hash``; stop at the first broken row.

    ``rows`` may be any iterable, e.g. a generator over a server-side cursor:
    it is read once, in constant memory. Pass the ``hash`` of the row before
    the first one as ``start_hash`` to verify a tail of the chain. Keyword
    ``options`` are those of :class:`ChainVerifier`.
    """
    verifier = ChainVerifier(start_hash, **options)
    verifier.feed(rows)
    return verifier.result()


# --------------------------------------------------------------------------
# Anchors
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class AnchorRecord:
    """One stored anchor of a chain (see the module docstring)."""

    chain: str
    number: int
    size: int
    root: str
    head: str
    token: bytes
    tsa_time: str | None = None
    consistency: tuple[str, ...] = ()

    def checkpoint(self) -> Checkpoint:
        """The checkpoint this anchor puts on its chain."""
        return Checkpoint(self.number, bytes.fromhex(self.root), self.head)


def _timestamp():
    """The sibling module :mod:`timestamp`, imported when a token is checked."""
    try:
        from . import timestamp
    except ImportError:  # run as a script beside timestamp.py
        import timestamp  # type: ignore[no-redef]
    return timestamp


_PEM_CERT = re.compile(rb"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\s*", re.S)


def split_pem(ca_pem: bytes) -> list[bytes]:
    """The certificates of a PEM bundle, each as its own PEM block."""
    return [m.group(0).strip() + b"\n" for m in _PEM_CERT.finditer(ca_pem or b"")]


def token_time(anchor: AnchorRecord, ca_pem: bytes) -> tuple[str | None, str | None]:
    """``(reason, tsa_time)``: the token checked against each CA of ``ca_pem``.

    ``reason`` is None when one of the certificates validates the token for
    the anchor's statement; ``tsa_time`` is then the token's own time (ISO,
    UTC), never the stored copy.
    """
    timestamp = _timestamp()
    statement = anchor_statement(anchor.chain, anchor.size, anchor.root, anchor.head)
    certificates = split_pem(ca_pem)
    if not certificates:
        return "no_ca", None
    for certificate in certificates:
        try:
            token = timestamp.verify_token(anchor.token, statement, certificate)
        except timestamp.TimestampError:
            continue
        return None, token.gen_time.isoformat()
    return f"anchor_token:{anchor.number}", None


def check_anchors(
    anchors: Iterable[AnchorRecord], ca_pem: bytes
) -> tuple[str | None, dict[int, str]]:
    """Check the anchors of one chain on their own, in number order.

    Returns ``(reason, times)``: ``reason`` is the first failure —
    ``"anchor_token:<n>"`` (the token does not validate against ``ca_pem``
    for the anchor's statement), ``"anchor_consistency:<n>"`` (its
    consistency proof does not show the previous anchor's tree as a prefix of
    its own), ``"anchor_order:<n>"`` (numbers or sizes not increasing) — or
    None; ``times`` maps each valid anchor's number to its TSA time. Whether
    the anchored heads are still in the chain is checked by walking the chain
    (checkpoints) or by inclusion proofs.
    """
    times: dict[int, str] = {}
    previous = None
    for anchor in sorted(anchors, key=lambda a: a.number):
        if previous is not None and (
            anchor.number <= previous.number or anchor.size < previous.size
        ):
            return f"anchor_order:{anchor.number}", times
        reason, when = token_time(anchor, ca_pem)
        if reason is not None:
            return (reason if reason != "no_ca" else f"anchor_token:{anchor.number}"), times
        if previous is not None and not merkle.verify_consistency(
            previous.size,
            anchor.size,
            bytes.fromhex(previous.root),
            bytes.fromhex(anchor.root),
            [bytes.fromhex(h) for h in anchor.consistency],
        ):
            return f"anchor_consistency:{anchor.number}", times
        times[anchor.number] = when
        previous = anchor
    return None, times


# --------------------------------------------------------------------------
# Package
# --------------------------------------------------------------------------


PACKAGE_README = """EMC Suite evidence package (存证包)
====================================

This archive holds evidence events of the EMC Suite service desk, the
anchors (RFC 3161 trusted timestamps) that certify them, the CA certificate
the server trusts for those timestamps, and the verifier itself.

Verify it with Python 3.10 or newer and the rfc3161-client package
(pip install rfc3161-client), from the unpacked folder:

    python -m evidence verify .            # or: python -m evidence verify ../package.zip
    python -m evidence verify . --ca my-copy-of-the-tsa-ca.pem
    python -m evidence verify . --json     # the verdict as the server reports it

Use your own copy of the time-stamping authority's CA certificate (--ca)
rather than the one shipped here when you can: it is what makes the
timestamps independent of whoever produced the package.

Exit status: 0 intact, 1 broken (the verdict says where and why), 2 unreadable.
The format is described at the top of evidence.py.
"""
VERIFIER_FILES = ("evidence.py", "merkle.py", "timestamp.py")


def _jsonl(handle, items: Iterable[Mapping]) -> None:
    for item in items:
        handle.write((_dumps(item) + "\n").encode("utf-8"))


def write_package(
    target,
    *,
    kind: str,
    scope: Mapping,
    chains: Iterable[Mapping],
    events: Iterable[Mapping],
    anchors: Iterable[Mapping],
    ca_pem: bytes,
    created: str,
) -> None:
    """Write an evidence package (ZIP) to ``target``, a path or a binary file object.

    ``chains`` are ``{"key", "name", "legacy"}``; ``events`` and ``anchors``
    are the lines of ``events.jsonl`` and ``anchors.jsonl`` as described in
    the module docstring (anchors' ``token`` as base64 text). Events and
    anchors are written as they come, so both may be generators over a
    database cursor. The verifier's own files are copied from this folder.
    """
    if kind not in ("chain", "order"):
        raise ValueError(f"Unknown package kind {kind!r}.")
    manifest = {
        "format": PACKAGE_FORMAT,
        "version": 1,
        "kind": kind,
        "created": created,
        "scope": dict(scope),
        "chains": [dict(c) for c in chains],
    }
    here = Path(__file__).resolve().parent
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("package.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        with archive.open("events.jsonl", "w", force_zip64=True) as handle:
            _jsonl(handle, events)
        with archive.open("anchors.jsonl", "w") as handle:
            _jsonl(handle, anchors)
        archive.writestr("ca.pem", ca_pem or b"")
        for name in VERIFIER_FILES:
            archive.write(here / name, name)
        archive.writestr("README.txt", PACKAGE_README)


class PackageError(ValueError):
    """The package cannot be read (not a package, a file missing, a bad line)."""


class _Package:
    """Read access to a package, zipped or unpacked, streaming its lines."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            self._zip = None
        elif zipfile.is_zipfile(self.path):
            self._zip = zipfile.ZipFile(self.path)
        else:
            raise PackageError(f"{self.path}: neither a ZIP file nor a directory.")
        try:
            self.manifest = json.loads(self.read("package.json"))
        except ValueError as e:
            raise PackageError(f"package.json: {e}") from e
        if self.manifest.get("format") != PACKAGE_FORMAT or self.manifest.get("version") != 1:
            raise PackageError("package.json: not an evidence package of version 1.")

    def read(self, name: str) -> bytes:
        try:
            if self._zip is not None:
                return self._zip.read(name)
            return (self.path / name).read_bytes()
        except (KeyError, FileNotFoundError) as e:
            raise PackageError(f"{name} is missing from the package.") from e

    def lines(self, name: str) -> Iterator[dict]:
        if self._zip is not None:
            try:
                handle = self._zip.open(name)
            except KeyError as e:
                raise PackageError(f"{name} is missing from the package.") from e
        else:
            try:
                handle = (self.path / name).open("rb")
            except FileNotFoundError as e:
                raise PackageError(f"{name} is missing from the package.") from e
        with handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except ValueError as e:
                    raise PackageError(f"{name} line {number}: {e}") from e
                if type(item) is not dict:
                    raise PackageError(f"{name} line {number}: not a JSON object.")
                yield item


def _anchor_from(item: dict) -> AnchorRecord:
    return AnchorRecord(
        chain=item["chain"],
        number=int(item["number"]),
        size=int(item["size"]),
        root=item["root"],
        head=item["head"],
        token=base64.b64decode(item["token"]),
        tsa_time=item.get("tsa_time"),
        consistency=tuple(item.get("consistency") or ()),
    )


def _row_from(item: dict) -> ChainRow:
    return ChainRow(
        id=item["id"],
        payload=item["payload"],
        payload_hash=item["payload_hash"],
        prev_hash=item["prev_hash"],
        hash=item["hash"],
        columns=item.get("columns") or {},
        sequence=item.get("sequence"),
    )


def verify_package(path: str | Path, ca_pem: bytes | None = None) -> dict[str, VerifyResult]:
    """Verify an evidence package; the verdict of each of its chains, by chain key.

    ``ca_pem`` replaces the package's ``ca.pem``. Raises :class:`PackageError`
    if the package cannot be read. Chain packages are walked like the
    database; in order packages each event is checked on its own (hashes,
    columns) and by its inclusion proof against its anchor — ``anchored``
    then counts the events so proven and ``unanchored`` those no anchor
    covers yet.
    """
    package = _Package(path)
    ca = ca_pem if ca_pem is not None else package.read("ca.pem")
    kind = package.manifest.get("kind")
    chains = {c["key"]: c for c in package.manifest.get("chains", [])}
    try:
        anchors: dict[str, list[AnchorRecord]] = {key: [] for key in chains}
        for item in package.lines("anchors.jsonl"):
            anchors.setdefault(item["chain"], []).append(_anchor_from(item))
        checked = {key: check_anchors(items, ca) for key, items in anchors.items()}
        if kind == "chain":
            return _verify_chain_package(package, chains, anchors, checked)
        if kind == "order":
            return _verify_order_package(package, chains, anchors, checked)
    except (KeyError, TypeError, ValueError) as e:
        if isinstance(e, PackageError):
            raise
        raise PackageError(f"malformed package: {e!r}") from e
    raise PackageError(f"package.json: unknown kind {kind!r}.")


def _anchor_failure(reason: str) -> VerifyResult:
    return VerifyResult(False, 0, None, reason, GENESIS)


def _verify_chain_package(package, chains, anchors, checked) -> dict[str, VerifyResult]:
    if len(chains) != 1:
        raise PackageError("a chain package holds exactly one chain.")
    (key,) = chains
    reason, times = checked[key]
    if reason is not None:
        return {key: _anchor_failure(reason)}
    verifier = ChainVerifier(
        checkpoints={a.size: a.checkpoint() for a in anchors[key] if a.size},
        require_v2=not chains[key].get("legacy"),
        anchor_times=times,
    )
    rows = (_row_from(item) for item in package.lines("events.jsonl") if item["chain"] == key)
    verifier.feed(rows)
    return {key: verifier.result()}


def _verify_order_package(package, chains, anchors, checked) -> dict[str, VerifyResult]:
    by_number = {key: {a.number: a for a in items} for key, items in anchors.items()}
    state = {key: {"checked": 0, "anchored": 0, "last": None, "broken": None} for key in chains}
    for item in package.lines("events.jsonl"):
        key = item["chain"]
        if key not in state:
            raise PackageError(f"events.jsonl: event {item.get('id')} of an unknown chain.")
        info = state[key]
        if info["broken"] is not None:
            continue
        if checked[key][0] is not None:
            info["broken"] = _anchor_failure(checked[key][0])
            continue
        row = _row_from(item)
        info["checked"] += 1
        reason = None
        if sha256_hex(row.payload) != row.payload_hash:
            reason = "payload_hash"
        elif link_hash(row.prev_hash, row.payload_hash) != row.hash:
            reason = "link_hash"
        elif row.columns:
            reason = _column_mismatch(row.payload, row.columns, not chains[key].get("legacy"))
        if reason is None and item.get("anchor") is not None:
            anchor = by_number[key].get(int(item["anchor"]))
            proof = [bytes.fromhex(h) for h in item.get("proof") or ()]
            if anchor is None or not merkle.verify_inclusion(
                leaf_of(row.hash), row.sequence, anchor.size, proof, bytes.fromhex(anchor.root)
            ):
                reason = f"inclusion:{item['anchor']}"
            else:
                info["anchored"] += 1
                if info["last"] is None or anchor.number > info["last"].number:
                    info["last"] = anchor
        if reason is not None:
            info["broken"] = VerifyResult(
                False,
                info["checked"],
                row.id,
                reason,
                GENESIS,
                broken_sequence=row.sequence,
            )
    results = {}
    for key, info in state.items():
        if info["broken"] is not None:
            results[key] = info["broken"]
            continue
        if checked[key][0] is not None:
            results[key] = _anchor_failure(checked[key][0])
            continue
        last = info["last"]
        results[key] = VerifyResult(
            True,
            info["checked"],
            None,
            None,
            GENESIS,
            anchored=info["anchored"],
            anchor_number=last.number if last else None,
            anchor_time=checked[key][1].get(last.number) if last else None,
            unanchored=info["checked"] - info["anchored"],
        )
    return results


# --------------------------------------------------------------------------
# Command line: python -m evidence verify PACKAGE
# --------------------------------------------------------------------------

_REASONS = {
    "sequence": "its position in the chain is wrong (an event was removed or inserted)",
    "prev_link": "the previous link does not match: an event was removed, inserted or reordered",
    "payload_hash": "the payload was altered",
    "link_hash": "the hash was altered",
    "bad_payload": "the payload is unreadable",
    "column_mismatch": "the column {detail} differs from the signed payload",
    "anchor_mismatch": "the chain up to here differs from what anchor {detail} certified",
    "truncated": "events were deleted from the end: anchor {detail} covers more events",
    "anchor_token": "the time-stamp token of anchor {detail} is not valid for the trusted CA",
    "anchor_consistency": "anchor {detail} does not extend the tree of the anchor before it",
    "anchor_order": "anchor {detail} is out of order",
    "inclusion": "its inclusion proof does not lead to the head certified by anchor {detail}",
}


def describe(key: str, result: VerifyResult) -> str:
    """One line of English text for the verdict on chain ``key``."""
    if result.ok:
        text = f"{key}: intact, {result.checked} events verified"
        if result.anchor_number is not None:
            text += (
                f"; anchored up to {result.anchored} events by anchor {result.anchor_number}"
                f" ({result.anchor_time})"
            )
        else:
            text += "; not anchored"
        if result.unanchored:
            text += f"; {result.unanchored} events not yet anchored"
        return text + "."
    reason = _REASONS.get(result.code, result.code or "").format(detail=result.detail)
    where = (
        f" at event {result.broken_id} (no. {result.broken_sequence})"
        if result.broken_id is not None
        else ""
    )
    return f"{key}: BROKEN{where}: {reason}. {result.checked} events checked."


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m evidence``; returns the exit status."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m evidence", description="Verify an EMC Suite evidence package."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="verify a package (ZIP file or unpacked directory)")
    verify.add_argument("package")
    verify.add_argument("--ca", help="PEM file of the trusted CA (default: the package's ca.pem)")
    verify.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    args = parser.parse_args(argv)
    try:
        ca = Path(args.ca).read_bytes() if args.ca else None
        results = verify_package(args.package, ca)
    except (OSError, PackageError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({key: r.as_dict() for key, r in results.items()}, indent=2))
    else:
        for key, result in results.items():
            print(describe(key, result))
    return 0 if all(r.ok for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
