from odoo.tests import tagged

from odoo.addons.emc_contract.tests.common import ContractCase
from odoo.addons.emc_workorder.tests.common import PDF_MIN, WorkorderCase

from .notify_common import NotifyFakesMixin


@tagged("post_install", "-at_install")
class TestWorkorderNotices(NotifyFakesMixin, WorkorderCase):
    """The work order's customer notices stay in the chatter and reach WeChat/SMS too."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_fakes()
        cls.customer.write(
            {
                "mobile": "13881680009",
                "email": "kehu@example.cn",
                "emc_notify_channel": "wechat",
                "emc_wechat_subscribed": True,
            }
        )
        cls.customer.sudo().wechat_openid = "oOPENID-enterprise"

    def _deliveries(self, order, event):
        return self.env["emc.notification"].search(
            [("res_model", "=", "emc.workorder"), ("res_id", "=", order.id), ("event", "=", event)],
            order="id",
        )

    def test_scheme_ready_routed_once_per_revision(self):
        order = self._order()
        order.action_submit()
        order.action_upload_scheme(PDF_MIN, "方案.pdf")
        order.action_push_scheme()
        self._run_jobs()
        # The chatter notice (mail) as before, logged; the subscribe message sent.
        notice = order.message_ids.filtered(lambda m: order.partner_id in m.partner_ids)
        self.assertEqual(len(notice), 1)
        deliveries = self._deliveries(order, "scheme_ready")
        self.assertEqual(
            sorted(deliveries.mapped(lambda d: (d.channel, d.state))),
            [("mail", "sent"), ("wechat", "sent")],
        )
        (payload,) = self.wechat.sent
        self.assertEqual(payload["touser"], "oOPENID-enterprise")
        self.assertEqual(payload["data"]["character_string1"]["value"], order.display_name)
        # The same revision notified again (a retried transaction): no second message.
        order._emc_route("scheme_ready")
        self.assertEqual(len(self._jobs()), 0)
        self.assertEqual(len(self.wechat.sent), 1)

    def test_refused_then_sms_then_mail_already_posted(self):
        self.wechat.send_errors = [43101]
        self.sms.errors = ["isv.MOBILE_NUMBER_ILLEGAL"]
        order = self._order()
        order.action_submit()
        order.action_upload_scheme(PDF_MIN, "方案.pdf")
        order.action_push_scheme()
        self._run_jobs()
        by_channel = {d.channel: d for d in self._deliveries(order, "scheme_ready")}
        self.assertEqual(by_channel["wechat"].state, "fallback")
        self.assertEqual(by_channel["sms"].state, "fallback")
        # Mail was the chatter notice: the fallback lands on it, nothing sent twice.
        self.assertEqual(by_channel["sms"].fallback_id, by_channel["mail"])
        self.assertEqual(
            len(order.message_ids.filtered(lambda m: order.partner_id in m.partner_ids)), 1
        )

    def test_precheck_failed_customer_without_push_channel(self):
        self.customer.write({"mobile": False, "phone": False, "emc_wechat_subscribed": False})
        order = self._order(contact_name=False)
        order.action_submit()
        self.assertEqual(len(self._jobs()), 0)
        self.assertEqual(order.state, "returned")
        deliveries = self._deliveries(order, "precheck_failed")
        self.assertEqual(deliveries.mapped("channel"), ["mail"])


@tagged("post_install", "-at_install")
class TestContractToSign(NotifyFakesMixin, ContractCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_fakes()
        cls.client.write({"mobile": "13881680010", "emc_notify_channel": "sms"})

    def test_contract_entering_signing_is_notified(self):
        contract = self.make_contract()
        contract._set_stage("signing")
        self._run_jobs()
        delivery = self.env["emc.notification"].search(
            [("res_model", "=", "emc.contract"), ("res_id", "=", contract.id)]
        )
        self.assertEqual(
            (delivery.event, delivery.channel, delivery.state), ("contract_to_sign", "sms", "sent")
        )
        self.assertEqual(self.sms.sent[0]["params"], {"name": contract.display_name})
