"""Unit tests of addons/emc_metering/protocols/points.py (no Odoo, no database)."""

import datetime
import itertools
import math
import random
import struct

import pytest
from metering_package import protocol

points = protocol("points")
DataType = points.DataType
Point = points.Point

ORDERS = [("big", "big"), ("little", "big"), ("big", "little"), ("little", "little")]


# --------------------------------------------------------------------------
# Register codecs: vectors written out by hand for each of the four layouts
# --------------------------------------------------------------------------

# value bytes A B C D -> wire registers for ABCD, CDAB, BADC, DCBA
VECTORS_32 = [
    # int32 -123456 = 0xFFFE1DC0
    ("int32", -123456, [[0xFFFE, 0x1DC0], [0x1DC0, 0xFFFE], [0xFEFF, 0xC01D], [0xC01D, 0xFEFF]]),
    # uint32 0x12345678
    (
        "uint32",
        0x12345678,
        [[0x1234, 0x5678], [0x5678, 0x1234], [0x3412, 0x7856], [0x7856, 0x3412]],
    ),
    # float32 230.5 = 0x43668000
    ("float32", 230.5, [[0x4366, 0x8000], [0x8000, 0x4366], [0x6643, 0x0080], [0x0080, 0x6643]]),
    # float32 -0.5 = 0xBF000000
    ("float32", -0.5, [[0xBF00, 0x0000], [0x0000, 0xBF00], [0x00BF, 0x0000], [0x0000, 0x00BF]]),
    # bcd32 12345678 (digits in the bytes 12 34 56 78)
    ("bcd32", 12345678, [[0x1234, 0x5678], [0x5678, 0x1234], [0x3412, 0x7856], [0x7856, 0x3412]]),
]


@pytest.mark.parametrize(("data_type", "value", "layouts"), VECTORS_32)
def test_32_bit_values_in_every_word_and_byte_order(data_type, value, layouts):
    for (word_order, byte_order), words in zip(ORDERS, layouts, strict=True):
        assert points.decode_words(words, data_type, word_order, byte_order) == value
        assert points.encode_words(value, data_type, word_order, byte_order) == words


def test_16_bit_values():
    assert points.decode_words([0xFFFE], "int16") == -2
    assert points.decode_words([0xFFFE], "uint16") == 65534
    assert points.decode_words([0x8000], "int16") == -32768
    # byte order swaps the two bytes of the register; word order is moot
    assert points.decode_words([0xFEFF], "int16", "big", "little") == -2
    assert points.decode_words([0x3412], "bcd16", "little", "little") == 1234
    assert points.encode_words(-2, "int16", "little", "little") == [0xFEFF]


def test_64_bit_values_in_every_order():
    # float64 1234.5678: bytes from the IEEE 754 reference encoding
    raw = struct.pack(">d", 1234.5678)
    big_words = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, 8, 2)]
    swapped = [((w & 0xFF) << 8) | (w >> 8) for w in big_words]
    expected = {
        ("big", "big"): big_words,
        ("little", "big"): big_words[::-1],
        ("big", "little"): swapped,
        ("little", "little"): swapped[::-1],
    }
    for (word_order, byte_order), words in expected.items():
        assert points.decode_words(words, "float64", word_order, byte_order) == 1234.5678
        assert points.encode_words(1234.5678, "float64", word_order, byte_order) == words
    # int64 -2 = FFFF FFFF FFFF FFFE
    assert points.decode_words([0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE], "int64") == -2
    assert points.decode_words([0xFFFE, 0xFFFF, 0xFFFF, 0xFFFF], "int64", "little") == -2
    assert points.decode_words([0x0000, 0x0000, 0x0001, 0x0000], "uint64") == 65536


EXTREMES = {
    "int16": [-32768, -1, 0, 32767],
    "uint16": [0, 1, 65535],
    "int32": [-(2**31), -1, 0, 2**31 - 1],
    "uint32": [0, 2**32 - 1],
    "int64": [-(2**63), 2**63 - 1],
    "uint64": [0, 2**64 - 1],
    "float32": [0.0, -1.5, 3.4028234663852886e38, 1.1754943508222875e-38],
    "float64": [0.0, -1e-300, 1.7976931348623157e308],
    "bcd16": [0, 9999],
    "bcd32": [0, 99999999],
}


