"""The poller of emc_metering without a database: slots, retries, fair share,
the engine over an in-memory store with a real pymodbus meter, and the MQTT
manual acknowledgement against Mosquitto (127.0.0.1:1883; skipped when the
broker is not reachable, except in CI).
"""

import asyncio
import datetime as dt
import os
import queue
import socket
import threading
import time
import uuid

import paho.mqtt.client as paho
import pytest
from _load import load
from metering_package import protocol, simulators
from paho.mqtt.enums import CallbackAPIVersion

slots = load("emc_metering", "poller.slots")
engine = load("emc_metering", "poller.engine")
points = protocol("points")
mqtt = protocol("mqtt")
sim = simulators()

UTC = dt.timezone.utc


# --------------------------------------------------------------------------
# Slots, retries, fair share
# --------------------------------------------------------------------------


def test_slots_are_aligned_to_the_interval():
    now = dt.datetime(2026, 3, 2, 8, 44, 59, 999000, tzinfo=UTC).timestamp()
    index = slots.slot_index(now, 15)
    assert slots.slot_ts(index, 15) == dt.datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    assert slots.slot_start(index + 1, 15) == dt.datetime(2026, 3, 2, 8, 45, tzinfo=UTC).timestamp()
    # a shrunk minute (tests): 1-minute slots of 2 s
    assert slots.slot_index(11.9, 1, 2.0) == 5
    assert slots.slot_ts(5, 1, 2.0) == dt.datetime(1970, 1, 1, 0, 0, 10, tzinfo=UTC)
    with pytest.raises(ValueError):
        slots.slot_index(now, 0)


def test_retry_pauses_double_and_stay_in_the_slot():
    assert slots.retry_pauses(3, 0.5, 100) == [0.5, 1.0, 2.0]
    assert slots.retry_pauses(3, 0.5, 1.6) == [0.5, 1.0]
    assert slots.retry_pauses(2, 0.5, 0.1) == []
    assert slots.retry_pauses(0, 0.5, 100) == []
    assert slots.retry_pauses(2, 0.0, 0.0) == [0.0, 0.0]


def test_fair_share():
    assert slots.fair_share(5, 2) == 3
    assert slots.fair_share(4, 2) == 2
    assert slots.fair_share(3, 1) == 3
    assert slots.fair_share(3, 0) == 3
    assert slots.fair_share(0, 3) == 0


# --------------------------------------------------------------------------
# Engine over an in-memory store
# --------------------------------------------------------------------------


class MemoryStore(engine.Store):
    """Leases and readings in memory, with the database store's rules (one writer at a time)."""

    def __init__(self, gateways, fail_writes=0):
        self.gateways = {g.id: g for g in gateways}
        self.leases = {}  # gateway id -> (owner, expires)
        self.pollers = {}
        self.rows = {}  # (meter, channel, ts) -> value
        self.states = []
        self.fail_writes = fail_writes
        self.writes = 0
        self.lock = threading.Lock()

    def register(self, name, lease_seconds):
        self.pollers[name] = time.monotonic() + lease_seconds

    def unregister(self, name):
        self.pollers.pop(name, None)

    def lease(self, name, lease_seconds):
        with self.lock:
            now = time.monotonic()
            self.pollers[name] = now + lease_seconds
            live = sum(1 for expires in self.pollers.values() if expires > now)
            share = slots.fair_share(len(self.gateways), live)
            held = [g for g, (owner, _e) in self.leases.items() if owner == name]
            for gid in held:
                self.leases[gid] = (name, now + lease_seconds)
            for gid in sorted(self.gateways):
                if len(held) >= share:
                    break
                owner, expires = self.leases.get(gid, (None, 0))
                if owner is None or expires < now:
                    self.leases[gid] = (name, now + lease_seconds)
                    held.append(gid)
            held.sort()
            return engine.LeaseRound(tuple(held), tuple(held[share:]))

    def release(self, name, gateway_ids=None):
        with self.lock:
            for gid, (owner, _e) in list(self.leases.items()):
                if owner == name and (gateway_ids is None or gid in gateway_ids):
                    del self.leases[gid]

    def load(self, gateway_ids):
        return [self.gateways[g] for g in gateway_ids]

    def write(self, polls):
        self.writes += 1
        if self.fail_writes:
            self.fail_writes -= 1
            raise ConnectionError("database unreachable")
        inserted = duplicates = 0
        for poll in polls:
            if poll.record_state:
                self.states.append((poll.meter_id, poll.ok, poll.error))
            for reading in poll.readings:
                key = (poll.meter_id, reading.channel, poll.ts or reading.ts)
                if key in self.rows:
                    duplicates += 1
                else:
                    self.rows[key] = reading.value
                    inserted += 1
        return {"inserted": inserted, "duplicates": duplicates}


