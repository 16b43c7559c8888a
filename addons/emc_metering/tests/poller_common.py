"""Shared set-up of the poller tests: committed data, real peers, bounded waits.

The poller reads and writes through its own database cursors (threads in
``test_poller.py``, other processes in ``test_poller_process.py``): it
cannot see the test's uncommitted transaction. These tests therefore create
their records through separate cursors that commit, under names carrying a
random tag, and remove them (readings first) when the class ends. Every
server (pymodbus, the DL/T 645 pty meter, MQTT clients) is stopped by a
cleanup of the test that started it.
"""

import asyncio
import contextlib
import threading
import time
import uuid
from datetime import timedelta

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase

from ..poller.engine import Poller
from ..poller.store import OdooStore
from .simulators import ModbusSimulator

WAIT = 40.0


class LiveCase(TransactionCase):
    """Records committed for the poller to see, removed at the end of the class."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag = uuid.uuid4().hex[:8]
        cls._gateways, cls._meters, cls._models = [], [], []
        with cls.live() as env:
            client = env["res.partner"].create(
                {"name": f"轮询测试客户 {cls.tag}", "is_company": True}
            )
            cls.site_id = (
                env["emc.site"]
                .create({"name": f"轮询测试厂区 {cls.tag}", "partner_id": client.id})
                .id
            )
            cls.partner_id = client.id
            cls.dtsu666_id = env.ref("emc_metering.device_model_chint_dtsu666").id
            cls.sdm630_id = env.ref("emc_metering.device_model_eastron_sdm630").id
            cls.dlt645_id = env.ref("emc_metering.device_model_dlt645_2007").id
            mqtt = env["emc.meter.device.model"].create(
                {"name": f"MQTT JSON {cls.tag}", "code": f"mqtt_{cls.tag}", "protocol": "mqtt"}
            )
            cls._models.append(mqtt.id)
            cls.mqtt_model_id = mqtt.id
        cls.addClassCleanup(cls._remove_live_records)
        cls.simulator = ModbusSimulator().start()
        cls.addClassCleanup(cls.simulator.stop)

    @classmethod
    @contextlib.contextmanager
    def live(cls):
        """An environment on a cursor of its own, committed at the end of the block."""
        with cls.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    @classmethod
    def _remove_live_records(cls):
        with cls.live() as env:
            cr = env.cr
            cr.execute("SELECT id FROM emc_meter_channel WHERE meter_id = ANY(%s)", [cls._meters])
            channels = [row[0] for row in cr.fetchall()]
            cr.execute("DELETE FROM emc_meter_reading WHERE channel_id = ANY(%s)", [channels])
            cr.execute("DELETE FROM emc_meter_rollup_dirty WHERE channel_id = ANY(%s)", [channels])
            env["emc.meter"].browse(cls._meters).exists().unlink()
            env["emc.meter.gateway"].browse(cls._gateways).exists().unlink()
            env["emc.meter.device.model"].browse(cls._models).exists().unlink()
            cr.execute("DELETE FROM emc_meter_poller WHERE name LIKE %s", [f"%{cls.tag}%"])
            with contextlib.suppress(Exception), cr.savepoint():
                env["emc.site"].browse(cls.site_id).unlink()
                env["res.partner"].browse(cls.partner_id).unlink()

    def setUp(self):
        super().setUp()
        # each test's pollers take this test's gateways only
        self.scope = f"GW-{self.tag}-{uuid.uuid4().hex[:6]}-"

    # ------------------------------------------------------------ records

    def make_gateway(self, **values):
        code = f"{self.scope}{len(self._gateways)}"
        with self.live() as env:
            gateway = env["emc.meter.gateway"].create(
                {
                    "name": code,
                    "code": code,
                    "transport": "tcp",
                    "host": "127.0.0.1",
                    "timeout": 0.3,
                    "retries": 1,
                    "retry_delay": 0.05,
                    **values,
                }
            )
        self._gateways.append(gateway.id)
        return gateway.id

    def make_meter(self, gateway_id, model_id=None, **values):
        code = f"M-{self.tag}-{len(self._meters)}"
        with self.live() as env:
            meter = env["emc.meter"].create(
                {
                    "name": code,
                    "code": code,
                    "site_id": self.site_id,
                    "device_model_id": model_id or self.dtsu666_id,
                    "gateway_id": gateway_id,
                    "poll_interval": 1,
                    "offline_after": 2,
                    **values,
                }
            )
        self._meters.append(meter.id)
        return meter.id

    def reload_gateways(self, gateway_ids):
        """Free these gateways' leases (a test's poller takes them at once)."""
        with self.live() as env:
            env["emc.meter.gateway"].browse(gateway_ids).action_release_lease()

    # ------------------------------------------------------------ reading back

    def query(self, sql, params=()):
        with self.live() as env:
            env.cr.execute(sql, params)
            return env.cr.fetchall()

    def readings(self, meter_id, channel="energy_import_total"):
        """``[(ts, value)]`` of one channel of a meter, in time order."""
        return self.query(
            """
            SELECT r.ts, r.value FROM emc_meter_reading r
              JOIN emc_meter_channel c ON c.id = r.channel_id
             WHERE c.meter_id = %s AND c.code = %s ORDER BY r.ts
            """,
            [meter_id, channel],
        )

    def meter_state(self, meter_id):
        return self.query(
            "SELECT state, failure_count, last_error FROM emc_meter WHERE id = %s", [meter_id]
        )[0]

    def state_log(self, meter_id):
        return [
            row[0]
            for row in self.query(
                "SELECT state FROM emc_meter_state_log WHERE meter_id = %s ORDER BY date, id",
                [meter_id],
            )
        ]

    def lease_owners(self, gateway_ids):
        return dict(
            self.query(
                "SELECT id, lease_owner FROM emc_meter_gateway WHERE id = ANY(%s)",
                [list(gateway_ids)],
            )
        )

    def wait_until(self, predicate, timeout=WAIT, message="condition"):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(f"Timed out after {timeout} s waiting for {message}.")
            time.sleep(0.1)

    def assertContiguous(self, stamps, minutes_seconds, message=""):
        """Timestamps one slot apart (``minutes_seconds``: slot length in seconds), no gap."""
        self.assertTrue(stamps, f"no readings {message}")
        step = timedelta(seconds=minutes_seconds)
        expected = [stamps[0] + step * i for i in range(len(stamps))]
        self.assertEqual(stamps, expected, f"a slot is missing {message}")
        self.assertEqual(len(set(stamps)), len(stamps))

    # ------------------------------------------------------------ in-process poller

    def start_poller(self, name, **options):
        """Run a poller engine on this database in a thread of its own; stopped at cleanup."""
        options.setdefault("lease_seconds", 3.0)
        options.setdefault("flush_interval", 0.3)
        store = OdooStore(self.registry, scope=f"{self.scope}%")
        poller = Poller(store, name=f"{name}-{self.tag}", **options)
        errors = []

        def run():
            try:
                asyncio.run(poller.run())
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=run, name=f"poller-{name}", daemon=True)
        thread.start()

        def stop():
            poller.request_stop()
            thread.join(30)
            self.assertFalse(thread.is_alive(), "the poller did not stop within 30 s")
            self.assertEqual(errors, [])

        poller.stop_and_wait = stop
        self.addCleanup(lambda: thread.is_alive() and stop())
        self.wait_until(lambda: poller._stop is not None, 10, "the poller to start")
        return poller