@pytest.mark.parametrize("data_type", [t.value for t in DataType])
@pytest.mark.parametrize(("word_order", "byte_order"), ORDERS)
def test_every_type_round_trips_in_every_order(data_type, word_order, byte_order):
    for value in EXTREMES[data_type]:
        words = points.encode_words(value, data_type, word_order, byte_order)
        assert len(words) == DataType(data_type).count
        assert points.decode_words(words, data_type, word_order, byte_order) == value


def test_codec_errors():
    with pytest.raises(points.BcdError, match="0xA4"):
        points.decode_words([0x12A4], "bcd16")
    with pytest.raises(points.BcdError):
        points.encode_words(10000, "bcd16")
    with pytest.raises(ValueError, match="spans 2"):
        points.decode_words([1], "float32")
    with pytest.raises(ValueError, match=r"0\.\.65535"):
        points.decode_words([70000], "uint16")
    with pytest.raises(ValueError, match="does not fit"):
        points.encode_words(40000, "int16")
    with pytest.raises(ValueError, match="integer"):
        points.encode_words(1.5, "int32")
    with pytest.raises(ValueError, match="word_order"):
        points.decode_words([1, 2], "int32", "middle")


# --------------------------------------------------------------------------
# Points
# --------------------------------------------------------------------------


def test_point_scale_count_and_validation():
    volts = Point("voltage_a", 0x2006, 3, "float32", scale=0.1, unit="V")
    assert volts.count == 2 and volts.end == 0x2008
    assert volts.decode([0x4510, 0x0000]) == pytest.approx(230.4)  # 2304.0 x 0.1
    assert volts.encode(230.4) == [0x4510, 0x0000]
    energy = Point(
        "energy_import_total", 10, 4, "uint32", scale=0.01, unit="kWh", kind="cumulative"
    )
    assert energy.encode(12345.67) == [0x0012, 0xD687]  # 1234567
    assert energy.decode([0x0012, 0xD687]) == pytest.approx(12345.67)
    with pytest.raises(ValueError, match="function"):
        Point("voltage_a", 0, 6)
    with pytest.raises(ValueError, match="address"):
        Point("voltage_a", 65535, 3, "float32")
    with pytest.raises(ValueError, match="Channel"):
        Point("Voltage A", 0)
    with pytest.raises(ValueError, match="kind"):
        Point("voltage_a", 0, kind="sometimes")
    with pytest.raises(ValueError, match="scale"):
        Point("voltage_a", 0, scale=0)
    with pytest.raises(ValueError, match="non-finite"):
        volts.decode([0x7FC0, 0x0000])  # NaN


def test_ratio_factor():
    assert points.ratio_factor("none", 40, 100) == 1
    assert points.ratio_factor("ct", 40, 100) == 40
    assert points.ratio_factor("pt", 40, 100) == 100
    assert points.ratio_factor("ct_pt", 40, 100) == 4000
    with pytest.raises(ValueError):
        points.ratio_factor("pt_ct")


# --------------------------------------------------------------------------
# Read plans
# --------------------------------------------------------------------------


def _f32(channel, address, function=3):
    return Point(channel, address, function, "float32")


def test_plan_groups_by_function_gap_and_size():
    plan = points.plan_reads(
        [
            _f32("a", 0),
            _f32("b", 2),
            _f32("c", 10),  # 6 free registers after b: bridged with max_gap 6
            _f32("d", 100),
            _f32("e", 0, 4),
            Point("f", 3, 4, "uint16"),
        ],
        max_registers=125,
        max_gap=6,
    )
    assert [(b.function, b.address, b.count, [p.channel for p in b.points]) for b in plan] == [
        (3, 0, 12, ["a", "b", "c"]),
        (3, 100, 2, ["d"]),
        (4, 0, 4, ["e", "f"]),
    ]
    # one register less of gap allowed: c starts its own block
    assert len(points.plan_reads([_f32("a", 0), _f32("b", 2), _f32("c", 10)], max_gap=5)) == 2
    # the size limit splits a contiguous run
    run = [_f32(f"p{i}", 2 * i) for i in range(100)]  # 200 registers
    plan = points.plan_reads(run, max_registers=125, max_gap=0)
    assert [(b.address, b.count) for b in plan] == [(0, 124), (124, 76)]
    assert all(b.count <= 80 for b in points.plan_reads(run, max_registers=80))


