"""The poller's engine against real peers, in this process (see poller_common.py).

pymodbus servers on 127.0.0.1 and on a pseudo-terminal pair, a DL/T 645
meter on a pseudo-terminal and Mosquitto at 127.0.0.1:1883. A polling
minute lasts ``SPM`` seconds here, so a 1-minute meter is read every
``SPM`` seconds; readings are stamped with the start of their slot.
"""

import datetime as dt
import json
import socket
import time
import uuid

from odoo.tests import tagged

from ..protocols.points import load_map
from .poller_common import LiveCase
from .simulators import BAD_CHECKSUM, BAD_CRC, SILENT, Dlt645Simulator, SimulatedMeter

SPM = 2.0


def _slot(ts):
    """Index of the slot of a stored timestamp (naive UTC)."""
    return round(ts.replace(tzinfo=dt.timezone.utc).timestamp() / SPM)


@tagged("post_install", "-at_install")
class TestPollerModbus(LiveCase):
    def setUp(self):
        super().setUp()
        self.dtsu = load_map("chint_dtsu666")
        self.sdm = load_map("eastron_sdm630")

    def test_tcp_and_rtu_meters_decoded_every_slot(self):
        tcp_meters = {1: SimulatedMeter(self.dtsu), 2: SimulatedMeter(self.sdm)}
        tcp_meters[1].set_values({"energy_import_total": 1234.5, "voltage_a": 229.9})
        tcp_meters[2].set_values({"energy_import_total": 42.25, "voltage_a": 231.0})
        tcp = self.simulator.add_tcp(tcp_meters)
        rtu_meter = SimulatedMeter(self.dtsu)
        rtu_meter.set_values({"energy_import_total": 77.5, "current_a": 12.5})
        rtu = self.simulator.add_rtu({7: rtu_meter})
        gw_tcp = self.make_gateway(port=tcp.port)
        gw_rtu = self.make_gateway(transport="serial", serial_port=rtu.port, baudrate=115200)
        m1 = self.make_meter(gw_tcp, unit_id=1)
        m2 = self.make_meter(gw_tcp, self.sdm630_id, unit_id=2, ct_ratio=40.0)
        m3 = self.make_meter(gw_rtu, unit_id=7)
        poller = self.start_poller("modbus", seconds_per_minute=SPM)
        for meter in (m1, m2, m3):
            self.wait_until(lambda m=meter: len(self.readings(m)) >= 4, message="4 slots")
        poller.stop_and_wait()

        self.assertEqual(self.readings(m1)[0][1], 1234.5)
        self.assertAlmostEqual(self.readings(m1, "voltage_a")[0][1], 229.9, places=3)
        # SDM630 registers hold primary values (ratio none in its map): CT 40 is not applied
        self.assertAlmostEqual(self.readings(m2)[0][1], 42.25, places=3)
        self.assertAlmostEqual(self.readings(m2, "voltage_a")[0][1], 231.0, places=3)
        self.assertEqual(self.readings(m3)[0][1], 77.5)
        self.assertAlmostEqual(self.readings(m3, "current_a")[0][1], 12.5, places=3)
        for meter in (m1, m2, m3):
            stamps = [ts for ts, _v in self.readings(meter)]
            self.assertContiguous(stamps, SPM, f"for meter {meter}")
            # every channel of the meter has the same slots: readings come whole
            voltage = [ts for ts, _v in self.readings(meter, "voltage_a")]
            self.assertEqual(voltage, stamps)
            self.assertEqual(self.meter_state(meter)[:2], ("online", 0))
            self.assertEqual(self.state_log(meter), ["online"])
        # stopped gracefully: nothing held, leases released, poller unregistered
        self.assertEqual(poller.buffered, 0)
        self.assertEqual(self.lease_owners([gw_tcp, gw_rtu]), {gw_tcp: None, gw_rtu: None})
        self.assertFalse(
            self.query("SELECT 1 FROM emc_meter_poller WHERE name = %s", [poller.name])
        )
        self.assertEqual(poller.stats["duplicates"], 0)

    def _fault_window(self, meter, fault, wait_for):
        """Inject ``fault`` until ``wait_for`` holds; return (start, end) Unix times."""
        start = time.time()
        meter.fault = fault
        self.wait_until(wait_for, message=f"the effect of {fault}")
        meter.fault = None
        return start, time.time()

    def _check_gaps(self, stamps, windows):
        """No slot missing outside the fault windows, none stored inside them."""
        present = {_slot(ts) for ts in stamps}
        first, last = min(present), max(present)
        for index in range(first, last + 1):
            begin, end = index * SPM, (index + 1) * SPM
            inside = any(begin >= a and end <= b for a, b in windows)
            touches = any(end > a and begin < b + 1.0 for a, b in windows)
            if inside:
                self.assertNotIn(index, present, "a reading was stored while the meter failed")
            elif not touches:
                self.assertIn(index, present, "a slot outside the faults is missing")

    def test_timeout_and_crc_on_a_shared_rtu_bus(self):
        healthy, faulty = SimulatedMeter(self.dtsu), SimulatedMeter(self.dtsu)
        healthy.set_values({"energy_import_total": 10.0})
        faulty.set_values({"energy_import_total": 20.0})
        rtu = self.simulator.add_rtu({1: healthy, 2: faulty})
        gateway = self.make_gateway(
            transport="serial", serial_port=rtu.port, baudrate=115200, timeout=0.2
        )
        m_ok = self.make_meter(gateway, unit_id=1)
        m_bad = self.make_meter(gateway, unit_id=2)
        poller = self.start_poller("faults", seconds_per_minute=SPM)
        self.wait_until(lambda: len(self.readings(m_bad)) >= 2, message="first readings")
        silent = self._fault_window(faulty, SILENT, lambda: self.meter_state(m_bad)[0] == "offline")
        offline_reason = self.meter_state(m_bad)[2]
        self.wait_until(lambda: self.meter_state(m_bad)[0] == "online", message="back online")
        crc = self._fault_window(
            faulty, BAD_CRC, lambda: "CRC" in (self.meter_state(m_bad)[2] or "")
        )
        count = len(self.readings(m_bad))
        self.wait_until(lambda: len(self.readings(m_bad)) >= count + 3, message="recovery")
        poller.stop_and_wait()

        self.assertIn("No answer", offline_reason)
        self.assertEqual(self.state_log(m_bad), ["online", "offline", "online"])
        self.assertEqual(self.meter_state(m_bad)[:2], ("online", 0))
        values = {v for _ts, v in self.readings(m_bad)}
        self.assertEqual(values, {20.0}, "a corrupted answer was stored")
        self._check_gaps([ts for ts, _v in self.readings(m_bad)], [silent, crc])
        # the neighbour on the same bus lost nothing while the other failed
        self.assertContiguous([ts for ts, _v in self.readings(m_ok)], SPM, "on the shared bus")
        self.assertEqual(self.state_log(m_ok), ["online"])

    def test_gateway_restart(self):
        meter = SimulatedMeter(self.dtsu)
        meter.set_values({"energy_import_total": 5.0})
        endpoint = self.simulator.add_tcp({1: meter})
        port = endpoint.port
        gateway = self.make_gateway(port=port)
        m1 = self.make_meter(gateway, unit_id=1)
        poller = self.start_poller("restart", seconds_per_minute=SPM)
        self.wait_until(lambda: len(self.readings(m1)) >= 2, message="first readings")
        down = time.time()
        endpoint.stop()
        self.wait_until(lambda: self.meter_state(m1)[0] == "offline", message="offline")
        self.wait_until(
            lambda: (
                self.query("SELECT state FROM emc_meter_gateway WHERE id = %s", [gateway])
                == [("offline",)]
            ),
            message="the gateway offline with its only meter",
        )
        endpoint = self.simulator.add_tcp({1: meter}, port=port)
        up = time.time()
        count = len(self.readings(m1))
        self.wait_until(lambda: len(self.readings(m1)) >= count + 3, message="readings again")
        poller.stop_and_wait()

        self.assertEqual(self.state_log(m1), ["online", "offline", "online"])
        self._check_gaps([ts for ts, _v in self.readings(m1)], [(down, up)])
        gateway_state = self.query(
            "SELECT state, date_last_contact IS NOT NULL FROM emc_meter_gateway WHERE id = %s",
            [gateway],
        )[0]
        self.assertEqual(gateway_state, ("online", True))


