"""The Modbus reader of emc_metering against pymodbus servers acting as meters.

Peers are real: pymodbus servers on 127.0.0.1 (Modbus TCP, and RTU framing
over TCP) and on a pseudo-terminal pair (Modbus RTU), from
addons/emc_metering/tests/simulators.py. Each test stops what it started.
"""

import asyncio
import itertools
import time

import pytest
from metering_package import protocol, simulators

points = protocol("points")
modbus = protocol("modbus")
sim = simulators()

TIMEOUT = 0.3
TRANSPORTS = ["tcp", "rtu_over_tcp", "rtu_serial"]


@pytest.fixture(scope="module")
def simulator():
    with sim.ModbusSimulator() as running:
        yield running


@pytest.fixture
def serve(simulator):
    """serve(meters, transport) -> (endpoint, gateway factory); endpoints stop after the test."""
    started = []

    def start(meters, transport):
        if transport == "rtu_serial":
            endpoint = simulator.add_rtu(meters)

            def make():
                return modbus.ModbusGateway.serial(endpoint.port, timeout=TIMEOUT)

        else:
            rtu_framing = transport == "rtu_over_tcp"
            endpoint = simulator.add_tcp(meters, rtu_framing=rtu_framing)

            def make():
                return modbus.ModbusGateway.tcp(
                    "127.0.0.1", endpoint.port, timeout=TIMEOUT, rtu_framing=rtu_framing
                )

        started.append(endpoint)
        return endpoint, make

    yield start
    for endpoint in started:
        endpoint.stop()


def session(make_gateway, scenario):
    """Run ``scenario(gateway)`` in one event loop, the gateway closed at the end."""

    async def main():
        gateway = make_gateway()
        try:
            return await scenario(gateway)
        finally:
            gateway.close()

    return asyncio.run(main())


ORDERS = [("big", "big"), ("little", "big"), ("big", "little"), ("little", "little")]
VALUES = {
    "int16": [-12345, 32767],
    "uint16": [65535, 1],
    "int32": [-123456789, 2**31 - 1],
    "uint32": [4000000000, 7],
    "int64": [-(2**62) - 12345, 1],
    "uint64": [2**63 + 99, 0],
    "float32": [-230.5, 49.98],
    "float64": [123456789.125, -1e-9],
    "bcd16": [9876, 1],
    "bcd32": [12345678, 99],
}


def _all_layout_points():
    """One point per data type, word/byte order and function code, and its expected value."""
    result, address = [], {3: 0, 4: 1000}
    for data_type, samples in VALUES.items():
        for index, (word_order, byte_order) in enumerate(ORDERS):
            for function in (3, 4):
                channel = f"{data_type}_{word_order[0]}{byte_order[0]}_fc{function}"
                point = points.Point(
                    channel, address[function], function, data_type, word_order, byte_order
                )
                result.append((point, samples[index % 2]))
                address[function] += point.count + 1  # a one-register hole between values
    return result


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_every_type_and_order_decodes_over_the_wire(serve, transport):
    layout = _all_layout_points()
    meter = sim.SimulatedMeter()
    for point, value in layout:
        words = points.encode_words(value, point.data_type, point.word_order, point.byte_order)
        meter.set_registers(point.function, point.address, words)
    _, make = serve({7: meter}, transport)
    plan = points.plan_reads([p for p, _ in layout], max_gap=1)
    assert len(plan) == 4  # 125-register blocks, two per function code

    readings = session(make, lambda gw: gw.read_plan(7, plan, meter="M7"))
    by_channel = {r.channel: r for r in readings}
    assert len(by_channel) == len(layout)
    for point, value in layout:
        reading = by_channel[point.channel]
        assert reading.ok and reading.meter == "M7", point.channel
        if point.data_type == points.DataType.FLOAT32:
            assert reading.value == pytest.approx(value, rel=1e-7), point.channel
        else:
            # readings are floats: 64-bit integers keep their 53 leading bits
            assert reading.value == float(value), point.channel


@pytest.mark.parametrize("transport", ["tcp", "rtu_serial"])
def test_hand_written_registers_decode(serve, transport):
    # 230.5 = 0x43668000 stored CDAB, 1234.56 kWh in BCD (0x0012 0x3456) x 0.01, -2 in int16 BADC
    meter = sim.SimulatedMeter()
    meter.set_registers(4, 100, [0x8000, 0x4366])
    meter.set_registers(4, 102, [0x0012, 0x3456])
    meter.set_registers(4, 104, [0xFEFF])
    _, make = serve({1: meter}, transport)
    plan = points.plan_reads(
        [
            points.Point("voltage_a", 100, 4, "float32", "little", "big", unit="V"),
            points.Point(
                "energy_import_total", 102, 4, "bcd32", scale=0.01, unit="kWh", kind="cumulative"
            ),
            points.Point("current_a", 104, 4, "int16", "big", "little", unit="A"),
        ]
    )
    readings = session(make, lambda gw: gw.read_plan(1, plan))
    assert {r.channel: r.value for r in readings} == {
        "voltage_a": 230.5,
        "energy_import_total": pytest.approx(1234.56),
        "current_a": -2.0,
    }


