"""Poller processes started by the documented command (``odoo-bin emc-poller``).

Two pollers share the gateways, one is killed (SIGKILL) and the other takes
its gateways over within one lease period; a poller stopped with SIGTERM
writes what it holds and releases its leases, and a restarted one resumes;
a killed poller restarted under its name resumes its leases at once.
Readings are counted slot by slot: none missing, none twice.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time

from odoo.tests import tagged
from odoo.tools import config

from ..protocols.points import load_map
from .poller_common import LiveCase
from .simulators import SimulatedMeter

# A polling minute of SLOT seconds: 1-minute meters are read every SLOT seconds.
SLOT = 8.0
LEASE = 2.0


@tagged("post_install", "-at_install")
class TestPollerProcesses(LiveCase):
    def setUp(self):
        super().setUp()
        self.dtsu = load_map("chint_dtsu666")

    def start_process(self, name, *options):
        """``odoo-bin --addons-path=... emc-poller`` on this database; killed at cleanup."""
        # the venv's console script (Odoo's cli.main), as scripts/lib.sh runs Odoo
        odoo_bin = os.path.join(os.path.dirname(sys.executable), "odoo")
        log = tempfile.NamedTemporaryFile(prefix=f"emc-poller-{name}-", suffix=".log", delete=False)
        self.addCleanup(os.unlink, log.name)
        command = [
            sys.executable,
            odoo_bin,
            f"--addons-path={config['addons_path']}",
            "emc-poller",
            "-c",
            config.rcfile,
            "-d",
            self.registry.db_name,
            "--log-level=info",
            f"--name={name}-{self.tag}",
            f"--gateways={self.scope}%",
            f"--lease-seconds={LEASE}",
            f"--seconds-per-minute={SLOT}",
            *options,
        ]
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        process.log_path = log.name
        process.poller_name = f"{name}-{self.tag}"

        def kill():
            if process.poll() is None:
                process.kill()
            process.wait(10)

        self.addCleanup(kill)
        return process

    def stop_process(self, process, timeout=20):
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.fail(f"the poller did not stop within {timeout} s on SIGTERM")
        with open(process.log_path, encoding="utf-8") as log:
            text = log.read()
        self.assertEqual(code, 0, text[-3000:])
        return text

    def stamps(self, meter_id):
        return [ts for ts, _v in self.readings(meter_id)]

    def _setup_meters(self, gateways, meters_per_gateway):
        gateway_ids, meter_ids = [], []
        for _g in range(gateways):
            meters = {}
            for unit in range(1, meters_per_gateway + 1):
                meters[unit] = SimulatedMeter(self.dtsu)
                meters[unit].set_values({"energy_import_total": 100.0 * unit})
            endpoint = self.simulator.add_tcp(meters)
            gateway = self.make_gateway(port=endpoint.port)
            gateway_ids.append(gateway)
            meter_ids += [self.make_meter(gateway, unit_id=unit) for unit in meters]
        return gateway_ids, meter_ids

    def test_takeover_after_sigkill(self):
        gateways, meters = self._setup_meters(2, 2)
        first = self.start_process("a")
        second = self.start_process("b")
        names = {first.poller_name, second.poller_name}

        def split():
            owners = self.lease_owners(gateways)
            return set(owners.values()) == names

        self.wait_until(split, 60, "the two pollers to share the gateways")
        for meter in meters:
            self.wait_until(lambda m=meter: len(self.stamps(m)) >= 2, 30, "two slots per meter")
        owners = self.lease_owners(gateways)
        victim, survivor = (
            (first, second)
            if owners[gateways[0]] == first.poller_name
            else (
                second,
                first,
            )
        )
        victim.kill()
        killed = time.monotonic()
        victim.wait(10)
        self.wait_until(
            lambda: set(self.lease_owners(gateways).values()) == {survivor.poller_name},
            30,
            "the survivor to take every gateway",
        )
        takeover = time.monotonic() - killed
        # expiry of the lease, then at most one lease round of the survivor
        self.assertLessEqual(takeover, LEASE + LEASE / 3 + 1.0)
        counts = {m: len(self.stamps(m)) for m in meters}
        for meter in meters:
            self.wait_until(
                lambda m=meter: len(self.stamps(m)) >= counts[m] + 2, 40, "slots after takeover"
            )
        self.stop_process(survivor)

        for meter in meters:
            self.assertContiguous(self.stamps(meter), SLOT, f"for meter {meter} across takeover")
            values = {v for _ts, v in self.readings(meter)}
            self.assertEqual(len(values), 1)
        self.assertEqual(self.lease_owners(gateways), dict.fromkeys(gateways))

    def test_sigterm_flushes_and_restart_resumes(self):
        gateways, meters = self._setup_meters(1, 2)
        # readings are only written at stop: the flush interval is longer than the test
        process = self.start_process("solo", "--flush-seconds=600")
        self.wait_until(
            lambda: self.lease_owners(gateways)[gateways[0]] == process.poller_name,
            60,
            "the lease",
        )
        time.sleep(2 * SLOT)
        self.assertEqual(self.stamps(meters[0]), [], "written before the stop")
        stopped = time.time()
        log = self.stop_process(process)
        self.assertIn("0 polls not written", log)
        held = {m: self.stamps(m) for m in meters}
        for meter in meters:
            # every slot polled since the lease, written by the stop: the slot of the
            # SIGTERM (or the one before, when the signal came as that slot began)
            self.assertGreaterEqual(len(held[meter]), 2)
            self.assertContiguous(held[meter], SLOT)
            last = held[meter][-1].replace(tzinfo=dt.timezone.utc).timestamp()
            self.assertIn(int(stopped // SLOT) - int(last // SLOT), (0, 1))
        self.assertEqual(self.lease_owners(gateways), {gateways[0]: None})
        self.assertFalse(
            self.query("SELECT 1 FROM emc_meter_poller WHERE name = %s", [process.poller_name])
        )

        again = self.start_process("solo")
        for meter in meters:
            self.wait_until(
                lambda m=meter: len(self.stamps(m)) >= len(held[m]) + 2, 60, "new readings"
            )
        self.stop_process(again)
        for meter in meters:
            stamps = self.stamps(meter)
            self.assertEqual(len(stamps), len(set(stamps)))
            self.assertEqual(stamps[: len(held[meter])], held[meter])
            restarted = stamps[len(held[meter]) :]
            self.assertContiguous(restarted, SLOT, "after the restart")

    def test_killed_poller_restarted_under_its_name_resumes_at_once(self):
        gateways, meters = self._setup_meters(1, 1)
        # a lease far longer than the restart: only "my own lease" lets it resume
        process = self.start_process("named", "--lease-seconds=120")
        self.wait_until(lambda: len(self.stamps(meters[0])) >= 2, 60, "readings")
        process.kill()
        process.wait(10)
        killed = time.monotonic()
        count = len(self.stamps(meters[0]))
        again = self.start_process("named", "--lease-seconds=120")
        self.wait_until(
            lambda: len(self.stamps(meters[0])) >= count + 2, 60, "readings after the restart"
        )
        self.assertLess(time.monotonic() - killed, 60)
        self.assertEqual(self.lease_owners(gateways), {gateways[0]: again.poller_name})
        self.stop_process(again)
        stamps = self.stamps(meters[0])
        self.assertEqual(len(stamps), len(set(stamps)))
