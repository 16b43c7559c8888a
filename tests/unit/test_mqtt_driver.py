"""MQTT gateway payloads and the subscriber of emc_metering.

The parser tests need nothing. The subscriber tests talk to the Mosquitto
broker at 127.0.0.1:1883 on topics unique to each run; when the broker is
not reachable they are skipped, except in CI (CI=true) where they fail.
"""

import datetime
import json
import os
import queue
import socket
import uuid

import paho.mqtt.client as paho
import pytest
from metering_package import protocol, simulators
from paho.mqtt.enums import CallbackAPIVersion

mqtt = protocol("mqtt")
sim = simulators()

BROKER = ("127.0.0.1", 1883)
CST = datetime.timezone(datetime.timedelta(hours=8))


def payload(readings, **envelope):
    return json.dumps({"gateway": "BZ-GW-0012", **envelope, "readings": readings})


# --------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------


def test_good_payload():
    batch = mqtt.parse_payload(
        payload(
            [
                {
                    "meter": "M-0301",
                    "channel": "energy_import_total",
                    "ts": "2025-03-14T15:25:00+08:00",
                    "value": 12345.67,
                    "unit": "kWh",
                    "quality": "ok",
                },
                {"meter": "000012345678", "channel": "voltage_a", "value": 231},
                {"meter": "M-0302", "channel": "pf_total", "value": None, "quality": "invalid"},
                {
                    "meter": "M-0303",
                    "channel": "power_total",
                    "value": 1.5,
                    "quality": "estimated",
                    "ts": "2025-03-14T07:25:00Z",
                },
            ],
            ts="2025-03-14T15:26:00+08:00",
            v=1,
        )
    )
    assert batch.gateway == "BZ-GW-0012" and batch.errors == []
    first, second, third, fourth = batch.readings
    assert (first.meter, first.channel, first.value, first.unit, first.ok) == (
        "M-0301",
        "energy_import_total",
        12345.67,
        "kWh",
        True,
    )
    assert first.ts == datetime.datetime(2025, 3, 14, 15, 25, tzinfo=CST)
    assert second.ts == datetime.datetime(2025, 3, 14, 15, 26, tzinfo=CST)  # the envelope's default
    assert second.value == 231.0 and isinstance(second.value, float) and second.kind is None
    assert third.value is None and third.quality == frozenset({"invalid"})
    assert fourth.quality == frozenset({"estimated"})
    assert fourth.ts == datetime.datetime(2025, 3, 14, 15, 25, tzinfo=CST)


def test_bad_items_are_reported_and_good_ones_kept():
    ts = "2025-03-14T15:25:00+08:00"
    good = {"meter": "M-1", "channel": "energy_import_total", "ts": ts, "value": 1.0}
    items = [
        good,
        "not an object",
        {**good, "channel": "Energy Import"},
        {**good, "meter": ""},
        {**good, "meter": " M-1"},
        {**good, "ts": "2025-03-14T15:25:00"},  # no offset
        {**good, "ts": "14/03/2025"},
        {**good, "value": "12.5"},
        {**good, "value": True},
        {
            **good,
            "value": "BIG",
        },  # replaced by 1e400 below: JSON allows it, it overflows to infinity
        {**good, "quality": "great"},
        {**good, "quality": "invalid"},  # a value with quality invalid
        {**good, "colour": "red"},
        {"meter": "M-1", "channel": "voltage_a", "value": 230},  # no ts anywhere
        {k: v for k, v in good.items() if k != "value"},
        {**good, "unit": "k" * 17},
        dict(good),  # the same (meter, channel, ts) as item 0
        {**good, "meter": "M-2", "value": 2.0},
    ]
    batch = mqtt.parse_payload(payload(items).replace('"BIG"', "1e400"))
    assert [(r.meter, r.value) for r in batch.readings] == [("M-1", 1.0), ("M-2", 2.0)]
    assert [(e.index, e.field) for e in batch.errors] == [
        (1, None),
        (2, "channel"),
        (3, "meter"),
        (4, "meter"),
        (5, "ts"),
        (6, "ts"),
        (7, "value"),
        (8, "value"),
        (9, "value"),
        (10, "quality"),
        (11, "value"),
        (12, "colour"),
        (13, "ts"),
        (14, "value"),
        (15, "unit"),
        (16, None),
    ]
    assert "no UTC offset" in batch.errors[4].message
    assert "item 0" in batch.errors[-1].message


