"""Unit tests of the per-organisation chains of lib/evidence.py: every column, positions,
anchored checkpoints and packages without a time-stamping authority.

Anchors with real RFC 3161 tokens are tested in test_evidence_anchors.py.
"""

import dataclasses
import io
import json
import subprocess
import sys
import tempfile
import unittest
import zipfile
from pathlib import Path

from _load import load

evidence = load("emc_workorder", "lib.evidence")
merkle = load("emc_workorder", "lib.merkle")

ChainRow = evidence.ChainRow
Checkpoint = evidence.Checkpoint
verify_chain = evidence.verify_chain


def columns_of(i, company=3):
    """Payload columns of the i-th event (0-based) of an organisation's chain."""
    return {
        "workorder_id": 100 + i % 7,
        "company_id": company,
        "event_type": ("created", "submitted", "dispatched", "note")[i % 4],
        "user_id": 2 + i % 3,
        "date": f"2026-03-{1 + i % 28:02d} 08:{i % 60:02d}:00",
        "old_value": "intake" if i % 2 else None,
        "new_value": f"值{i}",
        "note": f"第{i}次记录：现场照明改造" if i % 3 else None,
    }


def build(n, company=3):
    """An organisation's chain of ``n`` version-2 events, as the server stores them."""
    rows, prev = [], evidence.GENESIS
    for i in range(n):
        columns = columns_of(i, company)
        payload, payload_hash, row_hash = evidence.make_link(
            prev, evidence.build_payload(columns, workorder=f"GD-{i}", attachments=[], data={})
        )
        rows.append(ChainRow(1000 + i, payload, payload_hash, prev, row_hash, columns, i))
        prev = row_hash
    return rows


def checkpoint(rows, size, number):
    tree = merkle.CompactRange()
    for row in rows[:size]:
        tree.append(evidence.leaf_of(row.hash))
    return Checkpoint(number, tree.root(), rows[size - 1].hash)


class TestPayload(unittest.TestCase):
    def test_build_payload_holds_every_column(self):
        payload = evidence.build_payload(columns_of(1), workorder="GD-1")
        self.assertEqual(payload["v"], 2)
        for column, key in evidence.PAYLOAD_COLUMNS.items():
            self.assertIn(key, payload, column)
        self.assertEqual(payload["old"], "intake")
        self.assertEqual(payload["workorder"], "GD-1")

    def test_empty_values_are_null(self):
        payload = evidence.build_payload({"workorder_id": 1, "note": "", "old_value": False})
        self.assertIsNone(payload["note"])
        self.assertIsNone(payload["old"])
        self.assertIsNone(payload["company_id"])

    def test_extras_cannot_overwrite_columns(self):
        with self.assertRaisesRegex(ValueError, "note"):
            evidence.build_payload(columns_of(0), note="forged")
        with self.assertRaisesRegex(ValueError, "'v'"):
            evidence.build_payload(columns_of(0), v=1)

    def test_one_list_of_columns(self):
        self.assertEqual(
            set(evidence.PAYLOAD_COLUMNS) & set(evidence.STRUCTURAL_COLUMNS), set(), "disjoint"
        )
        self.assertEqual(evidence.V1_UNCOVERED, {"company_id"})


