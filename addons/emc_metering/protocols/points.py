"""Register points, register codecs, read plans and device maps of meters.

Pure Python (standard library only). Every driver of :mod:`..protocols`
returns :class:`Reading` objects built here, so that the poller ingests
Modbus, DL/T 645 and MQTT values through one path.

Channels and units
------------------
A channel is the code of one quantity of one meter, ``[a-z][a-z0-9_]*``. The
shipped maps use one vocabulary, always in these units, so that channels of
different models compare: ``energy_import_total`` / ``energy_export_total``
(forward / reverse active energy, kWh), ``energy_import_t1`` .. ``_t4``
(tariffs 1-4: 尖 critical peak, 峰 peak, 平 flat, 谷 valley),
``energy_combined_total`` (kWh), ``voltage_a|b|c|ab|bc|ca`` (V),
``current_a|b|c|n`` (A), ``power_total|a|b|c`` (kW),
``reactive_power_*`` (kvar), ``apparent_power_*`` (kVA), ``pf_*`` (no unit),
``frequency`` (Hz). Energy channels are ``cumulative`` (a register that only
grows, differences give consumption); all others are ``instantaneous``.

Register layout
---------------
A Modbus register is a 16-bit word; a value spans ``count`` consecutive
registers, ``count`` derived from the data type:

=========================  =====  =========================================
data type                  count  value
=========================  =====  =========================================
``int16`` / ``uint16``     1      two's complement / unsigned
``int32`` / ``uint32``     2
``int64`` / ``uint64``     4
``float32`` / ``float64``  2 / 4  IEEE 754 binary32 / binary64
``bcd16`` / ``bcd32``      1 / 2  4 / 8 packed BCD digits, unsigned
=========================  =====  =========================================

The bytes of the value, most significant first, are A B C D (E F G H for
64-bit values). ``word_order`` says which register comes first on the wire
(``big``: the most significant word), ``byte_order`` which byte comes first
inside each register (``big``: the most significant byte). For 32 bits:
big/big = ABCD (Modbus default), little/big = CDAB, big/little = BADC,
little/little = DCBA. BCD digits are read from the same assembled bytes.

A point's engineering value is ``raw * scale``, a float (64-bit integers
beyond 2**53 keep their 53 leading bits); then, for the meter's CT and
PT ratios, ``ratio`` says which multiplier applies: ``none``, ``ct`` (currents),
``pt`` (voltages) or ``ct_pt`` (power and energy, the 倍率 of the meter).
Maps whose registers already hold primary-side values use ``none``.

Read plans
----------
:func:`plan_reads` groups points into block reads: per function code, points
sorted by address, a block grows while the next point starts at most
``max_gap`` unrequested registers after the block's end and the block stays
within ``max_registers`` (125 is the Modbus limit for functions 3 and 4).
Under these two rules the greedy grouping is the fewest blocks possible.
:func:`decode_block` turns the registers of one block back into readings.

Readings and quality
--------------------
:class:`Reading` is ``(channel, value, unit, kind, quality, ts, meter)``.
``quality`` is a frozenset of flags, empty when the value is good:
``invalid`` (no usable value: bad BCD digit, NaN or infinite float, or the
source said so; ``value`` is then None), ``suspect`` and ``estimated`` (a
value the source itself flagged). ``ts`` is timezone-aware.

Device maps
-----------
``maps/<name>.csv`` is UTF-8 text. Lines starting with ``#`` come first: free
comments, at least one of them starting with ``# Source:`` (the manual or
standard the map was taken from), and directives ``# @key value``:
``@protocol`` (``modbus`` or ``dlt645``, required), ``@model`` (display name),
``@max_registers`` and ``@max_gap`` (read-plan limits of the model). Then a
CSV header and one row per point. Modbus maps have the columns
``channel,address,function,type,word_order,byte_order,scale,unit,kind,ratio,description``
(``address`` decimal or ``0x`` hexadecimal, the zero-based protocol address).
DL/T 645 maps have ``di,channel,format,signed,unit,kind,ratio,description``:
``di`` is the data identifier as 8 hex digits (DI3 DI2 DI1 DI0), ``format``
the standard's notation (``XXXXXX.XX``: 8 BCD digits, 2 decimals, 4 bytes),
``signed`` ``yes`` when the most significant bit of the value is its sign.
A block identifier (``..FF..``) lists its element channels separated by
``|``; a last element containing ``{n}`` names every further element ``n`` =
1, 2, ... (the tariffs of an energy block).

Failures
--------
Constructors and codecs raise :class:`ValueError` subclasses:
:class:`BcdError` for a nibble above 9 or a value that does not fit,
:class:`MapError` (with the file name and line) for any bad map line, plain
ValueError for out-of-range addresses, counts, values or limits. Decoding a
block never raises for one bad value: that reading gets the ``invalid`` flag.
"""

