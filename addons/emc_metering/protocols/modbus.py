"""Asynchronous Modbus RTU / TCP reader over pymodbus (3.11 API).

One :class:`ModbusGateway` stands for one physical link: a Modbus TCP
device or gateway (``tcp``: MBAP framing, or RTU framing over TCP for the
transparent serial servers common on Chinese sites) or an RS-485 port
(``serial``, Modbus RTU). Many meters (unit ids) share a gateway; the
gateway holds one :class:`asyncio.Lock`, and every request takes it, so that
requests on one bus never overlap (RS-485 is half-duplex, and a transparent
TCP gateway forwards one request at a time). On a serial line the gateway
also keeps the Modbus inter-frame silence between two requests (3.5
characters of 11 bits, at least 1.75 ms) unless told otherwise.

:meth:`ModbusGateway.read_plan` executes a read plan (:func:`..points.plan_reads`)
for one unit id and returns :class:`..points.Reading` objects (scale and the
meter's CT/PT ratios applied, timestamped when each block's answer arrived).
It stops at the first failing block: readings of one meter come whole or
not at all. The gateway does not retry: pymodbus runs with ``retries=0``,
and retries with back-off are the caller's, who sees one typed error per
failed request. The gateway connects on first use and reconnects on the
next request after the link was lost. Like the pymodbus client inside it, a
gateway belongs to the event loop that first connected it.

Failures
--------
All derive from :class:`ModbusError` (``gateway`` names the link):

* :class:`ModbusTimeout` (a TimeoutError): no byte of an answer within
  ``timeout`` seconds.
* :class:`ModbusFrameError`: bytes came but no valid answer: ``reason`` is
  ``"crc"`` (an RTU frame whose CRC does not match), ``"framing"``
  (truncated or undecodable bytes) or ``"mismatch"`` (an answer with another
  register count); ``raw`` holds the received bytes.
* :class:`ModbusExceptionResponse`: the device answered with an exception;
  ``code`` (1 illegal function, 2 illegal data address, 3 illegal data
  value, 4 server device failure, 6 busy, 10/11 gateway path unavailable /
  target failed to respond...) and ``meaning``.
* :class:`ModbusConnectionError` (a ConnectionError): the link cannot be
  opened, or was lost during the request.

Decoding never raises for one bad value (see :func:`..points.decode_block`).
"""

from __future__ import annotations

import asyncio
import datetime as _dt
from collections.abc import Sequence

from pymodbus.client import AsyncModbusSerialClient, AsyncModbusTcpClient
from pymodbus.exceptions import ConnectionException, ModbusException, ModbusIOException
from pymodbus.framer import FramerRTU, FramerType

from .points import FUNCTIONS, MODBUS_MAX_REGISTERS, ReadBlock, Reading, decode_block

__all__ = [
    "EXCEPTION_CODES",
    "ModbusConnectionError",
    "ModbusError",
    "ModbusExceptionResponse",
    "ModbusFrameError",
    "ModbusGateway",
    "ModbusTimeout",
]

EXCEPTION_CODES = {
    1: "illegal function",
    2: "illegal data address",
    3: "illegal data value",
    4: "server device failure",
    5: "acknowledge",
    6: "server device busy",
    7: "negative acknowledge",
    8: "memory parity error",
    10: "gateway path unavailable",
    11: "gateway target device failed to respond",
}


class ModbusError(Exception):
    """Base of the errors of a Modbus request; ``gateway`` names the link."""

    def __init__(self, message: str, gateway: str = ""):
        super().__init__(message)
        self.gateway = gateway


class ModbusTimeout(ModbusError, TimeoutError):
    """No answer within the timeout."""


class ModbusFrameError(ModbusError):
    """Bytes arrived but formed no valid answer (``reason``: crc, framing, mismatch)."""

    def __init__(
        self, message: str, gateway: str = "", *, reason: str = "framing", raw: bytes = b""
    ):
        super().__init__(message, gateway)
        self.reason = reason
        self.raw = raw


class ModbusExceptionResponse(ModbusError):
    """The device answered with a Modbus exception ``code``."""

    def __init__(self, code: int, function: int, unit_id: int, gateway: str = ""):
        self.code = code
        self.function = function
        self.unit_id = unit_id
        self.meaning = EXCEPTION_CODES.get(code, "unknown exception")
        super().__init__(
            f"Unit {unit_id} on {gateway} answered function {function} with exception {code} ({self.meaning}).",
            gateway,
        )


class ModbusConnectionError(ModbusError, ConnectionError):
    """The link cannot be opened or was lost."""


def _silent_interval(baudrate: int) -> float:
    return max(0.00175, 3.5 * 11 / baudrate)


