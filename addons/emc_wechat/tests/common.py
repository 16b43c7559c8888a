import base64
import io
import json

from PIL import Image

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .fake_wechat import APPID, SECRET, FakeWechat

SCHEME_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MP = "/api/v1/mp"
INTEGRATOR = "/api/v1/integrator"


def png(width=40, height=20):
    buf = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buf, format="PNG")
    return buf.getvalue()


@tagged("post_install", "-at_install")
class ApiCase(HttpCase):
    """The REST API through Odoo's HTTP stack, against a fake WeChat on loopback.

    A service desk of its own (organisation, type, pre-check rules, area,
    handler, route), two customer enterprises with a portal user each, and a
    second organisation for the integrator's isolation.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["res.lang"]._activate_lang("en_US")
        cls.wechat = FakeWechat().start()
        cls.addClassCleanup(cls.wechat.stop)
        icp = env["ir.config_parameter"].sudo()
        for key, value in {
            "emc_wechat.appid": APPID,
            "emc_wechat.secret": SECRET,
            "emc_wechat.base_url": cls.wechat.base_url,
            "emc_wechat.timeout": "5",
            "emc_wechat.rate_token": "1000",
            "emc_wechat.rate_ip": "10000",
        }.items():
            icp.set_param(key, value)
        icp.set_param("emc_wechat.access_token", "")
        endpoints = env.ref("emc_wechat.fastapi_endpoint_mp") | env.ref(
            "emc_wechat.fastapi_endpoint_integrator"
        )
        endpoints._handle_registry_sync()

        cls.bureau = env["res.company"].create(
            {"name": "接口测试供电局", "emc_wo_role": "power_bureau", "sequence": -100}
        )
        cls.other_company = env["res.company"].create({"name": "接口测试能源公司"})
        env["emc.workorder.type"].search([]).active = False
        rules = env["emc.workorder.precheck.rule"].create(
            [
                {
                    "name": "API test: contact",
                    "rule_type": "required_field",
                    "field_name": "contact_name",
                    "message": "API-TEST: contact missing",
                },
                {
                    "name": "API test: phone",
                    "rule_type": "valid_phone",
                    "message": "API-TEST: invalid mobile phone",
                },
                {
                    "name": "API test: area",
                    "rule_type": "service_area",
                    "message": "API-TEST: outside the service area",
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
                "name": "接口测试接电",
                "code": "T_API",
                "org_role": "power_bureau",
                "scheme_level": "preliminary",
                "precheck_rule_ids": [Command.set(rules.ids)],
                "sla_ids": [Command.create({"stage": s, "hours": h}) for s, h in sla],
                "keyword_ids": [Command.create({"keyword": "接电", "weight": 5})],
            }
        )
        env["emc.service.area"].create(
            {"name": "接口测试区域", "sequence": 1, "keywords": "巴州区"}
        )
        cls.handler = new_test_user(
            env,
            login="emc_api_handler",
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
        cls.customer_a, cls.user_a = cls._customer("接口测试企业甲", "emc_api_a")
        cls.customer_b, cls.user_b = cls._customer("接口测试企业乙", "emc_api_b")

    @classmethod
    def _customer(cls, name, login):
        enterprise = cls.env["res.partner"].create({"name": name, "is_company": True})
        contact = cls.env["res.partner"].create(
            {"name": f"{name}联系人", "parent_id": enterprise.id, "email": f"{login}@example.com"}
        )
        user = new_test_user(
            cls.env,
            login=login,
            groups="base.group_portal",
            partner_id=contact.id,
            company_id=cls.bureau.id,
            company_ids=[Command.set(cls.bureau.ids)],
            lang="en_US",
        )
        return enterprise, user

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def token(self, user):
        _record, access, _refresh, _ttl = self.env["emc.wechat.token"]._issue(user)
        return access

    def call(self, method, path, token=None, json_body=None, headers=None, **kw):
        headers = dict(headers or {})
        headers.setdefault("Accept-Language", "en-US")
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if json_body is not None:
            kw["data"] = json.dumps(json_body)
            headers["Content-Type"] = "application/json"
        return self.opener.request(
            method, self.base_url() + path, headers=headers, timeout=60, **kw
        )

    def assertError(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        body = response.json()
        self.assertEqual(body["code"], code, body)
        self.assertTrue(body["message"])
        return body

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
        order = self._order(partner)
        order.action_submit()
        self.assertEqual(order.state, "scheme")
        order.action_upload_scheme(file_content=base64.b64encode(SCHEME_PDF), filename="s.pdf")
        order.action_push_scheme()
        self.assertEqual(order.state, "confirm")
        return order