def test_plan_handles_overlapping_points_and_rejects_bad_input():
    plan = points.plan_reads([_f32("total", 0), Point("total_high", 0, 3, "uint16")], max_gap=0)
    assert [(b.address, b.count, len(b.points)) for b in plan] == [(0, 2, 2)]
    with pytest.raises(ValueError, match="twice"):
        points.plan_reads([_f32("a", 0), _f32("a", 4)])
    with pytest.raises(ValueError, match="max_registers"):
        points.plan_reads([_f32("a", 0)], max_registers=126)
    with pytest.raises(ValueError, match="above max_registers"):
        points.plan_reads([Point("a", 0, 3, "float64")], max_registers=2)
    with pytest.raises(ValueError, match="max_gap"):
        points.plan_reads([_f32("a", 0)], max_gap=-1)


def _fewest_blocks(sorted_points, max_registers, max_gap):
    """Reference: the fewest blocks of consecutive points, by dynamic programming."""
    n = len(sorted_points)
    best = [0] + [math.inf] * n
    for i in range(n):
        start, end = sorted_points[i].address, sorted_points[i].end
        ok = end - start <= max_registers
        for j in range(i, n):
            p = sorted_points[j]
            if j > i:
                ok = ok and p.address - end <= max_gap
                end = max(end, p.end)
                ok = ok and end - start <= max_registers
            if not ok:
                break
            best[j + 1] = min(best[j + 1], best[i] + 1)
    return best[n]


def test_plan_is_the_fewest_blocks_on_random_maps():
    rng = random.Random(645)
    types = ["uint16", "int32", "float32", "float64"]
    for _ in range(300):
        size = rng.randint(1, 25)
        pts = [Point(f"p{i}", rng.randint(0, 300), 3, rng.choice(types)) for i in range(size)]
        max_registers, max_gap = rng.randint(4, 60), rng.randint(0, 12)
        plan = points.plan_reads(pts, max_registers, max_gap)
        # every point is read exactly once and inside its block, within the limits
        covered = [p.channel for b in plan for p in b.points]
        assert sorted(covered) == sorted(p.channel for p in pts)
        for b in plan:
            assert b.count <= max_registers
            assert all(b.address <= p.address and p.end <= b.end for p in b.points)
        ordered = sorted(pts, key=lambda p: p.address)
        assert len(plan) == _fewest_blocks(ordered, max_registers, max_gap)


def test_decode_block_flags_only_the_bad_value():
    block = points.plan_reads(
        [
            Point(
                "energy_import_total",
                0,
                3,
                "bcd32",
                scale=0.01,
                unit="kWh",
                kind="cumulative",
                ratio="ct_pt",
            ),
            Point("voltage_a", 2, 3, "float32", unit="V", ratio="pt"),
            Point("current_a", 4, 3, "int16", scale=0.001, unit="A", ratio="ct"),
        ],
        max_gap=0,
    )[0]
    ts = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    good = [0x0012, 0x3456, 0x4366, 0x8000, 0xFC18]  # 1234.56 kWh, 230.5 V, -1.000 A
    readings = points.decode_block(block, good, ct=40, pt=100, ts=ts, meter="M1")
    assert [(r.channel, r.value, r.unit, r.kind, r.ok) for r in readings] == [
        ("energy_import_total", pytest.approx(1234.56 * 4000), "kWh", "cumulative", True),
        ("voltage_a", pytest.approx(23050.0), "V", "instantaneous", True),
        ("current_a", pytest.approx(-40.0), "A", "instantaneous", True),
    ]
    assert all(r.ts == ts and r.meter == "M1" for r in readings)
    bad = [0x0012, 0x34F6, 0x7F80, 0x0000, 0x0001]  # bad BCD digit, +infinity
    readings = points.decode_block(block, bad)
    assert [(r.value, r.quality) for r in readings[:2]] == [
        (None, frozenset({"invalid"})),
        (None, frozenset({"invalid"})),
    ]
    assert readings[2].value == pytest.approx(0.001) and readings[2].ok
    with pytest.raises(ValueError, match="expects 5"):
        points.decode_block(block, good[:4])


