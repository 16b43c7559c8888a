import base64
import hashlib

from odoo.tests import tagged

from .common import MP, SCHEME_PDF, ApiCase, png


@tagged("post_install", "-at_install")
class TestApiCustomer(ApiCase):
    """Every customer endpoint: its happy path, and another customer's ids answered 404."""

    def setUp(self):
        super().setUp()
        self.token_a = self.token(self.user_a)
        self.token_b = self.token(self.user_b)

    def _submit(self, token=None, files=None, **fields):
        data = {
            "description": "新建车间需要接电，用电容量约500kVA。",
            "contact_name": "李四",
            "phone": "13800138000",
            "street": "巴州区回风大道8号",
            "requested_type_id": str(self.wo_type.id),
            **fields,
        }
        if files is None:
            files = [("photos", ("xianchang.png", png(), "image/png"))]
        return self.call(
            "POST", f"{MP}/workorders", token=token or self.token_a, data=data, files=files
        )

    def test_types_with_their_form(self):
        response = self.call("GET", f"{MP}/workorder-types", token=self.token_a)
        self.assertEqual(response.status_code, 200, response.text)
        types = {t["code"]: t for t in response.json()}
        self.assertIn("T_API", types)
        fields = {f["name"]: f for f in types["T_API"]["fields"]}
        self.assertTrue(fields["description"]["required"])
        self.assertEqual(fields["description"]["max_length"], 5000)
        self.assertEqual(fields["photos"]["kind"], "files")

    def test_submit_with_photo_passes_the_precheck(self):
        response = self._submit()
        self.assertEqual(response.status_code, 201, response.text)
        body = response.json()
        self.assertTrue(body["precheck"]["passed"])
        order = self.env["emc.workorder"].browse(body["id"])
        self.assertEqual(order.partner_id, self.customer_a)
        self.assertEqual(order.channel, "miniprogram")
        self.assertEqual(order.create_uid, self.user_a)
        self.assertEqual(order.attachment_ids.mimetype, "image/png")
        events = order.event_ids.sorted("id").mapped("event_type")
        self.assertEqual(events[:3], ["created", "submitted", "precheck_passed"])
        self.assertEqual(body["state"], order.state)
        # The photo's digest is in the evidence chain (the pre-check event).
        passed = order.event_ids.filtered(lambda e: e.event_type == "precheck_passed")
        self.assertIn(hashlib.sha256(order.attachment_ids.raw).hexdigest(), passed.payload)
        self.assertEqual(passed.user_id, self.user_a)

    def test_submit_failing_the_precheck_is_returned_with_reasons(self):
        body = self._submit(phone="12345").json()
        self.assertFalse(body["precheck"]["passed"])
        self.assertEqual(body["state"], "returned")
        self.assertIn("API-TEST: invalid mobile phone", body["precheck"]["missing"])

    def test_submit_refusals(self):
        # An unknown field is refused, nothing is created (no mass assignment).
        self.assertError(self._submit(partner_id="1"), 422, "invalid_input")
        self.assertError(self._submit(description=""), 422, "invalid_input")
        self.assertError(self._submit(description="长" * 5001), 422, "invalid_input")
        self.assertError(self._submit(requested_type_id="999999"), 422, "invalid_input")
        # A text file named .png is refused by its content.
        disguised = [("photos", ("photo.png", b"#!/bin/sh\necho pwned\n", "image/png"))]
        self.assertError(self._submit(files=disguised), 400, "refused")
        too_many = [("photos", (f"p{i}.png", png(), "image/png")) for i in range(11)]
        self.assertError(self._submit(files=too_many), 422, "invalid_input")
        self.assertFalse(
            self.env["emc.workorder"].search([("partner_id", "=", self.customer_a.id)])
        )

    def test_list_paging_and_isolation(self):
        for _i in range(3):
            self._order(self.customer_a)
        self._order(self.customer_b)
        response = self.call("GET", f"{MP}/workorders?limit=2&offset=0", token=self.token_a)
        self.assertEqual(response.status_code, 200, response.text)
        page = response.json()
        self.assertEqual(page["total"], 3)
        self.assertEqual(len(page["items"]), 2)
        second = self.call("GET", f"{MP}/workorders?limit=2&offset=2", token=self.token_a).json()
        self.assertEqual(len(second["items"]), 1)
        self.assertEqual(
            self.call("GET", f"{MP}/workorders?state=closed", token=self.token_a).json()["total"], 0
        )
        self.assertError(
            self.call("GET", f"{MP}/workorders?limit=1000", token=self.token_a),
            422,
            "invalid_input",
        )
        self.assertError(
            self.call("GET", f"{MP}/workorders?state=bogus", token=self.token_a),
            422,
            "invalid_input",
        )

    def test_detail_with_timeline(self):
        order = self._order(self.customer_a)
        order.action_submit()
        response = self.call("GET", f"{MP}/workorders/{order.id}", token=self.token_a)
        self.assertEqual(response.status_code, 200, response.text)
        events = [item["event"] for item in response.json()["timeline"]]
        self.assertEqual(events[:3], ["created", "submitted", "precheck_passed"])
        self.assertNotIn("knowledge_pushed", events)

    def test_another_customers_order_is_not_found(self):
        order = self._order_to_confirm(self.customer_b)
        paths = [
            ("GET", f"/workorders/{order.id}", None),
            ("GET", f"/workorders/{order.id}/scheme", None),
            (
                "POST",
                f"/workorders/{order.id}/confirm",
                {"signed_by": "x", "signature": base64.b64encode(png()).decode()},
            ),
            ("POST", f"/workorders/{order.id}/reject", {"reason": "no"}),
            ("POST", f"/workorders/{order.id}/rating", {"stars": 5}),
        ]
        for method, path, body in paths:
            with self.subTest(path=path):
                self.assertError(
                    self.call(method, MP + path, token=self.token_a, json_body=body),
                    404,
                    "not_found",
                )
        response = self.call(
            "POST",
            f"{MP}/workorders/{order.id}/information",
            token=self.token_a,
            data={"city": "x"},
        )
        self.assertError(response, 404, "not_found")
        self.assertEqual(order.state, "confirm")
        self.assertError(
            self.call("GET", f"{MP}/workorders/99999999", token=self.token_a), 404, "not_found"
        )

    def test_scheme_download_and_confirm_with_signature(self):
        order = self._order_to_confirm(self.customer_a)
        response = self.call("GET", f"{MP}/workorders/{order.id}/scheme", token=self.token_a)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.content, SCHEME_PDF)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        signature = base64.b64encode(png()).decode()
        # Unknown fields and a signature that is not an image are refused.
        self.assertError(
            self.call(
                "POST",
                f"{MP}/workorders/{order.id}/confirm",
                token=self.token_a,
                json_body={"signed_by": "王经理", "signature": signature, "state": "closed"},
            ),
            422,
            "invalid_input",
        )
        self.assertError(
            self.call(
                "POST",
                f"{MP}/workorders/{order.id}/confirm",
                token=self.token_a,
                json_body={"signed_by": "王经理", "signature": "not base64 !!"},
            ),
            422,
            "invalid_signature",
        )
        self.assertError(
            self.call(
                "POST",
                f"{MP}/workorders/{order.id}/confirm",
                token=self.token_a,
                json_body={
                    "signed_by": "王经理",
                    "signature": base64.b64encode(b"%PDF-1.4 not an image").decode(),
                },
            ),
            400,
            "refused",
        )
        response = self.call(
            "POST",
            f"{MP}/workorders/{order.id}/confirm",
            token=self.token_a,
            json_body={"signed_by": "王经理", "signature": "data:image/png;base64," + signature},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(order.signed_by, "王经理")
        events = order.event_ids.mapped("event_type")
        self.assertIn("signature_captured", events)
        self.assertIn("confirmed", events)
        captured = order.event_ids.filtered(lambda e: e.event_type == "signature_captured")
        self.assertEqual(captured.user_id, self.user_a)
        # A second confirmation is refused by the model's stage check.
        self.assertError(
            self.call(
                "POST",
                f"{MP}/workorders/{order.id}/confirm",
                token=self.token_a,
                json_body={"signed_by": "王经理", "signature": signature},
            ),
            400,
            "refused",
        )

    def test_reject_with_reason(self):
        order = self._order_to_confirm(self.customer_a)
        self.assertError(
            self.call(
                "POST",
                f"{MP}/workorders/{order.id}/reject",
                token=self.token_a,
                json_body={"reason": ""},
            ),
            422,
            "invalid_input",
        )
        response = self.call(
            "POST",
            f"{MP}/workorders/{order.id}/reject",
            token=self.token_a,
            json_body={"reason": "容量不够"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(order.state, "scheme")
        self.assertEqual(order.rejection_reason, "容量不够")
        rejected = order.event_ids.filtered(lambda e: e.event_type == "rejected")
        self.assertEqual(rejected.note, "容量不够")

    def test_add_information_to_a_returned_request(self):
        body = self._submit(phone="12345").json()
        order = self.env["emc.workorder"].browse(body["id"])
        self.assertEqual(order.state, "returned")
        self.assertError(
            self.call(
                "POST",
                f"{MP}/workorders/{order.id}/information",
                token=self.token_a,
                data={"phone": "13800138000", "owner": "x"},
            ),
            422,
            "invalid_input",
        )
        response = self.call(
            "POST",
            f"{MP}/workorders/{order.id}/information",
            token=self.token_a,
            data={"phone": "13800138000"},
            files=[("photos", ("more.png", png(), "image/png"))],
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.json()["precheck"]["passed"])
        self.assertEqual(len(order.attachment_ids), 2)
        self.assertIn("resubmitted", order.event_ids.mapped("event_type"))
        # Not returned any more: the model refuses, nothing written.
        response = self.call(
            "POST",
            f"{MP}/workorders/{order.id}/information",
            token=self.token_a,
            data={"city": "通江县"},
        )
        self.assertError(response, 400, "refused")
        self.assertNotEqual(order.city, "通江县")

    def test_rating(self):
        order = self._order(self.customer_a)
        order.sudo().write({"state": "closed"})
        self.assertError(
            self.call(
                "POST",
                f"{MP}/workorders/{order.id}/rating",
                token=self.token_a,
                json_body={"stars": 6},
            ),
            422,
            "invalid_input",
        )
        response = self.call(
            "POST",
            f"{MP}/workorders/{order.id}/rating",
            token=self.token_a,
            json_body={"stars": 4, "comment": "很及时"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertIn("rated", order.event_ids.mapped("event_type"))

    def test_profile(self):
        response = self.call("PATCH", f"{MP}/me", token=self.token_a, json_body={"name": "王总"})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.user_a.partner_id.name, "王总")
        self.assertError(
            self.call("PATCH", f"{MP}/me", token=self.token_a, json_body={"parent_id": 1}),
            422,
            "invalid_input",
        )
        self.assertError(
            self.call("PATCH", f"{MP}/me", token=self.token_a, json_body={"email": "nope"}),
            422,
            "invalid_input",
        )

    def test_notifications(self):
        order = self._order(self.customer_a)
        order.message_post(
            body="方案已发送",
            partner_ids=self.user_a.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        other = self._order(self.customer_b)
        other.message_post(
            body="乙的消息",
            partner_ids=self.user_b.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        response = self.call("GET", f"{MP}/notifications", token=self.token_a)
        self.assertEqual(response.status_code, 200, response.text)
        bodies = [item["body"] for item in response.json()["items"]]
        self.assertIn("方案已发送", bodies)
        self.assertNotIn("乙的消息", bodies)

    def test_contracts(self):
        Contract = self.env["emc.contract"]
        mine = Contract.create(
            {
                "title": "甲的节能合同",
                "partner_id": self.customer_a.id,
                "company_id": self.bureau.id,
            }
        )
        theirs = Contract.create(
            {
                "title": "乙的节能合同",
                "partner_id": self.customer_b.id,
                "company_id": self.bureau.id,
            }
        )
        draft = Contract.create(
            {"title": "甲的草稿", "partner_id": self.customer_a.id, "company_id": self.bureau.id}
        )
        (mine | theirs).sudo().write({"state": "signing"})
        page = self.call("GET", f"{MP}/contracts", token=self.token_a).json()
        self.assertEqual([c["id"] for c in page["items"]], [mine.id])
        self.assertEqual(
            self.call("GET", f"{MP}/contracts/{mine.id}", token=self.token_a).json()["title"],
            "甲的节能合同",
        )
        for contract in theirs | draft:
            self.assertError(
                self.call("GET", f"{MP}/contracts/{contract.id}", token=self.token_a),
                404,
                "not_found",
            )

    def test_sites_consumption_and_savings(self):
        Site = self.env["emc.site"]
        mine = Site.create(
            {"name": "甲厂区", "partner_id": self.customer_a.id, "company_id": self.bureau.id}
        )
        theirs = Site.create(
            {"name": "乙厂区", "partner_id": self.customer_b.id, "company_id": self.bureau.id}
        )
        page = self.call("GET", f"{MP}/sites", token=self.token_a).json()
        self.assertEqual([s["id"] for s in page["items"]], [mine.id])
        for suffix in ("consumption", "savings"):
            response = self.call("GET", f"{MP}/sites/{mine.id}/{suffix}", token=self.token_a)
            self.assertEqual(response.status_code, 200, response.text)
            self.assertIsInstance(response.json(), list)
            self.assertError(
                self.call("GET", f"{MP}/sites/{theirs.id}/{suffix}", token=self.token_a),
                404,
                "not_found",
            )
