"""DL/T 645-2007 codec and client of emc_metering.

The known frames are written out byte by byte from the standard (frame
layout, +33H data offset, checksum = sum of the bytes from the first 68H to
the last data byte, mod 256, worked out in the comments); the client talks
to a simulated meter on a pseudo-terminal through pyserial.
"""

import asyncio
import datetime
import os
import threading
import time
import tty

import pytest
from metering_package import protocol, simulators

dlt645 = protocol("dlt645")
points = protocol("points")
sim = simulators()

ADDRESS = "123456789012"
# the address, least significant byte first: 12 90 78 56 34 12 (sum 438)
ADDRESS_BYTES = [0x12, 0x90, 0x78, 0x56, 0x34, 0x12]

# Read data 11H, DI 00010000 (forward active energy, total): DI0..DI3 = 00 00 01 00, +33H.
# CS = 68 + 438 + 68 + 11 + 04 + 33 + 33 + 34 + 33 = 104+438+104+17+4+205 = 872 = 0x368 -> 68
READ_ENERGY = bytes(
    [
        0xFE,
        0xFE,
        0xFE,
        0xFE,
        0x68,
        *ADDRESS_BYTES,
        0x68,
        0x11,
        0x04,
        0x33,
        0x33,
        0x34,
        0x33,
        0x68,
        0x16,
    ]
)
# Answer 91H: DI then 123456.78 kWh as 78 56 34 12 (+33H: AB 89 67 45), L = 8.
# CS = 104 + 438 + 104 + 145 + 8 + 205 + (171+137+103+69) = 1484 = 0x5CC -> CC
ENERGY_ANSWER = bytes(
    [
        0xFE,
        0xFE,
        0x68,
        *ADDRESS_BYTES,
        0x68,
        0x91,
        0x08,
        0x33,
        0x33,
        0x34,
        0x33,
        0xAB,
        0x89,
        0x67,
        0x45,
        0xCC,
        0x16,
    ]
)
# Read address 13H to the wildcard AAAAAAAAAAAA, no data: CS = 104 + 6*170 + 104 + 19 = 1247 -> DF
READ_ADDRESS = bytes([0x68, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0x68, 0x13, 0x00, 0xDF, 0x16])
# Its answer 93H carries the address (+33H: 45 C3 AB 89 67 45): CS = 104+438+104+147+6+744 = 1543 -> 07
ADDRESS_ANSWER = bytes(
    [0x68, *ADDRESS_BYTES, 0x68, 0x93, 0x06, 0x45, 0xC3, 0xAB, 0x89, 0x67, 0x45, 0x07, 0x16]
)
# Abnormal answer D1H, error byte 02 "no requested data" (+33H: 35): CS = 104+438+104+209+1+53 = 909 -> 8D
ABNORMAL_ANSWER = bytes([0x68, *ADDRESS_BYTES, 0x68, 0xD1, 0x01, 0x35, 0x8D, 0x16])
# Answer for DI 02020100 (phase A current, XXX.XXX signed) = -1.234 A: magnitude 00 12 34 with the
# sign bit, sent 34 12 80 (+33H: 67 45 B3); DI 00 01 02 02 -> 33 34 35 35.
# CS = 104 + 438 + 104 + 145 + 7 + 209 + (103+69+179) = 1358 -> 4E
CURRENT_ANSWER = bytes(
    [0x68, *ADDRESS_BYTES, 0x68, 0x91, 0x07, 0x33, 0x34, 0x35, 0x35, 0x67, 0x45, 0xB3, 0x4E, 0x16]
)
# Broadcast time sync 08H to 999999999999 for 2025-03-14 15:26:09: ss mm hh DD MM YY = 09 26 15 14 03 25
# (+33H: 3C 59 48 47 36 58). CS = 104 + 6*153 + 104 + 8 + 6 + 434 = 1574 -> 26
TIME_SYNC = bytes(
    [
        0x68,
        0x99,
        0x99,
        0x99,
        0x99,
        0x99,
        0x99,
        0x68,
        0x08,
        0x06,
        0x3C,
        0x59,
        0x48,
        0x47,
        0x36,
        0x58,
        0x26,
        0x16,
    ]
)