def test_reading_invariants():
    ts = datetime.datetime(2025, 1, 1, 8, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    assert points.Reading("frequency", 50.0, "Hz", ts=ts).ok
    with pytest.raises(ValueError, match="flagged invalid"):
        points.Reading("frequency", None)
    with pytest.raises(ValueError, match="Unknown quality"):
        points.Reading("frequency", 50.0, quality=frozenset({"great"}))
    with pytest.raises(ValueError, match="timezone"):
        points.Reading("frequency", 50.0, ts=datetime.datetime(2025, 1, 1))


# --------------------------------------------------------------------------
# DL/T 645 formats and items
# --------------------------------------------------------------------------


def test_bcd_formats_with_sign_bit():
    energy = points.BcdFormat.parse("XXXXXX.XX")
    assert (energy.digits, energy.decimals, energy.size) == (8, 2, 4)
    # 123456.78 kWh: digits 12 34 56 78, least significant byte first
    assert energy.decode(bytes([0x78, 0x56, 0x34, 0x12])) == pytest.approx(123456.78)
    assert energy.encode(123456.78) == bytes([0x78, 0x56, 0x34, 0x12])
    current = points.BcdFormat.parse("XXX.XXX", signed=True)
    # -1.234 A: magnitude 001234, sign bit 7 of the top byte
    assert current.encode(-1.234) == bytes([0x34, 0x12, 0x80])
    assert current.decode(bytes([0x34, 0x12, 0x80])) == pytest.approx(-1.234)
    assert current.decode(bytes([0x34, 0x12, 0x00])) == pytest.approx(1.234)
    pf = points.BcdFormat.parse("X.XXX", signed=True)
    assert pf.decode(bytes([0x50, 0x89])) == pytest.approx(-0.950)  # 0x89 = sign + "09"
    with pytest.raises(points.BcdError):
        current.encode(800.0)  # the top digit cannot exceed 7 beside the sign bit
    with pytest.raises(points.BcdError):
        energy.encode(-1)
    with pytest.raises(points.BcdError):
        energy.decode(bytes([0xFF, 0xFF, 0xFF, 0xFF]))
    with pytest.raises(ValueError, match="look like"):
        points.BcdFormat.parse("XX,XX")


def test_data_item_block_channels():
    item = points.DataItem(
        "0001FF00",
        ("energy_import_total", "energy_import_t{n}"),
        points.BcdFormat.parse("XXXXXX.XX"),
        "kWh",
        "cumulative",
        "ct_pt",
    )
    assert [item.channel(i) for i in range(4)] == [
        "energy_import_total",
        "energy_import_t1",
        "energy_import_t2",
        "energy_import_t3",
    ]
    data = item.encode([10, 1, 2, 3, 4, 5, 6])  # a meter with 6 tariffs
    assert [c for c, _ in item.decode(data)][-1] == "energy_import_t6"
    readings = item.readings(item.encode([10, 1]), ct=5, pt=10)
    assert [(r.channel, r.value) for r in readings] == [
        ("energy_import_total", 500.0),
        ("energy_import_t1", 50.0),
    ]
    with pytest.raises(ValueError, match="cannot hold"):
        item.decode(b"\x00\x00\x00")
    voltage = points.DataItem(
        "0201FF00", ("voltage_a", "voltage_b", "voltage_c"), points.BcdFormat.parse("XXX.X")
    )
    with pytest.raises(ValueError, match="names 3"):
        voltage.decode(voltage.encode([1, 2, 3, 4]))
    with pytest.raises(ValueError, match="hex"):
        points.DataItem("0001ff0", ("x",), points.BcdFormat.parse("XX"))


# --------------------------------------------------------------------------
# Shipped maps
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["chint_dtsu666", "eastron_sdm630", "dlt645_2007"])
def test_shipped_maps_load_and_name_their_source(name):
    device_map = points.load_map(name)
    assert device_map.source and all(s.startswith("Source:") for s in device_map.source)
    assert device_map.channels
    entries = device_map.points or device_map.items
    for entry in entries:
        if entry.unit == "kWh":
            assert entry.kind == "cumulative"
        else:
            assert entry.kind == "instantaneous"
    if device_map.protocol == "modbus":
        plan = device_map.plan()
        assert all(b.count <= device_map.max_registers for b in plan)
        assert sum(len(b.points) for b in plan) == len(device_map.points)


