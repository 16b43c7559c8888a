from freezegun import freeze_time

from odoo.tests import tagged

from .common import INTAKE_EVENTS, PNG_1PX, WorkorderCase

# Queries of submit → pre-check → classification → dispatch for a whole batch,
# whatever its size (measured: 63 on Odoo 18.0; the margin absorbs Odoo updates).
BATCH_QUERY_BUDGET = 80


@tagged("post_install", "-at_install")
class TestBatch(WorkorderCase):
    """Intake and dispatch read their configuration once per batch and write once per order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["emc.workorder.staff"].search([("user_id", "=", cls.staff_a.id)]).capacity = 100
        # Read by every dispatch, pushed to none of these orders (another type):
        # a push notifies the assignee, one message per order.
        cls.env["emc.knowledge.article"].search([]).active = False
        cls.env["emc.knowledge.article"].create(
            {"name": "扩容指南", "type_ids": [(6, 0, cls.t_expand.ids)]}
        )

    def _batch(self, size, **vals):
        return self.env["emc.workorder"].create([self._order_values(**vals) for _i in range(size)])

    def _submit_counting(self, orders):
        """Queries of submitting ``orders`` from a cold cache, flushes included."""
        self.env.flush_all()
        self.env.invalidate_all()
        start = self.cr.sql_log_count
        orders.action_submit()
        self.env.flush_all()
        return self.cr.sql_log_count - start

    def test_query_count_does_not_grow_with_the_batch(self):
        with freeze_time("2026-03-02 09:00:00"):
            self._submit_counting(self._batch(2))  # warm-up: caches of the registry
            two, ten = self._batch(2), self._batch(10)
            small = self._submit_counting(two)
            self.assertLessEqual(small, BATCH_QUERY_BUDGET)
            self.env.invalidate_all()
            with self.assertQueryCount(small):
                ten.action_submit()
            # assertQueryCount only logs a lower count: the equality is the point.
            self.assertEqual(self._submit_counting(self._batch(10)), small)
        for order in two | ten:
            self.assertEqual(order.state, "scheme")
            self.assertEqual(order.type_id, self.t_access)
            self.assertEqual(order.user_id, self.staff_a)
            self.assertEqual(self._events(order), INTAKE_EVENTS)
        self.assertTrue(self.env["emc.workorder.event"]._verify_chain().ok)

    def test_query_count_as_department_admin(self):
        # Record rules are checked on every write: still nothing per order.
        with freeze_time("2026-03-02 09:00:00"):
            admin = self.dept_bureau
            photo = (
                self.env["ir.attachment"]
                .with_user(admin)
                .create({"name": "现场.png", "datas": PNG_1PX, "mimetype": "image/png"})
            )
            vals = {"attachment_ids": [(6, 0, photo.ids)]}
            self._submit_counting(self._batch(2, **vals).with_user(admin))
            small = self._submit_counting(self._batch(2, **vals).with_user(admin))
            large = self._submit_counting(self._batch(10, **vals).with_user(admin))
        self.assertEqual(large, small)
        self.assertLessEqual(small, BATCH_QUERY_BUDGET)

    def test_one_write_per_order_and_transition(self):
        orders = self._batch(3)
        self.env.flush_all()
        written = []
        original = type(orders).write

        def spy(records, vals):
            written.extend((record.id, frozenset(vals)) for record in records)
            return original(records, vals)

        self.patch(type(orders), "write", spy)
        orders.action_submit()
        # intake → pre-check, pre-check → dispatch (classified), dispatch → scheme
        for order in orders:
            writes = [fields for oid, fields in written if oid == order.id]
            self.assertEqual(len(writes), 3, writes)
            precheck, dispatch, scheme = writes
            self.assertTrue({"state", "date_submitted", "date_deadline"} <= precheck)
            self.assertTrue({"state", "area_id", "type_id", "classification_note"} <= dispatch)
            self.assertTrue({"state", "company_id", "user_id", "date_sla_warn"} <= scheme)

    def test_batch_spreads_like_one_by_one(self):
        # Faults: staff_a (all types) and staff_b (faults) both qualify, one
        # surveyor with room for 5. Loads count on as the batch is assigned:
        # ties go to the older profile, then the lower load ratio.
        self.env["emc.workorder.staff"].search(
            [("role", "=", "handler"), ("company_id", "=", self.bureau.id)]
        ).capacity = 5
        orders = self._batch(6, description="配电房开关跳闸故障")
        orders.action_submit()
        self.assertEqual(set(orders.mapped("state")), {"survey"})
        self.assertEqual([o.user_id for o in orders], [self.staff_a, self.staff_b] * 3)
        # Five go to the surveyor; the sixth finds him full and falls back on its assignee.
        self.assertEqual([o.surveyor_id for o in orders], [self.surveyor] * 5 + [self.staff_b])
        self.assertIn(
            "at full capacity",
            orders[5].event_ids.filtered(lambda e: e.event_type == "survey_assigned").note,
        )
        profiles = self.env["emc.workorder.staff"].search(
            [("role", "=", "handler"), ("company_id", "in", (self.bureau | self.energy).ids)]
        )
        self.assertEqual(
            {p.user_id: p.load for p in profiles},
            {self.staff_a: 3, self.staff_b: 3, self.staff_e: 0},
        )