# --------------------------------------------------------------------------
# Known frames, both ways
# --------------------------------------------------------------------------


def test_read_request_frame():
    request = dlt645.read_request(ADDRESS, "00010000")
    assert request.encode(preamble=4) == READ_ENERGY
    assert dlt645.decode_frame(READ_ENERGY) == dlt645.Frame(
        ADDRESS, 0x11, bytes([0x00, 0x00, 0x01, 0x00])
    )
    assert not request.is_response


def test_read_answer_frame_and_value():
    answer = dlt645.decode_frame(ENERGY_ANSWER)
    assert (
        answer.address,
        answer.control,
        answer.is_response,
        answer.is_abnormal,
        answer.has_followup,
    ) == (
        ADDRESS,
        0x91,
        True,
        False,
        False,
    )
    assert answer.data == bytes([0x00, 0x00, 0x01, 0x00, 0x78, 0x56, 0x34, 0x12])
    dlt645.check_response(dlt645.read_request(ADDRESS, "00010000"), answer)
    item = points.load_map("dlt645_2007").item("00010000")
    assert item.decode(answer.data[4:]) == [("energy_import_total", pytest.approx(123456.78))]
    value = item.encode(123456.78)
    assert dlt645.read_response(ADDRESS, "00010000", value).encode(preamble=2) == ENERGY_ANSWER


def test_read_address_frames():
    assert dlt645.read_address_request().encode(preamble=0) == READ_ADDRESS
    answer = dlt645.decode_frame(ADDRESS_ANSWER)
    assert answer.control == 0x93 and dlt645.decode_address(answer.data) == ADDRESS
    dlt645.check_response(
        dlt645.read_address_request(), answer
    )  # a wildcard request accepts any meter


def test_abnormal_answer_names_the_error_bits():
    answer = dlt645.decode_frame(ABNORMAL_ANSWER)
    assert dlt645.abnormal_response(ADDRESS, 0x11, 0x02).encode(preamble=0) == ABNORMAL_ANSWER
    with pytest.raises(dlt645.AbnormalResponse) as caught:
        dlt645.check_response(dlt645.read_request(ADDRESS, "04000401"), answer)
    assert (caught.value.code, caught.value.meanings, caught.value.function) == (
        2,
        ("no requested data",),
        0x11,
    )
    several = dlt645.AbnormalResponse(0x45, 0x11, ADDRESS)
    assert several.meanings == ("other error", "password error or unauthorized", "too many tariffs")
    assert "0x45" in str(several)


def test_signed_current_answer():
    answer = dlt645.decode_frame(CURRENT_ANSWER)
    item = points.load_map("dlt645_2007").item("02020100")
    assert answer.data[:4] == dlt645.encode_di("02020100") == bytes([0x00, 0x01, 0x02, 0x02])
    assert item.decode(answer.data[4:]) == [("current_a", pytest.approx(-1.234))]
    assert (
        dlt645.read_response(ADDRESS, "02020100", item.encode(-1.234)).encode(preamble=0)
        == CURRENT_ANSWER
    )


def test_broadcast_time_sync_frame():
    local = datetime.datetime(2025, 3, 14, 15, 26, 9)
    assert dlt645.broadcast_time_request(local).encode(preamble=0) == TIME_SYNC
    utc = datetime.datetime(
        2025, 3, 14, 7, 26, 9, tzinfo=datetime.timezone.utc
    )  # 15:26:09 in China
    assert dlt645.broadcast_time_request(utc).encode(preamble=0) == TIME_SYNC
    assert dlt645.decode_frame(TIME_SYNC).address == dlt645.BROADCAST_ADDRESS