from __future__ import annotations

import csv
import datetime as _dt
import enum
import io
import math
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "MAPS_DIR",
    "QUALITY_ESTIMATED",
    "QUALITY_FLAGS",
    "QUALITY_INVALID",
    "QUALITY_SUSPECT",
    "BcdError",
    "BcdFormat",
    "DataItem",
    "DataType",
    "DeviceMap",
    "MapError",
    "Point",
    "ReadBlock",
    "Reading",
    "decode_block",
    "decode_words",
    "encode_words",
    "load_map",
    "load_map_file",
    "parse_map",
    "plan_reads",
    "ratio_factor",
]

MAPS_DIR = Path(__file__).resolve().parent / "maps"

QUALITY_INVALID = "invalid"
QUALITY_SUSPECT = "suspect"
QUALITY_ESTIMATED = "estimated"
QUALITY_FLAGS = frozenset({QUALITY_INVALID, QUALITY_SUSPECT, QUALITY_ESTIMATED})

KINDS = ("cumulative", "instantaneous")
RATIOS = ("none", "ct", "pt", "ct_pt")
ORDERS = ("big", "little")
FUNCTIONS = (3, 4)
MODBUS_MAX_REGISTERS = 125

_CHANNEL = re.compile(r"[a-z][a-z0-9_]{0,63}")
_DI = re.compile(r"[0-9A-F]{8}")


class BcdError(ValueError):
    """A BCD field holds a nibble above 9, or a value does not fit the field."""


class MapError(ValueError):
    """A device map file is malformed; the message names the file and line."""


# --------------------------------------------------------------------------
# Register codecs
# --------------------------------------------------------------------------


class DataType(str, enum.Enum):
    """Register data types; the value is the name used in map files."""

    INT16 = "int16"
    UINT16 = "uint16"
    INT32 = "int32"
    UINT32 = "uint32"
    INT64 = "int64"
    UINT64 = "uint64"
    FLOAT32 = "float32"
    FLOAT64 = "float64"
    BCD16 = "bcd16"
    BCD32 = "bcd32"

    @property
    def count(self) -> int:
        """Number of 16-bit registers a value of this type spans."""
        return _TYPE_COUNT[self]

    @property
    def is_float(self) -> bool:
        return self in (DataType.FLOAT32, DataType.FLOAT64)

    @property
    def is_bcd(self) -> bool:
        return self in (DataType.BCD16, DataType.BCD32)

    @property
    def signed(self) -> bool:
        return self in (DataType.INT16, DataType.INT32, DataType.INT64)


_TYPE_COUNT = {
    DataType.INT16: 1,
    DataType.UINT16: 1,
    DataType.INT32: 2,
    DataType.UINT32: 2,
    DataType.INT64: 4,
    DataType.UINT64: 4,
    DataType.FLOAT32: 2,
    DataType.FLOAT64: 4,
    DataType.BCD16: 1,
    DataType.BCD32: 2,
}


def _check_order(word_order: str, byte_order: str) -> None:
    if word_order not in ORDERS or byte_order not in ORDERS:
        raise ValueError(
            f"word_order and byte_order must be 'big' or 'little', got {word_order!r}/{byte_order!r}."
        )


