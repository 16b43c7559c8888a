"""Meters and links that tests talk to: real peers, no mocks (no Odoo import).

* :class:`ModbusSimulator`: an event-loop thread hosting pymodbus servers on
  127.0.0.1 (Modbus TCP, or RTU framing over TCP) or on a pseudo-terminal
  (Modbus RTU), each answering for any number of :class:`SimulatedMeter`
  (one per unit id). Register values are set per channel of a device map or
  per register; each meter can inject a fault: stop answering
  (``"silent"``), corrupt its answers (``"bad_crc"``: a wrong CRC in RTU
  framing, a truncated frame in TCP framing) or answer with a Modbus
  exception code (an ``int``).
* :class:`Dlt645Simulator`: DL/T 645-2007 meters on one pseudo-terminal:
  read data for the identifiers it was given (follow-up frames when an
  answer exceeds ``followup_size``), an abnormal answer ("no requested
  data") for the others, read address, broadcast time sync; faults
  ``"silent"``, ``"bad_checksum"`` and ``"truncated"`` (the answer stops
  three bytes short).
* :class:`PtyLink`: two pseudo-terminals joined like a null-modem cable
  (what one side writes, the other reads).
* :class:`TcpProxy`: a TCP relay whose connections a test can cut, to make a
  client reconnect.

Every object here is started by ``start()`` or ``with`` and stopped by
``stop()`` (or the end of the ``with`` block), which ends its threads,
servers and file descriptors. Servers listen on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import os
import pty
import select
import socket
import threading
import tty
from collections.abc import Iterable, Mapping, Sequence

from pymodbus.constants import ExcCodes
from pymodbus.datastore import ModbusBaseDeviceContext, ModbusServerContext
from pymodbus.framer import FramerType
from pymodbus.server import ModbusSerialServer, ModbusTcpServer

from ..protocols import dlt645
from ..protocols.points import DataItem, DeviceMap, load_map

SILENT = "silent"
BAD_CRC = "bad_crc"
BAD_CHECKSUM = "bad_checksum"
TRUNCATED = "truncated"


def _open_pty() -> tuple[int, int, str]:
    master, slave = pty.openpty()
    tty.setraw(slave)
    return master, slave, os.ttyname(slave)


class PtyLink:
    """Two pseudo-terminals bridged both ways; ``a`` and ``b`` are their device paths.

    Both slave ends stay open in this process so that a side closing its
    port does not break the bridge.
    """

    def __init__(self) -> None:
        self._fds: list[int] = []
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.a = self.b = ""

    def start(self) -> PtyLink:
        master_a, slave_a, self.a = _open_pty()
        master_b, slave_b, self.b = _open_pty()
        self._fds = [master_a, slave_a, master_b, slave_b]
        self._thread = threading.Thread(target=self._pump, args=(master_a, master_b), daemon=True)
        self._thread.start()
        return self

    def _pump(self, master_a: int, master_b: int) -> None:
        peer = {master_a: master_b, master_b: master_a}
        while not self._stop.is_set():
            ready, _, _ = select.select(list(peer), [], [], 0.05)
            for fd in ready:
                with contextlib.suppress(OSError):
                    data = os.read(fd, 4096)
                    if data:
                        os.write(peer[fd], data)

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds = []

    def __enter__(self) -> PtyLink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --------------------------------------------------------------------------
# Modbus
# --------------------------------------------------------------------------


class SimulatedMeter(ModbusBaseDeviceContext):
    """Registers of one Modbus meter (functions 3 and 4), with fault injection.

    With ``strict``, reading a register that no point of ``device_map``
    covers answers "illegal data address", like meters that refuse
    undocumented registers; otherwise unset registers read 0.
    """

    def __init__(self, device_map: DeviceMap | None = None, *, strict: bool = False):
        self.device_map = device_map
        self.strict = strict
        self.fault: str | int | None = None
        self.requests = 0
        self._registers: dict[int, dict[int, int]] = {3: {}, 4: {}}
        self._lock = threading.Lock()
        self._covered = {
            (p.function, a)
            for p in (device_map.points if device_map else ())
            for a in range(p.address, p.end)
        }

    def set_value(self, channel: str, value: float) -> None:
        """Store ``value`` (engineering units) in the registers of the map's ``channel``."""
        point = self.device_map.point(channel)
        self.set_registers(point.function, point.address, point.encode(value))

    def set_values(self, values: Mapping[str, float]) -> None:
        for channel, value in values.items():
            self.set_value(channel, value)

    def set_registers(self, function: int, address: int, words: Sequence[int]) -> None:
        """Store raw register ``words`` from ``address`` (all at once for readers)."""
        with self._lock:
            for offset, word in enumerate(words):
                self._registers[function][address + offset] = word

    def reset(self) -> None:
        with self._lock:
            self._registers = {3: {}, 4: {}}

    def getValues(self, func_code, address, count=1):
        self.requests += 1
        if isinstance(self.fault, int):
            return ExcCodes(self.fault)
        if func_code not in self._registers:
            return ExcCodes.ILLEGAL_FUNCTION
        span = range(address, address + count)
        if self.strict and any((func_code, a) not in self._covered for a in span):
            return ExcCodes.ILLEGAL_ADDRESS
        with self._lock:
            store = self._registers[func_code]
            return [store.get(a, 0) for a in span]

    def setValues(self, func_code, address, values):
        return ExcCodes.ILLEGAL_FUNCTION