@tagged("post_install", "-at_install")
class TestPollerDlt645(LiveCase):
    def test_dlt645_meter_on_a_pty(self):
        address = "000012345678"
        simulator = Dlt645Simulator(
            {address: {"00010000": 1500.25, "02010100": 220.1, "02020100": 5.125}}
        ).start()
        self.addCleanup(simulator.stop)
        gateway = self.make_gateway(
            transport="serial",
            protocol="dlt645",
            serial_port=simulator.port,
            baudrate=9600,
            parity="E",
            timeout=0.3,
        )
        meter = self.make_meter(
            gateway, self.dlt645_id, address=address, ct_ratio=2.0, pt_ratio=10.0
        )
        poller = self.start_poller("dlt645", seconds_per_minute=4.0)
        self.wait_until(lambda: len(self.readings(meter)) >= 2, message="DL/T 645 readings")
        start = time.time()
        simulator.fault[address] = BAD_CHECKSUM
        self.wait_until(
            lambda: "Checksum" in (self.meter_state(meter)[2] or ""), message="checksum error"
        )
        simulator.fault.pop(address)
        end = time.time()
        count = len(self.readings(meter))
        self.wait_until(lambda: len(self.readings(meter)) >= count + 1, message="recovery")
        poller.stop_and_wait()

        # energy × CT × PT, voltage × PT, current × CT
        self.assertEqual(self.readings(meter)[0][1], 1500.25 * 20.0)
        self.assertAlmostEqual(self.readings(meter, "voltage_a")[0][1], 2201.0, places=6)
        self.assertAlmostEqual(self.readings(meter, "current_a")[0][1], 10.25, places=6)
        self.assertFalse(self.readings(meter, "voltage_b"), "an identifier the meter refused")
        stamps = [ts for ts, _v in self.readings(meter)]
        self.assertEqual(len(stamps), len(set(stamps)))
        for ts in stamps:
            self.assertEqual(ts.replace(tzinfo=dt.timezone.utc).timestamp() % 4.0, 0.0)
        bad = [
            ts
            for ts in stamps
            if start + 4.0 <= ts.replace(tzinfo=dt.timezone.utc).timestamp() < end - 4.0
        ]
        self.assertEqual(bad, [], "a reading was stored while every answer was corrupt")
        self.assertEqual(self.meter_state(meter)[:2], ("online", 0))


