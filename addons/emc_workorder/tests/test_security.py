from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import WorkorderCase


@tagged("post_install", "-at_install")
class TestRoles(WorkorderCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order_a = cls._submitted("新厂房申请接电报装")  # → staff_a, bureau
        cls.order_fault = cls._submitted("配电房跳闸故障")  # → staff_b, bureau
        cls.order_energy = cls._submitted("空压机节能改造")  # → staff_e, energy
        other = cls.env["res.partner"].create({"name": "别家企业", "is_company": True})
        cls.order_other = cls._submitted("新厂房接电报装", partner_id=other.id)
        cls.portal_user = new_test_user(
            cls.env,
            login="wo_portal_t",
            groups="base.group_portal",
            partner_id=cls.customer_contact.id,
        )

    @classmethod
    def _submitted(cls, description, **vals):
        order = cls._order(description, **vals)
        order.action_submit()
        return order

    def _visible(self, user):
        return self.env["emc.workorder"].with_user(user).search([("id", "in", self.all_orders.ids)])

    @property
    def all_orders(self):
        return self.order_a | self.order_fault | self.order_energy | self.order_other

    def test_frontline_staff_see_only_assigned(self):
        self.assertEqual(self._visible(self.staff_a), self.order_a | self.order_other)
        self.assertEqual(self._visible(self.staff_b), self.order_fault)
        with self.assertRaises(AccessError):
            self.order_fault.with_user(self.staff_a).read(["name"])

    def test_department_admin_sees_own_organisation(self):
        visible = self._visible(self.dept_bureau)
        self.assertEqual(visible, self.order_a | self.order_fault | self.order_other)
        with self.assertRaises(AccessError):
            self.order_energy.with_user(self.dept_bureau).read(["name"])

    def test_super_admin_sees_everything(self):
        self.assertEqual(self._visible(self.super_admin), self.all_orders)

    def test_customer_sees_own_orders_across_organisations(self):
        visible = self._visible(self.portal_user)
        self.assertEqual(visible, self.order_a | self.order_fault | self.order_energy)
        with self.assertRaises(AccessError):
            self.order_other.with_user(self.portal_user).read(["name"])
        with self.assertRaises(AccessError):
            self.order_a.with_user(self.portal_user).write({"description": "改"})
        events = self.env["emc.workorder.event"].with_user(self.portal_user).search([])
        self.assertEqual(events.workorder_id, visible)

    def test_events_follow_order_visibility(self):
        events = self.env["emc.workorder.event"].with_user(self.staff_b).search([])
        self.assertEqual(events.workorder_id, self.order_fault)