def _words_to_bytes(words: Sequence[int], word_order: str, byte_order: str) -> bytes:
    """Assemble wire-order registers into the value's bytes, most significant first."""
    ordered = words if word_order == "big" else list(reversed(words))
    out = bytearray()
    for word in ordered:
        if not isinstance(word, int) or not 0 <= word <= 0xFFFF:
            raise ValueError(f"A register holds 0..65535, got {word!r}.")
        hi, lo = word >> 8, word & 0xFF
        out += bytes((hi, lo) if byte_order == "big" else (lo, hi))
    return bytes(out)


def _bytes_to_words(data: bytes, word_order: str, byte_order: str) -> list[int]:
    """Inverse of :func:`_words_to_bytes`."""
    words = []
    for i in range(0, len(data), 2):
        first, second = data[i], data[i + 1]
        words.append(first << 8 | second if byte_order == "big" else second << 8 | first)
    return words if word_order == "big" else list(reversed(words))


def _bcd_digits(data: bytes) -> int:
    value = 0
    for byte in data:
        hi, lo = byte >> 4, byte & 0x0F
        if hi > 9 or lo > 9:
            raise BcdError(f"Invalid BCD byte 0x{byte:02X} in {data.hex().upper()}.")
        value = value * 100 + hi * 10 + lo
    return value


def _bcd_bytes(value: int, size: int) -> bytes:
    if not isinstance(value, int) or value < 0 or value >= 10 ** (2 * size):
        raise BcdError(f"{value!r} does not fit {2 * size} BCD digits.")
    digits = f"{value:0{2 * size}d}"
    return bytes(int(digits[i]) << 4 | int(digits[i + 1]) for i in range(0, 2 * size, 2))


def decode_words(
    words: Sequence[int],
    data_type: DataType | str,
    word_order: str = "big",
    byte_order: str = "big",
) -> int | float:
    """Decode the registers of one value (wire order) into its raw number.

    Integers and BCD give an ``int``, floats a ``float`` (NaN and infinities
    are returned as they are; :meth:`Point.decode` flags them). Raises
    ValueError if the number of registers does not match the type or a
    register is out of range, :class:`BcdError` for a nibble above 9.
    """
    data_type = DataType(data_type)
    _check_order(word_order, byte_order)
    if len(words) != data_type.count:
        raise ValueError(
            f"{data_type.value} spans {data_type.count} register(s), got {len(words)}."
        )
    data = _words_to_bytes(words, word_order, byte_order)
    if data_type.is_bcd:
        return _bcd_digits(data)
    if data_type is DataType.FLOAT32:
        return struct.unpack(">f", data)[0]
    if data_type is DataType.FLOAT64:
        return struct.unpack(">d", data)[0]
    return int.from_bytes(data, "big", signed=data_type.signed)


def encode_words(
    value: int | float,
    data_type: DataType | str,
    word_order: str = "big",
    byte_order: str = "big",
) -> list[int]:
    """Encode a raw number into registers (wire order); inverse of :func:`decode_words`.

    Integer and BCD types need an ``int`` in range (ValueError /
    :class:`BcdError` otherwise); float32 rounds to the nearest binary32.
    """
    data_type = DataType(data_type)
    _check_order(word_order, byte_order)
    size = 2 * data_type.count
    if data_type.is_bcd:
        data = _bcd_bytes(value, size)
    elif data_type.is_float:
        data = struct.pack(">f" if data_type is DataType.FLOAT32 else ">d", value)
    else:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"{data_type.value} needs an integer, got {value!r}.")
        try:
            data = value.to_bytes(size, "big", signed=data_type.signed)
        except OverflowError:
            raise ValueError(f"{value} does not fit {data_type.value}.") from None
    return _bytes_to_words(data, word_order, byte_order)