class TestEveryColumn(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows = build(40)

    def test_intact(self):
        result = verify_chain(self.rows, require_v2=True)
        self.assertTrue(result.ok, result)
        self.assertEqual(result.checked, 40)

    def test_each_payload_column_tampered(self):
        forged = {
            "workorder_id": 999,
            "company_id": 4,
            "event_type": "closed",
            "user_id": 9,
            "date": "2027-01-01 00:00:00",
            "old_value": "改",
            "new_value": "改",
            "note": "客户看到的时间线被改",
        }
        self.assertEqual(set(forged), set(evidence.PAYLOAD_COLUMNS))
        for column, value in forged.items():
            with self.subTest(column=column):
                rows = list(self.rows)
                rows[17] = dataclasses.replace(
                    rows[17], columns=dict(rows[17].columns, **{column: value})
                )
                result = verify_chain(rows)
                self.assertFalse(result.ok)
                self.assertEqual(result.broken_id, 1017)
                self.assertEqual(result.broken_sequence, 17)
                self.assertEqual(result.reason, f"column_mismatch:{column}")
                self.assertEqual((result.code, result.detail), ("column_mismatch", column))

    def test_columns_as_a_tuple(self):
        """The database hands the columns over as a tuple in PAYLOAD_COLUMNS order."""
        rows = [
            dataclasses.replace(r, columns=tuple(r.columns[c] for c in evidence.PAYLOAD_COLUMNS))
            for r in self.rows
        ]
        self.assertTrue(verify_chain(rows, require_v2=True).ok)
        self.assertEqual(evidence.column_map(rows[3].columns), self.rows[3].columns)
        for position, column in enumerate(evidence.PAYLOAD_COLUMNS):
            with self.subTest(column=column):
                forged = list(rows)
                values = list(rows[20].columns)
                values[position] = "改" if values[position] != "改" else "又改"
                forged[20] = dataclasses.replace(rows[20], columns=tuple(values))
                result = verify_chain(forged)
                self.assertEqual(
                    (result.broken_id, result.reason), (1020, f"column_mismatch:{column}")
                )

    def test_column_set_to_null(self):
        rows = list(self.rows)
        rows[5] = dataclasses.replace(rows[5], columns=dict(rows[5].columns, new_value=None))
        self.assertEqual(verify_chain(rows).reason, "column_mismatch:new_value")

    def test_sequence_changed(self):
        rows = list(self.rows)
        rows[9] = dataclasses.replace(rows[9], sequence=90)
        result = verify_chain(rows)
        self.assertEqual((result.broken_id, result.reason), (1009, "sequence"))

    def test_legacy_payload_refused_in_an_organisation_chain(self):
        rows = list(self.rows)
        data = dict(json.loads(rows[0].payload))
        del data["v"]
        payload, payload_hash, row_hash = evidence.make_link(evidence.GENESIS, data)
        rows = [
            dataclasses.replace(rows[0], payload=payload, payload_hash=payload_hash, hash=row_hash)
        ]
        self.assertTrue(verify_chain(rows).ok)
        self.assertEqual(verify_chain(rows, require_v2=True).reason, "bad_payload")


class TestLegacyPayloads(unittest.TestCase):
    """Version-1 payloads (the single global chain) have no company_id."""

    def setUp(self):
        prev, self.rows = evidence.GENESIS, []
        for i in range(5):
            columns = columns_of(i)
            data = {
                "workorder_id": columns["workorder_id"],
                "workorder": f"GD-{i}",
                "event_type": columns["event_type"],
                "user_id": columns["user_id"],
                "date": columns["date"],
                "old": columns["old_value"],
                "new": columns["new_value"],
                "note": columns["note"],
                "attachments": [],
                "data": {},
            }
            payload, payload_hash, row_hash = evidence.make_link(prev, data)
            self.rows.append(ChainRow(i + 1, payload, payload_hash, prev, row_hash, columns, i))
            prev = row_hash

    def test_verifies_as_it_is(self):
        self.assertTrue(verify_chain(self.rows).ok)

    def test_note_is_covered(self):
        rows = list(self.rows)
        rows[2] = dataclasses.replace(rows[2], columns=dict(rows[2].columns, note="改"))
        self.assertEqual(verify_chain(rows).reason, "column_mismatch:note")

    def test_company_is_not_covered(self):
        rows = list(self.rows)
        rows[2] = dataclasses.replace(rows[2], columns=dict(rows[2].columns, company_id=77))
        self.assertTrue(verify_chain(rows).ok)


class TestCheckpoints(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows = build(100)
        cls.points = {30: checkpoint(cls.rows, 30, 1), 80: checkpoint(cls.rows, 80, 2)}

    def verify(self, rows, points=None):
        return verify_chain(
            rows,
            checkpoints=self.points if points is None else points,
            anchor_times={1: "2026-03-02T00:00:00+00:00", 2: "2026-03-05T00:00:00+00:00"},
        )

    def test_intact_reports_how_far_it_is_anchored(self):
        result = self.verify(self.rows)
        self.assertTrue(result.ok, result)
        self.assertEqual((result.anchored, result.anchor_number, result.unanchored), (80, 2, 20))
        self.assertEqual(result.anchor_time, "2026-03-05T00:00:00+00:00")

    def test_tail_deletion_detected_against_the_anchor(self):
        for kept in (79, 50, 31):
            with self.subTest(kept=kept):
                result = self.verify(self.rows[:kept])
                self.assertFalse(result.ok)
                self.assertEqual(result.reason, "truncated:2")
                self.assertEqual(result.checked, kept)
                self.assertEqual(result.anchored, 30)

    def test_tail_deletion_after_the_last_anchor_is_not_detectable(self):
        result = self.verify(self.rows[:85])
        self.assertTrue(result.ok)
        self.assertEqual(result.unanchored, 5)

    def test_whole_chain_rewritten(self):
        # A forger with database rights rebuilds every link after changing one
        # note: the chain itself is consistent, the anchors are not.
        forged, prev = [], evidence.GENESIS
        for row in self.rows:
            columns = dict(row.columns)
            if row.sequence == 12:
                columns["note"] = "伪造"
            payload, payload_hash, row_hash = evidence.make_link(
                prev, evidence.build_payload(columns, workorder="x", attachments=[], data={})
            )
            forged.append(
                dataclasses.replace(
                    row,
                    payload=payload,
                    payload_hash=payload_hash,
                    prev_hash=prev,
                    hash=row_hash,
                    columns=columns,
                )
            )
            prev = row_hash
        self.assertTrue(verify_chain(forged).ok)
        result = self.verify(forged)
        self.assertEqual((result.reason, result.broken_sequence), ("anchor_mismatch:1", 29))

    def test_checkpoints_need_the_whole_chain(self):
        with self.assertRaises(ValueError):
            evidence.ChainVerifier(self.rows[9].hash, start_index=10, checkpoints=self.points)


class TestPackagesWithoutAnchors(unittest.TestCase):
    """Packages of a chain that was never anchored: the hashes still hold."""

    def write(self, kind, rows, target):
        evidence.write_package(
            target,
            kind=kind,
            scope={"workorder": "GD-1"},
            chains=[{"key": "uuid/company/3", "name": "巴中供电公司", "legacy": False}],
            events=(
                {
                    "chain": "uuid/company/3",
                    "id": r.id,
                    "sequence": r.sequence,
                    "payload": r.payload,
                    "payload_hash": r.payload_hash,
                    "prev_hash": r.prev_hash,
                    "hash": r.hash,
                    "columns": dict(r.columns),
                }
                for r in rows
            ),
            anchors=[],
            ca_pem=b"",
            created="2026-03-06 00:00:00",
        )

    def test_chain_package_round_trip(self):
        rows = build(25)
        buffer = io.BytesIO()
        self.write("chain", rows, buffer)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "p.zip"
            path.write_bytes(buffer.getvalue())
            results = evidence.verify_package(path)
            self.assertEqual(list(results), ["uuid/company/3"])
            self.assertEqual(results["uuid/company/3"], verify_chain(rows, require_v2=True))
            with zipfile.ZipFile(path) as archive:
                self.assertEqual(
                    sorted(archive.namelist()),
                    sorted(
                        [
                            "package.json",
                            "events.jsonl",
                            "anchors.jsonl",
                            "ca.pem",
                            "README.txt",
                            "evidence.py",
                            "merkle.py",
                            "timestamp.py",
                        ]
                    ),
                )

    def test_tampered_package_line(self):
        rows = build(25)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "p.zip"
            self.write("chain", rows, path)
            folder = Path(tmp) / "unpacked"
            with zipfile.ZipFile(path) as archive:
                archive.extractall(folder)
            lines = (folder / "events.jsonl").read_text(encoding="utf-8").splitlines()
            event = json.loads(lines[7])
            event["columns"]["note"] = "改过的时间线"
            lines[7] = json.dumps(event, ensure_ascii=False)
            (folder / "events.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
            result = evidence.verify_package(folder)["uuid/company/3"]
            self.assertEqual((result.broken_id, result.reason), (1007, "column_mismatch:note"))

    def test_unreadable_packages(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = Path(tmp) / "x.zip"
            bad.write_bytes(b"not a zip")
            with self.assertRaises(evidence.PackageError):
                evidence.verify_package(bad)
            with self.assertRaises(evidence.PackageError):
                evidence.verify_package(Path(tmp))  # no package.json

    def test_standalone_command_without_odoo(self):
        """The unpacked package verifies with a plain interpreter, Odoo out of reach."""
        rows = build(12)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "p.zip"
            self.write("chain", rows, path)
            folder = Path(tmp) / "unpacked"
            with zipfile.ZipFile(path) as archive:
                archive.extractall(folder)
            blocker = "import sys, runpy; sys.modules['odoo'] = None; sys.argv = ['evidence', *sys.argv[1:]]; runpy.run_module('evidence', run_name='__main__')"
            run = subprocess.run(
                [sys.executable, "-c", blocker, "verify", ".", "--json"],
                cwd=folder,
                capture_output=True,
                text=True,
                check=False,
            )
            self.assertEqual(run.returncode, 0, run.stderr)
            verdict = json.loads(run.stdout)["uuid/company/3"]
            self.assertEqual(verdict, verify_chain(rows, require_v2=True).as_dict())
            text = subprocess.run(
                [sys.executable, "-m", "evidence", "verify", str(path)],
                cwd=folder,
                capture_output=True,
                text=True,
                check=False,
            )
            self.assertEqual(text.returncode, 0, text.stderr)
            self.assertIn("intact, 12 events verified; not anchored", text.stdout)


if __name__ == "__main__":
    unittest.main()