SPM = 1.0


@pytest.fixture
def modbus_meters():
    dtsu = points.load_map("chint_dtsu666")
    good, bad = sim.SimulatedMeter(dtsu), sim.SimulatedMeter(dtsu)
    good.set_values({"energy_import_total": 11.0})
    bad.set_values({"energy_import_total": 22.0})
    bad.fault = sim.SILENT
    with sim.ModbusSimulator() as simulator:
        endpoint = simulator.add_tcp({1: good, 2: bad})
        plan = tuple(dtsu.plan())
        meters = tuple(
            engine.MeterConfig(
                id=unit, code=f"M{unit}", protocol="modbus", interval=1, unit_id=unit, plan=plan
            )
            for unit in (1, 2)
        )
        gateway = engine.GatewayConfig(
            id=1,
            code="GW1",
            name="GW1",
            transport="tcp",
            host="127.0.0.1",
            port=endpoint.port,
            timeout=0.2,
            retries=1,
            retry_delay=0.05,
            meters=meters,
        )
        yield gateway, good, bad


def run_for(poller, seconds, until=None):
    async def main():
        task = asyncio.create_task(poller.run())
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (until and until()):
            await asyncio.sleep(0.05)
        poller.request_stop()
        await asyncio.wait_for(task, 20)

    asyncio.run(main())


def energy_slots(store, meter_id):
    return sorted(ts for (m, c, ts) in store.rows if m == meter_id and c == "energy_import_total")


def test_engine_polls_every_slot_keeps_unwritten_polls_and_records_failures(modbus_meters):
    gateway, _good, _bad = modbus_meters
    # the first two writes fail: the polls stay in the buffer and are written later
    store = MemoryStore([gateway], fail_writes=2)
    poller = engine.Poller(
        store, name="p1", lease_seconds=3, flush_interval=0.2, seconds_per_minute=SPM
    )
    run_for(poller, 20, until=lambda: len(energy_slots(store, 1)) >= 4)
    stamps = energy_slots(store, 1)
    assert len(stamps) >= 4
    assert stamps == [stamps[0] + dt.timedelta(seconds=SPM * i) for i in range(len(stamps))]
    assert {store.rows[(1, "energy_import_total", ts)] for ts in stamps} == {11.0}
    assert not energy_slots(store, 2)
    assert store.writes > 2 and poller.stats["flush_errors"] == 2
    assert poller.buffered == 0
    # meter 1: one state write (unknown -> online); meter 2: every failed poll
    assert [s for s in store.states if s[0] == 1] == [(1, True, "")]
    failures = [s for s in store.states if s[0] == 2]
    assert failures and all(not ok and "No answer" in error for _m, ok, error in failures)
    assert store.leases == {} and store.pollers == {}


class FlakyMeter(sim.SimulatedMeter):
    """Swallows the answers to its first ``lost`` requests (a noisy RS-485 line)."""

    def __init__(self, device_map, lost):
        super().__init__(device_map)
        self.lost = lost

    def getValues(self, func_code, address, count=1):
        self.fault = sim.SILENT if self.lost > 0 else None
        self.lost -= 1
        return super().getValues(func_code, address, count)


def test_a_lost_answer_is_retried_within_the_slot():
    dtsu = points.load_map("chint_dtsu666")
    meter = FlakyMeter(dtsu, lost=1)
    meter.set_values({"energy_import_total": 7.0})
    with sim.ModbusSimulator() as simulator:
        endpoint = simulator.add_tcp({3: meter})
        config = engine.MeterConfig(
            id=3, code="M3", protocol="modbus", interval=1, unit_id=3, plan=tuple(dtsu.plan())
        )
        gateway = engine.GatewayConfig(
            id=1,
            code="GW1",
            name="GW1",
            transport="tcp",
            host="127.0.0.1",
            port=endpoint.port,
            timeout=0.2,
            retries=2,
            retry_delay=0.05,
            meters=(config,),
        )
        store = MemoryStore([gateway])
        poller = engine.Poller(
            store, name="p", lease_seconds=3, flush_interval=0.1, seconds_per_minute=2.0
        )
        # start as a slot begins, so that the retries fit in the first slot
        time.sleep(2.0 - time.time() % 2.0 + 0.02)
        run_for(poller, 10, until=lambda: len(energy_slots(store, 3)) >= 2)
    # the first slot was read at the second attempt: no slot lost, no failure recorded
    stamps = energy_slots(store, 3)
    assert len(stamps) >= 2 and stamps[1] - stamps[0] == dt.timedelta(seconds=2)
    assert poller.stats["polls_failed"] == 0
    assert store.states == [(3, True, "")]


