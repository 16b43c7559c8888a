from itertools import pairwise

import psycopg2

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import INTAKE_EVENTS, PDF_MIN, WorkorderCase


@tagged("post_install", "-at_install")
class TestEvidence(WorkorderCase):
    def _make_history(self):
        order = self._order()
        order.action_submit()
        order.action_upload_scheme(PDF_MIN, "s.pdf")
        order.action_push_scheme()
        return order

    def test_event_types_and_chain(self):
        order = self._make_history()
        events = order.event_ids.sorted("id")
        self.assertEqual(
            events.mapped("event_type"), [*INTAKE_EVENTS, "scheme_uploaded", "scheme_pushed"]
        )
        self.assertEqual(
            [(e.old_value, e.new_value) for e in events[1:3]],
            [("intake", "precheck"), ("precheck", "dispatch")],
        )
        for previous, event in pairwise(events):
            self.assertEqual(event.prev_hash, previous.hash)
            self.assertRegex(event.hash, "^[0-9a-f]{64}$")
        uploaded = events.filtered(lambda e: e.event_type == "scheme_uploaded")
        self.assertIn('"sha256"', uploaded.payload, "attachment hashes are in the payload")
        result = self.env["emc.workorder.event"]._verify_chain()
        self.assertTrue(result.ok, result)

    def test_orm_refuses_write_and_unlink(self):
        order = self._make_history()
        event = order.event_ids[:1]
        with self.assertRaisesRegex(UserError, "^Evidence events cannot be modified.$"):
            event.write({"note": "改"})
        with self.assertRaisesRegex(UserError, "^Evidence events cannot be deleted.$"):
            event.sudo().unlink()
        with self.assertRaisesRegex(
            UserError, "^Evidence events are recorded by the work order operations, not by hand.$"
        ):
            self.env["emc.workorder.event"].sudo().create(
                {
                    "workorder_id": order.id,
                    "event_type": "created",
                    "date": "2026-01-01",
                    "payload": "{}",
                    "payload_hash": "x",
                    "prev_hash": "x",
                    "hash": "x",
                }
            )
        with self.assertRaisesRegex(
            UserError,
            "^Work orders with evidence events cannot be deleted; archive or cancel them.$",
        ):
            order.unlink()
        self.assertEqual(event.note, False)

    @mute_logger("odoo.sql_db")
    def test_database_refuses_update_and_delete(self):
        order = self._make_history()
        event_id = order.event_ids[:1].id
        for statement, refused in (
            ("UPDATE emc_workorder_event SET note = 'x' WHERE id = %s", "UPDATE"),
            ("DELETE FROM emc_workorder_event WHERE id = %s", "DELETE"),
        ):
            message = f"emc_workorder_event is append-only \\({refused} refused\\)"
            with self.subTest(statement=statement), self.assertRaisesRegex(psycopg2.Error, message):
                with self.env.cr.savepoint():
                    self.env.cr.execute(statement, (event_id,))

    def test_sql_tampering_is_detected(self):
        order = self._make_history()
        events = order.event_ids.sorted("id")
        target = events[2]
        # Someone with database superuser rights bypasses the triggers and
        # rewrites the actor of an event.
        self.env.cr.execute("SET LOCAL session_replication_role = replica")
        self.env.cr.execute(
            "UPDATE emc_workorder_event SET user_id = %s WHERE id = %s",
            (self.staff_b.id, target.id),
        )
        self.env.cr.execute("SET LOCAL session_replication_role = origin")
        result = self.env["emc.workorder.event"]._verify_chain()
        self.assertFalse(result.ok)
        self.assertEqual(result.broken_id, target.id)
        self.assertTrue(result.reason.startswith("column_mismatch"))
        action = self.env["emc.workorder.event"].action_verify_chain()
        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn(str(target.id), action["params"]["message"])

    def test_payload_tampering_is_detected(self):
        order = self._make_history()
        target = order.event_ids.sorted("id")[1]
        self.env.cr.execute("SET LOCAL session_replication_role = replica")
        self.env.cr.execute(
            "UPDATE emc_workorder_event SET payload = replace(payload, 'precheck', 'xx') WHERE id = %s",
            (target.id,),
        )
        self.env.cr.execute(
            "DELETE FROM emc_workorder_event WHERE id = %s", (order.event_ids.sorted("id")[4].id,)
        )
        self.env.cr.execute("SET LOCAL session_replication_role = origin")
        result = self.env["emc.workorder.event"]._verify_chain()
        self.assertFalse(result.ok)
        self.assertEqual(result.broken_id, target.id)
