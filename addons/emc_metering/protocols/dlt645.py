"""DL/T 645-2007 (多功能电能表通信协议): frame codec and a serial client.

Pure Python; the client drives any pyserial-like port object (``write``,
``read``, ``flush``, ``reset_input_buffer``, ``in_waiting``, ``timeout``),
e.g. ``serial.serial_for_url("/dev/ttyUSB0")`` or a pseudo-terminal path.

Frame
-----
::

    FE.. 68 A0 A1 A2 A3 A4 A5 68 C L DATA(L bytes) CS 16

* Any number of ``FE`` bytes may precede a frame (the wake-up preamble; the
  master sends four, meters send 0 to 4).
* ``A0..A5``: the meter address, 12 BCD digits sent least significant byte
  first: address ``"123456789012"`` is sent ``12 90 78 56 34 12``. A byte
  ``AA`` is a wildcard (``"AAAAAAAAAAAA"`` reaches whichever meter is alone
  on the bus); ``"999999999999"`` is the broadcast address (no meter answers
  a broadcast).
* ``C``, the control code: bit 7 direction (1 = answer from the meter), bit 6
  abnormal answer, bit 5 follow-up frame exists, bits 4..0 the function:
  ``08`` broadcast time sync, ``11`` read data, ``12`` read follow-up data,
  ``13`` read address, ``14`` write data, ``15`` write address, ``16``
  freeze, ``17`` change baud rate, ``18`` change password, ``19`` clear
  maximum demand, ``1A`` clear meter, ``1B`` clear events. A normal answer
  to read data is ``91`` (``B1`` when follow-up frames exist), an abnormal
  one ``D1``.
* ``L``: number of data bytes (at most 200 in a read answer). Every data byte
  is sent plus ``0x33`` (mod 256) and received minus ``0x33``;
  :class:`Frame.data` holds the bytes without the offset.
* ``CS``: sum of all bytes from the first ``68`` to the last data byte, mod
  256. ``16`` ends the frame.

Data: a data identifier (DI) is written ``DI3 DI2 DI1 DI0`` as 8 hex digits
(``"00010000"`` = forward active energy, total) and sent ``DI0`` first.
Read data sends the DI; the answer repeats it, then the value bytes, whose
formats come from the ``dlt645_2007`` device map (see
:class:`..points.DataItem`: BCD, least significant byte first, optional sign
bit). Read follow-up sends ``DI + SEQ`` (1, 2, ...) and is answered with
``DI + data + SEQ``. Broadcast time sync carries ``ss mm hh DD MM YY``
(BCD, seconds first). An abnormal answer carries one error byte whose bits
are, from bit 0: other error (其他错误), no requested data (无请求数据),
password error or unauthorized (密码错/未授权), baud rate cannot be changed
(通信速率不能更改), too many annual time zones (年时区数超), too many daily
time periods (日时段数超), too many tariffs (费率数超); bit 7 is reserved.

Timing on RS-485 (DL/T 645-2007 section 4): a meter answers 20 to 500 ms
after a request and leaves at most 500 ms between two bytes, and ignores a
frame with a bad parity or checksum. :class:`Dlt645Client` therefore waits
``response_timeout`` (default 1 s) for the first byte, then at most
``inter_byte_timeout`` (0.5 s) between bytes, keeps ``bus_idle`` (20 ms)
between the end of one exchange and the next request, empties the input
before each request, and holds one lock per port: the bus is half-duplex,
requests never overlap. Frames that are not an answer to the pending
request (a local echo of the request, another master's traffic) are skipped.
Line settings are the caller's (the standard's default is 2400 baud, 8 data
bits, even parity, 1 stop bit: :meth:`Dlt645Client.open`).

Asyncio: :class:`AsyncDlt645Client` runs the blocking client in a thread
executor, by default one dedicated thread per bus, since a half-duplex bus
serves one request at a time anyway.

Failures
--------
All errors derive from :class:`Dlt645Error`: :class:`FrameError` (a ValueError:
malformed frame, bad address or DI, an answer that does not match the
request, incomplete or garbled bytes), :class:`ChecksumError` (a
FrameError: the checksum does not match), :class:`AbnormalResponse` (the
meter answered with the abnormal flag: ``code`` is the error byte,
``meanings`` its named bits) and :class:`Timeout` (a TimeoutError: no byte
within ``response_timeout``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as _dt
import enum
import functools
import re
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .points import DataItem, Reading, load_map

__all__ = [
    "BROADCAST_ADDRESS",
    "WILDCARD_ADDRESS",
    "AbnormalResponse",
    "AsyncDlt645Client",
    "ChecksumError",
    "Control",
    "Dlt645Client",
    "Dlt645Error",
    "Frame",
    "FrameError",
    "ReadResult",
    "Timeout",
    "abnormal_response",
    "address_matches",
    "broadcast_time_request",
    "check_response",
    "decode_address",
    "decode_frame",
    "encode_address",
    "encode_di",
    "followup_request",
    "read_address_request",
    "read_request",
    "read_response",
    "scan_frame",
]

BROADCAST_ADDRESS = "999999999999"
WILDCARD_ADDRESS = "AAAAAAAAAAAA"
PREAMBLE = 0xFE
START = 0x68
END = 0x16
OFFSET = 0x33
MAX_DATA = 200

DIRECTION = 0x80
ABNORMAL = 0x40
FOLLOWUP = 0x20
FUNCTION_MASK = 0x1F

CHINA_TIME = _dt.timezone(_dt.timedelta(hours=8))

ERROR_BITS = (
    (0x01, "other error"),
    (0x02, "no requested data"),
    (0x04, "password error or unauthorized"),
    (0x08, "baud rate cannot be changed"),
    (0x10, "too many annual time zones"),
    (0x20, "too many daily time periods"),
    (0x40, "too many tariffs"),
)


class Control(enum.IntEnum):
    """Function codes (bits 4..0 of the control code) of DL/T 645-2007."""

    BROADCAST_TIME = 0x08
    READ_DATA = 0x11
    READ_FOLLOWUP = 0x12
    READ_ADDRESS = 0x13
    WRITE_DATA = 0x14
    WRITE_ADDRESS = 0x15
    FREEZE = 0x16
    CHANGE_BAUD = 0x17
    CHANGE_PASSWORD = 0x18
    CLEAR_DEMAND = 0x19
    CLEAR_METER = 0x1A
    CLEAR_EVENTS = 0x1B


class Dlt645Error(Exception):
    """Base of the errors of this module."""


class FrameError(Dlt645Error, ValueError):
    """Malformed, incomplete or unexpected frame."""


class ChecksumError(FrameError):
    """The checksum of a frame does not match its bytes."""


class Timeout(Dlt645Error, TimeoutError):
    """The meter sent nothing within the response timeout."""


class AbnormalResponse(Dlt645Error):
    """The meter answered with the abnormal flag (control code bit 6)."""

    def __init__(self, code: int, function: int, address: str):
        self.code = code
        self.function = function
        self.address = address
        self.meanings = tuple(name for bit, name in ERROR_BITS if code & bit) or ("unspecified",)
        super().__init__(
            f"Meter {address} refused function 0x{function:02X}: {'; '.join(self.meanings)} "
            f"(error byte 0x{code:02X})."
        )

    @property
    def meaning(self) -> str:
        return "; ".join(self.meanings)


# --------------------------------------------------------------------------
# Addresses and data identifiers
# --------------------------------------------------------------------------

_ADDRESS = re.compile(r"(?:[0-9]{2}|AA){6}")
_DI = re.compile(r"[0-9A-F]{8}")


def _normalize_address(address: str) -> str:
    if not isinstance(address, str) or not _ADDRESS.fullmatch(address.upper()):
        raise FrameError(f"A meter address is 12 digits (or AA wildcard pairs), got {address!r}.")
    return address.upper()


def encode_address(address: str) -> bytes:
    """The six address bytes as sent (least significant first)."""
    address = _normalize_address(address)
    return bytes(int(address[i : i + 2], 16) for i in range(10, -1, -2))


def decode_address(raw: bytes) -> str:
    """Address text of six received address bytes (FrameError if not BCD or AA)."""
    if len(raw) != 6:
        raise FrameError(f"An address has 6 bytes, got {len(raw)}.")
    text = "".join(f"{b:02X}" for b in reversed(raw))
    if not _ADDRESS.fullmatch(text):
        raise FrameError(f"Address bytes {bytes(raw).hex().upper()} are not BCD.")
    return text


def address_matches(pattern: str, address: str) -> bool:
    """True when ``address`` equals ``pattern`` outside the pattern's AA bytes."""
    return all(
        p == "AA" or p == a
        for p, a in zip(re.findall("..", pattern), re.findall("..", address), strict=True)
    )