class _Endpoint:
    """One pymodbus server and the meters it answers for."""

    def __init__(
        self, simulator: ModbusSimulator, meters: Mapping[int, SimulatedMeter], framer: FramerType
    ):
        self.simulator = simulator
        self.meters = dict(meters)
        self.framer = framer
        self.server = None
        self._pending: str | int | None = None

    def _context(self) -> ModbusServerContext:
        return ModbusServerContext(devices=self.meters, single=False)

    def _trace_pdu(self, sending: bool, pdu):
        if sending:
            meter = self.meters.get(pdu.dev_id)
            self._pending = meter.fault if meter else None
        return pdu

    def _trace_packet(self, sending: bool, data: bytes) -> bytes:
        if not sending:
            return data
        fault, self._pending = self._pending, None
        if fault == SILENT:
            return b""
        if fault == BAD_CRC:
            if self.framer == FramerType.RTU:
                return data[:-1] + bytes([data[-1] ^ 0xFF])
            return data[:-1]
        return data

    def stop(self) -> None:
        """Shut this server down (its clients lose their connection)."""
        if self.server is not None:
            self.simulator.call(self.server.shutdown())
            self.server = None


class TcpEndpoint(_Endpoint):
    host = "127.0.0.1"
    port = 0

    async def _start(self, host: str, port: int) -> None:
        self.server = ModbusTcpServer(
            self._context(),
            framer=self.framer,
            address=(host, port),
            ignore_missing_devices=True,
            trace_packet=self._trace_packet,
            trace_pdu=self._trace_pdu,
        )
        await self.server.serve_forever(background=True)
        self.host, self.port = self.server.transport.sockets[0].getsockname()[:2]


class SerialEndpoint(_Endpoint):
    """A Modbus RTU server on one side of a :class:`PtyLink`; clients open ``port``."""

    link: PtyLink | None = None
    port = ""

    async def _start(self, baudrate: int, parity: str, stopbits: int) -> None:
        self.server = ModbusSerialServer(
            self._context(),
            framer=FramerType.RTU,
            port=self.link.a,
            baudrate=baudrate,
            parity=parity,
            stopbits=stopbits,
            ignore_missing_devices=True,
            trace_packet=self._trace_packet,
            trace_pdu=self._trace_pdu,
        )
        await self.server.serve_forever(background=True)
        self.port = self.link.b

    def stop(self) -> None:
        super().stop()
        if self.link:
            self.link.stop()
            self.link = None


class ModbusSimulator:
    """Hosts Modbus servers in a background event-loop thread (see the module docstring)."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self.endpoints: list[_Endpoint] = []

    def start(self) -> ModbusSimulator:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._loop.call_soon(ready.set)
            self._loop.run_forever()
            self._loop.close()

        self._thread = threading.Thread(target=run, name="modbus-simulator", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def call(self, coroutine, timeout: float = 30):
        """Run ``coroutine`` in the simulator's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def add_tcp(
        self,
        meters: Mapping[int, SimulatedMeter],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rtu_framing: bool = False,
    ) -> TcpEndpoint:
        """Serve ``meters`` (unit id -> meter) on TCP; port 0 picks a free port (``.port``)."""
        endpoint = TcpEndpoint(self, meters, FramerType.RTU if rtu_framing else FramerType.SOCKET)
        self.call(endpoint._start(host, port))
        self.endpoints.append(endpoint)
        return endpoint

    def add_rtu(
        self,
        meters: Mapping[int, SimulatedMeter],
        *,
        baudrate: int = 9600,
        parity: str = "N",
        stopbits: int = 1,
    ) -> SerialEndpoint:
        """Serve ``meters`` in Modbus RTU on a pseudo-terminal; clients open ``.port``."""
        endpoint = SerialEndpoint(self, meters, FramerType.RTU)
        endpoint.link = PtyLink().start()
        try:
            self.call(endpoint._start(baudrate, parity, stopbits))
        except BaseException:
            endpoint.link.stop()
            raise
        self.endpoints.append(endpoint)
        return endpoint

    def stop(self) -> None:
        for endpoint in self.endpoints:
            with contextlib.suppress(Exception):
                endpoint.stop()
        self.endpoints = []
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop = None

    def __enter__(self) -> ModbusSimulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --------------------------------------------------------------------------
# DL/T 645
# --------------------------------------------------------------------------


