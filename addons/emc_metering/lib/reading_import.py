"""Parser of meter readings exported by vendors' systems as CSV, for backfills.

Pure Python (standard library only): the import wizard
(``wizards/emc_meter_reading_import.py``) calls :func:`parse`, resolves the
meter and channel codes to channels and hands the rows to the one ingestion
path (``emc.meter.reading._ingest``); the unit tests run it without a
database.

File format
-----------
* Encoding: UTF-8 with or without BOM, UTF-16 with BOM (Excel's "Unicode
  text"), or GBK / GB 18030 (Chinese Excel's "CSV"); tried in that order
  (:func:`decode`).
* Delimiter: comma, semicolon, tab or vertical bar, found from the header
  line (:func:`sniff_delimiter`): the candidate that splits the header into
  the most cells, at least two, wins; ties go to the order of
  :data:`DELIMITERS`. Cells may be quoted as in RFC 4180.
* The first non-empty line names the columns. Each field of a reading is
  found by a column name (:data:`ALIASES`, case-insensitive, English or
  Chinese) unless the caller maps it explicitly (``mapping``):

  - ``meter``: the meter number (optional when the caller gives a default
    meter: the file holds one meter);
  - ``channel``: the channel code (optional: the default channel, or the
    meter's consumption channel, is meant);
  - ``timestamp``: ISO 8601 (``2026-03-02T10:15:00+08:00``, ``2026-03-02
    10:15``, ``Z``, ``+0800``), ``YYYY/MM/DD HH:MM[:SS]``,
    ``YYYY年MM月DD日 HH:MM``, a bare date (midnight), or Unix time in
    seconds (10 digits) or milliseconds (13 digits). Day-first dates
    (``02/03/2026``) are refused: they are ambiguous. A timestamp without
    offset is local time in ``tz`` (an IANA name, default Asia/Shanghai).
    Parsed timestamps are naive UTC, as Odoo stores datetimes;
  - ``value``: the reading, a decimal number. With ``decimal="point"``
    (default) a comma in a number is refused (decimal comma or thousands
    separator: the file must say which); with ``decimal="comma"`` the comma
    is the decimal separator and a point is refused. Exponents are
    accepted; NaN, infinities, digit grouping and units are not.

Row-level failures never stop the parse: each bad row gives a
:class:`RowError` (line number in the file, header = line 1, a reason code of
:data:`ROW_ERRORS` and its parameters, the row's cells) and the good rows
are returned all the same. The caller turns the codes into translated
messages. A file that cannot be read at all (encoding, no header, a
required column missing) raises :class:`ImportFormatError` with a code of
:data:`FILE_ERRORS`.

Repeats inside one file: a row for the same (meter, channel, timestamp) as
an earlier row with the same value is dropped and counted in
``ParseResult.repeated``; with another value it is an error
(``conflict``), the first row being kept. The database then ignores rows it
already holds (``ON CONFLICT DO NOTHING``), so importing the same file twice
stores nothing twice.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DELIMITERS = ("\t", ";", ",", "|")
FIELDS = ("meter", "channel", "timestamp", "value")
ALIASES = {
    "meter": (
        "meter",
        "meter code",
        "meter_code",
        "meter no",
        "meter_no",
        "meter number",
        "表号",
        "电表编号",
        "表计编号",
        "计量点编号",
        "设备编号",
    ),
    "channel": (
        "channel",
        "channel code",
        "channel_code",
        "register",
        "通道",
        "通道编码",
        "数据项",
    ),
    "timestamp": (
        "timestamp",
        "time",
        "datetime",
        "date_time",
        "ts",
        "reading time",
        "reading_time",
        "时间",
        "采集时间",
        "抄表时间",
        "数据时间",
    ),
    "value": ("value", "reading", "读数", "示数", "表码", "数值", "值"),
}
DECIMALS = ("point", "comma")

# Reasons a row is refused (codes of RowError.code) and their parameters.
ROW_ERRORS = {
    "short_row": ("cells", "needed"),
    "missing_meter": (),
    "missing_timestamp": (),
    "bad_timestamp": ("value",),
    "missing_value": (),
    "bad_value": ("value",),
    "decimal_comma": ("value",),
    "decimal_point": ("value",),
    "not_finite": ("value",),
    "conflict": ("first",),
}
# Reasons a whole file is refused (codes of ImportFormatError.code).
FILE_ERRORS = {
    "encoding": (),
    "empty": (),
    "missing_columns": ("missing", "header"),
    "unknown_column": ("column", "header"),
    "bad_timezone": ("tz",),
    "bad_decimal": ("decimal",),
}

_DATE = r"(?P<y>\d{4})\s*[-/.年]\s*(?P<mo>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
_TIME = (
    r"(?P<h>\d{1,2})\s*[:时]\s*(?P<mi>\d{2})(?:\s*[:分]\s*(?P<s>\d{2})(?:[.,](?P<f>\d+))?\s*秒?)?"
)
_OFFSET = r"(?P<z>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)"
_TIMESTAMP = re.compile(rf"^{_DATE}(?:(?:T|\s+){_TIME})?\s*{_OFFSET}?$", re.IGNORECASE)
_EPOCH = re.compile(r"^(?P<sec>\d{10})(?:\.(?P<frac>\d+))?$|^(?P<ms>\d{13})$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


class ImportFormatError(ValueError):
    """The file cannot be read at all; ``code`` is a key of :data:`FILE_ERRORS`."""

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


class RowValueError(ValueError):
    """One cell cannot be read; ``code`` is a key of :data:`ROW_ERRORS`."""

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Row:
    """A good row: ``ts`` naive UTC; ``meter``/``channel`` as written (or None: the default)."""

    line: int
    meter: str | None
    channel: str | None
    ts: datetime
    value: float


@dataclass(frozen=True)
class RowError:
    line: int
    code: str
    params: dict
    cells: tuple


@dataclass
class ParseResult:
    encoding: str
    delimiter: str
    header: list
    columns: dict  # field -> cell index, for the fields found
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    repeated: int = 0


# ----------------------------------------------------------------------
# Pieces
# ----------------------------------------------------------------------
def decode(data):
    """``(text, encoding)`` of the file's bytes; ImportFormatError("encoding") when none fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "gb18030")
    for encoding in candidates:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise ImportFormatError("encoding")


