from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import PDF_MIN, WorkorderCase


@tagged("post_install", "-at_install")
class TestSla(WorkorderCase):
    def test_deadlines_on_working_calendar_across_weekend_and_three_levels(self):
        # Calendar: Mon-Fri 9-12 and 13-17 UTC (7 working hours a day).
        # Friday 2026-01-09 15:00 the order reaches the scheme stage (8 h allowed).
        with freeze_time("2026-01-09 15:00:00"):
            order = self._order()
            order.action_submit()
        self.assertEqual(order.state, "scheme")
        # Level 1 at 50 % = 4 h: Fri 15-17 (2 h) + Mon 9-11 (2 h) → Mon 11:00.
        self.assertEqual(order.date_sla_warn, datetime(2026, 1, 12, 11, 0))
        # Deadline 8 h: Fri 2 h + Mon 9-12 (3 h) + 13-16 (3 h) → Mon 16:00.
        self.assertEqual(order.date_deadline, datetime(2026, 1, 12, 16, 0))
        # Level 3 after a 4 h margin: Mon 16-17 (1 h) + Tue 9-12 (3 h) → Tue 12:00.
        self.assertEqual(order.date_sla_escalate.replace(second=0), datetime(2026, 1, 13, 12, 0))

        Workorder = self.env["emc.workorder"]
        # Saturday: nothing is due, whatever the wall clock says.
        self.assertEqual(Workorder._cron_sla_escalation(now=datetime(2026, 1, 10, 12, 0)), 0)
        self.assertEqual(order.sla_level, 0)

        Workorder._cron_sla_escalation(now=datetime(2026, 1, 12, 11, 30))
        self.assertEqual(order.sla_level, 1)
        self.assertFalse(order.is_overdue)
        Workorder._cron_sla_escalation(now=datetime(2026, 1, 12, 16, 30))
        self.assertEqual(order.sla_level, 2)
        self.assertTrue(order.is_overdue)
        Workorder._cron_sla_escalation(now=datetime(2026, 1, 13, 13, 0))
        self.assertEqual(order.sla_level, 3)
        self.assertEqual(order.sla_max_level, 3)
        # Running again changes nothing.
        self.assertEqual(Workorder._cron_sla_escalation(now=datetime(2026, 1, 13, 14, 0)), 0)

        events = self._events(order)
        for level in (1, 2, 3):
            self.assertEqual(events.count(f"sla_level_{level}"), 1)
        # Who was told: assignee (1), department admin (2), super admin (3).
        messages = self.env["mail.message"].search([("body", "ilike", order.name)])
        told = messages.partner_ids
        self.assertIn(self.staff_a.partner_id, told)
        self.assertIn(self.dept_bureau.partner_id, told)
        self.assertIn(self.super_admin.partner_id, told)

    def test_next_stage_restarts_the_clock(self):
        with freeze_time("2026-01-09 15:00:00"):
            order = self._order()
            order.action_submit()
        with freeze_time("2026-01-12 10:00:00"):
            order.action_upload_scheme(PDF_MIN, "s.pdf")
            order.action_push_scheme()
        # The customer's confirmation is not measured.
        self.assertEqual(order.state, "confirm")
        self.assertFalse(order.date_deadline)
        self.assertEqual(order.sla_level, 0)

    def test_exception_escalates_the_same_way(self):
        with freeze_time("2026-01-12 09:00:00"):
            order = self._order("配电房开关频繁跳闸故障，需要抢修")
            order.action_submit()
            self.env["emc.workorder.survey"].create(
                {"workorder_id": order.id, "latitude": 31.86, "longitude": 106.75, "findings": "x"}
            ).action_submit()
            self.t_fault.exception_hours = 2
            self.env["emc.workorder.progress"].create(
                {"workorder_id": order.id, "kind": "exception", "note": "停电范围扩大"}
            )
        # 2 working hours from Mon 09:00 → 11:00.
        self.assertEqual(order.date_deadline, datetime(2026, 1, 12, 11, 0))
        self.env["emc.workorder"]._cron_sla_escalation(now=datetime(2026, 1, 12, 11, 5))
        self.assertEqual(order.sla_level, 2)
