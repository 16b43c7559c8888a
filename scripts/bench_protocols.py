#!/usr/bin/env python3
"""Time poll cycles of simulated Modbus TCP meters read by the emc_metering reader.

    .venv/bin/python scripts/bench_protocols.py [--meters 200] [--cycles 3] [--units-per-gateway 1]

The meters (CHINT DTSU666 map, 24 channels, 5 block reads each) are pymodbus
servers on 127.0.0.1 in a child process (the second core), one TCP port per
gateway; ``--units-per-gateway 20`` puts 20 unit ids behind each port, read
one after the other as on an RS-485 line behind a gateway. The parent
connects one ModbusGateway per port and polls every meter once per cycle,
all gateways concurrently. Prints the figures; asserts nothing.
"""

import argparse
import asyncio
import logging
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "unit"))
from metering_package import protocol, simulators

points = protocol("points")
modbus = protocol("modbus")
sim = simulators()

MAP = "chint_dtsu666"


def energy_of(gateway: int, unit: int) -> float:
    return 1000.0 + gateway * 100 + unit


def serve(conn, gateways: int, units: int) -> None:
    """Child process: run the simulated meters until the parent says stop."""
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    device_map = points.load_map(MAP)
    with sim.ModbusSimulator() as simulator:
        ports = []
        for g in range(gateways):
            meters = {}
            for unit in range(1, units + 1):
                meter = sim.SimulatedMeter(device_map)
                meter.set_values(
                    {
                        "energy_import_total": energy_of(g, unit),
                        "voltage_a": 230.0,
                        "current_a": 5.0,
                    }
                )
                meters[unit] = meter
            ports.append(simulator.add_tcp(meters).port)
        conn.send(ports)
        conn.recv()


async def poll(ports: list[int], units: int, cycles: int, timeout: float) -> None:
    device_map = points.load_map(MAP)
    plan = device_map.plan()
    gateways = [modbus.ModbusGateway.tcp("127.0.0.1", port, timeout=timeout) for port in ports]
    started = time.perf_counter()
    await asyncio.gather(*(g.connect() for g in gateways))
    print(f"connect {len(gateways)} gateways: {time.perf_counter() - started:.2f} s")

    async def read_gateway(index: int, gateway) -> tuple[int, int, int]:
        good = failed = wrong = 0
        for unit in range(1, units + 1):
            try:
                readings = await gateway.read_plan(unit, plan)
            except modbus.ModbusError:
                failed += 1
                continue
            values = {r.channel: r.value for r in readings}
            if len(readings) == len(device_map.points) and values[
                "energy_import_total"
            ] == energy_of(index, unit):
                good += 1
            else:
                wrong += 1
        return good, failed, wrong

    times = []
    try:
        for cycle in range(1, cycles + 1):
            started = time.perf_counter()
            results = await asyncio.gather(*(read_gateway(i, g) for i, g in enumerate(gateways)))
            elapsed = time.perf_counter() - started
            times.append(elapsed)
            good, failed, wrong = (sum(r[k] for r in results) for k in range(3))
            requests = len(gateways) * units * len(plan)
            print(
                f"cycle {cycle}: {good} meters read, {failed} failed, {wrong} wrong values, "
                f"{requests} requests in {elapsed:.2f} s ({requests / elapsed:.0f} requests/s)"
            )
    finally:
        for gateway in gateways:
            gateway.close()
    print(
        f"poll cycle of {len(gateways) * units} meters: median {statistics.median(times):.2f} s, best {min(times):.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meters", type=int, default=200)
    parser.add_argument("--units-per-gateway", type=int, default=1)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args()
    if args.meters % args.units_per_gateway:
        parser.error("--meters must be a multiple of --units-per-gateway")
    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    gateways = args.meters // args.units_per_gateway
    plan = points.load_map(MAP).plan()
    print(
        f"{args.meters} simulated {MAP} meters, {gateways} TCP gateway(s) x {args.units_per_gateway} unit(s), "
        f"{len(plan)} block reads per meter"
    )
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    server = context.Process(
        target=serve, args=(child, gateways, args.units_per_gateway), daemon=True
    )
    server.start()
    try:
        if not parent.poll(120):
            raise SystemExit("the simulated meters did not start within 120 s")
        ports = parent.recv()
        asyncio.run(poll(ports, args.units_per_gateway, args.cycles, args.timeout))
    finally:
        parent.send("stop")
        server.join(30)
        if server.is_alive():
            server.terminate()
            server.join(5)


if __name__ == "__main__":
    main()