def ratio_factor(ratio: str, ct: float = 1.0, pt: float = 1.0) -> float:
    """Multiplier of a value whose point has ``ratio``, for a meter's CT and PT ratios."""
    if ratio == "none":
        return 1.0
    if ratio == "ct":
        return float(ct)
    if ratio == "pt":
        return float(pt)
    if ratio == "ct_pt":
        return float(ct) * float(pt)
    raise ValueError(f"ratio must be one of {', '.join(RATIOS)}, got {ratio!r}.")


def _check_common(channel: str, unit: str, kind: str, ratio: str) -> None:
    if not isinstance(channel, str) or not _CHANNEL.fullmatch(channel):
        raise ValueError(
            f"Channel codes are [a-z][a-z0-9_]*, up to 64 characters, got {channel!r}."
        )
    if not isinstance(unit, str):
        raise ValueError(f"unit must be text, got {unit!r}.")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}.")
    if ratio not in RATIOS:
        raise ValueError(f"ratio must be one of {', '.join(RATIOS)}, got {ratio!r}.")


# --------------------------------------------------------------------------
# Readings
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reading:
    """One value of one channel, as every driver returns it.

    ``value`` is the engineering value (scale and CT/PT ratio applied), None
    only when ``quality`` holds ``invalid``. ``kind`` is None when the source
    does not say (MQTT items). ``meter`` is the meter code or address the
    caller or the source gave, None when the caller knows it.
    """

    channel: str
    value: float | None
    unit: str = ""
    kind: str | None = None
    quality: frozenset[str] = frozenset()
    ts: _dt.datetime | None = None
    meter: str | None = None

    def __post_init__(self) -> None:
        unknown = self.quality - QUALITY_FLAGS
        if unknown:
            raise ValueError(f"Unknown quality flags {sorted(unknown)}.")
        if self.value is None and QUALITY_INVALID not in self.quality:
            raise ValueError(
                f"Reading of {self.channel!r} without a value must be flagged invalid."
            )
        if self.ts is not None and self.ts.tzinfo is None:
            raise ValueError("Reading timestamps must be timezone-aware.")

    @property
    def ok(self) -> bool:
        """True when no quality flag is set."""
        return not self.quality


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


# --------------------------------------------------------------------------
# Modbus points and read plans
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Point:
    """One value of a meter in Modbus registers (see the module docstring)."""

    channel: str
    address: int
    function: int = 3
    data_type: DataType = DataType.FLOAT32
    word_order: str = "big"
    byte_order: str = "big"
    scale: float = 1.0
    unit: str = ""
    kind: str = "instantaneous"
    ratio: str = "none"
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_type", DataType(self.data_type))
        _check_common(self.channel, self.unit, self.kind, self.ratio)
        _check_order(self.word_order, self.byte_order)
        if self.function not in FUNCTIONS:
            raise ValueError(
                f"Point {self.channel}: function must be 3 or 4, got {self.function!r}."
            )
        if not isinstance(self.address, int) or not 0 <= self.address <= 0xFFFF - self.count + 1:
            raise ValueError(f"Point {self.channel}: address {self.address!r} out of 0..65535.")
        if not math.isfinite(self.scale) or self.scale == 0:
            raise ValueError(f"Point {self.channel}: scale must be finite and non-zero.")

    @property
    def count(self) -> int:
        """Registers the point spans (from its data type)."""
        return self.data_type.count

    @property
    def end(self) -> int:
        """First register after the point."""
        return self.address + self.count

    def decode(self, words: Sequence[int]) -> float:
        """Engineering value (``raw * scale``) of the point's registers.

        Raises :class:`BcdError` for a bad digit and ValueError for a NaN or
        infinite float or a wrong number of registers.
        """
        raw = decode_words(words, self.data_type, self.word_order, self.byte_order)
        if not math.isfinite(raw):
            raise ValueError(f"Point {self.channel}: non-finite value {raw!r}.")
        return float(raw) * self.scale

    def encode(self, value: float) -> list[int]:
        """Registers holding the engineering ``value`` (``value / scale``, rounded for integers)."""
        raw = value / self.scale
        if not self.data_type.is_float:
            raw = round(raw)
        return encode_words(raw, self.data_type, self.word_order, self.byte_order)


