from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..models.emc_workorder_precheck_rule import CHANNEL_SCOPES
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
        self.assertEqual(notified.subject, f"Your request {order.name} needs more information")
        for text in ("缺联系人", "手机号无效", "不在服务区域", "缺现场照片"):
            self.assertIn(f"<li>{text}</li>", notified.body)
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
        self.assertEqual(order.state, "scheme")
        self.assertFalse(order.missing_items)
        self.assertEqual(
            self._events(order)[:6],
            [
                "created",
                "submitted",
                "precheck_failed",
                "resubmitted",
                "precheck_passed",
                "classified",
            ],
        )

    def test_gps_inside_area_is_enough(self):
        order = self._order(street="工业园8号", city=False, latitude=31.86, longitude=106.75)
        order.action_submit()
        self.assertEqual(order.state, "scheme")
        self.assertEqual(order.area_id, self.area)

    def test_phone_request_needs_no_photo(self):
        # The hotline enters the request for a caller, who cannot hand over photos.
        photo_rule = self.t_access.precheck_rule_ids.filtered(
            lambda r: r.rule_type == "min_attachments"
        )
        photo_rule.channel_scope = "self_service"
        phone = self._order(channel="phone", attachment_ids=False)
        phone.action_submit()
        self.assertEqual(phone.state, "scheme")
        self.assertFalse(phone.missing_items)
        portal = self._order(channel="portal", attachment_ids=False)
        portal.action_submit()
        self.assertEqual(portal.state, "returned")
        self.assertEqual(portal.missing_items, "缺现场照片")
        # A rule for staff-entered requests only leaves the customer's own alone.
        photo_rule.channel_scope = "assisted"
        mini = self._order(channel="miniprogram", attachment_ids=False)
        mini.action_submit()
        self.assertEqual(mini.state, "scheme")

    def test_shipped_rules_ask_photos_from_self_service_only(self):
        shipped = self.env["emc.workorder.precheck.rule"].with_context(active_test=False)
        for xmlid in ("contact", "phone", "address", "area", "description", "photo"):
            shipped |= self.env.ref(f"emc_workorder.precheck_rule_{xmlid}")
        shipped.active = True
        self.assertEqual(
            {r: r.channel_scope for r in shipped},
            {r: "self_service" if r.rule_type == "min_attachments" else "all" for r in shipped},
        )
        # An order without a type yet meets every active rule: the shipped ones only.
        self.env["emc.workorder.precheck.rule"].search(
            [("id", "not in", shipped.ids)]
        ).active = False
        phone = self._order(channel="phone", attachment_ids=False)
        phone.action_submit()
        self.assertEqual(phone.state, "scheme", phone.missing_items)
        mini = self._order(channel="miniprogram", attachment_ids=False)
        mini.action_submit()
        self.assertEqual(mini.state, "returned")
        self.assertEqual(mini.missing_items, "请上传至少1张现场照片或视频")
        # The other shipped rules still check phone requests.
        wrong = self._order(channel="phone", attachment_ids=False, phone="12345")
        wrong.action_submit()
        self.assertEqual(wrong.missing_items, "请填写有效的手机号码（中国大陆11位手机号）")

    def test_channel_scopes_cover_every_channel(self):
        channels = {c for c, _label in self.env["emc.workorder"]._fields["channel"].selection}
        self.assertEqual(set(CHANNEL_SCOPES["all"]), channels)
        self.assertEqual(
            set(CHANNEL_SCOPES["self_service"]) | set(CHANNEL_SCOPES["assisted"]), channels
        )
        self.assertFalse(set(CHANNEL_SCOPES["self_service"]) & set(CHANNEL_SCOPES["assisted"]))

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
        with self.assertRaisesRegex(
            UserError, f"^Work order {order.name} has no confirmed type: classify it first.$"
        ):
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
        with self.assertRaisesRegex(
            AccessError, "^Only a department admin can reassign work orders.$"
        ):
            order.with_user(self.staff_a).action_reassign(self.staff_b, "休假")
        with self.assertRaisesRegex(UserError, "^Give the reason of the reassignment.$"):
            order.with_user(self.dept_bureau).action_reassign(self.staff_b, "")
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