def encode_di(di: str) -> bytes:
    """The four bytes of data identifier ``di`` as sent (DI0 first)."""
    if not isinstance(di, str) or not _DI.fullmatch(di.upper()):
        raise FrameError(f"A data identifier is 8 hex digits, got {di!r}.")
    return bytes.fromhex(di)[::-1]


def _decode_di(raw: bytes) -> str:
    return bytes(reversed(raw)).hex().upper()


# --------------------------------------------------------------------------
# Frames
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame: the address text, the control code and the data (offset removed)."""

    address: str
    control: int
    data: bytes = b""

    def __post_init__(self) -> None:
        object.__setattr__(self, "address", _normalize_address(self.address))
        if not 0 <= self.control <= 0xFF:
            raise FrameError(f"Control code must be one byte, got {self.control!r}.")
        if len(self.data) > 255:
            raise FrameError(f"A frame holds at most 255 data bytes, got {len(self.data)}.")

    @property
    def function(self) -> int:
        return self.control & FUNCTION_MASK

    @property
    def is_response(self) -> bool:
        return bool(self.control & DIRECTION)

    @property
    def is_abnormal(self) -> bool:
        return bool(self.control & ABNORMAL)

    @property
    def has_followup(self) -> bool:
        return bool(self.control & FOLLOWUP)

    def encode(self, preamble: int = 4) -> bytes:
        """The bytes on the wire, after ``preamble`` wake-up ``FE`` bytes."""
        body = bytearray(
            [START, *encode_address(self.address), START, self.control, len(self.data)]
        )
        body += bytes((b + OFFSET) & 0xFF for b in self.data)
        body.append(sum(body) & 0xFF)
        body.append(END)
        return bytes([PREAMBLE] * preamble) + bytes(body)


def _parse_at(buf: bytes | bytearray, i: int) -> tuple[Frame, int] | None:
    """Frame starting at ``buf[i]`` (a 68 whose second 68 is in place), or None if incomplete."""
    if len(buf) - i < 12:
        return None
    length = buf[i + 9]
    end = i + 12 + length
    if len(buf) < end:
        return None
    checksum = sum(buf[i : end - 2]) & 0xFF
    if buf[end - 2] != checksum:
        raise ChecksumError(
            f"Checksum 0x{buf[end - 2]:02X} should be 0x{checksum:02X} in {bytes(buf[i:end]).hex().upper()}."
        )
    if buf[end - 1] != END:
        raise FrameError(f"Frame does not end with 16: {bytes(buf[i:end]).hex().upper()}.")
    address = decode_address(bytes(buf[i + 1 : i + 7]))
    data = bytes((b - OFFSET) & 0xFF for b in buf[i + 10 : end - 2])
    return Frame(address, buf[i + 8], data), end


def scan_frame(buf: bytes | bytearray) -> tuple[Frame | None, int]:
    """Find the first frame in a received byte stream.

    Returns ``(frame, end)`` when a whole frame ends at ``end``, or
    ``(None, keep)`` when more bytes are needed: bytes before ``keep``
    (preamble, noise) can be dropped. Raises :class:`ChecksumError` or
    :class:`FrameError` for a whole frame that is invalid.
    """
    i = 0
    while True:
        i = buf.find(START, i)
        if i < 0:
            return None, len(buf)
        if len(buf) - i < 8:
            return None, i
        if buf[i + 7] != START:
            i += 1
            continue
        parsed = _parse_at(buf, i)
        if parsed is None:
            return None, i
        return parsed


def decode_frame(raw: bytes) -> Frame:
    """Decode exactly one frame, optionally preceded by ``FE`` bytes."""
    start = 0
    while start < len(raw) and raw[start] == PREAMBLE:
        start += 1
    if start == len(raw) or raw[start] != START:
        raise FrameError(f"No frame start (68) after the preamble in {bytes(raw).hex().upper()}.")
    if len(raw) - start < 8 or raw[start + 7] != START:
        raise FrameError(f"Second 68 missing in {bytes(raw).hex().upper()}.")
    parsed = _parse_at(raw, start)
    if parsed is None:
        raise FrameError(f"Incomplete frame {bytes(raw).hex().upper()}.")
    frame, end = parsed
    if end != len(raw):
        raise FrameError(f"{len(raw) - end} byte(s) after the end of the frame.")
    return frame


# --------------------------------------------------------------------------
# Requests and answers
# --------------------------------------------------------------------------


def read_request(address: str, di: str) -> Frame:
    """Read data (11H) of ``di`` from the meter at ``address``."""
    return Frame(address, Control.READ_DATA, encode_di(di))


def followup_request(address: str, di: str, seq: int) -> Frame:
    """Read follow-up frame ``seq`` (12H) of ``di``."""
    if not 0 <= seq <= 0xFF:
        raise FrameError(f"Frame sequence numbers are 0..255, got {seq}.")
    return Frame(address, Control.READ_FOLLOWUP, encode_di(di) + bytes([seq]))


def read_address_request() -> Frame:
    """Read address (13H), sent to the wildcard address."""
    return Frame(WILDCARD_ADDRESS, Control.READ_ADDRESS)


def _bcd(value: int) -> int:
    return (value // 10) << 4 | value % 10


def broadcast_time_request(when: _dt.datetime, tz: _dt.tzinfo = CHINA_TIME) -> Frame:
    """Broadcast time sync (08H) to ``when``: meters keep wall time, so an aware
    ``when`` is converted to ``tz`` (China Standard Time by default) and a
    naive one is taken as that wall time."""
    if when.tzinfo is not None:
        when = when.astimezone(tz)
    fields = (when.second, when.minute, when.hour, when.day, when.month, when.year % 100)
    return Frame(BROADCAST_ADDRESS, Control.BROADCAST_TIME, bytes(_bcd(v) for v in fields))


def read_response(
    address: str, di: str, value: bytes, *, followup: bool = False, seq: int | None = None
) -> Frame:
    """Normal answer to read data (91H / B1H), or to read follow-up when ``seq`` is given."""
    function = Control.READ_DATA if seq is None else Control.READ_FOLLOWUP
    data = encode_di(di) + value + (b"" if seq is None else bytes([seq]))
    if len(data) > MAX_DATA:
        raise FrameError(f"A read answer holds at most {MAX_DATA} data bytes, got {len(data)}.")
    return Frame(address, DIRECTION | (FOLLOWUP if followup else 0) | function, data)


def abnormal_response(address: str, function: int, code: int) -> Frame:
    """Abnormal answer to ``function`` with error byte ``code``."""
    return Frame(address, DIRECTION | ABNORMAL | function, bytes([code]))


def check_response(request: Frame, response: Frame) -> Frame:
    """Check that ``response`` answers ``request`` and return it.

    Raises :class:`AbnormalResponse` for an abnormal answer and
    :class:`FrameError` when the direction, function or address (outside the
    request's AA bytes) do not match.
    """
    if not response.is_response or response.function != request.function:
        raise FrameError(
            f"Control code 0x{response.control:02X} does not answer function 0x{request.function:02X}."
        )
    if not address_matches(request.address, response.address):
        raise FrameError(f"Answer from meter {response.address}, expected {request.address}.")
    if response.is_abnormal:
        code = response.data[0] if response.data else 0
        raise AbnormalResponse(code, request.function, response.address)
    return response


# --------------------------------------------------------------------------
# Client
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadResult:
    """Readings of the identifiers a meter answered, and the refused ones."""

    readings: list[Reading]
    errors: list[tuple[str, AbnormalResponse]]


def _poll_interval(inter_byte_timeout: float) -> float:
    return min(0.02, inter_byte_timeout)


class Dlt645Client:
    """Blocking DL/T 645-2007 master on one serial bus (see the module docstring).

    ``port`` is a pyserial-like object (the client sets its read timeout to a
    short poll); ``response_timeout`` bounds the wait for the first byte of an
    answer, ``inter_byte_timeout`` the silence between its bytes, ``bus_idle``
    the pause between two exchanges; ``preamble`` FE bytes precede each
    request; ``items`` is the table of value formats (by default the
    ``dlt645_2007`` map); ``owns_port`` makes :meth:`close` close the port.
    """

    def __init__(
        self,
        port,
        *,
        response_timeout: float = 1.0,
        inter_byte_timeout: float = 0.5,
        bus_idle: float = 0.02,
        preamble: int = 4,
        items: Iterable[DataItem] | None = None,
        owns_port: bool = False,
    ):
        if (
            response_timeout <= 0
            or inter_byte_timeout <= 0
            or bus_idle < 0
            or not 0 <= preamble <= 16
        ):
            raise ValueError("Timeouts must be positive, bus_idle >= 0 and preamble 0..16.")
        self.port = port
        self.response_timeout = response_timeout
        self.inter_byte_timeout = inter_byte_timeout
        self.bus_idle = bus_idle
        self.preamble = preamble
        self._items = {
            i.di: i for i in (items if items is not None else load_map("dlt645_2007").items)
        }
        self._owns_port = owns_port
        self._lock = threading.Lock()
        self._last = 0.0
        # short polls: the client measures its own timeouts between reads (the
        # setter reconfigures the port, so it is only called when needed)
        poll = _poll_interval(inter_byte_timeout)
        if self.port.timeout != poll:
            self.port.timeout = poll

    @classmethod
    def open(
        cls,
        url: str,
        *,
        baudrate: int = 2400,
        bytesize: int = 8,
        parity: str = "E",
        stopbits: float = 1,
        **options,
    ) -> Dlt645Client:
        """Open a serial port (any pyserial URL or device path) with the standard's line settings."""
        import serial  # only where a real port is opened

        port = serial.serial_for_url(
            url,
            baudrate=baudrate,
            bytesize=bytesize,
            parity=parity,
            stopbits=stopbits,
            timeout=_poll_interval(options.get("inter_byte_timeout", 0.5)),
        )
        return cls(port, owns_port=True, **options)

    def close(self) -> None:
        """Close the port if this client opened it."""
        if self._owns_port:
            self.port.close()

    def __enter__(self) -> Dlt645Client:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ----------------------------------------------------------- exchanges

    def _exchange(self, request: Frame, expect_answer: bool = True) -> Frame | None:
        with self._lock:
            wait = self._last + self.bus_idle - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                self.port.reset_input_buffer()
                self.port.write(request.encode(self.preamble))
                self.port.flush()
                return self._receive(request) if expect_answer else None
            finally:
                self._last = time.monotonic()

    def _receive(self, request: Frame) -> Frame:
        buf = bytearray()
        deadline = time.monotonic() + self.response_timeout
        while True:
            now = time.monotonic()
            if now >= deadline:
                if buf:
                    raise FrameError(
                        f"Incomplete or garbled answer from meter {request.address}: {bytes(buf).hex().upper()}."
                    )
                raise Timeout(
                    f"Meter {request.address} did not answer function 0x{request.function:02X} "
                    f"within {self.response_timeout} s."
                )
            chunk = self.port.read(max(1, self.port.in_waiting))
            if not chunk:
                continue
            buf += chunk
            deadline = time.monotonic() + self.inter_byte_timeout
            while True:
                frame, used = scan_frame(buf)
                if frame is None:
                    del buf[:used]
                    break
                del buf[:used]
                # a late answer of another meter or a local echo is not ours: keep listening
                if (
                    frame.is_response
                    and frame.function == request.function
                    and address_matches(request.address, frame.address)
                ):
                    return check_response(request, frame)

    # ------------------------------------------------------------ commands

    def read(self, address: str, di: str) -> bytes:
        """Value bytes of ``di`` (after the DI), following up multi-frame answers."""
        di = di.upper()
        request = read_request(address, di)
        frame = self._exchange(request)
        if frame.data[:4] != encode_di(di):
            raise FrameError(f"Answer for identifier {_decode_di(frame.data[:4])}, expected {di}.")
        value = bytearray(frame.data[4:])
        seq = 0
        while frame.has_followup:
            seq = seq % 255 + 1
            request = followup_request(frame.address, di, seq)
            frame = self._exchange(request)
            if frame.data[:4] != encode_di(di) or len(frame.data) < 5 or frame.data[-1] != seq:
                raise FrameError(
                    f"Follow-up frame {seq} of {di} does not match: {frame.data.hex().upper()}."
                )
            value += frame.data[4:-1]
        return bytes(value)

    def item(self, di: str) -> DataItem:
        """The data item of ``di`` from the client's table (KeyError if unknown)."""
        try:
            return self._items[di.upper()]
        except KeyError:
            raise KeyError(f"No format known for data identifier {di}.") from None

    def read_readings(
        self,
        address: str,
        dis: Sequence[str],
        *,
        ct: float = 1.0,
        pt: float = 1.0,
        meter: str | None = None,
    ) -> ReadResult:
        """Read every identifier of ``dis`` and decode it.

        An abnormal answer is recorded in ``errors`` and the next identifier
        read; a timeout or a frame error aborts (the meter or the bus is
        down) and raises. FrameError also when a value does not fit its
        format.
        """
        items = [self.item(di) for di in dis]
        readings: list[Reading] = []
        errors: list[tuple[str, AbnormalResponse]] = []
        for item in items:
            try:
                value = self.read(address, item.di)
            except AbnormalResponse as exc:
                errors.append((item.di, exc))
                continue
            try:
                readings += item.readings(value, ct=ct, pt=pt, meter=meter)
            except ValueError as exc:
                raise FrameError(f"Meter {address}, {item.di}: {exc}") from None
        return ReadResult(readings, errors)

    def read_address(self) -> str:
        """Address of the only meter on the bus (read address 13H to AAAAAAAAAAAA)."""
        frame = self._exchange(read_address_request())
        if len(frame.data) != 6:
            raise FrameError(
                f"Read-address answer carries {len(frame.data)} data bytes, expected 6."
            )
        return decode_address(frame.data)

    def broadcast_time(self, when: _dt.datetime, tz: _dt.tzinfo = CHINA_TIME) -> None:
        """Broadcast a time sync (no meter answers)."""
        self._exchange(broadcast_time_request(when, tz), expect_answer=False)


class AsyncDlt645Client:
    """Asyncio face of a :class:`Dlt645Client`: every call runs in a thread executor.

    Without ``executor``, a dedicated single-thread executor is created and
    shut down by :meth:`close`; calls on one bus run one after the other.
    """

    def __init__(self, client: Dlt645Client, executor: concurrent.futures.Executor | None = None):
        self.client = client
        self._own_executor = executor is None
        self._executor = executor or concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="dlt645"
        )

    async def _run(self, method, *args, **kwargs):
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, functools.partial(method, *args, **kwargs)
        )

    async def read(self, address: str, di: str) -> bytes:
        return await self._run(self.client.read, address, di)

    async def read_readings(self, address: str, dis: Sequence[str], **options) -> ReadResult:
        return await self._run(self.client.read_readings, address, dis, **options)

    async def read_address(self) -> str:
        return await self._run(self.client.read_address)

    async def broadcast_time(self, when: _dt.datetime, tz: _dt.tzinfo = CHINA_TIME) -> None:
        await self._run(self.client.broadcast_time, when, tz)

    def close(self) -> None:
        """Shut down the own executor (waiting for the running call) and close the client."""
        if self._own_executor:
            self._executor.shutdown(wait=True)
        self.client.close()