def test_duplicate_key_in_an_item_refuses_only_that_item():
    text = (
        '{"gateway": "G", "readings": ['
        '{"meter": "M", "channel": "voltage_a", "value": 1, "value": 2, "ts": "2025-01-01T00:00:00Z"},'
        '{"meter": "M", "channel": "voltage_b", "value": 3, "ts": "2025-01-01T00:00:00Z"}]}'
    )
    batch = mqtt.parse_payload(text.encode())
    assert [r.channel for r in batch.readings] == ["voltage_b"]
    assert [(e.index, e.field, e.message) for e in batch.errors] == [
        (0, "value", "key given twice")
    ]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{not json", "not JSON"),
        (b'{"gateway": "G", "readings": [{"value": NaN}]}', "not JSON"),
        (b"[]", "JSON object"),
        (b'{"readings": []}', "gateway"),
        (b'{"gateway": "", "readings": []}', "gateway"),
        (b'{"gateway": "G"}', "readings must be a list"),
        (b'{"gateway": "G", "readings": {}}', "readings must be a list"),
        (b'{"gateway": "G", "readings": [], "extra": 1}', "Unknown envelope key 'extra'"),
        (b'{"gateway": "G", "gateway": "H", "readings": []}', "given twice"),
        (b'{"v": 2, "gateway": "G", "readings": []}', "version"),
        (b'{"gateway": "G", "ts": "yesterday", "readings": []}', "Envelope ts"),
    ],
)
def test_unreadable_payloads(raw, message):
    with pytest.raises(mqtt.PayloadError, match=message):
        mqtt.parse_payload(raw)


def test_size_limits():
    with pytest.raises(mqtt.PayloadError, match="exceeds"):
        mqtt.parse_payload(b" " * (mqtt.MAX_PAYLOAD + 1))
    items = [{"meter": "M", "channel": "voltage_a", "value": 1}] * (mqtt.MAX_ITEMS + 1)
    with pytest.raises(mqtt.PayloadError, match="exceed"):
        mqtt.parse_payload(payload(items, ts="2025-01-01T00:00:00Z"))
    assert mqtt.parse_payload(payload([])).readings == []  # a heartbeat


def test_broker_urls():
    subscriber = mqtt.MqttSubscriber("mqtt://user:p%40ss@broker.example:1884", "t", print)
    assert (subscriber.host, subscriber.port) == ("broker.example", 1884)
    assert mqtt.MqttSubscriber("mqtt://127.0.0.1", "t", print).port == 1883
    for bad in ["http://127.0.0.1", "127.0.0.1:1883", "mqtt://"]:
        with pytest.raises(ValueError, match="Broker URL"):
            mqtt.MqttSubscriber(bad, "t", print)
    with pytest.raises(ValueError, match="QoS"):
        mqtt.MqttSubscriber("mqtt://127.0.0.1", "t", print, qos=3)


# --------------------------------------------------------------------------
# Against Mosquitto
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broker():
    try:
        socket.create_connection(BROKER, timeout=2).close()
    except OSError as exc:
        reason = f"Mosquitto is not reachable at {BROKER[0]}:{BROKER[1]} ({exc})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must start the broker.")
        pytest.skip(f"{reason}; start it (e.g. `mosquitto -d`) to run the MQTT tests.")
    return f"mqtt://{BROKER[0]}:{BROKER[1]}"


@pytest.fixture
def topic():
    return f"emc-test/{uuid.uuid4().hex}"


@pytest.fixture
def publisher():
    client = paho.Client(
        CallbackAPIVersion.VERSION2, client_id=f"emc-test-pub-{uuid.uuid4().hex[:8]}"
    )
    client.connect(*BROKER)
    client.loop_start()

    def publish(topic, body):
        info = client.publish(topic, body, qos=1)
        info.wait_for_publish(5)
        assert info.is_published()

    yield publish
    client.disconnect()
    client.loop_stop()


