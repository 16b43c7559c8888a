from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import WorkorderCase


@tagged("post_install", "-at_install")
class TestIntake(WorkorderCase):
    # ---------------------------------------------------------------- pre-check
    def test_incomplete_request_goes_back_with_everything_missing(self):
        order = self._order(
            contact_name=False,
            phone="12345",
            street="成都市武侯区",
            city="成都市",
            attachment_ids=False,
        )
        order.action_submit()
        self.assertEqual(order.state, "returned")
        for text in ("缺联系人", "手机号无效", "不在服务区域", "缺现场照片"):
            self.assertIn(text, order.missing_items)
        failed = order.event_ids.filtered(lambda e: e.event_type == "precheck_failed")
        self.assertIn("手机号无效", failed.payload)
        # The customer is told, and nothing they entered is lost.
        self.assertEqual(order.description, "新厂房申请接电报装，需要10kV专变")
        notified = order.message_ids.filtered(lambda m: self.customer in m.partner_ids)
        self.assertTrue(notified)
        # Completed and resubmitted, it passes.
        order.write(
            {
                "contact_name": "王经理",
                "phone": "13881680001",
                "street": "巴州区回风路2号",
                "attachment_ids": [(6, 0, self.photo.ids)],
            }
        )
        order.action_resubmit()
        self.assertNotEqual(order.state, "returned")
        self.assertFalse(order.missing_items)

    def test_gps_inside_area_is_enough(self):
        order = self._order(street="工业园8号", city=False, latitude=31.86, longitude=106.75)
        order.action_submit()
        self.assertNotEqual(order.state, "returned")
        self.assertEqual(order.area_id, self.area)

    # ------------------------------------------------------------ classification
    def test_keywords_classify(self):
        order = self._order("变压器容量不够，申请扩容增容")
        order.action_submit()
        self.assertEqual(order.type_id, self.t_expand)
        self.assertFalse(order.needs_classification)
        self.assertGreaterEqual(order.classification_confidence, 0.6)

    def test_chosen_category_counts(self):
        order = self._order("想咨询一下相关业务的办理", requested_type_id=self.t_audit.id)
        order.action_submit()
        self.assertEqual(order.type_id, self.t_audit)

    def test_low_confidence_goes_to_a_person_with_candidates(self):
        order = self._order(
            "屋顶光伏项目接电并网报装"
        )  # 光伏 (comprehensive) vs 接电/报装 (access)
        self.t_comprehensive.keyword_ids.filtered(lambda k: k.keyword == "光伏").weight = 8
        order.action_submit()
        self.assertEqual(order.state, "dispatch")
        self.assertTrue(order.needs_classification)
        self.assertFalse(order.user_id)
        self.assertIn("电力接入", order.classification_note)
        self.assertIn("综合能源服务", order.classification_note)
        self.assertIn("classification_manual", self._events(order))
        with self.assertRaises(UserError):
            order.action_dispatch()
        order.action_set_type(self.t_access.id)
        self.assertEqual(order.type_id, self.t_access)
        self.assertEqual(order.state, "scheme")

    # ------------------------------------------------------------------ dispatch
    def test_dispatch_by_skill_and_load_with_reasons(self):
        # staff_b only handles faults: an access order goes to staff_a.
        order = self._order()
        order.action_submit()
        self.assertEqual(order.user_id, self.staff_a)
        self.assertIn(self.staff_a.name, order.dispatch_reason)
        self.assertIn(self.staff_b.name, order.dispatch_reason)
        self.assertIn("测试供电公司", order.dispatch_reason)
        # A fault: both qualify, staff_a carries one order already, staff_b none.
        fault = self._order("配电房跳闸故障")
        fault.action_submit()
        self.assertEqual(fault.user_id, self.staff_b)
        dispatched = fault.event_ids.filtered(lambda e: e.event_type == "assigned")
        self.assertIn(self.staff_b.name, dispatched.new_value)

    def test_full_capacity_is_skipped(self):
        profile = self.env["emc.workorder.staff"].search([("user_id", "=", self.staff_a.id)])
        profile.capacity = 1
        first = self._order()
        first.action_submit()
        self.assertEqual(first.user_id, self.staff_a)
        second = self._order()
        second.action_submit()
        self.assertFalse(second.user_id, "nobody else has the skill: left unassigned")
        self.assertIn(self.staff_a.name, second.dispatch_reason)

    def test_reassign_by_department_admin_only(self):
        order = self._order()
        order.action_submit()
        with self.assertRaises(AccessError):
            order.with_user(self.staff_a).action_reassign(self.staff_b, "休假")
        wizard = (
            self.env["emc.workorder.reassign"]
            .with_user(self.dept_bureau)
            .create(
                {"workorder_ids": [(6, 0, order.ids)], "user_id": self.staff_b.id, "reason": "休假"}
            )
        )
        wizard.action_confirm()
        self.assertEqual(order.user_id, self.staff_b)
        event = order.event_ids.filtered(lambda e: e.event_type == "reassigned")
        self.assertEqual(event.note, "休假")
        self.assertEqual(event.user_id, self.dept_bureau)
