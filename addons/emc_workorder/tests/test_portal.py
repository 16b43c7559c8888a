import base64
import io
import json
import zipfile

from PIL import Image

from odoo import http
from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

SCHEME_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _png(width=40, height=20):
    buf = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buf, format="PNG")
    return buf.getvalue()


@tagged("post_install", "-at_install")
class TestWorkorderPortal(HttpCase):
    """The customer portal of the service desk, through HTTP as a portal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        # The database may run in Chinese only; the customers here read English.
        env["res.lang"]._activate_lang("en_US")
        cls.bureau = env["res.company"].create(
            {"name": "门户测试供电局", "emc_wo_role": "power_bureau"}
        )
        # Only the type below classifies and routes: the stages are exact.
        env["emc.workorder.type"].search([]).active = False
        rules = env["emc.workorder.precheck.rule"].create(
            [
                {
                    "name": "Portal test: contact",
                    "rule_type": "required_field",
                    "field_name": "contact_name",
                    "message": "PORTAL-TEST: contact missing",
                },
                {
                    "name": "Portal test: phone",
                    "rule_type": "valid_phone",
                    "message": "PORTAL-TEST: invalid mobile phone",
                },
                {
                    "name": "Portal test: area",
                    "rule_type": "service_area",
                    "message": "PORTAL-TEST: outside the service area",
                },
                {
                    "name": "Portal test: description",
                    "rule_type": "min_description",
                    "min_count": 10,
                    "message": "PORTAL-TEST: description too short",
                },
            ]
        )
        sla = (
            ("precheck", 4),
            ("dispatch", 4),
            ("scheme", 24),
            ("survey", 16),
            ("contract", 24),
            ("implementation", 120),
            ("acceptance", 16),
        )
        cls.wo_type = env["emc.workorder.type"].create(
            {
                "name": "门户测试接电",
                "code": "T_PORTAL",
                "org_role": "power_bureau",
                "scheme_level": "preliminary",
                "use_scheme": True,
                "precheck_rule_ids": [Command.set(rules.ids)],
                "sla_ids": [Command.create({"stage": s, "hours": h}) for s, h in sla],
                "keyword_ids": [Command.create({"keyword": "接电", "weight": 5})],
            }
        )
        env["emc.service.area"].create(
            {"name": "门户测试区域", "sequence": 1, "keywords": "巴州区"}
        )
        cls.handler = new_test_user(
            env,
            login="emc_wo_portal_handler",
            groups="emc_workorder.group_wo_staff",
            company_id=cls.bureau.id,
            company_ids=[Command.set(cls.bureau.ids)],
        )
        env["emc.workorder.staff"].create(
            {
                "user_id": cls.handler.id,
                "company_id": cls.bureau.id,
                "role": "handler",
                "capacity": 100,
            }
        )
        env["emc.workorder.route"].create(
            {"type_id": cls.wo_type.id, "company_id": cls.bureau.id, "sequence": 1}
        )
        cls.customer_a, cls.user_a = cls._customer("门户测试企业甲", "emc_wo_portal_a")
        cls.customer_b, cls.user_b = cls._customer("门户测试企业乙", "emc_wo_portal_b")

    @classmethod
    def _customer(cls, name, login):
        enterprise = cls.env["res.partner"].create({"name": name, "is_company": True})
        contact = cls.env["res.partner"].create(
            {"name": f"{name}联系人", "parent_id": enterprise.id, "email": f"{login}@example.com"}
        )
        user = new_test_user(
            cls.env,
            login=login,
            password=login,
            groups="base.group_portal",
            partner_id=contact.id,
            # The assertions read the English texts of the pages.
            lang="en_US",
        )
        return enterprise, user

    def _order(self, partner, **vals):
        return self.env["emc.workorder"].create(
            {
                "partner_id": partner.id,
                "company_id": self.bureau.id,
                "channel": "backoffice",
                "requested_type_id": self.wo_type.id,
                "contact_name": "张三",
                "phone": "13800138000",
                "street": "巴州区江北大道1号",
                "description": "我们工厂新建厂房需要接电，请尽快安排。",
                **vals,
            }
        )

    def _order_to_confirm(self, partner):
        """An order at customer confirmation, prepared through the model methods."""
        order = self._order(partner)
        order.action_submit()
        self.assertEqual(order.state, "scheme")
        order.action_upload_scheme(file_content=base64.b64encode(SCHEME_PDF), filename="s.pdf")
        order.action_push_scheme()
        self.assertEqual(order.state, "confirm")
        return order

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _post_request(self, url, files=None, **fields):
        """POST a customer's request form (a new one, or completed for resubmission)."""
        data = {
            "csrf_token": http.Request.csrf_token(self),
            "contact_name": "李四",
            "phone": "13800138000",
            "street": "巴州区回风大道8号",
            "description": "新建车间需要接电，用电容量约500kVA。",
            **fields,
        }
        return self.url_open(url, data=data, files=files)

    def _last_order(self, partner):
        return self.env["emc.workorder"].search(
            [("partner_id", "=", partner.id)], order="id desc", limit=1
        )

    def _events(self, order, event_type):
        return self.env["emc.workorder.event"].search(
            [("workorder_id", "=", order.id), ("event_type", "=", event_type)]
        )

    # ------------------------------------------------------------------
    def test_list_and_access(self):
        own = self._order(self.customer_a)
        other = self._order(self.customer_b)
        self._login(self.user_a)
        res = self.url_open("/my/workorders")
        self.assertEqual(res.status_code, 200)
        self.assertIn(own.name, res.text)
        self.assertNotIn(other.name, res.text)
        for query in ("?sortby=stage", "?sortby=update&filterby=open", "?filterby=closed"):
            res = self.url_open(f"/my/workorders{query}")
            self.assertEqual(res.status_code, 200, query)
        res = self.url_open("/my/workorders?filterby=closed")
        self.assertNotIn(own.name, res.text)

        res = self.url_open(f"/my/workorders/{own.id}")
        self.assertEqual(res.status_code, 200)
        self.assertIn(own.name, res.text)
        res = self.url_open(f"/my/workorders/{other.id}", allow_redirects=False)
        self.assertIn(res.status_code, (302, 303))
        self.assertNotIn(other.name, res.text)

        res = self.url_open("/my/home")
        self.assertEqual(res.status_code, 200)
        self.assertIn("Service requests", res.text)

    def test_access_token_visitor(self):
        order = self._order(self.customer_a)
        url = order.get_portal_url()
        self.authenticate(None, None)
        res = self.url_open(url)
        self.assertEqual(res.status_code, 200)
        self.assertIn(order.name, res.text)
        res = self.url_open(f"/my/workorders/{order.id}", allow_redirects=False)
        self.assertIn(res.status_code, (302, 303))

    def test_submit_new_request(self):
        self._login(self.user_a)
        res = self.url_open("/my/workorders/new")
        self.assertEqual(res.status_code, 200)
        self.assertIn(self.wo_type.name, res.text)
        res = self._post_request(
            "/my/workorders/new",
            files={"photos": ("site.png", _png(), "image/png")},
            requested_type_id=str(self.wo_type.id),
            city="巴中市",
        )
        self.assertEqual(res.status_code, 200)
        order = self._last_order(self.customer_a)
        self.assertTrue(order)
        self.assertEqual(order.channel, "portal")
        self.assertEqual(order.partner_id, self.customer_a)
        self.assertEqual(order.requested_type_id, self.wo_type)
        self.assertEqual(order.state, "scheme", order.missing_items)
        self.assertFalse(order.missing_items)
        self.assertEqual(order.type_id, self.wo_type)
        self.assertEqual(order.attachment_ids.mapped("name"), ["site.png"])
        self.assertEqual(order.attachment_ids.mimetype, "image/png")
        self.assertEqual(self._events(order, "created").user_id, self.user_a)
        self.assertTrue(self._events(order, "precheck_passed"))
        self.assertEqual(order.company_id, self.bureau)
        self.assertEqual(order.user_id, self.handler)
        self.assertIn(order.name, res.text)

    def test_submit_invalid_phone_is_returned(self):
        self._login(self.user_a)
        res = self._post_request(
            "/my/workorders/new", requested_type_id=str(self.wo_type.id), phone="12345"
        )
        self.assertEqual(res.status_code, 200)
        order = self._last_order(self.customer_a)
        self.assertEqual(order.state, "returned")
        self.assertIn("PORTAL-TEST: invalid mobile phone", order.missing_items)
        self.assertIn("PORTAL-TEST: invalid mobile phone", res.text)

        # an empty description is refused, nothing is written
        res = self._post_request(f"/my/workorders/{order.id}/resubmit", description=" ")
        self.assertIn("Describe your request.", res.text)
        self.env.invalidate_all()
        self.assertEqual((order.state, order.phone), ("returned", "12345"))
        # complete and resubmit
        res = self._post_request(f"/my/workorders/{order.id}/resubmit")
        self.assertEqual(res.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(order.state, "scheme")
        self.assertEqual(order.phone, "13800138000")
        self.assertEqual(self._events(order, "resubmitted").user_id, self.user_a)

    def test_submit_without_description(self):
        self._login(self.user_a)
        count = self.env["emc.workorder"].search_count([])
        res = self.url_open(
            "/my/workorders/new",
            data={"csrf_token": http.Request.csrf_token(self), "description": "  "},
        )
        self.assertEqual(res.status_code, 200)
        self.assertIn("Describe your request.", res.text)
        self.assertEqual(self.env["emc.workorder"].search_count([]), count)

    def test_confirm_with_signature(self):
        order = self._order_to_confirm(self.customer_a)
        signature = base64.b64encode(_png()).decode()
        url = f"/my/workorders/{order.id}/confirm"

        self._login(self.user_b)
        result = self.make_jsonrpc_request(url, {"name": "王五", "signature": signature})
        self.assertEqual(result, {"error": "Invalid work order."})
        self.env.invalidate_all()
        self.assertEqual(order.state, "confirm")

        self._login(self.user_a)
        res = self.url_open(f"/my/workorders/{order.id}")
        self.assertIn("modal_wo_confirm", res.text)
        self.assertIn("portal.signature_form", res.text)
        res = self.url_open(f"/my/workorders/{order.id}/scheme")
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.content, SCHEME_PDF)

        result = self.make_jsonrpc_request(url, {"name": "张三", "signature": ""})
        self.assertEqual(result, {"error": "The signature is missing."})
        result = self.make_jsonrpc_request(url, {"name": " ", "signature": signature})
        self.assertEqual(result, {"error": "Enter the name of the signer."})
        result = self.make_jsonrpc_request(url, {"name": "张三", "signature": signature})
        self.assertTrue(result.get("force_refresh"), result)
        self.assertIn(f"/my/workorders/{order.id}", result["redirect_url"])
        self.env.invalidate_all()
        self.assertEqual(order.state, "survey")
        self.assertTrue(order.signature)
        self.assertEqual(order.signed_by, "张三")
        event = self._events(order, "signature_captured")
        self.assertEqual(event.new_value, "张三")
        self.assertEqual(event.user_id, self.user_a)
        self.assertTrue(self._events(order, "confirmed"))

        # a second confirmation is refused by the model, the answer carries the error
        result = self.make_jsonrpc_request(url, {"name": "张三", "signature": signature})
        self.assertEqual(
            result,
            {
                "error": f"Work order {order.name} is at stage “Site survey”: “Confirm scheme” "
                "is only possible at “Customer confirmation”."
            },
        )

    def test_reject_scheme(self):
        order = self._order_to_confirm(self.customer_a)
        self._login(self.user_a)
        res = self.url_open(
            f"/my/workorders/{order.id}/reject",
            data={"csrf_token": http.Request.csrf_token(self), "reason": "容量需要再核算"},
        )
        self.assertEqual(res.status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(order.state, "scheme")
        self.assertEqual(order.rejection_reason, "容量需要再核算")
        # the scheme under revision is not offered for download
        res = self.url_open(f"/my/workorders/{order.id}/scheme")
        self.assertEqual(res.status_code, 404)
        # not at confirmation any more: the model's error is shown, escaped
        res = self.url_open(
            f"/my/workorders/{order.id}/reject",
            data={"csrf_token": http.Request.csrf_token(self), "reason": "<b>again</b>"},
        )
        self.assertEqual(res.status_code, 200)
        self.assertIn("o_emc_wo_error", res.text)
        self.assertIn(
            f"Work order {order.name} is at stage “Scheme”: “Reject scheme” is only possible "
            "at “Customer confirmation”.",
            res.text,
        )
        self.env.invalidate_all()
        self.assertEqual(order.rejection_reason, "容量需要再核算", "the refused POST wrote nothing")

    def test_rating(self):
        order = self._order(self.customer_a)
        order.action_submit()
        # fast-track to the end: the flow itself is tested elsewhere
        order.sudo().write({"state": "closed"})
        self._login(self.user_a)
        res = self.url_open(f"/my/workorders/{order.id}")
        self.assertIn('name="stars"', res.text)
        res = self.url_open(
            f"/my/workorders/{order.id}/rate",
            data={"csrf_token": http.Request.csrf_token(self), "stars": "4", "comment": "很及时"},
        )
        self.assertEqual(res.status_code, 200)
        self.assertIn("you rated this service", res.text)
        self.env.invalidate_all()
        rating = self.env["rating.rating"].search(
            [
                ("res_model", "=", "emc.workorder"),
                ("res_id", "=", order.id),
                ("consumed", "=", True),
            ]
        )
        self.assertEqual(len(rating), 1)
        self.assertEqual(rating.rating, 4)
        self.assertEqual(rating.feedback, "很及时")
        event = self._events(order, "rated")
        self.assertEqual(event.new_value, "4")
        self.assertEqual(event.user_id, self.user_a)

    def test_rating_out_of_range(self):
        order = self._order(self.customer_a)
        order.sudo().write({"state": "closed"})
        self._login(self.user_a)
        res = self.url_open(
            f"/my/workorders/{order.id}/rate",
            data={"csrf_token": http.Request.csrf_token(self), "stars": "9"},
        )
        self.assertEqual(res.status_code, 200)
        self.assertIn("o_emc_wo_error", res.text)
        self.assertIn("A rating is between 1 and 5 stars.", res.text)
        self.assertFalse(self._events(order, "rated"))
        res = self.url_open(
            f"/my/workorders/{order.id}/rate",
            data={"csrf_token": http.Request.csrf_token(self), "stars": "many"},
        )
        self.assertIn("Choose from 1 to 5 stars.", res.text)
        self.assertFalse(self._events(order, "rated"))

    def test_timeline(self):
        order = self._order(self.customer_a)
        order.action_submit()
        self._login(self.user_a)
        res = self.url_open(f"/my/workorders/{order.id}")
        self.assertEqual(res.status_code, 200)
        self.assertIn("o_emc_wo_timeline", res.text)
        for label in ("Created", "Submitted", "Pre-check passed"):
            self.assertIn(label, res.text)

    # ------------------------------------------------------------------
    # Input is checked, never silently changed
    # ------------------------------------------------------------------
    def test_disguised_upload_is_refused_and_the_form_kept(self):
        self._login(self.user_a)
        count = self.env["emc.workorder"].search_count([])
        page = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
        res = self._post_request(
            "/my/workorders/new",
            files={"photos": ("site.jpg", page, "image/jpeg")},
            requested_type_id=str(self.wo_type.id),
            description="配电房照片见附件，申请新装变压器接电。",
        )
        self.assertEqual(res.status_code, 200)
        self.assertIn(
            "“site.jpg” was refused: its content is a web page (HTML), not one of the "
            "photos or videos accepted here.",
            res.text,
        )
        self.assertIn("配电房照片见附件，申请新装变压器接电。", res.text)
        self.assertIn('value="李四"', res.text)
        self.assertEqual(self.env["emc.workorder"].search_count([]), count)

    def test_overlong_description_is_refused_and_kept_whole(self):
        self._login(self.user_a)
        count = self.env["emc.workorder"].search_count([])
        text = "接" * 4990 + "电容量核算请尽快安排现场"
        self.assertEqual(len(text), 5002)
        res = self._post_request("/my/workorders/new", description=text)
        self.assertEqual(res.status_code, 200)
        self.assertIn(
            "“Description” can hold at most 5000 characters; 5002 were entered.", res.text
        )
        self.assertIn(text, res.text, "everything the customer typed is shown again")
        self.assertEqual(self.env["emc.workorder"].search_count([]), count)

    def test_resubmission_too_long_keeps_what_was_typed(self):
        order = self._order(self.customer_a, phone="12345")
        order.action_submit()
        self.assertEqual(order.state, "returned")
        self._login(self.user_a)
        street = "巴州区" + "很长的地址" * 60
        res = self._post_request(
            f"/my/workorders/{order.id}/resubmit", street=street, contact_name="王五"
        )
        self.assertEqual(res.status_code, 200)
        self.assertIn("“Address” can hold at most 250 characters", res.text)
        self.assertIn(f'value="{street}"', res.text)
        self.assertIn('value="王五"', res.text)
        self.env.invalidate_all()
        self.assertEqual((order.state, order.contact_name), ("returned", "张三"))

    def test_rejection_reason_too_long_keeps_the_text(self):
        order = self._order_to_confirm(self.customer_a)
        self._login(self.user_a)
        reason = "容量核算有误，" * 300
        res = self.url_open(
            f"/my/workorders/{order.id}/reject",
            data={"csrf_token": http.Request.csrf_token(self), "reason": reason},
        )
        self.assertEqual(res.status_code, 200)
        self.assertIn("“Reason for rejection” can hold at most 2000 characters", res.text)
        self.assertIn("o_emc_wo_reject_kept", res.text)
        self.assertIn(reason.strip(), res.text)
        self.env.invalidate_all()
        self.assertEqual(order.state, "confirm")
        self.assertFalse(self._events(order, "rejected"))

    def test_rating_comment_too_long_keeps_stars_and_text(self):
        order = self._order(self.customer_a)
        order.sudo().write({"state": "closed"})
        self._login(self.user_a)
        comment = "服务很好。" * 500
        res = self.url_open(
            f"/my/workorders/{order.id}/rate",
            data={"csrf_token": http.Request.csrf_token(self), "stars": "4", "comment": comment},
        )
        self.assertIn("“Comment” can hold at most 2000 characters; 2500 were entered.", res.text)
        self.assertIn(comment, res.text)
        self.assertIn('id="wo_star_4" value="4" checked="checked"', res.text)
        self.assertFalse(self._events(order, "rated"))

    def test_signer_name_too_long(self):
        order = self._order_to_confirm(self.customer_a)
        self._login(self.user_a)
        result = self.make_jsonrpc_request(
            f"/my/workorders/{order.id}/confirm",
            {"name": "王" * 101, "signature": base64.b64encode(_png()).decode()},
        )
        self.assertEqual(
            result["error"],
            "“Signer” can hold at most 100 characters; 101 were entered. "
            "Shorten it and send it again.",
        )
        self.env.invalidate_all()
        self.assertEqual(order.state, "confirm")

    def test_evidence_package_for_the_customer_only(self):
        own = self._order(self.customer_a)
        own.action_submit()
        other = self._order(self.customer_b)
        self._login(self.user_a)
        res = self.url_open(f"/my/workorders/{own.id}")
        self.assertIn(f"/my/workorders/{own.id}/evidence", res.text)
        res = self.url_open(f"/my/workorders/{own.id}/evidence")
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers["Content-Type"], "application/zip")
        with zipfile.ZipFile(io.BytesIO(res.content)) as archive:
            manifest = json.loads(archive.read("package.json"))
            events = [json.loads(line) for line in archive.read("events.jsonl").splitlines()]
        self.assertEqual(manifest["kind"], "order")
        self.assertEqual(manifest["scope"]["workorder"], own.name)
        self.assertEqual({e["id"] for e in events}, set(own.event_ids.ids))
        res = self.url_open(f"/my/workorders/{other.id}/evidence", allow_redirects=False)
        self.assertIn(res.status_code, (302, 303))
        self.assertNotIn("application/zip", res.headers.get("Content-Type", ""))