@dataclass(frozen=True, slots=True)
class ReadBlock:
    """One block read: ``count`` registers from ``address`` with ``function``."""

    function: int
    address: int
    count: int
    points: tuple[Point, ...]

    @property
    def end(self) -> int:
        return self.address + self.count


def _check_unique(channels: Iterable[str], what: str) -> None:
    seen = set()
    for channel in channels:
        if channel in seen:
            raise ValueError(f"Channel {channel!r} appears twice in {what}.")
        seen.add(channel)


def plan_reads(
    points: Iterable[Point],
    max_registers: int = MODBUS_MAX_REGISTERS,
    max_gap: int = 8,
) -> list[ReadBlock]:
    """Group ``points`` into the fewest block reads (see the module docstring).

    Blocks are ordered by function code, then address. Raises ValueError for
    duplicate channels, ``max_registers`` outside 1..125 or below the size of
    a point, or a negative ``max_gap``.
    """
    points = list(points)
    _check_unique((p.channel for p in points), "the points to read")
    if not 1 <= max_registers <= MODBUS_MAX_REGISTERS:
        raise ValueError(f"max_registers must be 1..{MODBUS_MAX_REGISTERS}, got {max_registers}.")
    if max_gap < 0:
        raise ValueError(f"max_gap must be >= 0, got {max_gap}.")
    blocks: list[ReadBlock] = []
    for function in FUNCTIONS:
        group = sorted((p for p in points if p.function == function), key=lambda p: p.address)
        start = end = None
        members: list[Point] = []
        for point in group:
            if point.count > max_registers:
                raise ValueError(
                    f"Point {point.channel} spans {point.count} registers, above max_registers {max_registers}."
                )
            if (
                members
                and point.address - end <= max_gap
                and max(end, point.end) - start <= max_registers
            ):
                members.append(point)
                end = max(end, point.end)
                continue
            if members:
                blocks.append(ReadBlock(function, start, end - start, tuple(members)))
            start, end, members = point.address, point.end, [point]
        if members:
            blocks.append(ReadBlock(function, start, end - start, tuple(members)))
    return blocks


def decode_block(
    block: ReadBlock,
    registers: Sequence[int],
    *,
    ct: float = 1.0,
    pt: float = 1.0,
    ts: _dt.datetime | None = None,
    meter: str | None = None,
) -> list[Reading]:
    """Readings of the points of ``block`` from the registers it returned.

    A point whose registers do not decode (bad BCD, NaN) gives an ``invalid``
    reading; the others are unaffected. Raises ValueError only if
    ``registers`` does not have ``block.count`` entries.
    """
    if len(registers) != block.count:
        raise ValueError(
            f"Block at {block.address} expects {block.count} registers, got {len(registers)}."
        )
    ts = ts or _now()
    readings = []
    for point in block.points:
        offset = point.address - block.address
        words = registers[offset : offset + point.count]
        try:
            value = point.decode(words) * ratio_factor(point.ratio, ct, pt)
            quality: frozenset[str] = frozenset()
        except ValueError:
            value, quality = None, frozenset({QUALITY_INVALID})
        readings.append(Reading(point.channel, value, point.unit, point.kind, quality, ts, meter))
    return readings