class Collector:
    def __init__(self):
        self.batches = queue.Queue()
        self.errors = queue.Queue()

    def on_batch(self, batch):
        self.batches.put(batch)

    def on_error(self, topic, raw, exc):
        self.errors.put((topic, raw, exc))


def reading(meter, channel, value, ts="2025-03-14T15:25:00+08:00"):
    return {"meter": meter, "channel": channel, "ts": ts, "value": value}


def test_subscriber_hands_batches_and_errors(broker, topic, publisher):
    seen = Collector()
    with mqtt.MqttSubscriber(
        broker, f"{topic}/+", seen.on_batch, on_error=seen.on_error
    ) as subscriber:
        assert subscriber.wait_subscribed(5), subscriber.last_error
        publisher(
            f"{topic}/gw1", payload([reading("M-1", "energy_import_total", 10.5), {"meter": "M-1"}])
        )
        publisher(f"{topic}/gw2", b"{broken")
        batch = seen.batches.get(timeout=5)
        error_topic, raw, exc = seen.errors.get(timeout=5)
    assert batch.topic == f"{topic}/gw1" and batch.received_at.tzinfo is not None
    assert [(r.meter, r.channel, r.value) for r in batch.readings] == [
        ("M-1", "energy_import_total", 10.5)
    ]
    assert [(e.index, e.field) for e in batch.errors] == [(1, "channel")]
    assert (error_topic, raw, type(exc)) == (f"{topic}/gw2", b"{broken", mqtt.PayloadError)


def test_callback_failure_goes_to_on_error_and_the_subscriber_goes_on(broker, topic, publisher):
    seen = Collector()
    calls = []

    def on_batch(batch):
        calls.append(batch)
        if len(calls) == 1:
            raise RuntimeError("database is down")
        seen.on_batch(batch)

    with mqtt.MqttSubscriber(broker, topic, on_batch, on_error=seen.on_error) as subscriber:
        assert subscriber.wait_subscribed(5)
        publisher(topic, payload([reading("M-1", "voltage_a", 230.0)]))
        publisher(topic, payload([reading("M-1", "voltage_a", 231.0)]))
        _, raw, exc = seen.errors.get(timeout=5)
        second = seen.batches.get(timeout=5)
    assert isinstance(exc, RuntimeError) and json.loads(raw)["readings"][0]["value"] == 230.0
    assert second.readings[0].value == 231.0


def test_subscriber_reconnects_and_subscribes_again(broker, topic, publisher):
    seen = Collector()
    with sim.TcpProxy(*BROKER) as proxy:
        subscriber = mqtt.MqttSubscriber(
            f"mqtt://127.0.0.1:{proxy.port}", topic, seen.on_batch, reconnect_delay=(0.2, 1)
        )
        with subscriber:
            assert subscriber.wait_subscribed(5)
            publisher(topic, payload([reading("M-1", "frequency", 50.0)]))
            assert seen.batches.get(timeout=5).readings[0].value == 50.0

            proxy.drop()
            # the network thread notices, reconnects through the proxy and subscribes again
            deadline = datetime.datetime.now() + datetime.timedelta(seconds=10)
            while proxy.accepted < 2 and datetime.datetime.now() < deadline:
                subscriber.subscribed.wait(0.1)
            assert subscriber.wait_subscribed(10), subscriber.last_error
            publisher(topic, payload([reading("M-1", "frequency", 49.9)]))
            assert seen.batches.get(timeout=5).readings[0].value == 49.9
    assert proxy.accepted == 2 and subscriber.connections == 2


def test_persistent_session_keeps_what_came_while_away(broker, topic, publisher):
    seen = Collector()
    client_id = f"emc-test-sub-{uuid.uuid4().hex[:8]}"
    with mqtt.MqttSubscriber(broker, topic, seen.on_batch, client_id=client_id) as subscriber:
        assert subscriber.wait_subscribed(5)
    publisher(topic, payload([reading("M-9", "energy_import_total", 77.7)]))  # nobody connected
    with mqtt.MqttSubscriber(broker, topic, seen.on_batch, client_id=client_id) as subscriber:
        assert seen.batches.get(timeout=5).readings[0].value == 77.7
    # leave no session behind on the broker
    cleanup = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
    cleanup.connect(*BROKER)
    cleanup.disconnect()
