from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import INTEGRATOR, ApiCase

GROUPS = "emc_workorder.group_wo_dept_admin,emc_project.group_emc_manager"


@tagged("post_install", "-at_install")
class TestApiIntegrator(ApiCase):
    """Integrator keys: scoped to their organisation and their scopes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.int_user = new_test_user(
            env,
            login="emc_api_integrator",
            groups=GROUPS,
            company_id=cls.bureau.id,
            company_ids=[Command.set((cls.bureau | cls.other_company).ids)],
        )
        cls.key = env["emc.wechat.api.key"].create(
            {"name": "采集平台", "company_id": cls.bureau.id, "user_id": cls.int_user.id}
        )
        cls.secret = cls.key._generate()
        cls.read_only = env["emc.wechat.api.key"].create(
            {
                "name": "只读",
                "company_id": cls.bureau.id,
                "user_id": cls.int_user.id,
                "scopes": "workorders:read",
            }
        )
        cls.read_only_secret = cls.read_only._generate()
        dtsu666 = env.ref("emc_metering.device_model_chint_dtsu666")
        Site, Meter = env["emc.site"], env["emc.meter"]
        site = Site.create(
            {"name": "集成测试厂区", "partner_id": cls.customer_a.id, "company_id": cls.bureau.id}
        )
        other_site = Site.create(
            {
                "name": "他司厂区",
                "partner_id": cls.customer_b.id,
                "company_id": cls.other_company.id,
            }
        )
        cls.meter = Meter.create(
            {
                "name": "总进线",
                "code": "API-M1",
                "site_id": site.id,
                "company_id": cls.bureau.id,
                "device_model_id": dtsu666.id,
                "unit_id": 1,
            }
        )
        cls.other_meter = Meter.create(
            {
                "name": "他司总表",
                "code": "API-M2",
                "site_id": other_site.id,
                "company_id": cls.other_company.id,
                "device_model_id": dtsu666.id,
                "unit_id": 1,
            }
        )
        cls.channel_code = cls.meter.main_channel_id.code
        Project = env["emc.project"]
        cls.project = Project.create(
            {"name": "集成测试项目", "partner_id": cls.customer_a.id, "company_id": cls.bureau.id}
        )
        cls.other_project = Project.create(
            {
                "name": "他司项目",
                "partner_id": cls.customer_b.id,
                "company_id": cls.other_company.id,
            }
        )
        Contract = env["emc.contract"]
        cls.contract = Contract.create(
            {"title": "集成测试合同", "partner_id": cls.customer_a.id, "company_id": cls.bureau.id}
        )
        cls.other_contract = Contract.create(
            {
                "title": "他司合同",
                "partner_id": cls.customer_b.id,
                "company_id": cls.other_company.id,
            }
        )

    def api(self, method, path, secret=None, header="X-API-Key", **kw):
        headers = {}
        secret = self.secret if secret is None else secret
        if secret:
            headers[header] = secret if header == "X-API-Key" else f"Bearer {secret}"
        return self.call(method, INTEGRATOR + path, headers=headers, **kw)

    def test_key_is_required_valid_and_hashed(self):
        self.assertError(self.api("GET", "/workorders", secret=""), 401, "unauthorized")
        self.assertError(self.api("GET", "/workorders", secret="emck_forged"), 401, "unauthorized")
        self.assertNotEqual(self.key.key_hash, self.secret)
        self.assertEqual(len(self.key.key_hash), 64)
        # Both headers work; a new key replaces the old one.
        self.assertEqual(self.api("GET", "/whoami", header="Authorization").status_code, 200)
        old = self.secret
        new = self.key._generate()
        self.assertError(self.api("GET", "/whoami", secret=old), 401, "unauthorized")
        self.assertEqual(
            self.api("GET", "/whoami", secret=new).json()["scopes"][0], "contracts:read"
        )
        self.key.active = False
        self.assertError(self.api("GET", "/whoami", secret=new), 401, "unauthorized")

    def test_key_configuration_is_checked(self):
        Key = self.env["emc.wechat.api.key"]
        with self.assertRaisesRegex(ValidationError, "Unknown scopes"):
            Key.create(
                {
                    "name": "x",
                    "company_id": self.bureau.id,
                    "user_id": self.int_user.id,
                    "scopes": "workorders:read everything",
                }
            )
        with self.assertRaisesRegex(ValidationError, "must be an internal user"):
            Key.create({"name": "x", "company_id": self.bureau.id, "user_id": self.user_a.id})

    def test_a_customer_token_is_no_integrator_key(self):
        token = self.token(self.user_a)
        self.assertError(
            self.api("GET", "/workorders", secret=token, header="Authorization"),
            401,
            "unauthorized",
        )

    def test_scopes(self):
        self.assertEqual(
            self.api("GET", "/workorders", secret=self.read_only_secret).status_code, 200
        )
        for method, path, body in (
            ("GET", "/projects", None),
            ("GET", "/meters", None),
            ("GET", "/contracts", None),
            ("POST", "/readings", {"readings": []}),
            ("POST", "/workorders", {"partner_id": 1, "description": "x"}),
        ):
            with self.subTest(path=path):
                self.assertError(
                    self.api(method, path, secret=self.read_only_secret, json_body=body),
                    403,
                    "scope_missing",
                )

    def test_workorders_of_its_organisation_only(self):
        mine = self._order(self.customer_a)
        theirs = self._order(self.customer_b, company_id=self.other_company.id)
        page = self.api("GET", "/workorders").json()
        ids = [item["id"] for item in page["items"]]
        self.assertIn(mine.id, ids)
        self.assertNotIn(theirs.id, ids)
        self.assertEqual(page["total"], len(ids))
        self.assertEqual(self.api("GET", f"/workorders/{mine.id}").json()["name"], mine.name)
        self.assertError(self.api("GET", f"/workorders/{theirs.id}"), 404, "not_found")

    def test_create_workorder(self):
        body = {
            "partner_id": self.customer_a.id,
            "description": "客户来电：新厂房申请接电",
            "contact_name": "赵工",
            "phone": "13800138000",
            "street": "巴州区江北大道1号",
            "requested_type_code": "T_API",
        }
        self.assertError(
            self.api("POST", "/workorders", json_body={**body, "state": "closed"}),
            422,
            "invalid_input",
        )
        self.assertError(
            self.api("POST", "/workorders", json_body={**body, "requested_type_code": "NOPE"}),
            422,
            "invalid_input",
        )
        response = self.api("POST", "/workorders", json_body=body)
        self.assertEqual(response.status_code, 201, response.text)
        order = self.env["emc.workorder"].browse(response.json()["id"])
        self.assertEqual(order.company_id, self.bureau)
        self.assertEqual(order.create_uid, self.int_user)
        self.assertEqual(
            order.event_ids.sorted("id")[:2].mapped("event_type"), ["created", "submitted"]
        )

    def test_projects_and_contracts(self):
        page = self.api("GET", "/projects").json()
        ids = [p["id"] for p in page["items"]]
        self.assertIn(self.project.id, ids)
        self.assertNotIn(self.other_project.id, ids)
        self.assertEqual(self.api("GET", f"/projects/{self.project.id}").status_code, 200)
        self.assertError(self.api("GET", f"/projects/{self.other_project.id}"), 404, "not_found")
        ids = [c["id"] for c in self.api("GET", "/contracts").json()["items"]]
        self.assertIn(self.contract.id, ids)
        self.assertNotIn(self.other_contract.id, ids)
        self.assertEqual(
            self.api("GET", f"/contracts/{self.contract.id}").json()["title"], "集成测试合同"
        )
        self.assertError(self.api("GET", f"/contracts/{self.other_contract.id}"), 404, "not_found")

    def test_meters_and_readings_push_idempotent(self):
        codes = [m["code"] for m in self.api("GET", "/meters").json()["items"]]
        self.assertIn("API-M1", codes)
        self.assertNotIn("API-M2", codes)
        rows = [
            {
                "meter_code": "API-M1",
                "channel": self.channel_code,
                "ts": f"2026-11-01T0{h}:00:00Z",
                "value": 100.0 + h,
            }
            for h in range(4)
        ]
        bad = [
            {
                "meter_code": "API-M2",
                "channel": self.channel_code,
                "ts": "2026-11-01T00:00:00Z",
                "value": 1.0,
            },
            {
                "meter_code": "API-M1",
                "channel": "no_such_channel",
                "ts": "2026-11-01T00:00:00Z",
                "value": 1.0,
            },
        ]
        response = self.api("POST", "/readings", json_body={"readings": rows + bad})
        self.assertEqual(response.status_code, 200, response.text)
        result = response.json()
        self.assertEqual(result["received"], 6)
        self.assertEqual(result["inserted"], 4)
        self.assertEqual(result["rejected"], 2)
        self.assertEqual(
            [(e["index"], e["code"]) for e in result["errors"]],
            [(4, "unknown_meter"), (5, "unknown_channel")],
        )
        # Sent again: nothing new is stored.
        again = self.api("POST", "/readings", json_body={"readings": rows}).json()
        self.assertEqual((again["inserted"], again["duplicates"]), (0, 4))
        stored = self.api("GET", "/readings?meter_code=API-M1&limit=2").json()
        self.assertEqual(stored["total"], 4)
        self.assertEqual([r["value"] for r in stored["items"]], [100.0, 101.0])
        self.assertError(self.api("GET", "/readings?meter_code=API-M2"), 404, "not_found")
        # A malformed row refuses the whole request before anything is stored.
        self.assertError(
            self.api(
                "POST",
                "/readings",
                json_body={"readings": [{**rows[0], "ts": "yesterday"}]},
            ),
            422,
            "invalid_input",
        )
        self.assertError(
            self.api("POST", "/readings", json_body={"readings": [{**rows[0], "extra": 1}]}),
            422,
            "invalid_input",
        )

    def test_pushed_readings_reach_the_customers_consumption(self):
        rows = [
            {
                "meter_code": "API-M1",
                "channel": self.channel_code,
                "ts": f"2026-11-01T0{h}:00:00Z",
                "value": 100.0 + 2 * h,
            }
            for h in range(4)
        ]
        self.assertEqual(
            self.api("POST", "/readings", json_body={"readings": rows}).status_code, 200
        )
        self.env["emc.meter.reading"]._refresh_rollups()
        site = self.meter.site_id
        response = self.call(
            "GET", f"/api/v1/mp/sites/{site.id}/consumption", token=self.token(self.user_a)
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual([(m["month"], m["quantity"]) for m in response.json()], [("2026-11", 6.0)])
        # The other enterprise does not see this site.
        self.assertError(
            self.call(
                "GET", f"/api/v1/mp/sites/{site.id}/consumption", token=self.token(self.user_b)
            ),
            404,
            "not_found",
        )