def test_data_offset_wraps_modulo_256():
    frame = dlt645.Frame(ADDRESS, 0x91, bytes([0x00, 0xCC, 0xCD, 0xFF]))
    raw = frame.encode(preamble=0)
    assert raw[10:14] == bytes([0x33, 0xFF, 0x00, 0x32])
    assert dlt645.decode_frame(raw) == frame


# --------------------------------------------------------------------------
# Malformed frames, streams, addresses
# --------------------------------------------------------------------------


def test_malformed_frames():
    bad_checksum = bytearray(ENERGY_ANSWER)
    bad_checksum[-2] ^= 0x01
    with pytest.raises(dlt645.ChecksumError, match="should be 0xCC"):
        dlt645.decode_frame(bytes(bad_checksum))
    no_end = ENERGY_ANSWER[:-1] + b"\x17"
    with pytest.raises(dlt645.FrameError, match="end with 16"):
        dlt645.decode_frame(no_end)
    with pytest.raises(dlt645.FrameError, match="after the end"):
        dlt645.decode_frame(READ_ADDRESS + b"\x00")
    with pytest.raises(dlt645.FrameError, match="Second 68"):
        dlt645.decode_frame(bytes([0x68, *ADDRESS_BYTES, 0x67, 0x11, 0x00, 0x00, 0x16]))
    with pytest.raises(dlt645.FrameError, match="Incomplete"):
        dlt645.decode_frame(ENERGY_ANSWER[:-3])
    with pytest.raises(dlt645.FrameError, match="No frame start"):
        dlt645.decode_frame(b"\xfe\xfe\x00")
    not_bcd = bytes([0x68, 0x1A, 0, 0, 0, 0, 0, 0x68, 0x13, 0x00])
    with pytest.raises(dlt645.FrameError, match="not BCD"):
        dlt645.decode_frame(not_bcd + bytes([sum(not_bcd) & 0xFF, 0x16]))
    assert issubclass(dlt645.ChecksumError, dlt645.FrameError)


def test_scan_frame_in_a_byte_stream():
    noise = b"\x00\x55\x68\x01"  # a stray 68 whose second 68 is not in place
    stream = noise + ENERGY_ANSWER + READ_ADDRESS[:5]
    frame, end = dlt645.scan_frame(stream)
    assert frame.control == 0x91 and end == len(noise) + len(ENERGY_ANSWER)
    frame, keep = dlt645.scan_frame(stream[end:])
    assert frame is None and keep == 0  # the next frame has begun: keep it all
    assert dlt645.scan_frame(b"\xfe\xfe\xfe") == (None, 3)
    with pytest.raises(dlt645.ChecksumError):
        dlt645.scan_frame(ENERGY_ANSWER[:-2] + b"\x00\x16")


def test_addresses_and_identifiers():
    assert dlt645.encode_address(ADDRESS) == bytes(ADDRESS_BYTES)
    assert dlt645.encode_address("AAAAAAAA0001") == bytes([0x01, 0x00, 0xAA, 0xAA, 0xAA, 0xAA])
    assert dlt645.decode_address(bytes(ADDRESS_BYTES)) == ADDRESS
    assert dlt645.address_matches("AAAAAAAAAAAA", ADDRESS)
    assert dlt645.address_matches("AAAAAAAA9012", ADDRESS)
    assert not dlt645.address_matches("AAAAAAAA9013", ADDRESS)
    for bad in ["12345678901", "1234567890AB", "12345678901A", 123456789012]:
        with pytest.raises(dlt645.FrameError):
            dlt645.encode_address(bad)
    assert dlt645.encode_di("0001ff00") == bytes([0x00, 0xFF, 0x01, 0x00])
    with pytest.raises(dlt645.FrameError):
        dlt645.encode_di("0001FF0")
    with pytest.raises(dlt645.FrameError, match="does not answer"):
        dlt645.check_response(
            dlt645.read_request(ADDRESS, "00010000"), dlt645.decode_frame(ADDRESS_ANSWER)
        )
    other = dlt645.read_response("000000000001", "00010000", b"\x00\x00\x00\x00")
    with pytest.raises(dlt645.FrameError, match="expected 123456789012"):
        dlt645.check_response(dlt645.read_request(ADDRESS, "00010000"), other)