class ModbusGateway:
    """One Modbus link shared by the meters behind it (see the module docstring).

    Build it with :meth:`tcp` or :meth:`serial`. The pymodbus client is made
    on the first :meth:`connect`, inside the running event loop.
    """

    def __init__(
        self, description: str, factory, *, framer: FramerType, inter_request_delay: float
    ):
        self.description = description
        self.framer = framer
        self.inter_request_delay = inter_request_delay
        self.lock = asyncio.Lock()
        self._factory = factory
        self._client = None
        self._rx = b""
        self._last = None

    @classmethod
    def tcp(
        cls,
        host: str,
        port: int = 502,
        *,
        timeout: float = 1.0,
        rtu_framing: bool = False,
        inter_request_delay: float = 0.0,
    ) -> ModbusGateway:
        """A Modbus TCP device or gateway; ``rtu_framing`` for RTU frames over TCP."""
        framer = FramerType.RTU if rtu_framing else FramerType.SOCKET

        def factory(trace):
            return AsyncModbusTcpClient(
                host,
                port=port,
                framer=framer,
                timeout=timeout,
                retries=0,
                reconnect_delay=0,
                trace_packet=trace,
            )

        scheme = "rtu+tcp" if rtu_framing else "tcp"
        return cls(
            f"{scheme}://{host}:{port}",
            factory,
            framer=framer,
            inter_request_delay=inter_request_delay,
        )

    @classmethod
    def serial(
        cls,
        port: str,
        *,
        baudrate: int = 9600,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: int = 1,
        timeout: float = 1.0,
        inter_request_delay: float | None = None,
    ) -> ModbusGateway:
        """An RS-485 port in Modbus RTU (``port``: a device path or pyserial URL)."""

        def factory(trace):
            return AsyncModbusSerialClient(
                port,
                framer=FramerType.RTU,
                baudrate=baudrate,
                bytesize=bytesize,
                parity=parity,
                stopbits=stopbits,
                timeout=timeout,
                retries=0,
                reconnect_delay=0,
                trace_packet=trace,
            )

        delay = _silent_interval(baudrate) if inter_request_delay is None else inter_request_delay
        return cls(
            f"serial://{port}?{baudrate}{parity}{stopbits}",
            factory,
            framer=FramerType.RTU,
            inter_request_delay=delay,
        )

    def _trace(self, sending: bool, data: bytes) -> bytes:
        # pymodbus hands the whole receive buffer of the pending request here:
        # what is left of it after a failure tells a timeout from a bad frame
        if not sending:
            self._rx = bytes(data)
        return data

    @property
    def connected(self) -> bool:
        return self._client is not None and self._client.connected

    async def connect(self) -> None:
        """Open the link (ModbusConnectionError if it cannot be opened)."""
        if self._client is None:
            self._client = self._factory(self._trace)
        if self._client.connected:
            return
        try:
            ok = await self._client.connect()
        except (OSError, ModbusException) as exc:
            raise ModbusConnectionError(
                f"Cannot open {self.description}: {exc}", self.description
            ) from exc
        if not ok:
            raise ModbusConnectionError(f"Cannot open {self.description}.", self.description)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    async def __aenter__(self) -> ModbusGateway:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        self.close()

    async def _pace(self) -> None:
        if self._last is not None and self.inter_request_delay:
            wait = self._last + self.inter_request_delay - asyncio.get_running_loop().time()
            if wait > 0:
                await asyncio.sleep(wait)

    def _failure(
        self, exc: ModbusException, unit_id: int, function: int, address: int
    ) -> ModbusError:
        where = f"unit {unit_id} function {function} address {address} on {self.description}"
        text = str(exc)
        if isinstance(exc, ConnectionException):
            return ModbusConnectionError(f"Link lost, {where}: {text}", self.description)
        if isinstance(exc, ModbusIOException) and "No response" in text:
            raw = self._rx
            if raw:
                if self.framer == FramerType.RTU and len(raw) >= 4:
                    good = FramerRTU.check_CRC(raw[:-2], int.from_bytes(raw[-2:], "big"))
                    if not good:
                        return ModbusFrameError(
                            f"CRC mismatch in the answer of {where}: {raw.hex(' ')}",
                            self.description,
                            reason="crc",
                            raw=raw,
                        )
                return ModbusFrameError(
                    f"Truncated or undecodable answer of {where}: {raw.hex(' ')}",
                    self.description,
                    reason="framing",
                    raw=raw,
                )
            if not self.connected and "CLOSING" not in text:
                return ModbusConnectionError(
                    f"Link lost during the request, {where}.", self.description
                )
            return ModbusTimeout(f"No answer from {where}.", self.description)
        return ModbusFrameError(f"Bad answer of {where}: {text}", self.description, raw=self._rx)

    async def read_registers(
        self, unit_id: int, function: int, address: int, count: int
    ) -> list[int]:
        """Read ``count`` registers with function 3 (holding) or 4 (input) from ``unit_id``."""
        if (
            function not in FUNCTIONS
            or not 1 <= count <= MODBUS_MAX_REGISTERS
            or not 0 <= unit_id <= 247
        ):
            raise ValueError(
                f"Cannot read {count} registers with function {function} from unit {unit_id}."
            )
        async with self.lock:
            await self._pace()
            await self.connect()
            self._rx = b""
            read = (
                self._client.read_holding_registers
                if function == 3
                else self._client.read_input_registers
            )
            try:
                response = await read(address, count=count, device_id=unit_id)
            except ModbusException as exc:
                raise self._failure(exc, unit_id, function, address) from exc
            finally:
                self._last = asyncio.get_running_loop().time()
        if response.isError():
            raise ModbusExceptionResponse(
                getattr(response, "exception_code", 0), function, unit_id, self.description
            )
        registers = list(response.registers)
        if len(registers) != count:
            raise ModbusFrameError(
                f"Unit {unit_id} on {self.description} returned {len(registers)} registers for {count} asked.",
                self.description,
                reason="mismatch",
                raw=self._rx,
            )
        return registers

    async def read_plan(
        self,
        unit_id: int,
        plan: Sequence[ReadBlock],
        *,
        ct: float = 1.0,
        pt: float = 1.0,
        meter: str | None = None,
    ) -> list[Reading]:
        """Readings of every block of ``plan`` from ``unit_id`` (raises on the first failed block)."""
        readings: list[Reading] = []
        for block in plan:
            registers = await self.read_registers(
                unit_id, block.function, block.address, block.count
            )
            ts = _dt.datetime.now(_dt.timezone.utc)
            readings += decode_block(block, registers, ct=ct, pt=pt, ts=ts, meter=meter)
        return readings