def _header_line(text):
    for line in text.splitlines():
        if line.strip():
            return line
    raise ImportFormatError("empty")


def sniff_delimiter(text):
    """The delimiter that splits the header line into the most cells (at least two)."""
    header = _header_line(text)
    best, best_count = None, 1
    for delimiter in DELIMITERS:
        count = len(next(csv.reader([header], delimiter=delimiter)))
        if count > best_count:
            best, best_count = delimiter, count
    # One column only: a single-meter file of values is still unusable (no time),
    # map_columns reports what is missing.
    return best or ","


def normalise_name(name):
    return " ".join(name.replace("\ufeff", "").strip().strip('"').lower().split())


def map_columns(header, mapping=None, required=("timestamp", "value")):
    """``{field: index}`` from the header names and the caller's ``mapping`` {field: column name}."""
    names = [normalise_name(cell) for cell in header]
    columns = {}
    for name in FIELDS:
        wanted = (mapping or {}).get(name)
        if wanted:
            key = normalise_name(wanted)
            if key not in names:
                raise ImportFormatError("unknown_column", column=wanted, header=header)
            columns[name] = names.index(key)
            continue
        for alias in ALIASES[name]:
            if alias in names:
                columns[name] = names.index(alias)
                break
    missing = [name for name in required if name not in columns]
    if missing:
        raise ImportFormatError("missing_columns", missing=missing, header=header)
    return columns


def timezone_of(name):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ImportFormatError("bad_timezone", tz=name) from error


def _offset(text):
    text = text.upper()
    if text in ("Z", "UTC", "GMT"):
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(text)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def parse_timestamp(text, tz):
    """Naive UTC datetime of ``text``; local times are in ``tz`` (a tzinfo). RowValueError."""
    text = text.strip()
    if not text:
        raise RowValueError("missing_timestamp")
    epoch = _EPOCH.match(text)
    try:
        if epoch:
            if epoch["ms"]:
                seconds = int(epoch["ms"]) / 1000.0
            else:
                seconds = float(f"{epoch['sec']}.{epoch['frac'] or 0}")
            return datetime(1970, 1, 1) + timedelta(seconds=seconds)
        match = _TIMESTAMP.match(text)
        if not match:
            raise ValueError(text)
        fraction = (match["f"] or "0")[:6].ljust(6, "0")
        local = datetime(
            int(match["y"]),
            int(match["mo"]),
            int(match["d"]),
            int(match["h"] or 0),
            int(match["mi"] or 0),
            int(match["s"] or 0),
            int(fraction),
        )
        zone = _offset(match["z"]) if match["z"] else tz
        return local.replace(tzinfo=zone).astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError) as error:
        raise RowValueError("bad_timestamp", value=text) from error