def _mosquitto_up():
    try:
        socket.create_connection(("127.0.0.1", 1883), timeout=1).close()
    except OSError:
        return False
    return True


@tagged("post_install", "-at_install")
class TestPollerMqtt(LiveCase):
    def test_mqtt_payloads_ingested_once(self):
        import paho.mqtt.client as paho
        from paho.mqtt.enums import CallbackAPIVersion

        self.assertTrue(_mosquitto_up(), "Mosquitto must listen on 127.0.0.1:1883")
        topic = f"emc/test/{self.tag}/{uuid.uuid4().hex[:6]}"
        gateway = self.make_gateway(transport="mqtt", mqtt_topic=topic, protocol=False)
        meter = self.make_meter(gateway, self.mqtt_model_id, poll_interval=1)
        code = self.query("SELECT code FROM emc_meter WHERE id = %s", [meter])[0][0]
        gw_code = self.query("SELECT code FROM emc_meter_gateway WHERE id = %s", [gateway])[0][0]
        poller = self.start_poller("mqtt", seconds_per_minute=60.0)

        def end_session():
            # the poller's session is persistent: leave nothing behind on the broker
            cleaner = paho.Client(
                CallbackAPIVersion.VERSION2,
                client_id=f"emc-poller-{self.registry.db_name}-{gateway}",
                clean_session=True,
            )
            cleaner.connect("127.0.0.1", 1883)
            cleaner.disconnect()

        self.addCleanup(end_session)
        self.wait_until(
            lambda: self.lease_owners([gateway])[gateway] == poller.name, message="the lease"
        )
        time.sleep(1.0)  # the worker subscribes
        publisher = paho.Client(CallbackAPIVersion.VERSION2)
        publisher.connect("127.0.0.1", 1883)
        publisher.loop_start()
        self.addCleanup(publisher.loop_stop)
        self.addCleanup(publisher.disconnect)
        base = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.timezone.utc)

        def payload(start, values, extra=()):
            items = [
                {
                    "meter": code,
                    "channel": "energy_import_total",
                    "ts": (base + dt.timedelta(minutes=15 * (start + i))).isoformat(),
                    "value": value,
                }
                for i, value in enumerate(values)
            ]
            return json.dumps({"v": 1, "gateway": gw_code, "readings": items + list(extra)})

        bad_item = {"meter": code, "channel": "energy_import_total", "value": "x"}
        stranger = {"meter": "NOBODY", "channel": "energy_import_total", "value": 1.0}
        messages = [
            payload(0, [1.0, 2.0, 3.0], [bad_item, stranger]),
            payload(2, [3.0, 4.0]),  # overlaps the first: delivered twice, stored once
            "not json",
        ]
        for message in messages:
            publisher.publish(topic, message, qos=1).wait_for_publish(5)
        self.wait_until(lambda: len(self.readings(meter)) >= 4, message="MQTT readings")
        time.sleep(0.5)
        poller.stop_and_wait()

        readings = self.readings(meter)
        self.assertEqual([v for _ts, v in readings], [1.0, 2.0, 3.0, 4.0])
        self.assertEqual(readings[0][0], dt.datetime(2026, 3, 2, 0, 0))
        # five readings received (3.0 twice), four stored
        self.assertEqual((poller.stats["readings"], poller.stats["inserted"]), (5, 4))
        self.assertEqual(self.meter_state(meter)[0], "online")


