"""Unit tests of addons/emc_workorder/lib/evidence.py, without Odoo or a database.

The module is loaded by file path so that importing it does not import the
``odoo.addons.emc_workorder`` package (whose __init__ needs the ORM).
"""

import dataclasses
import datetime
import hashlib
import itertools
import json
import math
import unittest
from decimal import Decimal

from _load import load

evidence = load("emc_workorder", "lib.evidence")

GENESIS = evidence.GENESIS
ChainRow = evidence.ChainRow
ChainVerifier = evidence.ChainVerifier
verify_chain = evidence.verify_chain

EVENT_TYPES = ("create", "assign", "site_visit", "note", "attachment", "close")


def event(i):
    """Realistic event data of the i-th row (1-based)."""
    return {
        "workorder_id": i % 37 + 1,
        "event_type": EVENT_TYPES[i % len(EVENT_TYPES)],
        "user_id": i % 5 + 2,
        "at": datetime.datetime(2025, 3, 1, 8, 0) + datetime.timedelta(minutes=i),
        "note": f"第{i}次现场勘查：空压机房照明改造，记录电表读数。",
        "reading_kwh": Decimal("1234.50") + i,
    }


def build_chain(n, with_columns=True, start_hash=GENESIS, first_id=1):
    rows = []
    prev = start_hash
    for row_id in range(first_id, first_id + n):
        data = event(row_id)
        payload, payload_hash, row_hash = evidence.make_link(prev, data)
        columns = {}
        if with_columns:
            columns = {
                "workorder_id": data["workorder_id"],
                "event_type": data["event_type"],
                "user_id": data["user_id"],
            }
        rows.append(ChainRow(row_id, payload, payload_hash, prev, row_hash, columns))
        prev = row_hash
    return rows


class TestCanonicalJson(unittest.TestCase):
    def test_key_order_does_not_matter(self):
        a = evidence.canonical_json({"b": 1, "a": {"y": 2, "x": [3, 1]}})
        b = evidence.canonical_json({"a": {"x": [3, 1], "y": 2}, "b": 1})
        self.assertEqual(a, b)
        self.assertEqual(a, '{"a":{"x":[3,1],"y":2},"b":1}')

    def test_chinese_kept_as_is(self):
        text = evidence.canonical_json({"note": "节能改造：照明"})
        self.assertEqual(text, '{"note":"节能改造：照明"}')
        self.assertNotIn("\\u", text)

    def test_special_values(self):
        text = evidence.canonical_json(
            {
                "at": datetime.datetime(2025, 3, 1, 8, 30, 5),
                "day": datetime.date(2025, 3, 1),
                "aware": datetime.datetime(2025, 3, 1, 8, 0, tzinfo=datetime.timezone.utc),
                "amount": Decimal("1250.00"),
                "blob": b"\x00\xff",
                "tags": {"b", "a", "c"},
                "pair": (1, 2),
                "none": None,
                "flag": True,
            }
        )
        self.assertEqual(
            json.loads(text),
            {
                "at": "2025-03-01T08:30:05",
                "day": "2025-03-01",
                "aware": "2025-03-01T08:00:00+00:00",
                "amount": "1250.00",
                "blob": "00ff",
                "tags": ["a", "b", "c"],
                "pair": [1, 2],
                "none": None,
                "flag": True,
            },
        )

    def test_deterministic(self):
        data = event(42)
        first = evidence.canonical_json(data)
        again = evidence.canonical_json(dict(reversed(list(data.items()))))
        self.assertEqual(first, again)
        self.assertEqual(evidence.make_link(GENESIS, data), evidence.make_link(GENESIS, data))

    def test_non_finite_rejected(self):
        for bad in (math.nan, math.inf, -math.inf, Decimal("NaN"), Decimal("Infinity")):
            with self.assertRaises(ValueError):
                evidence.canonical_json({"value": bad})

    def test_bad_types(self):
        with self.assertRaises(TypeError):
            evidence.canonical_json([1, 2])
        with self.assertRaises(TypeError):
            evidence.canonical_json({"value": object()})