# --------------------------------------------------------------------------
# DL/T 645 data items
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BcdFormat:
    """A DL/T 645 BCD value format: ``digits`` digits, ``decimals`` after the point.

    The value occupies ``digits / 2`` bytes, sent least significant byte
    first. When ``signed``, bit 7 of the most significant byte is the sign
    (1 = negative) and the digits hold the magnitude, so the top digit is 0..7.
    """

    digits: int
    decimals: int
    signed: bool = False

    def __post_init__(self) -> None:
        if self.digits <= 0 or self.digits % 2 or not 0 <= self.decimals <= self.digits:
            raise ValueError(
                f"BCD format needs an even number of digits, got {self.digits}/{self.decimals}."
            )

    @classmethod
    def parse(cls, notation: str, signed: bool = False) -> BcdFormat:
        """From the standard's notation, e.g. ``XXXXXX.XX`` or ``X.XXX``."""
        match = re.fullmatch(r"(X+)(?:\.(X+))?", notation)
        if not match:
            raise ValueError(f"Format must look like XXXXXX.XX, got {notation!r}.")
        whole, frac = match.group(1), match.group(2) or ""
        return cls(len(whole) + len(frac), len(frac), signed)

    @property
    def size(self) -> int:
        """Bytes of one value."""
        return self.digits // 2

    @property
    def notation(self) -> str:
        whole = "X" * (self.digits - self.decimals)
        return whole + ("." + "X" * self.decimals if self.decimals else "")

    def decode(self, data: bytes) -> float:
        """Value of ``size`` bytes in transmission order (least significant first)."""
        if len(data) != self.size:
            raise ValueError(f"{self.notation} takes {self.size} bytes, got {len(data)}.")
        big = bytearray(reversed(data))
        negative = False
        if self.signed:
            negative = bool(big[0] & 0x80)
            big[0] &= 0x7F
        magnitude = _bcd_digits(bytes(big)) / 10**self.decimals
        return -magnitude if negative else magnitude

    def encode(self, value: float) -> bytes:
        """Bytes (least significant first) of ``value``, rounded to the format's decimals."""
        scaled = round(abs(value) * 10**self.decimals)
        limit = 10**self.digits // (10 if self.signed else 1) * (8 if self.signed else 1)
        if scaled >= limit or (value < 0 and not self.signed):
            raise BcdError(
                f"{value!r} does not fit {self.notation}{' signed' if self.signed else ''}."
            )
        big = bytearray(_bcd_bytes(scaled, self.size))
        if self.signed and value < 0 and scaled:
            big[0] |= 0x80
        return bytes(reversed(big))