@tagged("post_install", "-at_install")
class TestPollerLeases(LiveCase):
    """The lease rules of the database store, round by round, without polling."""

    def test_fair_share_release_and_expiry(self):
        from ..poller.store import OdooStore, PollerNameTaken

        gateways = [self.make_gateway(port=1502 + i) for i in range(3)]
        for gateway in gateways:
            self.make_meter(gateway)
        store = OdooStore(self.registry, scope=f"{self.scope}%")
        a, b = f"a-{self.tag}", f"b-{self.tag}"
        store.register(a, 30)
        self.assertEqual(store.lease(a, 30).held, tuple(gateways))
        # a second poller: all gateways are taken, A must give back above its share of 2
        store.register(b, 30)
        self.assertEqual(store.lease(b, 30).held, ())
        first = store.lease(a, 30)
        self.assertEqual((first.held, first.extra), (tuple(gateways), (gateways[2],)))
        store.release(a, list(first.extra))
        self.assertEqual(store.lease(b, 30).held, (gateways[2],))
        self.assertEqual(store.lease(a, 30).held, tuple(gateways[:2]))
        # the same name twice is refused while its owner lives
        with self.assertRaises(PollerNameTaken):
            OdooStore(self.registry, scope=f"{self.scope}%").register(a, 30)
        # A dies: once its lease and heartbeat expire, B takes everything
        with self.live() as env:
            env.cr.execute(
                "UPDATE emc_meter_gateway SET lease_expires = lease_expires - interval '1 minute' "
                "WHERE lease_owner = %s",
                [a],
            )
            env.cr.execute(
                "UPDATE emc_meter_poller SET date_seen = date_seen - interval '1 minute' "
                "WHERE name = %s",
                [a],
            )
        self.assertEqual(store.lease(b, 30).held, tuple(gateways))
        self.assertEqual(set(self.lease_owners(gateways).values()), {b})
        # a gateway without active meter is not worth a lease
        with self.live() as env:
            env["emc.meter"].search([("gateway_id", "=", gateways[0])]).active = False
        store.release(b)
        self.assertEqual(store.lease(b, 30).held, tuple(gateways[1:]))
        store.release(b)
        store.unregister(b)
        store.unregister(a)
        self.assertEqual(self.lease_owners(gateways), dict.fromkeys(gateways))
