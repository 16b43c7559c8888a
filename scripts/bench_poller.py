#!/usr/bin/env python3
"""Time the poller's cycles over simulated Modbus TCP meters: prints figures, asserts nothing.

    .venv/bin/python scripts/bench_poller.py [--meters 200] [--units-per-gateway 1]
                                             [--cycles 3] [--slot 10] [--db emc_bench_poller]

The meters (CHINT DTSU666 map: 24 channels in 5 block reads) are pymodbus
servers on 127.0.0.1 in a child process (``bench_protocols.serve``), one
TCP port per gateway, ``--units-per-gateway`` unit ids behind each. The
parent runs the real poller engine (``poller.engine.Poller`` with the Odoo
store, as ``odoo-bin emc-poller`` does) on a database of its own, built
once with emc_metering and no demo data, with gateways ``BENCH-*`` and
their meters (re)created at each run. A polling minute lasts ``--slot``
seconds, so each 1-minute meter is read once per slot.

For each slot it prints how long after the slot's start the last meter was
read (the poll cycle; target <= 5 s for 200 meters) and its readings
committed, and the readings inserted. The first cycle includes opening the
TCP connections.
"""

import argparse
import asyncio
import logging
import multiprocessing
import os
import statistics
import sys
import time
from collections import defaultdict

from benchlib import ROOT, ensure_database, open_registry

# The simulated meters run in a child process that imports bench_protocols.
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import bench_protocols


def prepare(env, ports, units):
    """Gateways BENCH-<n> on the simulator's ports, ``units`` DTSU666 meters each."""
    cr = env.cr
    old = env["emc.meter"].with_context(active_test=False).search([("code", "=like", "BENCH-%")])
    cr.execute("SELECT id FROM emc_meter_channel WHERE meter_id = ANY(%s)", [old.ids])
    channels = [row[0] for row in cr.fetchall()]
    cr.execute("DELETE FROM emc_meter_reading WHERE channel_id = ANY(%s)", [channels])
    cr.execute("DELETE FROM emc_meter_rollup_dirty WHERE channel_id = ANY(%s)", [channels])
    old.unlink()
    env["emc.meter.gateway"].with_context(active_test=False).search(
        [("code", "=like", "BENCH-%")]
    ).unlink()
    site = env["emc.site"].search([("name", "=", "Bench site")], limit=1) or env["emc.site"].create(
        {
            "name": "Bench site",
            "partner_id": env["res.partner"].create({"name": "Bench client"}).id,
        }
    )
    model = env.ref("emc_metering.device_model_chint_dtsu666")
    gateways = env["emc.meter.gateway"].create(
        [
            {
                "name": f"BENCH-{g:04d}",
                "code": f"BENCH-{g:04d}",
                "transport": "tcp",
                "host": "127.0.0.1",
                "port": port,
                "timeout": 2.0,
            }
            for g, port in enumerate(ports)
        ]
    )
    env["emc.meter"].create(
        [
            {
                "name": f"BENCH-{g:04d}-{unit:02d}",
                "code": f"BENCH-{g:04d}-{unit:02d}",
                "site_id": site.id,
                "device_model_id": model.id,
                "gateway_id": gateway.id,
                "unit_id": unit,
                "poll_interval": 1,
            }
            for g, gateway in enumerate(gateways)
            for unit in range(1, units + 1)
        ]
    )


def run_poller(registry, meters, cycles, slot):
    from odoo.addons.emc_metering.poller.engine import Poller
    from odoo.addons.emc_metering.poller.store import OdooStore

    class BenchPoller(Poller):
        """The engine, noting when each slot's polls were taken and committed."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.polled = defaultdict(list)
            self.written = {}
            self.failed = 0
            self.flush_times = []

        def record(self, meter, gateway_id, **kwargs):
            super().record(meter, gateway_id, **kwargs)
            if kwargs.get("ok"):
                self.polled[kwargs["ts"]].append(time.time())
            else:
                self.failed += 1

        async def flush(self):
            pending = [p.ts for p in self._buffer]
            started = time.perf_counter()
            ok = await super().flush()
            if ok and pending:
                self.flush_times.append(time.perf_counter() - started)
                now = time.time()
                for ts in pending:
                    self.written[ts] = now
            return ok

    poller = BenchPoller(
        OdooStore(registry, scope="BENCH-%"),
        name="bench",
        lease_seconds=30.0,
        flush_interval=0.5,
        seconds_per_minute=slot,
    )

    async def main():
        task = asyncio.create_task(poller.run())
        deadline = time.time() + (cycles + 2) * slot + 60
        while time.time() < deadline:
            complete = [ts for ts, times in poller.polled.items() if len(times) >= meters]
            if len(complete) >= cycles and all(ts in poller.written for ts in complete[:cycles]):
                break
            await asyncio.sleep(0.1)
        poller.request_stop()
        await task

    asyncio.run(main())
    return poller


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=200)
    parser.add_argument("--units-per-gateway", type=int, default=1)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--slot", type=float, default=10.0, help="seconds per polling minute")
    parser.add_argument("--db", default="emc_bench_poller")
    args = parser.parse_args()
    if args.meters % args.units_per_gateway:
        parser.error("--meters must be a multiple of --units-per-gateway")
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    gateways = args.meters // args.units_per_gateway

    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    server = context.Process(
        target=bench_protocols.serve, args=(child, gateways, args.units_per_gateway), daemon=True
    )
    server.start()
    try:
        if not parent.poll(120):
            raise SystemExit("the simulated meters did not start within 120 s")
        ports = parent.recv()
        ensure_database(args.db, "emc_metering")
        registry = open_registry(args.db)
        import odoo

        with registry.cursor() as cr:
            prepare(odoo.api.Environment(cr, odoo.SUPERUSER_ID, {}), ports, args.units_per_gateway)
        print(
            f"{args.meters} simulated chint_dtsu666 meters (24 channels, 5 block reads), "
            f"{gateways} TCP gateway(s) x {args.units_per_gateway} unit(s); slot {args.slot} s",
            flush=True,
        )
        poller = run_poller(registry, args.meters, args.cycles, args.slot)
    finally:
        parent.send("stop")
        server.join(30)
        if server.is_alive():
            server.terminate()
            server.join(5)

    cycle_times, write_times = [], []
    for number, ts in enumerate(sorted(poller.polled)[: args.cycles], 1):
        start = ts.timestamp()
        polled = poller.polled[ts]
        last = max(polled) - start
        written = poller.written.get(ts)
        written_in = f"{written - start:.2f} s" if written else "never"
        print(
            f"cycle {number} (slot {ts:%H:%M:%S}): {len(polled)} meters read, the first "
            f"{min(polled) - start:.2f} s and the last {last:.2f} s after the slot began, "
            f"committed {written_in} after it"
            + (" (gateways claimed mid-slot, connections opened)" if number == 1 else "")
        )
        if number > 1:
            cycle_times.append(last)
            if written:
                write_times.append(written - start)
    stats = poller.stats
    print(
        f"readings inserted {stats['inserted']}, duplicates {stats['duplicates']}, "
        f"failed polls {stats['polls_failed']}, flushes {stats['flushes']} "
        f"(median {statistics.median(poller.flush_times) * 1000:.0f} ms, "
        f"max {max(poller.flush_times) * 1000:.0f} ms)"
    )
    if cycle_times:
        print(
            f"poll cycle of {args.meters} meters (steady state): median "
            f"{statistics.median(cycle_times):.2f} s, committed median "
            f"{statistics.median(write_times):.2f} s after the slot began (target <= 5 s)"
        )


if __name__ == "__main__":
    main()