def test_dtsu666_and_sdm630_energy_registers():
    dtsu = points.load_map("chint_dtsu666")
    energy = dtsu.point("energy_import_total")
    assert (energy.address, energy.function, energy.data_type, energy.unit, energy.scale) == (
        0x101E,
        3,
        DataType.FLOAT32,
        "kWh",
        1.0,
    )
    assert dtsu.point("voltage_a").scale == 0.1 and dtsu.point("current_a").scale == 0.001
    assert dtsu.point("power_total").unit == "kW"
    sdm = points.load_map("eastron_sdm630")
    assert (
        sdm.point("energy_import_total").address,
        sdm.point("energy_import_total").function,
    ) == (0x0048, 4)
    assert (sdm.point("energy_export_total").address, sdm.max_registers) == (0x004A, 80)


def test_dlt645_standard_identifiers():
    table = points.load_map("dlt645_2007")
    expected = {
        "00000000": ("XXXXXX.XX", 4, True),
        "00010000": ("XXXXXX.XX", 4, False),
        "00010400": ("XXXXXX.XX", 4, False),
        "02010100": ("XXX.X", 2, False),
        "02020100": ("XXX.XXX", 3, True),
        "02030000": ("XX.XXXX", 3, True),
        "02060000": ("X.XXX", 2, True),
        "02800002": ("XX.XX", 2, False),
    }
    for di, (notation, size, signed) in expected.items():
        fmt = table.item(di).fmt
        assert (fmt.notation, fmt.size, fmt.signed) == (notation, size, signed), di
    for n in range(1, 5):
        assert table.item(f"00010{n}00").channels == (f"energy_import_t{n}",)
    assert table.item("0001ff00").is_block


MAP_HEAD = "# Source: test\n# @protocol modbus\n"
HEADER = "channel,address,function,type,word_order,byte_order,scale,unit,kind,ratio,description\n"
ROW = "voltage_a,0x10,3,float32,big,big,0.1,V,instantaneous,pt,Ua\n"


def test_map_parser_errors_name_the_line():
    assert points.parse_map(MAP_HEAD + HEADER + ROW, "t").point("voltage_a").address == 0x10
    cases = [
        ("# @protocol modbus\n" + HEADER + ROW, "source"),
        ("# Source: x\n" + HEADER + ROW, "@protocol"),
        (MAP_HEAD + "# @colour red\n" + HEADER + ROW, "t:3: unknown"),
        (MAP_HEAD + HEADER.replace("scale", "factor") + ROW, "t:3: header"),
        (
            MAP_HEAD + HEADER + ROW + "voltage_b,0x12,3,float33,big,big,1,V,instantaneous,pt,Ub\n",
            "t:5:",
        ),
        (MAP_HEAD + HEADER + ROW + "voltage_b,0x12,3\n", "t:5: expected 11 columns"),
        (MAP_HEAD + HEADER + ROW + ROW, "twice"),
        (MAP_HEAD + HEADER, "no rows"),
        (MAP_HEAD + "# @max_registers 200\n" + HEADER + ROW, "max_registers"),
    ]
    for text, message in cases:
        with pytest.raises(points.MapError, match=message):
            points.parse_map(text, "t")
    with pytest.raises(KeyError, match="available: chint_dtsu666"):
        points.load_map("no_such_meter")


def test_all_orders_decode_through_points():
    for (word_order, byte_order), data_type in itertools.product(
        ORDERS, ["int32", "float32", "bcd32"]
    ):
        point = Point("power_total", 0, 3, data_type, word_order, byte_order, scale=0.5)
        assert point.decode(point.encode(1234.5)) == pytest.approx(1234.5)
