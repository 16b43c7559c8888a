"""Gateway workers: one asyncio task per gateway held by the poller.

* :class:`ModbusWorker` (Modbus TCP, RTU over TCP, RTU on a serial port) and
  :class:`Dlt645Worker` (DL/T 645-2007 on a serial port) poll their meters
  one after the other -- never two requests at once on one gateway -- each
  when a new slot of its interval starts (:mod:`.slots`). A poll that fails
  (timeout, CRC or checksum error, abnormal or exception answer, link lost)
  is tried again after a doubling pause (the gateway's ``retries`` and
  ``retry_delay``) while the slot lasts; a meter's readings are buffered
  whole or not at all, stamped with the slot's start.
* :class:`MqttWorker` subscribes to the gateway's topic and buffers the
  readings of each payload (:func:`..protocols.mqtt.parse_payload` format)
  with the timestamps they carry, for the meters of the gateway named in
  the items. Messages are acknowledged to the broker only once their
  readings are committed (QoS 1, persistent session per gateway): a poller
  killed before writing them gets them redelivered to the next owner.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ..protocols import dlt645
from ..protocols.modbus import ModbusConnectionError, ModbusError, ModbusGateway
from ..protocols.mqtt import MqttSubscriber
from .engine import GatewayConfig, MeterConfig
from .slots import retry_pauses, slot_index, slot_start, slot_ts

__all__ = ["Dlt645Worker", "ModbusWorker", "MqttWorker", "make_worker"]

_logger = logging.getLogger(__name__)

# Longest pause between two looks at the meters (configuration updates).
IDLE_CHECK = 1.0


def describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


class Worker:
    """Base of the workers: a task started by :meth:`start`, ended by :meth:`stop`."""

    def __init__(self, poller, config: GatewayConfig):
        self.poller = poller
        self.config = config
        self.task: asyncio.Task | None = None

    def update(self, config: GatewayConfig) -> None:
        """New meters or meter settings on the same link."""
        self.config = config

    def start(self) -> None:
        self.task = asyncio.create_task(self._main(), name=f"gateway-{self.config.code}")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
            self.task = None

    async def _main(self) -> None:
        try:
            await self.run()
        except asyncio.CancelledError:
            raise
        except Exception:
            _logger.exception("Worker of gateway %s failed", self.config.code)
            raise
        finally:
            await self.close()

    async def run(self) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        pass


class PollingWorker(Worker):
    """Polls the gateway's meters slot by slot, one request at a time."""

    def __init__(self, poller, config: GatewayConfig):
        super().__init__(poller, config)
        self.last_slot: dict[int, int] = {}

    async def run(self) -> None:
        while True:
            now = self.poller.clock()
            spm = self.poller.seconds_per_minute
            due, wake = [], now + IDLE_CHECK
            for meter in self.config.meters:
                index = slot_index(now, meter.interval, spm)
                if self.last_slot.get(meter.id) != index:
                    due.append(meter)
                else:
                    wake = min(wake, slot_start(index + 1, meter.interval, spm))
            if not due:
                await asyncio.sleep(max(0.0, wake - now) + 0.001)
                continue
            for meter in due:
                await self.poll(meter)

    async def poll(self, meter: MeterConfig) -> None:
        """Read ``meter`` once for the current slot, with retries inside the slot."""
        config, clock, spm = self.config, self.poller.clock, self.poller.seconds_per_minute
        started = clock()
        index = slot_index(started, meter.interval, spm)
        end = slot_start(index + 1, meter.interval, spm)
        # a failed attempt usually ends at its first unanswered request
        budget = end - started - (config.retries + 1) * config.timeout
        pauses = retry_pauses(config.retries, config.retry_delay, budget)
        attempt_time = config.timeout * max(1, self.requests(meter))
        error = ""
        for attempt in range(len(pauses) + 1):
            if attempt:
                await asyncio.sleep(pauses[attempt - 1])
                if clock() >= end:
                    break
            try:
                readings = await asyncio.wait_for(self.read(meter), attempt_time + 5.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                error = describe(exc)
                _logger.info(
                    "Gateway %s, meter %s, attempt %d: %s",
                    config.code,
                    meter.code,
                    attempt + 1,
                    error,
                )
                await self.after_failure(exc)
                continue
            self.last_slot[meter.id] = index
            self.poller.record(
                meter, config.id, ok=True, readings=readings, ts=slot_ts(index, meter.interval, spm)
            )
            return
        self.last_slot[meter.id] = index
        self.poller.record(meter, config.id, ok=False, error=error)

    def requests(self, meter: MeterConfig) -> int:
        return 1

    async def read(self, meter: MeterConfig):
        raise NotImplementedError

    async def after_failure(self, exc: Exception) -> None:
        pass


class ModbusWorker(PollingWorker):
    def __init__(self, poller, config: GatewayConfig):
        super().__init__(poller, config)
        if config.transport == "serial":
            self.link = ModbusGateway.serial(
                config.serial_port,
                baudrate=config.baudrate,
                bytesize=config.bytesize,
                parity=config.parity,
                stopbits=config.stopbits,
                timeout=config.timeout,
            )
        else:
            self.link = ModbusGateway.tcp(
                config.host,
                config.port,
                timeout=config.timeout,
                rtu_framing=config.rtu_over_tcp,
            )

    def requests(self, meter: MeterConfig) -> int:
        return len(meter.plan)

    async def read(self, meter: MeterConfig):
        return await self.link.read_plan(
            meter.unit_id, meter.plan, ct=meter.ct, pt=meter.pt, meter=meter.code
        )

    async def after_failure(self, exc: Exception) -> None:
        # a lost link, or one stuck beyond the driver's own timeouts, is opened
        # again on the next request; a meter that does not answer is not the link's fault
        if isinstance(exc, ModbusConnectionError) or (
            isinstance(exc, TimeoutError) and not isinstance(exc, ModbusError)
        ):
            self.link.close()

    async def close(self) -> None:
        self.link.close()


class NoData(Exception):
    """The meter answered, but refused every data identifier asked."""


class Dlt645Worker(PollingWorker):
    def __init__(self, poller, config: GatewayConfig):
        super().__init__(poller, config)
        self.client: dlt645.AsyncDlt645Client | None = None

    def requests(self, meter: MeterConfig) -> int:
        return len(meter.items)

    async def _client(self) -> dlt645.AsyncDlt645Client:
        if self.client is None:
            config = self.config
            loop = asyncio.get_running_loop()
            sync = await loop.run_in_executor(
                None,
                lambda: dlt645.Dlt645Client.open(
                    config.serial_port,
                    baudrate=config.baudrate,
                    bytesize=config.bytesize,
                    parity=config.parity,
                    stopbits=config.stopbits,
                    response_timeout=config.timeout,
                ),
            )
            self.client = dlt645.AsyncDlt645Client(sync)
        return self.client

    async def read(self, meter: MeterConfig):
        client = await self._client()
        readings, refused, seen = [], [], set()
        for item in meter.items:
            try:
                value = await client.read(meter.address, item.di)
            except dlt645.AbnormalResponse as exc:
                refused.append(f"{item.di} ({exc.meaning})")
                continue
            try:
                decoded = item.readings(value, ct=meter.ct, pt=meter.pt, meter=meter.code)
            except ValueError as exc:
                raise dlt645.FrameError(f"Meter {meter.address}, {item.di}: {exc}") from None
            for reading in decoded:
                if reading.channel not in seen:
                    seen.add(reading.channel)
                    readings.append(reading)
        if not readings and refused:
            raise NoData(f"Meter {meter.address} refused {', '.join(refused)}.")
        return readings

    async def after_failure(self, exc: Exception) -> None:
        if isinstance(exc, OSError) and self.client is not None:
            await self.close()

    async def close(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            await asyncio.get_running_loop().run_in_executor(None, client.close)


class MqttWorker(Worker):
    """Buffers the readings of the payloads published on the gateway's topic."""

    def __init__(self, poller, config: GatewayConfig):
        super().__init__(poller, config)
        self.subscriber: MqttSubscriber | None = None
        self.queue: asyncio.Queue = asyncio.Queue()
        self.rejected = 0
        self.last_seen: dict[int, float] = {}

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        config = self.config
        self.subscriber = MqttSubscriber(
            config.mqtt_url,
            config.mqtt_topic,
            on_batch=lambda batch: loop.call_soon_threadsafe(self.queue.put_nowait, batch),
            on_error=self._on_error,
            client_id=config.client_id or None,
            manual_ack=True,
        )
        self.subscriber.start()
        while True:
            try:
                batch = await asyncio.wait_for(self.queue.get(), IDLE_CHECK)
            except TimeoutError:
                self.check_silence()
                continue
            self.handle(batch)

    def _on_error(self, topic: str, payload: bytes, exc: Exception) -> None:
        self.rejected += 1
        _logger.warning(
            "Gateway %s: payload on %s refused: %s (%r)",
            self.config.code,
            topic,
            exc,
            payload[:200],
        )

    def handle(self, batch) -> None:
        config = self.config
        ack = _ack_once(self.subscriber, batch)
        if batch.gateway != config.code:
            _logger.warning(
                "Gateway %s: payload of gateway %r on %s ignored",
                config.code,
                batch.gateway,
                batch.topic,
            )
            ack()
            return
        for error in batch.errors:
            _logger.warning(
                "Gateway %s: item %d refused (%s): %s",
                config.code,
                error.index,
                error.field or "item",
                error.message,
            )
        meters = {m.code: m for m in config.meters}
        by_meter: dict[str, list] = {}
        for reading in batch.readings:
            by_meter.setdefault(reading.meter, []).append(reading)
        unknown = sorted(set(by_meter) - set(meters))
        if unknown:
            _logger.warning(
                "Gateway %s: readings of unknown meters %s ignored", config.code, unknown
            )
        known = [code for code in by_meter if code in meters]
        for position, code in enumerate(known):
            meter = meters[code]
            self.last_seen[meter.id] = self.poller.clock()
            # the message is acknowledged with its last meter's readings
            self.poller.record(
                meter,
                config.id,
                ok=True,
                readings=by_meter[code],
                ack=ack if position == len(known) - 1 else None,
            )
        if not known:
            ack()

    def check_silence(self) -> None:
        """Every polling interval without a payload for a meter counts as one failed poll."""
        now, spm = self.poller.clock(), self.poller.seconds_per_minute
        for meter in self.config.meters:
            seen = self.last_seen.setdefault(meter.id, now)
            if now - seen >= meter.interval * spm:
                self.last_seen[meter.id] = now
                self.poller.record(
                    meter,
                    self.config.id,
                    ok=False,
                    error=f"No MQTT payload for meter {meter.code} on {self.config.mqtt_topic} "
                    "within its polling interval.",
                )

    async def close(self) -> None:
        subscriber, self.subscriber = self.subscriber, None
        if subscriber is not None:
            with contextlib.suppress(Exception):
                await asyncio.get_running_loop().run_in_executor(None, subscriber.stop)


def _ack_once(subscriber, batch):
    done = []

    def ack() -> None:
        if not done and subscriber is not None:
            done.append(True)
            subscriber.ack(batch)

    return ack


def make_worker(poller, config: GatewayConfig) -> Worker:
    """The worker of a gateway, by transport and protocol."""
    if config.transport == "mqtt":
        return MqttWorker(poller, config)
    if config.protocol == "dlt645":
        return Dlt645Worker(poller, config)
    return ModbusWorker(poller, config)