# --------------------------------------------------------------------------
# Client against a simulated meter on a pseudo-terminal
# --------------------------------------------------------------------------

METER = "000012345678"
OTHER = "000087654321"
VALUES = {
    "00010000": 12345.67,
    "0001FF00": [12345.67, 1000.01, 4000.02, 5000.03, 2345.61],
    "02010100": 231.4,
    "02020100": -5.125,
    "02030000": 3.4567,
    "02060000": -0.873,
    "02800002": 49.98,
}


@pytest.fixture
def bus():
    with sim.Dlt645Simulator({METER: VALUES, OTHER: {"00010000": 7.5}}) as simulator:
        yield simulator


def open_client(simulator, **timing):
    timing.setdefault("response_timeout", 0.3)
    timing.setdefault("inter_byte_timeout", 0.1)
    return dlt645.Dlt645Client.open(simulator.port, **timing)


def test_client_reads_the_standard_identifiers(bus):
    with open_client(bus) as client:
        assert client.read(METER, "00010000") == points.load_map("dlt645_2007").item(
            "00010000"
        ).encode(12345.67)
        result = client.read_readings(
            METER, ["00010000", "02010100", "02020100", "02030000", "02060000", "02800002"]
        )
    got = {r.channel: r for r in result.readings}
    assert result.errors == []
    assert {c: r.value for c, r in got.items()} == pytest.approx(
        {
            "energy_import_total": 12345.67,
            "voltage_a": 231.4,
            "current_a": -5.125,
            "power_total": 3.4567,
            "pf_total": -0.873,
            "frequency": 49.98,
        }
    )
    assert (
        got["energy_import_total"].kind == "cumulative" and got["energy_import_total"].unit == "kWh"
    )
    # the preamble, address and DI the meter saw
    first = bus.received[0]
    assert (first.address, first.control, first.data) == (METER, 0x11, bytes([0, 0, 1, 0]))


def test_tariff_block_and_ratios(bus):
    with open_client(bus) as client:
        result = client.read_readings(METER, ["0001FF00", "02020100"], ct=40, pt=1, meter="M-1")
    assert [(r.channel, r.value, r.meter) for r in result.readings] == [
        ("energy_import_total", pytest.approx(12345.67 * 40), "M-1"),
        ("energy_import_t1", pytest.approx(1000.01 * 40), "M-1"),
        ("energy_import_t2", pytest.approx(4000.02 * 40), "M-1"),
        ("energy_import_t3", pytest.approx(5000.03 * 40), "M-1"),
        ("energy_import_t4", pytest.approx(2345.61 * 40), "M-1"),
        ("current_a", pytest.approx(-5.125 * 40), "M-1"),
    ]


def test_unknown_identifier_is_an_abnormal_answer_and_the_rest_is_read(bus):
    with open_client(bus) as client:
        with pytest.raises(dlt645.AbnormalResponse) as caught:
            client.read(METER, "02010200")
        result = client.read_readings(METER, ["02010200", "02010100"])
    assert caught.value.meanings == ("no requested data",) and caught.value.address == METER
    assert [r.channel for r in result.readings] == ["voltage_a"]
    assert [(di, e.code) for di, e in result.errors] == [("02010200", 2)]


def test_follow_up_frames():
    with (
        sim.Dlt645Simulator({METER: VALUES}, followup_size=8) as simulator,
        open_client(simulator) as client,
    ):
        result = client.read_readings(METER, ["0001FF00"])
        followups = [f for f in simulator.received if f.function == 0x12]
    assert [r.value for r in result.readings] == pytest.approx(VALUES["0001FF00"])
    # 20 value bytes in chunks of 8: the answer B1H, then follow-ups 1 (B2H) and 2 (92H)
    assert [f.data for f in followups] == [bytes([0, 0xFF, 1, 0, 1]), bytes([0, 0xFF, 1, 0, 2])]