def parse_value(text, decimal="point"):
    """The float of ``text`` under the ``decimal`` convention; RowValueError."""
    text = text.strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        raise RowValueError("missing_value")
    if decimal == "point" and "," in text:
        raise RowValueError("decimal_comma", value=text)
    if decimal == "comma":
        if "." in text:
            raise RowValueError("decimal_point", value=text)
        text_number = text.replace(",", ".")
    else:
        text_number = text
    if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
        raise RowValueError("not_finite", value=text)
    if not _NUMBER.match(text_number):
        raise RowValueError("bad_value", value=text)
    value = float(text_number)
    if not math.isfinite(value):
        raise RowValueError("not_finite", value=text)
    return value


# ----------------------------------------------------------------------
# The file
# ----------------------------------------------------------------------
def parse(
    data,
    *,
    tz="Asia/Shanghai",
    decimal="point",
    mapping=None,
    has_default_meter=False,
    delimiter=None,
):
    """Parse the bytes of a CSV export into a :class:`ParseResult` (see the module docstring).

    ``has_default_meter``: rows without a meter cell belong to the caller's
    meter, and the file need not have a meter column. ``delimiter`` forces
    the delimiter instead of sniffing it.
    """
    if decimal not in DECIMALS:
        raise ImportFormatError("bad_decimal", decimal=decimal)
    zone = timezone_of(tz)
    text, encoding = decode(data)
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = None
    for cells in reader:
        if any(cell.strip() for cell in cells):
            header = cells
            break
    if header is None:
        raise ImportFormatError("empty")
    required = ("timestamp", "value") if has_default_meter else ("meter", "timestamp", "value")
    columns = map_columns(header, mapping, required)
    result = ParseResult(encoding, delimiter, header, columns)
    needed = max(columns.values()) + 1
    meter_i, channel_i = columns.get("meter"), columns.get("channel")
    ts_i, value_i = columns["timestamp"], columns["value"]
    seen = {}
    ts_cache = {}
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        line = reader.line_num
        try:
            if len(cells) < needed:
                raise RowValueError("short_row", cells=len(cells), needed=needed)
            meter = cells[meter_i].strip() if meter_i is not None else ""
            if not meter and not has_default_meter:
                raise RowValueError("missing_meter")
            channel = cells[channel_i].strip() if channel_i is not None else ""
            raw_ts = cells[ts_i]
            ts = ts_cache.get(raw_ts)
            if ts is None:
                ts = parse_timestamp(raw_ts, zone)
                if len(ts_cache) < 100_000:
                    ts_cache[raw_ts] = ts
            value = parse_value(cells[value_i], decimal)
        except RowValueError as error:
            result.errors.append(RowError(line, error.code, error.params, tuple(cells)))
            continue
        key = (meter, channel, ts)
        first = seen.get(key)
        if first is not None:
            if first[1] == value:
                result.repeated += 1
            else:
                result.errors.append(RowError(line, "conflict", {"first": first[0]}, tuple(cells)))
            continue
        seen[key] = (line, value)
        result.rows.append(Row(line, meter or None, channel or None, ts, value))
    return result


def error_csv(header, errors, labels=("line", "reason")):
    """The bytes (UTF-8 with BOM, for Excel) of a CSV of refused rows.

    ``errors``: ``[(line, reason text, cells)]``. Columns: the line number,
    the reason (headed by ``labels``, the caller's translations), then the
    row's cells under the file's own header, so that the rows can be
    corrected and imported again.
    """
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([*labels, *header])
    for line, reason, cells in errors:
        writer.writerow([line, reason, *cells])
    return buffer.getvalue().encode("utf-8-sig")
