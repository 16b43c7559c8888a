import base64
import io

from PIL import Image

from odoo.tests import new_test_user, tagged

from .tour_common import SCHEME_PDF, WorkorderTourCase


@tagged("post_install", "-at_install")
class TestTourPortal(WorkorderTourCase):
    """The customer's portal on a phone: submit, sign, rate, in a touch browser of 390×844."""

    browser_size = "390x844"
    touch_enabled = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = new_test_user(
            cls.env,
            login="emc_tour_customer",
            password="emc_tour_customer",
            name=cls.contact.name,
            groups="base.group_portal",
            partner_id=cls.contact.id,
            lang="zh_CN",
            tz="Asia/Shanghai",
        )
        # Prepared through the model methods, each step by the one who does it.
        cls.to_sign = cls._submitted_order("新建厂房申请报装接电，需要10kV专变。", cls.type_access)
        handler_view = cls.to_sign.with_user(cls.handler)
        handler_view.action_upload_scheme(file_content=SCHEME_PDF, filename="供电方案.pdf")
        handler_view.action_push_scheme()
        cls.closed = cls._submitted_order("配电房开关故障跳闸，请派人检修。", cls.type_fault)
        cls.closed.with_user(cls.handler).action_start_acceptance()
        desk_view = cls.closed.with_user(cls.desk_user)
        desk_view.check_ids.write({"done": True})
        desk_view.action_accept()

    @classmethod
    def _submitted_order(cls, description, work_type):
        order = (
            cls.env["emc.workorder"]
            .with_user(cls.desk_user)
            .create(
                {
                    "partner_id": cls.enterprise.id,
                    "company_id": cls.bureau.id,
                    "channel": "phone",
                    "requested_type_id": work_type.id,
                    "contact_name": "王测试",
                    "phone": "13881680001",
                    "street": "巴州区工业园路8号",
                    "city": "巴中市",
                    "description": description,
                }
            )
        )
        order.action_submit()
        return order.with_user(cls.env.user)

    def test_portal_on_a_phone(self):
        self.assertEqual(self.to_sign.state, "confirm")
        self.assertEqual(self.closed.state, "closed")
        known = self.to_sign | self.closed
        self.start_tour("/my/workorders", "emc_workorder_portal", login=self.customer.login)
        self.env.invalidate_all()

        # 1. The new request: the customer's own, from the portal, with its photo.
        new = self.env["emc.workorder"].search(
            [("partner_id", "=", self.enterprise.id), ("id", "not in", known.ids)]
        )
        self.assertEqual(len(new), 1)
        self.assertEqual(new.channel, "portal")
        self.assertEqual(new.requested_type_id, self.type_access)
        self.assertEqual(new.description, "新建冷库需要办理用电报装接电，用电负荷约200kW。")
        self.assertEqual(new.contact_name, "王测试")
        self.assertEqual(new.state, "scheme")
        self.assertEqual(new.user_id, self.handler)
        self.assertEqual(new.attachment_ids.mapped("name"), ["现场照片.png"])
        self.assertEqual(new.attachment_ids.mimetype, "image/png")
        photo = Image.open(io.BytesIO(new.attachment_ids.raw))
        self.assertEqual(photo.size, (64, 48))
        events = self._events(new)
        self.assertEqual(events[0], ("created", self.customer))
        self.assertIn(("precheck_passed", self.customer), events)

        # 2. The scheme is confirmed with a drawn signature, in the customer's name.
        order = self.to_sign
        self.assertEqual(order.state, "implementation")
        self.assertEqual(order.signed_by, "王测试")
        self.assertTrue(order.date_signed)
        signature = Image.open(io.BytesIO(base64.b64decode(order.signature)))
        self.assertIsNotNone(
            signature.convert("RGBA").getchannel("A").getbbox(), "the signature is blank"
        )
        events = self._events(order)
        self.assertIn(("signature_captured", self.customer), events)
        self.assertIn(("confirmed", self.customer), events)
        captured = order.event_ids.filtered(lambda e: e.event_type == "signature_captured")
        self.assertEqual(captured.new_value, "王测试")
        self.assertRegex(captured.payload, r'"signature_sha256":"[0-9a-f]{64}"')

        # 3. The closed order is rated five stars, with the comment.
        rating = self.env["rating.rating"].search(
            [
                ("res_model", "=", "emc.workorder"),
                ("res_id", "=", self.closed.id),
                ("consumed", "=", True),
            ]
        )
        self.assertEqual(len(rating), 1)
        self.assertEqual(rating.rating, 5)
        self.assertEqual(rating.feedback, "抢修及时，服务专业。")
        self.assertIn(("rated", self.customer), self._events(self.closed))