@dataclass(frozen=True, slots=True)
class DataItem:
    """One DL/T 645 data identifier and how its value decodes.

    ``channels`` has one name for a single value, several for a block; a
    last name containing ``{n}`` names all further elements.
    """

    di: str
    channels: tuple[str, ...]
    fmt: BcdFormat
    unit: str = ""
    kind: str = "instantaneous"
    ratio: str = "none"
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.di, str) or not _DI.fullmatch(self.di):
            raise ValueError(f"A data identifier is 8 upper-case hex digits, got {self.di!r}.")
        if not self.channels:
            raise ValueError(f"Data item {self.di} has no channel.")
        for i, name in enumerate(self.channels):
            pattern = "{n}" in name
            if pattern and i != len(self.channels) - 1:
                raise ValueError(f"Data item {self.di}: only the last channel may contain {{n}}.")
            _check_common(
                name.replace("{n}", "1") if pattern else name, self.unit, self.kind, self.ratio
            )
        _check_unique(self.channels, f"data item {self.di}")

    @property
    def is_block(self) -> bool:
        return len(self.channels) > 1 or "{n}" in self.channels[0]

    def channel(self, index: int) -> str:
        """Channel of element ``index`` (0-based); ValueError past the named elements."""
        last = len(self.channels) - 1
        if index >= last and "{n}" in self.channels[last]:
            return self.channels[last].replace("{n}", str(index - last + 1))
        if index > last:
            raise ValueError(f"Data item {self.di} names {last + 1} element(s), not {index + 1}.")
        return self.channels[index]

    def decode(self, data: bytes) -> list[tuple[str, float | None]]:
        """``(channel, value)`` of every element of ``data`` (value bytes after the DI).

        A single item needs exactly one value, a block a whole number of
        values and no more than it names (ValueError otherwise); an element
        whose digits are not BCD gives None.
        """
        size = self.fmt.size
        if not data or len(data) % size or (not self.is_block and len(data) != size):
            raise ValueError(
                f"Data item {self.di} ({self.fmt.notation}) cannot hold {len(data)} byte(s)."
            )
        out = []
        for index in range(len(data) // size):
            try:
                value: float | None = self.fmt.decode(data[index * size : (index + 1) * size])
            except BcdError:
                value = None
            out.append((self.channel(index), value))
        return out

    def encode(self, values: float | Sequence[float]) -> bytes:
        """Value bytes of one value or of a block's values (for simulators and tests)."""
        if isinstance(values, (int, float)):
            values = [values]
        if not self.is_block and len(values) != 1:
            raise ValueError(f"Data item {self.di} holds one value, got {len(values)}.")
        return b"".join(self.fmt.encode(v) for v in values)

    def readings(
        self,
        data: bytes,
        *,
        ct: float = 1.0,
        pt: float = 1.0,
        ts: _dt.datetime | None = None,
        meter: str | None = None,
    ) -> list[Reading]:
        """Readings of the decoded elements (``invalid`` where the digits were bad)."""
        ts = ts or _now()
        factor = ratio_factor(self.ratio, ct, pt)
        return [
            Reading(channel, None, self.unit, self.kind, frozenset({QUALITY_INVALID}), ts, meter)
            if value is None
            else Reading(channel, value * factor, self.unit, self.kind, frozenset(), ts, meter)
            for channel, value in self.decode(data)
        ]


# --------------------------------------------------------------------------
# Device maps
# --------------------------------------------------------------------------

_MODBUS_COLUMNS = (
    "channel",
    "address",
    "function",
    "type",
    "word_order",
    "byte_order",
    "scale",
    "unit",
    "kind",
    "ratio",
    "description",
)
_DLT_COLUMNS = ("di", "channel", "format", "signed", "unit", "kind", "ratio", "description")
_DIRECTIVES = ("protocol", "model", "max_registers", "max_gap")


@dataclass(frozen=True)
class DeviceMap:
    """A parsed map file: Modbus ``points`` or DL/T 645 ``items``, with its sources."""

    name: str
    protocol: str
    model: str
    source: tuple[str, ...]
    points: tuple[Point, ...] = ()
    items: tuple[DataItem, ...] = ()
    max_registers: int = MODBUS_MAX_REGISTERS
    max_gap: int = 0
    comments: tuple[str, ...] = field(default=(), repr=False)

    @property
    def channels(self) -> tuple[str, ...]:
        if self.protocol == "modbus":
            return tuple(p.channel for p in self.points)
        return tuple(c for item in self.items for c in item.channels)

    def point(self, channel: str) -> Point:
        """The Modbus point of ``channel`` (KeyError if absent)."""
        for point in self.points:
            if point.channel == channel:
                return point
        raise KeyError(f"Map {self.name} has no point {channel!r}.")

    def item(self, di: str) -> DataItem:
        """The DL/T 645 item of data identifier ``di`` (KeyError if absent)."""
        di = di.upper()
        for item in self.items:
            if item.di == di:
                return item
        raise KeyError(f"Map {self.name} has no data identifier {di}.")

    def plan(
        self,
        channels: Iterable[str] | None = None,
        max_registers: int | None = None,
        max_gap: int | None = None,
    ) -> list[ReadBlock]:
        """Read plan of ``channels`` (all by default) within the map's limits."""
        if self.protocol != "modbus":
            raise ValueError(f"Map {self.name} is not a Modbus map.")
        points = self.points if channels is None else [self.point(c) for c in channels]
        return plan_reads(
            points,
            self.max_registers if max_registers is None else max_registers,
            self.max_gap if max_gap is None else max_gap,
        )


def _yes_no(text: str) -> bool:
    if text in ("yes", "no"):
        return text == "yes"
    raise ValueError(f"expected yes or no, got {text!r}")


def _modbus_point(row: Mapping[str, str]) -> Point:
    return Point(
        channel=row["channel"],
        address=int(row["address"], 0),
        function=int(row["function"]),
        data_type=DataType(row["type"]),
        word_order=row["word_order"],
        byte_order=row["byte_order"],
        scale=float(row["scale"]),
        unit=row["unit"],
        kind=row["kind"],
        ratio=row["ratio"],
        description=row["description"],
    )


def _dlt_item(row: Mapping[str, str]) -> DataItem:
    return DataItem(
        di=row["di"],
        channels=tuple(row["channel"].split("|")),
        fmt=BcdFormat.parse(row["format"], _yes_no(row["signed"])),
        unit=row["unit"],
        kind=row["kind"],
        ratio=row["ratio"],
        description=row["description"],
    )


def parse_map(text: str, name: str) -> DeviceMap:
    """Parse the text of a map file (format in the module docstring); ``name`` is for messages."""
    lines = text.splitlines()
    comments, directives = [], {}
    body_start = len(lines)
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            body_start = number - 1
            break
        content = stripped[1:].strip()
        if content.startswith("@"):
            key, _, value = content[1:].partition(" ")
            if key not in _DIRECTIVES or not value.strip():
                raise MapError(f"{name}:{number}: unknown or empty directive {content!r}.")
            directives[key] = value.strip()
        else:
            comments.append(content)
    source = tuple(c for c in comments if c.startswith("Source:"))
    if not source:
        raise MapError(f"{name}: the leading comments must name the source ('# Source: ...').")
    protocol = directives.get("protocol")
    if protocol not in ("modbus", "dlt645"):
        raise MapError(f"{name}: '# @protocol modbus' or '# @protocol dlt645' is required.")
    columns = _MODBUS_COLUMNS if protocol == "modbus" else _DLT_COLUMNS
    reader = csv.DictReader(io.StringIO("\n".join(lines[body_start:])), skipinitialspace=True)
    if tuple(reader.fieldnames or ()) != columns:
        raise MapError(f"{name}:{body_start + 1}: header must be {','.join(columns)}.")
    entries = []
    for row in reader:
        number = body_start + reader.line_num
        if None in row or any(value is None for value in row.values()):
            raise MapError(f"{name}:{number}: expected {len(columns)} columns.")
        try:
            entries.append(_modbus_point(row) if protocol == "modbus" else _dlt_item(row))
        except (ValueError, KeyError) as exc:
            raise MapError(f"{name}:{number}: {exc}") from None
    if not entries:
        raise MapError(f"{name}: the map has no rows.")
    try:
        if protocol == "modbus":
            _check_unique((p.channel for p in entries), f"map {name}")
        else:
            _check_unique((i.di for i in entries), f"the identifiers of map {name}")
        max_registers = int(directives.get("max_registers", MODBUS_MAX_REGISTERS))
        max_gap = int(directives.get("max_gap", 0))
        if not 1 <= max_registers <= MODBUS_MAX_REGISTERS or max_gap < 0:
            raise ValueError("@max_registers must be 1..125 and @max_gap >= 0")
    except ValueError as exc:
        raise MapError(f"{name}: {exc}") from None
    return DeviceMap(
        name=name,
        protocol=protocol,
        model=directives.get("model", name),
        source=source,
        points=tuple(entries) if protocol == "modbus" else (),
        items=tuple(entries) if protocol == "dlt645" else (),
        max_registers=max_registers,
        max_gap=max_gap,
        comments=tuple(comments),
    )


def load_map_file(path: str | Path) -> DeviceMap:
    """Parse the map file at ``path``; the map's name is the file's stem."""
    path = Path(path)
    return parse_map(path.read_text(encoding="utf-8"), path.stem)


_MAP_CACHE: dict[str, DeviceMap] = {}


def load_map(name: str) -> DeviceMap:
    """The shipped map ``maps/<name>.csv`` (parsed once per process).

    Raises KeyError naming the available maps if there is none of that name.
    """
    if name not in _MAP_CACHE:
        path = MAPS_DIR / f"{name}.csv"
        if not re.fullmatch(r"[a-z0-9_]+", name) or not path.is_file():
            available = ", ".join(sorted(p.stem for p in MAPS_DIR.glob("*.csv")))
            raise KeyError(f"No device map {name!r}; available: {available}.")
        _MAP_CACHE[name] = load_map_file(path)
    return _MAP_CACHE[name]