class Dlt645Simulator:
    """DL/T 645-2007 meters on one pseudo-terminal (see the module docstring).

    ``meters`` maps each address to ``{di: value or list of block values}``.
    ``fault`` maps an address to ``"silent"``, ``"bad_checksum"`` or ``"truncated"``.
    ``received`` lists every frame the meters saw, ``times`` the wall times
    broadcast to them.
    """

    def __init__(
        self,
        meters: Mapping[str, Mapping[str, float | Sequence[float]]],
        *,
        items: Iterable[DataItem] | None = None,
        preamble: int = 2,
        followup_size: int | None = None,
    ):
        self.items = {
            i.di: i for i in (items if items is not None else load_map("dlt645_2007").items)
        }
        self.meters = {
            address.upper(): {di.upper(): v for di, v in values.items()}
            for address, values in meters.items()
        }
        self.fault: dict[str, str] = {}
        self.preamble = preamble
        self.followup_size = followup_size
        self.received: list[dlt645.Frame] = []
        self.times: list[_dt.datetime] = []
        self.port = ""
        self._pending: dict[tuple[str, str], list[bytes]] = {}
        self._fds: list[int] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def set_value(self, address: str, di: str, value: float | Sequence[float]) -> None:
        self.meters[address.upper()][di.upper()] = value

    def start(self) -> Dlt645Simulator:
        master, slave, self.port = _open_pty()
        self._fds = [master, slave]
        self._thread = threading.Thread(
            target=self._serve, args=(master,), name="dlt645-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        for fd in self._fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds = []

    def __enter__(self) -> Dlt645Simulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _serve(self, master: int) -> None:
        buf = bytearray()
        while not self._stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                buf += os.read(master, 4096)
            except OSError:
                continue
            while True:
                try:
                    frame, used = dlt645.scan_frame(buf)
                except dlt645.FrameError:
                    # a meter drops a frame with a bad checksum and waits for the next one
                    buf.clear()
                    break
                del buf[:used]
                if frame is None:
                    break
                self.received.append(frame)
                for answer in self._answers(frame):
                    os.write(master, answer)

    def _answers(self, frame: dlt645.Frame) -> list[bytes]:
        if frame.is_response:
            return []
        if (
            frame.function == dlt645.Control.BROADCAST_TIME
            and frame.address == dlt645.BROADCAST_ADDRESS
        ):
            self.times.append(_decode_time(frame.data))
            return []
        if frame.address == dlt645.BROADCAST_ADDRESS:
            return []
        answers = []
        for address in self.meters:
            if not dlt645.address_matches(frame.address, address):
                continue
            fault = self.fault.get(address)
            if fault == SILENT:
                continue
            answer = self._answer(address, frame)
            raw = answer.encode(self.preamble)
            if fault == BAD_CHECKSUM:
                raw = raw[:-2] + bytes([(raw[-2] + 1) & 0xFF]) + raw[-1:]
            elif fault == TRUNCATED:
                raw = raw[:-3]
            answers.append(raw)
        return answers

    def _answer(self, address: str, frame: dlt645.Frame) -> dlt645.Frame:
        function = frame.function
        if function == dlt645.Control.READ_ADDRESS:
            return dlt645.Frame(
                address, dlt645.DIRECTION | function, dlt645.encode_address(address)
            )
        if function == dlt645.Control.READ_DATA and len(frame.data) == 4:
            di = bytes(reversed(frame.data)).hex().upper()
            if di not in self.meters[address] or di not in self.items:
                return dlt645.abnormal_response(address, function, 0x02)
            value = self.items[di].encode(self.meters[address][di])
            size = self.followup_size
            if size is None or len(value) <= size:
                return dlt645.read_response(address, di, value)
            chunks = [value[i : i + size] for i in range(0, len(value), size)]
            self._pending[(address, di)] = chunks[1:]
            return dlt645.read_response(address, di, chunks[0], followup=True)
        if function == dlt645.Control.READ_FOLLOWUP and len(frame.data) == 5:
            di = bytes(reversed(frame.data[:4])).hex().upper()
            chunks = self._pending.get((address, di))
            if not chunks:
                return dlt645.abnormal_response(address, function, 0x02)
            chunk = chunks.pop(0)
            return dlt645.read_response(
                address, di, chunk, followup=bool(chunks), seq=frame.data[4]
            )
        return dlt645.abnormal_response(address, function, 0x01)


def _decode_time(data: bytes) -> _dt.datetime:
    second, minute, hour, day, month, year = ((b >> 4) * 10 + (b & 0x0F) for b in data)
    return _dt.datetime(2000 + year, month, day, hour, minute, second)


# --------------------------------------------------------------------------
# TCP relay
# --------------------------------------------------------------------------


class TcpProxy:
    """Relays 127.0.0.1:``port`` to ``target``; :meth:`drop` cuts every open connection."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.port = 0
        self.accepted = 0
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> TcpProxy:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self._spawn(self._accept)
        return self

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
                self.accepted += 1
            self._spawn(self._pipe, client, upstream)
            self._spawn(self._pipe, upstream, client)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        source.settimeout(0.1)
        while not self._stop.is_set():
            try:
                data = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not data:
                break
            try:
                sink.sendall(data)
            except OSError:
                break
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def drop(self) -> None:
        """Close every relayed connection (new ones are still accepted)."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def stop(self) -> None:
        self._stop.set()
        self.drop()
        if self._listener:
            self._listener.close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