@pytest.mark.parametrize("name", ["chint_dtsu666", "eastron_sdm630"])
def test_shipped_maps_read_from_a_strict_meter(serve, name):
    device_map = points.load_map(name)
    meter = sim.SimulatedMeter(device_map, strict=True)
    values = {
        "voltage_a": 230.1,
        "current_b": 12.345,
        "power_total": 7.5,
        "pf_total": -0.95,
        "frequency": 50.01,
        "energy_import_total": 123456.5,
        "energy_export_total": 42.25,
    }
    meter.set_values(values)
    _, make = serve({3: meter}, "rtu_serial")

    async def scenario(gw):
        readings = await gw.read_plan(3, device_map.plan())
        # the meter refuses undocumented registers: bridging the gaps gets exception 2
        with pytest.raises(modbus.ModbusExceptionResponse) as caught:
            await gw.read_plan(3, device_map.plan(max_gap=30))
        return readings, caught.value

    readings, refused = session(make, scenario)
    got = {r.channel: r for r in readings}
    assert set(got) == set(device_map.channels)
    for channel, value in values.items():
        assert got[channel].value == pytest.approx(value, rel=1e-6), channel
    assert (
        got["energy_import_total"].kind == "cumulative" and got["energy_import_total"].unit == "kWh"
    )
    assert (refused.code, refused.meaning, refused.unit_id) == (2, "illegal data address", 3)


def test_ct_pt_ratios_apply_per_point(serve):
    meter = sim.SimulatedMeter()
    layout = [
        points.Point(
            "energy_import_total",
            0,
            3,
            "uint32",
            scale=0.01,
            unit="kWh",
            kind="cumulative",
            ratio="ct_pt",
        ),
        points.Point("voltage_a", 2, 3, "uint16", scale=0.1, unit="V", ratio="pt"),
        points.Point("current_a", 3, 3, "int16", scale=0.001, unit="A", ratio="ct"),
        points.Point("pf_total", 4, 3, "int16", scale=0.001, ratio="none"),
    ]
    for point, value in zip(layout, [1000.0, 57.7, 1.5, 0.9], strict=True):
        meter.set_registers(3, point.address, point.encode(value))
    _, make = serve({1: meter}, "tcp")
    plan = points.plan_reads(layout)
    # CT 200/5 A, PT 10000/100 V
    readings = session(make, lambda gw: gw.read_plan(1, plan, ct=40, pt=100))
    assert {r.channel: r.value for r in readings} == pytest.approx(
        {"energy_import_total": 4000000.0, "voltage_a": 5770.0, "current_a": 60.0, "pf_total": 0.9}
    )


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_timeout_then_recovery(serve, transport):
    meter = sim.SimulatedMeter()
    meter.set_registers(3, 0, [1, 2])
    _, make = serve({1: meter}, transport)

    async def scenario(gw):
        assert await gw.read_registers(1, 3, 0, 2) == [1, 2]
        meter.fault = sim.SILENT
        started = time.monotonic()
        with pytest.raises(modbus.ModbusTimeout, match="No answer from unit 1"):
            await gw.read_registers(1, 3, 0, 2)
        elapsed = time.monotonic() - started
        meter.fault = None
        return elapsed, await gw.read_registers(1, 3, 0, 2)

    elapsed, registers = session(make, scenario)
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + 1.0
    assert registers == [1, 2]


@pytest.mark.parametrize("transport", ["tcp", "rtu_serial"])
def test_a_dead_meter_does_not_break_the_link(serve, transport):
    # pymodbus drops the link after a few unanswered requests in a row; the
    # gateway must keep reporting timeouts and reopen the link by itself
    dead, alive = sim.SimulatedMeter(), sim.SimulatedMeter()
    dead.fault = sim.SILENT
    alive.set_registers(3, 0, [7])
    _, make = serve({1: dead, 2: alive}, transport)

    async def scenario(gw):
        for _ in range(5):
            with pytest.raises(modbus.ModbusTimeout):
                await gw.read_registers(1, 3, 0, 1)
        return await gw.read_registers(2, 3, 0, 1)

    assert session(make, scenario) == [7]


@pytest.mark.parametrize("transport", ["rtu_serial", "rtu_over_tcp"])
def test_crc_error(serve, transport):
    meter = sim.SimulatedMeter()
    meter.set_registers(4, 10, [0x4366, 0x8000])
    _, make = serve({5: meter}, transport)

    async def scenario(gw):
        meter.fault = sim.BAD_CRC
        with pytest.raises(modbus.ModbusFrameError, match="CRC mismatch") as caught:
            await gw.read_registers(5, 4, 10, 2)
        meter.fault = None
        return caught.value, await gw.read_registers(5, 4, 10, 2)

    error, registers = session(make, scenario)
    assert error.reason == "crc"
    # the bytes that came: unit 5, function 4, 4 data bytes, then the damaged CRC
    assert error.raw[:7] == bytes([5, 4, 4, 0x43, 0x66, 0x80, 0x00]) and len(error.raw) == 9
    assert registers == [0x4366, 0x8000]