def test_read_address_and_broadcast_time():
    with sim.Dlt645Simulator({METER: VALUES}) as simulator, open_client(simulator) as client:
        assert client.read_address() == METER
        started = time.monotonic()
        client.broadcast_time(datetime.datetime(2025, 3, 14, 15, 26, 9))
        assert time.monotonic() - started < 0.2  # nobody answers a broadcast
        deadline = time.monotonic() + 2
        while not simulator.times and time.monotonic() < deadline:
            time.sleep(0.01)
    assert simulator.times == [datetime.datetime(2025, 3, 14, 15, 26, 9)]


def test_timeout_of_a_silent_or_absent_meter(bus):
    bus.fault[METER] = sim.SILENT
    with open_client(bus, response_timeout=0.25) as client:
        started = time.monotonic()
        with pytest.raises(dlt645.Timeout, match=METER):
            client.read(METER, "00010000")
        assert 0.2 <= time.monotonic() - started < 1.0
        with pytest.raises(dlt645.Timeout):
            client.read("000000000099", "00010000")  # no such meter on the bus
        assert client.read(OTHER, "00010000") == points.load_map("dlt645_2007").item(
            "00010000"
        ).encode(7.5)
    assert issubclass(dlt645.Timeout, TimeoutError)


def test_checksum_error(bus):
    bus.fault[METER] = sim.BAD_CHECKSUM
    with open_client(bus) as client:
        with pytest.raises(dlt645.ChecksumError):
            client.read(METER, "00010000")
        bus.fault.clear()
        assert client.read_readings(METER, ["02010100"]).readings[0].value == pytest.approx(231.4)


def test_truncated_answer_is_a_frame_error_after_the_inter_byte_timeout(bus):
    bus.fault[METER] = sim.TRUNCATED
    with open_client(bus, inter_byte_timeout=0.1) as client:
        started = time.monotonic()
        with pytest.raises(
            dlt645.FrameError, match="Incomplete or garbled answer from meter 000012345678: 68"
        ):
            client.read(METER, "00010000")
        assert (
            time.monotonic() - started < 0.3
        )  # bytes came: the 0.3 s response timeout no longer applies


def test_echo_and_foreign_frames_are_skipped():
    """A scripted peer on a pseudo-terminal: it echoes the request (as some RS-485
    adapters do), sends a late answer of another meter, then the real answer."""
    master, slave = os.openpty()
    tty.setraw(slave)
    foreign = dlt645.read_response("000000000001", "00010000", b"\x00\x00\x00\x00").encode(
        preamble=1
    )

    def peer():
        request = b""
        while not request.endswith(b"\x16"):
            request += os.read(master, 64)
        os.write(master, request + foreign + ENERGY_ANSWER)

    thread = threading.Thread(target=peer, daemon=True)
    thread.start()
    try:
        with dlt645.Dlt645Client.open(os.ttyname(slave), response_timeout=2) as client:
            assert client.read(ADDRESS, "00010000") == bytes([0x78, 0x56, 0x34, 0x12])
    finally:
        thread.join(5)
        os.close(master)
        os.close(slave)


def test_async_client_serialises_one_bus(bus):
    async def scenario():
        client = dlt645.AsyncDlt645Client(open_client(bus))
        try:
            return await asyncio.gather(
                *(
                    client.read_readings(address, ["00010000"], meter=address)
                    for address in [METER, OTHER] * 5
                )
            )
        finally:
            client.close()

    results = asyncio.run(scenario())
    assert [r.readings[0].value for r in results] == pytest.approx([12345.67, 7.5] * 5)
    assert [r.readings[0].meter for r in results] == [METER, OTHER] * 5
    # the requests went out one by one, each answered before the next
    assert [f.address for f in bus.received] == [METER, OTHER] * 5
