import itertools
from contextlib import closing

from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..lib import evidence
from ..models.emc_evidence_chain import CHAIN_LOCK_CLASS
from .common import PDF_MIN, WorkorderCase


@tagged("post_install", "-at_install")
class TestEvidenceChains(WorkorderCase):
    """One chain per organisation; every stored column is evidence."""

    def setUp(self):
        super().setUp()
        self.Chain = self.env["emc.evidence.chain"]
        self.Event = self.env["emc.workorder.event"]

    def _history(self):
        order = self._order()
        order.action_submit()
        order.action_upload_scheme(PDF_MIN, "方案.pdf")
        order.action_push_scheme()
        return order

    def _chain(self, company):
        return self.Chain.search([("company_id", "=", company.id)])

    def _tamper(self, statement, params):
        # Someone with database superuser rights bypasses the row triggers.
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL session_replication_role = replica")
        self.env.cr.execute(statement, params)
        self.env.cr.execute("SET LOCAL session_replication_role = origin")
        self.env.invalidate_all()

    def test_every_stored_column_is_covered(self):
        """A column added to the table must join one of the two lists."""
        self.env.cr.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
            ("emc_workorder_event",),
        )
        stored = {name for (name,) in self.env.cr.fetchall()}
        covered = set(evidence.PAYLOAD_COLUMNS) | set(evidence.STRUCTURAL_COLUMNS)
        self.assertEqual(stored, covered)

    def test_events_go_to_their_organisation_chain(self):
        bureau_order = self._history()
        energy_order = self._order(company_id=self.energy.id)
        bureau_chain, energy_chain = self._chain(self.bureau), self._chain(self.energy)
        self.assertTrue(bureau_chain and energy_chain)
        self.assertNotEqual(bureau_chain, energy_chain)
        created = energy_order.event_ids
        self.assertEqual(created.chain_id, energy_chain)
        # The retrofit request was dispatched to the public energy company:
        # its events after dispatch are in that organisation's chain.
        bureau_events = bureau_order.event_ids.sorted("id")
        for event in bureau_events:
            self.assertEqual(event.chain_id, self._chain(event.company_id))
        for chain in bureau_chain | energy_chain:
            events = self.Event.search([("chain_id", "=", chain.id)], order="sequence")
            self.assertEqual(events.mapped("sequence"), list(range(len(events))))
            self.assertEqual(events[0].prev_hash, evidence.GENESIS)
            for previous, event in itertools.pairwise(events):
                self.assertEqual(event.prev_hash, previous.hash)
            result = chain._verify()
            self.assertTrue(result.ok, result)
            self.assertEqual(result.checked, chain.event_count)

    def test_each_column_tampered_is_named(self):
        order = self._history()
        target = order.event_ids.filtered(lambda e: e.event_type == "scheme_uploaded")
        chain = target.chain_id
        other = self.env["res.company"].create({"name": "第三方机构"})
        forged = {
            "workorder_id": self._order().id,
            "company_id": other.id,
            "event_type": "closed",
            "user_id": self.staff_b.id,
            "date": "2020-01-01 00:00:00",
            "old_value": "改",
            "new_value": "改过的方案名",
            "note": "客户时间线上的说明被改",
        }
        self.assertEqual(set(forged), set(evidence.PAYLOAD_COLUMNS))
        for column, value in forged.items():
            with self.subTest(column=column), self.env.cr.savepoint(flush=False) as savepoint:
                self._tamper(
                    f"UPDATE emc_workorder_event SET {column} = %s WHERE id = %s",
                    (value, target.id),
                )
                result = chain._verify()
                self.assertFalse(result.ok)
                self.assertEqual(result.broken_id, target.id)
                self.assertEqual(result.reason, f"column_mismatch:{column}")
                message = chain._verdict(result)
                label = self.Event._fields[column]._description_string(self.env)
                self.assertIn(f"“{label}”", message)
                self.assertIn(str(target.id), message)
                savepoint.rollback()
        self.assertTrue(chain._verify().ok, "every change was rolled back")

    def test_structural_columns_tampered(self):
        order = self._history()
        events = order.event_ids.filtered(lambda e: e.chain_id == self._chain(self.bureau))
        target = events.sorted("id")[2]
        chain = target.chain_id
        cases = {
            "payload": ("replace(payload, 'precheck', 'xxxxxxxx')", "payload_hash"),
            "payload_hash": ("md5(payload) || md5(payload)", "payload_hash"),
            "hash": ("md5(hash) || md5(hash)", "link_hash"),
            "prev_hash": ("md5(prev_hash) || md5(prev_hash)", "prev_link"),
            "sequence": ("sequence + 100", "sequence"),
        }
        for column, (expression, reason) in cases.items():
            with self.subTest(column=column), self.env.cr.savepoint(flush=False) as savepoint:
                self._tamper(
                    f"UPDATE emc_workorder_event SET {column} = {expression} WHERE id = %s",
                    (target.id,),
                )
                result = chain._verify()
                self.assertEqual((result.broken_id, result.reason), (target.id, reason))
                savepoint.rollback()

    def test_moved_to_another_chain(self):
        order = self._history()
        bureau = self._chain(self.bureau)
        energy = self.Chain._for_companies([self.energy.id])[self.energy.id]
        target = order.event_ids.filtered(lambda e: e.chain_id == bureau).sorted("id")[1]
        following = self.Event.search(
            [("chain_id", "=", bureau.id), ("id", ">", target.id)], order="id", limit=1
        )
        self._tamper(
            "UPDATE emc_workorder_event SET chain_id = %s WHERE id = %s", (energy.id, target.id)
        )
        result = bureau._verify()
        self.assertEqual((result.broken_id, result.reason), (following.id, "sequence"))
        self.assertFalse(energy._verify().ok)
        self._tamper("UPDATE emc_workorder_event SET chain_id = NULL WHERE id = %s", (target.id,))
        self.assertEqual(self.Event._orphan_count(), 1)
        action = self.Chain.action_verify()
        self.assertEqual(action["params"]["type"], "danger")

    def test_organisations_verify_on_their_own(self):
        self._history()
        self._order(company_id=self.energy.id).action_submit()
        bureau, energy = self._chain(self.bureau), self._chain(self.energy)
        victim = self.Event.search([("chain_id", "=", energy.id)], order="id", limit=1)
        self._tamper("UPDATE emc_workorder_event SET note = 'x' WHERE id = %s", (victim.id,))
        self.assertFalse(energy._verify().ok)
        self.assertTrue(bureau._verify().ok)

    def test_appends_of_two_organisations_do_not_wait_on_each_other(self):
        # This transaction appends to the bureau's chain and holds its lock
        # until it ends; the energy company's chain exists, untouched here.
        energy = self.Chain._for_companies([self.energy.id])[self.energy.id]
        self._order().action_submit()
        bureau = self._chain(self.bureau)
        self.env.flush_all()
        with closing(db_connect(self.env.cr.dbname).cursor()) as other:
            other.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (CHAIN_LOCK_CLASS, energy.id))
            self.assertTrue(other.fetchone()[0], "the energy company's chain is free")
            other.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (CHAIN_LOCK_CLASS, bureau.id))
            self.assertFalse(other.fetchone()[0], "the bureau's chain waits for this transaction")
            other.rollback()

    @mute_logger("odoo.sql_db")
    def test_database_refuses_every_update(self):
        order = self._history()
        event = order.event_ids[:1]
        self.env.flush_all()
        # Each column set to a value it does not have (NULL, or a copy of
        # another row's value for the columns that are NULL).
        for column in (*evidence.PAYLOAD_COLUMNS, "chain_id", "sequence", "hash", "payload"):
            with self.subTest(column=column), self.assertRaisesRegex(Exception, "append-only"):
                with self.env.cr.savepoint():
                    self.env.cr.execute(
                        f"""UPDATE emc_workorder_event e
                               SET {column} = CASE WHEN e.{column} IS NULL
                                   THEN (SELECT o.{column} FROM emc_workorder_event o
                                          WHERE o.{column} IS NOT NULL LIMIT 1) END
                             WHERE e.id = %s""",
                        (event.id,),
                    )

    def test_migration_keeps_the_global_chain_verifiable(self):
        """Events of the single global chain become the legacy chain, as they are."""
        Workorder = self.env["emc.workorder"]
        order = Workorder.search([], limit=1) or self._order()
        prev, ids = evidence.GENESIS, []
        # Version-1 rows as the previous release wrote them: no chain, no
        # position, no company in the payload.
        for i, event_type in enumerate(("created", "submitted", "precheck_passed")):
            data = {
                "workorder_id": order.id,
                "workorder": order.name,
                "event_type": event_type,
                "user_id": self.env.uid,
                "date": f"2026-01-0{i + 1} 09:00:00",
                "old": None,
                "new": "precheck" if i else "intake",
                "note": "旧版本记录" if i == 1 else None,
                "attachments": [],
                "data": {},
            }
            payload, payload_hash, row_hash = evidence.make_link(prev, data)
            self.env.cr.execute(
                """INSERT INTO emc_workorder_event
                       (workorder_id, company_id, event_type, user_id, date, old_value,
                        new_value, note, payload, payload_hash, prev_hash, hash)
                   VALUES (%s, %s, %s, %s, %s, NULL, %s, %s, %s, %s, %s, %s) RETURNING id""",
                (
                    order.id,
                    order.company_id.id,
                    event_type,
                    self.env.uid,
                    data["date"],
                    data["new"],
                    data["note"],
                    payload,
                    payload_hash,
                    prev,
                    row_hash,
                ),
            )
            ids.append(self.env.cr.fetchone()[0])
            prev = row_hash
        self.assertEqual(self.Chain._migrate_legacy_events(), 3)
        self.assertEqual(self.Chain._migrate_legacy_events(), 0, "idempotent")
        legacy = self.Chain.search([("legacy", "=", True)])
        self.assertEqual(len(legacy), 1)
        events = self.Event.browse(ids)
        self.assertEqual(events.chain_id, legacy)
        self.assertEqual(events.sorted("id").mapped("sequence"), [0, 1, 2])
        self.assertEqual(events.sorted("id")[-1].hash, prev, "nothing re-hashed")
        result = legacy._verify()
        self.assertTrue(result.ok, result)
        self.assertEqual(result.checked, 3)
        # Still evidence: the note of a legacy event is covered.
        self._tamper("UPDATE emc_workorder_event SET note = '改' WHERE id = %s", (ids[1],))
        result = legacy._verify()
        self.assertEqual((result.broken_id, result.reason), (ids[1], "column_mismatch:note"))
        # New events keep going to the organisations' chains.
        self.assertEqual(self._order().event_ids.chain_id, self._chain(self.bureau))