def test_truncated_tcp_frame_is_a_framing_error(serve):
    meter = sim.SimulatedMeter()
    meter.fault = sim.BAD_CRC
    _, make = serve({1: meter}, "tcp")

    async def scenario(gw):
        with pytest.raises(modbus.ModbusFrameError) as caught:
            await gw.read_registers(1, 3, 0, 4)
        return caught.value

    error = session(make, scenario)
    assert error.reason == "framing" and error.raw


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_exception_response(serve, transport):
    meter = sim.SimulatedMeter()
    meter.fault = 6
    _, make = serve({9: meter}, transport)

    async def scenario(gw):
        with pytest.raises(modbus.ModbusExceptionResponse) as caught:
            await gw.read_registers(9, 3, 0, 2)
        return caught.value

    error = session(make, scenario)
    assert (error.code, error.function, error.meaning) == (6, 3, "server device busy")
    assert isinstance(error, modbus.ModbusError)


def test_unknown_unit_stays_silent(serve):
    _, make = serve({1: sim.SimulatedMeter()}, "rtu_serial")

    async def scenario(gw):
        with pytest.raises(modbus.ModbusTimeout):
            await gw.read_registers(2, 3, 0, 1)

    session(make, scenario)


def test_connection_refused_and_lost(serve, simulator):
    async def refused(gw):
        with pytest.raises(modbus.ModbusConnectionError, match="Cannot open"):
            await gw.read_registers(1, 3, 0, 1)

    session(lambda: modbus.ModbusGateway.tcp("127.0.0.1", 9, timeout=TIMEOUT), refused)

    meter = sim.SimulatedMeter()
    meter.set_registers(3, 0, [42])
    endpoint, make = serve({1: meter}, "tcp")

    async def lost(gw):
        assert await gw.read_registers(1, 3, 0, 1) == [42]
        await asyncio.to_thread(endpoint.stop)
        with pytest.raises(modbus.ModbusConnectionError):
            await gw.read_registers(1, 3, 0, 1)
        # the meter comes back on the same port: the next request reconnects
        again = await asyncio.to_thread(simulator.add_tcp, {1: meter}, port=endpoint.port)
        try:
            return await gw.read_registers(1, 3, 0, 1)
        finally:
            await asyncio.to_thread(again.stop)

    assert session(make, lost) == [42]


def test_requests_on_one_bus_never_overlap(serve):
    device_map = points.load_map("chint_dtsu666")
    meters = {}
    for unit in range(1, 6):
        meter = sim.SimulatedMeter(device_map)
        meter.set_values({"energy_import_total": 1000.0 * unit, "voltage_a": 220.0 + unit})
        meters[unit] = meter
    endpoint, _ = serve(meters, "rtu_serial")
    plan = device_map.plan()

    async def scenario(gw):
        await gw.connect()
        in_flight, peak, starts = 0, 0, []
        original = gw._client.read_holding_registers

        async def watched(*args, **kwargs):
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            starts.append(asyncio.get_running_loop().time())
            try:
                return await original(*args, **kwargs)
            finally:
                in_flight -= 1

        gw._client.read_holding_registers = watched
        results = await asyncio.gather(
            *(gw.read_plan(u, plan, meter=str(u)) for u in [1, 2, 3, 4, 5] * 4)
        )
        return results, peak, starts

    def make():
        return modbus.ModbusGateway.serial(
            endpoint.port, timeout=TIMEOUT, inter_request_delay=0.005
        )

    results, peak, starts = session(make, scenario)
    assert peak == 1
    assert len(starts) == 20 * len(plan)
    assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.005
    for readings in results:
        unit = int(readings[0].meter)
        values = {r.channel: r.value for r in readings}
        assert values["energy_import_total"] == 1000.0 * unit
        assert values["voltage_a"] == pytest.approx(220.0 + unit)


def test_serial_gateway_keeps_the_silent_interval():
    assert modbus.ModbusGateway.serial(
        "/dev/null", baudrate=9600
    ).inter_request_delay == pytest.approx(3.5 * 11 / 9600)
    assert modbus.ModbusGateway.serial("/dev/null", baudrate=115200).inter_request_delay == 0.00175
    assert modbus.ModbusGateway.tcp("127.0.0.1").inter_request_delay == 0.0


def test_bad_requests_are_refused_before_the_wire():
    async def scenario(gw):
        for args in [(1, 5, 0, 1), (1, 3, 0, 126), (1, 3, 0, 0), (248, 3, 0, 1)]:
            with pytest.raises(ValueError):
                await gw.read_registers(*args)

    session(lambda: modbus.ModbusGateway.tcp("127.0.0.1", 9), scenario)
