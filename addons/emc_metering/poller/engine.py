"""The poller's engine: leases, one worker per gateway, batched writes (asyncio).

No Odoo import here: the database is reached through a *store* (see
:class:`Store`; :mod:`.store` is the Odoo one), whose blocking methods run
one at a time in a dedicated thread, each in its own short transaction.

Life of a poller
----------------
1. ``register``: the poller announces itself (name, host, pid) and refuses
   to start when a live poller already uses its name.
2. Every ``lease_seconds / 3`` (a *round*): ``lease`` renews the poller's
   gateway leases, claims free or expired gateways up to its fair share and
   names the ones above it; the engine stops the workers of gateways it lost
   or must give up, releases the latter, loads the configuration of the ones
   it holds and starts or updates their workers.
3. Workers (:mod:`.links`) poll their gateway's meters one at a time (an
   RS-485 bus is half-duplex) while workers of different gateways run
   concurrently. Each result -- readings stamped with the slot, or a
   failure -- is appended to the buffer.
4. The buffer is written every ``flush_interval`` seconds (sooner when it
   holds ``max_buffer`` polls) in one transaction: readings through the
   readings store's COPY path, online/offline changes through the meters'
   state log. A failed write keeps the buffer for the next attempt, so a
   database restart loses nothing the poller holds.
5. On :meth:`Poller.request_stop` (SIGTERM, SIGINT): workers stop, the
   buffer is written, leases released, the poller unregistered.

A poller that is killed holds its readings of the last ``flush_interval``
at most; its leases expire after ``lease_seconds`` and another poller takes
its gateways over and polls the current slot again at once (see
:mod:`.slots`): as long as ``lease_seconds + lease_seconds / 3`` is shorter
than the polling interval, the slot being read when the poller died is read
again by the new owner.

When the poller cannot renew its leases for ``lease_seconds`` (database
unreachable), it stops its workers: another poller may hold the gateways by
then, and two masters on one bus would collide.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as _dt
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ..protocols.points import DataItem, ReadBlock, Reading

__all__ = ["GatewayConfig", "LeaseRound", "MeterConfig", "Poll", "Poller", "Store"]

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MeterConfig:
    """What a worker needs to poll one meter (loaded by the store)."""

    id: int
    code: str
    protocol: str
    interval: int
    offline_after: int = 3
    unit_id: int = 1
    address: str = ""
    ct: float = 1.0
    pt: float = 1.0
    plan: tuple[ReadBlock, ...] = ()
    items: tuple[DataItem, ...] = ()
    state: str = "unknown"
    failures: int = 0


@dataclass(frozen=True)
class GatewayConfig:
    """A gateway's link settings and its meters."""

    id: int
    code: str
    name: str
    transport: str
    protocol: str = "modbus"
    serial_port: str = ""
    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: int = 1
    host: str = ""
    port: int = 502
    rtu_over_tcp: bool = False
    mqtt_url: str = ""
    mqtt_topic: str = ""
    client_id: str = ""
    timeout: float = 1.0
    retries: int = 2
    retry_delay: float = 0.5
    meters: tuple[MeterConfig, ...] = ()

    def link_key(self) -> tuple:
        """Everything but the meters: a worker is restarted when this changes."""
        return (
            self.transport,
            self.protocol,
            self.serial_port,
            self.baudrate,
            self.bytesize,
            self.parity,
            self.stopbits,
            self.host,
            self.port,
            self.rtu_over_tcp,
            self.mqtt_url,
            self.mqtt_topic,
            self.code,
            self.timeout,
            self.retries,
            self.retry_delay,
        )


@dataclass
class Poll:
    """One result for the store: a meter's readings or a failed poll.

    ``ts`` is the slot timestamp given to every reading (None: keep the
    readings' own timestamps, as MQTT payloads carry them); ``record_state``
    says whether the meter's online state must be written (a failure, or
    the first answer after failures). ``ack`` runs once the poll is committed.
    """

    meter_id: int
    gateway_id: int
    when: _dt.datetime
    ok: bool
    readings: list[Reading] = field(default_factory=list)
    ts: _dt.datetime | None = None
    error: str = ""
    record_state: bool = False
    ack: Callable[[], None] | None = None


@dataclass(frozen=True)
class LeaseRound:
    """Result of :meth:`Store.lease`: gateways held (renewed or claimed), and those above the fair share."""

    held: tuple[int, ...]
    extra: tuple[int, ...] = ()