class TestHashes(unittest.TestCase):
    def test_sha256_hex(self):
        empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        self.assertEqual(evidence.sha256_hex(""), empty)
        self.assertEqual(evidence.sha256_hex(b""), empty)
        self.assertEqual(evidence.sha256_hex("存证"), hashlib.sha256("存证".encode()).hexdigest())

    def test_link_hash_definition(self):
        payload_hash = evidence.sha256_hex("{}")
        expected = hashlib.sha256(f"{GENESIS}:{payload_hash}".encode("ascii")).hexdigest()
        self.assertEqual(evidence.link_hash(GENESIS, payload_hash), expected)

    def test_make_link(self):
        payload, payload_hash, row_hash = evidence.make_link(GENESIS, {"b": 2, "a": 1})
        self.assertEqual(payload, '{"a":1,"b":2}')
        self.assertEqual(payload_hash, evidence.sha256_hex(payload))
        self.assertEqual(row_hash, evidence.link_hash(GENESIS, payload_hash))

    def test_make_link_rejects_bad_prev_hash(self):
        for bad in ("", "abc", GENESIS.upper().replace("0", "A"), None, "g" * 64):
            with self.assertRaises(ValueError):
                evidence.make_link(bad, {"a": 1})


class TestVerifyChain(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows = build_chain(1000)

    def assertBroken(self, result, broken_id, reason, checked, last_hash):
        self.assertFalse(result.ok)
        self.assertEqual(result.broken_id, broken_id)
        self.assertEqual(result.reason, reason)
        self.assertEqual(result.checked, checked)
        self.assertEqual(result.last_hash, last_hash)

    def test_intact_chain(self):
        result = verify_chain(self.rows)
        self.assertEqual(
            result,
            evidence.VerifyResult(True, 1000, None, None, self.rows[-1].hash, unanchored=1000),
        )

    def test_intact_chain_without_columns(self):
        rows = build_chain(50, with_columns=False)
        self.assertTrue(verify_chain(rows).ok)

    def test_generator_input(self):
        result = verify_chain(row for row in self.rows)
        self.assertTrue(result.ok)
        self.assertEqual(result.checked, 1000)

    def test_empty_chain(self):
        self.assertEqual(verify_chain([]), evidence.VerifyResult(True, 0, None, None, GENESIS))
        self.assertEqual(verify_chain(iter(())).last_hash, GENESIS)

    def test_tampered_payload(self):
        rows = list(self.rows)
        original = rows[500]
        rows[500] = dataclasses.replace(
            original, payload=original.payload.replace("空压机", "水泵")
        )
        self.assertBroken(verify_chain(rows), 501, "payload_hash", 501, rows[499].hash)

    def test_tampered_hash(self):
        rows = list(self.rows)
        rows[300] = dataclasses.replace(rows[300], hash=evidence.sha256_hex("forged"))
        self.assertBroken(verify_chain(rows), 301, "link_hash", 301, rows[299].hash)

    def test_tampered_payload_hash_too(self):
        # Payload changed and its hash recomputed: the link hash no longer fits.
        rows = list(self.rows)
        payload = rows[10].payload.replace("现场", "远程")
        rows[10] = dataclasses.replace(
            rows[10], payload=payload, payload_hash=evidence.sha256_hex(payload)
        )
        self.assertBroken(verify_chain(rows), 11, "link_hash", 11, rows[9].hash)

    def test_rehashed_row_breaks_next_link(self):
        # Forger rebuilds the whole row: the next row's prev_hash gives it away.
        rows = list(self.rows)
        data = event(21)
        data["note"] = "篡改"
        payload, payload_hash, row_hash = evidence.make_link(rows[19].hash, data)
        rows[20] = dataclasses.replace(
            rows[20], payload=payload, payload_hash=payload_hash, hash=row_hash
        )
        self.assertBroken(verify_chain(rows), 22, "prev_link", 22, row_hash)

    def test_deleted_row(self):
        rows = self.rows[:400] + self.rows[401:]
        self.assertBroken(verify_chain(rows), 402, "prev_link", 401, self.rows[399].hash)

    def test_deleted_last_row_is_not_detectable(self):
        # A truncated tail is still a valid chain: compare last_hash with an
        # anchor kept elsewhere to detect it.
        result = verify_chain(self.rows[:-1])
        self.assertTrue(result.ok)
        self.assertNotEqual(result.last_hash, self.rows[-1].hash)

    def test_swapped_rows(self):
        rows = list(self.rows)
        rows[100], rows[200] = rows[200], rows[100]
        self.assertBroken(verify_chain(rows), 201, "prev_link", 101, self.rows[99].hash)

    def test_inserted_row(self):
        rows = list(self.rows)
        payload, payload_hash, row_hash = evidence.make_link(rows[49].hash, {"x": 1})
        rows.insert(50, ChainRow(5000, payload, payload_hash, rows[49].hash, row_hash))
        self.assertBroken(verify_chain(rows), 51, "prev_link", 52, row_hash)

    def test_column_mismatch(self):
        rows = list(self.rows)
        self.assertNotEqual(rows[700].columns["event_type"], "forged")
        columns = dict(rows[700].columns, event_type="forged")
        rows[700] = dataclasses.replace(rows[700], columns=columns)
        self.assertBroken(
            verify_chain(rows), 701, "column_mismatch:event_type", 701, rows[699].hash
        )
        rows = list(self.rows)
        columns = dict(rows[5].columns, workorder_id=rows[5].columns["workorder_id"] + 1)
        rows[5] = dataclasses.replace(rows[5], columns=columns)
        self.assertBroken(verify_chain(rows), 6, "column_mismatch:workorder_id", 6, rows[4].hash)

    def test_column_comparison_rules(self):
        payload, payload_hash, row_hash = evidence.make_link(
            GENESIS,
            {
                "workorder_id": 7,
                "code": "WO-7",
                "at": datetime.datetime(2025, 3, 1, 8, 0),
                "amount": Decimal("12.50"),
                "partner_id": None,
            },
        )

        def check(columns):
            row = ChainRow(1, payload, payload_hash, GENESIS, row_hash, columns)
            return verify_chain([row]).reason

        # str() of both sides: an int column matches its text form.
        self.assertIsNone(check({"workorder_id": 7, "code": "WO-7"}))
        self.assertIsNone(check({"workorder_id": "7"}))
        # Values read back from the database compare like their payload form.
        self.assertIsNone(check({"at": datetime.datetime(2025, 3, 1, 8, 0)}))
        self.assertIsNone(check({"amount": Decimal("12.50")}))
        # None equals null or a missing key, and nothing else.
        self.assertIsNone(check({"partner_id": None, "user_id": None}))
        self.assertEqual(check({"user_id": 2}), "column_mismatch:user_id")
        self.assertEqual(check({"workorder_id": None}), "column_mismatch:workorder_id")
        self.assertEqual(check({"partner_id": 0}), "column_mismatch:partner_id")

    def test_bad_payload(self):
        payload = "not json {"
        payload_hash = evidence.sha256_hex(payload)
        row_hash = evidence.link_hash(GENESIS, payload_hash)
        row = ChainRow(1, payload, payload_hash, GENESIS, row_hash, {"workorder_id": 1})
        self.assertBroken(verify_chain([row]), 1, "bad_payload", 1, GENESIS)
        # A JSON value that is not an object is bad too.
        payload = "[1,2]"
        payload_hash = evidence.sha256_hex(payload)
        row_hash = evidence.link_hash(GENESIS, payload_hash)
        row = ChainRow(1, payload, payload_hash, GENESIS, row_hash, {"workorder_id": 1})
        self.assertEqual(verify_chain([row]).reason, "bad_payload")
        # Without indexed columns the payload is not parsed.
        row = ChainRow(1, payload, payload_hash, GENESIS, row_hash)
        self.assertTrue(verify_chain([row]).ok)

    def test_null_payload(self):
        row = ChainRow(1, None, GENESIS, GENESIS, GENESIS)
        self.assertBroken(verify_chain([row]), 1, "bad_payload", 1, GENESIS)

    def test_bytes_payload(self):
        row = self.rows[0]
        as_bytes = dataclasses.replace(row, payload=row.payload.encode())
        self.assertTrue(verify_chain([as_bytes, *self.rows[1:5]]).ok)

    def test_start_hash_for_a_tail(self):
        result = verify_chain(self.rows[600:], start_hash=self.rows[599].hash)
        self.assertTrue(result.ok)
        self.assertEqual(result.checked, 400)
        self.assertBroken(verify_chain(self.rows[600:]), 601, "prev_link", 1, GENESIS)

    def test_stops_at_first_broken_row(self):
        rows = list(self.rows[:10])
        rows[3] = dataclasses.replace(rows[3], hash=GENESIS)

        def never():
            raise AssertionError("rows after the broken one must not be read")
            yield  # pragma: no cover

        result = verify_chain(itertools.chain(rows, never()))
        self.assertBroken(result, 4, "link_hash", 4, rows[2].hash)


class TestChainVerifier(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows = build_chain(1000)

    @staticmethod
    def batches(rows, size):
        for start in range(0, len(rows), size):
            yield rows[start : start + size]

    def run_batches(self, rows, size):
        verifier = ChainVerifier()
        for batch in self.batches(rows, size):
            if verifier.feed(batch) is not None:
                break
        return verifier

    def test_same_as_verify_chain_when_ok(self):
        for size in (1, 7, 100, 1000, 5000):
            verifier = self.run_batches(self.rows, size)
            self.assertEqual(verifier.result(), verify_chain(self.rows))
            self.assertEqual(verifier.last_id, 1000)
            self.assertEqual(verifier.checked, 1000)

    def test_same_as_verify_chain_when_broken(self):
        variants = []
        rows = list(self.rows)
        rows[333] = dataclasses.replace(rows[333], payload=rows[333].payload + " ")
        variants.append(rows)
        variants.append(self.rows[:250] + self.rows[251:])
        rows = list(self.rows)
        rows[999] = dataclasses.replace(rows[999], columns={"workorder_id": -1})
        variants.append(rows)
        for rows in variants:
            expected = verify_chain(rows)
            self.assertFalse(expected.ok)
            for size in (1, 64, 250, 1000):
                verifier = self.run_batches(rows, size)
                self.assertEqual(verifier.result(), expected)
                self.assertEqual(verifier.last_hash, expected.last_hash)

    def test_feed_returns_none_while_ok(self):
        verifier = ChainVerifier()
        self.assertEqual(verifier.result(), evidence.VerifyResult(True, 0, None, None, GENESIS))
        self.assertIsNone(verifier.last_id)
        self.assertIsNone(verifier.feed(self.rows[:10]))
        self.assertIsNone(verifier.feed([]))
        self.assertEqual(verifier.last_hash, self.rows[9].hash)
        self.assertEqual(verifier.last_id, 10)

    def test_feed_after_break_returns_same_failure(self):
        verifier = ChainVerifier()
        failure = verifier.feed(self.rows[:5] + self.rows[6:10])
        self.assertEqual(failure.broken_id, 7)
        self.assertEqual(failure.reason, "prev_link")

        def never():
            raise AssertionError("no row is read once the chain is broken")
            yield  # pragma: no cover

        self.assertIs(verifier.feed(never()), failure)
        self.assertIs(verifier.result(), failure)

    def test_start_hash(self):
        verifier = ChainVerifier(start_hash=self.rows[499].hash)
        self.assertIsNone(verifier.feed(self.rows[500:]))
        self.assertEqual(verifier.result().checked, 500)


if __name__ == "__main__":
    unittest.main()