def test_an_exception_answer_is_a_failed_poll_with_its_meaning(modbus_meters):
    gateway, good, _bad = modbus_meters
    good.fault = 4  # server device failure
    store = MemoryStore([gateway])
    poller = engine.Poller(
        store, name="p", lease_seconds=3, flush_interval=0.1, seconds_per_minute=SPM
    )
    run_for(poller, 10, until=lambda: len([s for s in store.states if s[0] == 1]) >= 2)
    failures = [error for meter, ok, error in store.states if meter == 1 and not ok]
    assert len(failures) >= 2
    assert all("exception 4 (server device failure)" in error for error in failures)
    assert not energy_slots(store, 1)


def test_two_engines_split_the_gateways_and_take_over(modbus_meters):
    gateway, _good, _bad = modbus_meters
    second = engine.GatewayConfig(**{**gateway.__dict__, "id": 2, "code": "GW2"})
    store = MemoryStore([gateway, second])
    a = engine.Poller(
        store, name="a", lease_seconds=1.5, flush_interval=0.2, seconds_per_minute=SPM
    )
    b = engine.Poller(
        store, name="b", lease_seconds=1.5, flush_interval=0.2, seconds_per_minute=SPM
    )
    owners = []

    async def main():
        ta = asyncio.create_task(a.run())
        await asyncio.sleep(0.3)
        tb = asyncio.create_task(b.run())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if {o for o, _e in store.leases.values()} == {"a", "b"}:
                break
            await asyncio.sleep(0.05)
        owners.append(sorted(o for o, _e in store.leases.values()))
        # b dies without a word: its lease and heartbeat expire, a takes its gateway
        tb.cancel()
        await asyncio.gather(tb, return_exceptions=True)
        for worker in list(b.workers.values()):
            await worker.stop()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if {o for o, _e in store.leases.values()} == {"a"} and len(store.leases) == 2:
                break
            await asyncio.sleep(0.05)
        owners.append(sorted(o for o, _e in store.leases.values()))
        a.request_stop()
        await asyncio.wait_for(ta, 20)

    asyncio.run(main())
    assert owners == [["a", "b"], ["a", "a"]]


# --------------------------------------------------------------------------
# MQTT: acknowledged once stored
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broker():
    try:
        socket.create_connection(("127.0.0.1", 1883), timeout=2).close()
    except OSError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Mosquitto is not reachable ({exc}); CI must start the broker.")
        pytest.skip(f"Mosquitto is not reachable at 127.0.0.1:1883 ({exc}).")
    return "mqtt://127.0.0.1:1883"


def test_unacknowledged_message_is_delivered_again(broker):
    topic = f"emc-test/{uuid.uuid4().hex}"
    client_id = f"emc-test-ack-{uuid.uuid4().hex[:8]}"
    body = (
        '{"gateway": "GW", "readings": [{"meter": "M", "channel": "energy_import_total", '
        '"ts": "2026-03-02T08:00:00+08:00", "value": 1.5}]}'
    )

    def session():
        batches = queue.Queue()
        subscriber = mqtt.MqttSubscriber(
            broker, topic, batches.put, client_id=client_id, manual_ack=True
        )
        subscriber.start()
        assert subscriber.wait_subscribed(5), subscriber.last_error
        return subscriber, batches

    subscriber, batches = session()
    publisher = paho.Client(CallbackAPIVersion.VERSION2)
    publisher.connect("127.0.0.1", 1883)
    publisher.loop_start()
    try:
        publisher.publish(topic, body, qos=1).wait_for_publish(5)
        first = batches.get(timeout=5)
        assert first.qos == 1 and first.readings[0].value == 1.5
        subscriber.stop()  # dies before storing: no acknowledgement

        subscriber, batches = session()
        again = batches.get(timeout=5)
        assert again.readings == first.readings
        subscriber.ack(again)  # stored this time
        time.sleep(0.3)
        subscriber.stop()

        subscriber, batches = session()
        with pytest.raises(queue.Empty):
            batches.get(timeout=1.5)
    finally:
        # end the persistent session on the broker
        subscriber.stop()
        cleaner = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        cleaner.connect("127.0.0.1", 1883)
        cleaner.disconnect()
        publisher.loop_stop()
        publisher.disconnect()