class Store:
    """The blocking database side of the poller (every method is one transaction)."""

    def register(self, name: str, lease_seconds: float) -> None:
        raise NotImplementedError

    def lease(self, name: str, lease_seconds: float) -> LeaseRound:
        raise NotImplementedError

    def load(self, gateway_ids: list[int]) -> list[GatewayConfig]:
        raise NotImplementedError

    def write(self, polls: list[Poll]) -> dict:
        raise NotImplementedError

    def release(self, name: str, gateway_ids: list[int] | None = None) -> None:
        raise NotImplementedError

    def unregister(self, name: str) -> None:
        raise NotImplementedError


def utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


class Poller:
    """One poller process's engine (see the module docstring)."""

    def __init__(
        self,
        store: Store,
        *,
        name: str,
        lease_seconds: float = 30.0,
        flush_interval: float = 1.0,
        max_buffer: int = 2000,
        seconds_per_minute: float = 60.0,
        clock: Callable[[], float] = time.time,
        worker_factory=None,
    ):
        if lease_seconds <= 0 or flush_interval <= 0 or seconds_per_minute <= 0:
            raise ValueError("Lease, flush interval and seconds per minute must be positive.")
        self.store = store
        self.name = name
        self.lease_seconds = lease_seconds
        self.flush_interval = flush_interval
        self.max_buffer = max_buffer
        self.seconds_per_minute = seconds_per_minute
        self.clock = clock
        if worker_factory is None:
            from .links import make_worker

            worker_factory = make_worker
        self._make_worker = worker_factory
        self.workers: dict[int, object] = {}
        self.stats = {
            "polls_ok": 0,
            "polls_failed": 0,
            "readings": 0,
            "inserted": 0,
            "duplicates": 0,
            "unknown": 0,
            "flushes": 0,
            "flush_errors": 0,
        }
        self._buffer: list[Poll] = []
        self._meter_state: dict[int, list] = {}
        self._db = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="db")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._flush_now: asyncio.Event | None = None
        self._flush_lock: asyncio.Lock | None = None
        self._closing = False

    # ------------------------------------------------------------ plumbing

    async def db(self, method, *args):
        """Run a blocking store method in the database thread."""
        return await asyncio.get_running_loop().run_in_executor(
            self._db, functools.partial(method, *args)
        )

    def request_stop(self) -> None:
        """Ask the poller to stop gracefully (callable from any thread or a signal handler)."""
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)

    @property
    def stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    # ------------------------------------------------------------ results

    def record(
        self,
        meter: MeterConfig,
        gateway_id: int,
        *,
        ok: bool,
        readings: list[Reading] | None = None,
        ts: _dt.datetime | None = None,
        error: str = "",
        ack: Callable[[], None] | None = None,
    ) -> None:
        """Buffer the outcome of one poll of ``meter`` (called by the workers)."""
        state = self._meter_state.setdefault(meter.id, [meter.state, meter.failures])
        if ok:
            record_state = state != ["online", 0]
            state[:] = ["online", 0]
            self.stats["polls_ok"] += 1
        else:
            record_state = True
            state[1] += 1
            if state[1] >= meter.offline_after:
                state[0] = "offline"
            self.stats["polls_failed"] += 1
        readings = readings or []
        self.stats["readings"] += len(readings)
        self._buffer.append(
            Poll(
                meter.id,
                gateway_id,
                utcnow(),
                ok,
                readings,
                ts,
                error[:250],
                record_state,
                ack,
            )
        )
        if len(self._buffer) >= self.max_buffer and self._flush_now is not None:
            self._flush_now.set()

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    async def flush(self) -> bool:
        """Write the buffer in one transaction; on failure keep it (False)."""
        async with self._flush_lock:
            batch, self._buffer = self._buffer, []
            if not batch:
                return True
            try:
                result = await self.db(self.store.write, batch)
            except Exception as exc:
                log = _logger.warning if getattr(exc, "transient", False) else _logger.exception
                log(
                    "Poller %s: writing %d polls failed, kept for the next attempt: %s",
                    self.name,
                    len(batch),
                    exc,
                )
                self._buffer[:0] = batch
                self.stats["flush_errors"] += 1
                return False
            self.stats["flushes"] += 1
            for key in ("inserted", "duplicates", "unknown"):
                self.stats[key] += result.get(key, 0)
            for poll in batch:
                if poll.ack is not None:
                    try:
                        poll.ack()
                    except Exception:
                        _logger.exception("Poller %s: acknowledging a message failed", self.name)
            return True

    async def _flush_loop(self) -> None:
        while not self._closing:
            try:
                await asyncio.wait_for(self._flush_now.wait(), self.flush_interval)
            except TimeoutError:
                pass
            self._flush_now.clear()
            await self.flush()

    # ------------------------------------------------------------ workers

    async def _stop_workers(self, gateway_ids) -> None:
        workers = [self.workers.pop(gid) for gid in list(gateway_ids) if gid in self.workers]
        if workers:
            await asyncio.gather(*(w.stop() for w in workers), return_exceptions=True)

    async def _apply(self, configs: list[GatewayConfig]) -> None:
        for config in configs:
            worker = self.workers.get(config.id)
            crashed = worker is not None and worker.task is not None and worker.task.done()
            if worker is not None and (crashed or worker.config.link_key() != config.link_key()):
                # a worker that died (e.g. a broker URL it could not use) starts again
                await self._stop_workers([config.id])
                worker = None
            for meter in config.meters:
                if worker is None:
                    # a gateway (re)claimed: another poller may have moved its meters' state
                    self._meter_state[meter.id] = [meter.state, meter.failures]
                else:
                    self._meter_state.setdefault(meter.id, [meter.state, meter.failures])
            if worker is None:
                _logger.info(
                    "Poller %s: polling gateway %s (%d meters)",
                    self.name,
                    config.code,
                    len(config.meters),
                )
                worker = self.workers[config.id] = self._make_worker(self, config)
                worker.start()
            else:
                worker.update(config)

    async def _round(self) -> None:
        lease = await self.db(self.store.lease, self.name, self.lease_seconds)
        held = set(lease.held) - set(lease.extra)
        lost = set(self.workers) - held
        if lost:
            _logger.info("Poller %s: giving up gateways %s", self.name, sorted(lost))
            await self._stop_workers(lost)
        if lease.extra:
            await self.db(self.store.release, self.name, list(lease.extra))
        configs = await self.db(self.store.load, sorted(held)) if held else []
        loaded = {c.id for c in configs}
        # a gateway archived or left without meters is released too
        idle = held - loaded
        if idle:
            await self._stop_workers(idle)
            await self.db(self.store.release, self.name, sorted(idle))
        await self._apply(configs)

    # ------------------------------------------------------------ main

    async def run(self) -> None:
        """Run until :meth:`request_stop`; then flush, release and unregister."""
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._flush_now = asyncio.Event()
        self._flush_lock = asyncio.Lock()
        await self.db(self.store.register, self.name, self.lease_seconds)
        _logger.info(
            "Poller %s started (lease %ss, flush every %ss)",
            self.name,
            self.lease_seconds,
            self.flush_interval,
        )
        flusher = asyncio.create_task(self._flush_loop(), name="flush")
        valid_until = time.monotonic() + self.lease_seconds
        period = self.lease_seconds / 3
        try:
            while not self._stop.is_set():
                try:
                    await self._round()
                    valid_until = time.monotonic() + self.lease_seconds
                except Exception:
                    _logger.exception("Poller %s: lease round failed", self.name)
                    if time.monotonic() >= valid_until - period and self.workers:
                        _logger.warning(
                            "Poller %s: leases not renewed for %ss, stopping every worker",
                            self.name,
                            self.lease_seconds,
                        )
                        await self._stop_workers(list(self.workers))
                try:
                    await asyncio.wait_for(self._stop.wait(), period)
                except TimeoutError:
                    pass
        finally:
            await self._shutdown(flusher)

    async def _shutdown(self, flusher: asyncio.Task) -> None:
        _logger.info("Poller %s stopping: %d polls held", self.name, len(self._buffer))
        await self._stop_workers(list(self.workers))
        # let a write in progress finish (cancelling it would not stop the
        # database thread, and its polls would be neither kept nor acknowledged)
        self._closing = True
        self._flush_now.set()
        try:
            await asyncio.wait_for(flusher, 120)
        except (TimeoutError, asyncio.CancelledError):
            pass
        for attempt in range(5):
            if await self.flush():
                break
            await asyncio.sleep(min(2**attempt, 5))
        for method in (self.store.release, self.store.unregister):
            try:
                await self.db(method, self.name)
            except Exception:
                _logger.exception("Poller %s: %s failed at stop", self.name, method.__name__)
        self._db.shutdown(wait=True)
        _logger.info(
            "Poller %s stopped: %s, %d polls not written",
            self.name,
            ", ".join(f"{k} {v}" for k, v in self.stats.items()),
            len(self._buffer),
        )
