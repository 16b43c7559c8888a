import time
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import MP, ApiCase, png


@tagged("post_install", "-at_install")
class TestApiAuth(ApiCase):
    """Login through code2Session, the token's life, phone binding, limits."""

    def _fresh_window(self):
        """Wait for a new minute when the current one is about to end (fixed windows)."""
        left = 60 - time.time() % 60
        if left < 10:
            time.sleep(left + 0.1)

    def _login(self, code="login-1", openid="oOPENID_A1"):
        self.wechat.sessions[code] = openid
        return self.call("POST", f"{MP}/auth/login", json_body={"code": code})

    def test_first_login_creates_portal_user_and_never_leaks_session_key(self):
        response = self._login()
        self.assertEqual(response.status_code, 200, response.text)
        body = response.json()
        self.assertNotIn("SK-oOPENID_A1", response.text)
        self.assertNotIn("session_key", response.text)
        self.assertTrue(body["access_token"].startswith("mpa_"))
        self.assertTrue(body["refresh_token"].startswith("mpr_"))
        self.assertEqual(body["token_type"], "Bearer")
        partner = self.env["res.partner"].search([("wechat_openid", "=", "oOPENID_A1")])
        self.assertEqual(len(partner), 1)
        user = self.env["res.users"].search([("partner_id", "=", partner.id)])
        self.assertTrue(user.share, "a portal user")
        self.assertEqual(user.company_id, self.bureau)
        token = self.env["emc.wechat.token"].search([("user_id", "=", user.id)])
        # Only digests are stored; the session key stays on the server.
        self.assertNotEqual(token.access_hash, body["access_token"])
        self.assertEqual(len(token.access_hash), 64)
        self.assertEqual(token.session_key, "SK-oOPENID_A1")
        # The same openid logs in again as the same user.
        again = self._login(code="login-2").json()
        self.assertEqual(again["profile"]["id"], body["profile"]["id"])
        self.assertEqual(
            self.env["res.partner"].search_count([("wechat_openid", "=", "oOPENID_A1")]), 1
        )
        me = self.call("GET", f"{MP}/me", token=body["access_token"])
        self.assertEqual(me.status_code, 200, me.text)
        self.assertEqual(me.json()["id"], partner.id)

    def test_login_matches_an_existing_customer_by_openid(self):
        self.user_a.partner_id.wechat_openid = "oKNOWN"
        body = self._login(code="login-known", openid="oKNOWN").json()
        self.assertEqual(body["profile"]["id"], self.user_a.partner_id.id)
        self.assertEqual(body["profile"]["enterprise"], self.customer_a.name)

    def test_wechat_error_codes(self):
        tokens = self.env["emc.wechat.token"].search_count([])
        for code, status, api_code in (
            ("code-invalid", 400, "wechat_code_invalid"),
            ("code-rate", 429, "wechat_rate_limited"),
            ("code-busy", 503, "wechat_unavailable"),
            ("never-issued", 400, "wechat_code_invalid"),
        ):
            response = self.call("POST", f"{MP}/auth/login", json_body={"code": code})
            self.assertError(response, status, api_code)
        self.assertEqual(self.env["emc.wechat.token"].search_count([]), tokens)

    def test_login_input_is_validated(self):
        self.assertError(
            self.call("POST", f"{MP}/auth/login", json_body={"code": "x", "openid": "forged"}),
            422,
            "invalid_input",
        )
        self.assertError(self.call("POST", f"{MP}/auth/login", json_body={}), 422, "invalid_input")
        self.assertError(
            self.call("POST", f"{MP}/auth/login", json_body={"code": "x" * 500}),
            422,
            "invalid_input",
        )

    def test_invalid_json_body(self):
        # Found by schemathesis: an undecodable body could leave the call unanswered.
        for raw in (b"U", b"\x00", b'{"code": '):
            response = self.call(
                "POST",
                f"{MP}/auth/login",
                data=raw,
                headers={"Content-Type": "application/json"},
            )
            self.assertError(response, 422, "invalid_input")

    def test_no_or_bad_token(self):
        self.assertError(self.call("GET", f"{MP}/me"), 401, "unauthorized")
        self.assertError(self.call("GET", f"{MP}/me", token="mpa_forged"), 401, "unauthorized")
        self.assertError(self.call("GET", f"{MP}/me", token="x" * 400), 401, "unauthorized")

    def test_unreadable_accept_language_is_ignored(self):
        # Found by schemathesis: the language parser failed the whole call.
        token = self.token(self.user_a)
        response = self.call(
            "GET", f"{MP}/me", token=token, headers={"Accept-Language": "tb;q=x'y"}
        )
        self.assertEqual(response.status_code, 200, response.text)

    def test_expiry(self):
        token = self.token(self.user_a)
        self.assertEqual(self.call("GET", f"{MP}/me", token=token).status_code, 200)
        record = self.env["emc.wechat.token"].search([("user_id", "=", self.user_a.id)])
        record.date_expire = fields.Datetime.now() - timedelta(seconds=1)
        self.assertError(self.call("GET", f"{MP}/me", token=token), 401, "unauthorized")

    def test_refresh_rotates_the_pair(self):
        body = self._login(code="login-r", openid="oREFRESH").json()
        response = self.call(
            "POST", f"{MP}/auth/refresh", json_body={"refresh_token": body["refresh_token"]}
        )
        self.assertEqual(response.status_code, 200, response.text)
        new = response.json()
        self.assertNotEqual(new["access_token"], body["access_token"])
        # The old pair stops working; the new access token works.
        self.assertError(
            self.call("GET", f"{MP}/me", token=body["access_token"]), 401, "unauthorized"
        )
        self.assertError(
            self.call(
                "POST", f"{MP}/auth/refresh", json_body={"refresh_token": body["refresh_token"]}
            ),
            401,
            "refresh_invalid",
        )
        self.assertEqual(self.call("GET", f"{MP}/me", token=new["access_token"]).status_code, 200)
        # The session key follows the session.
        tokens = self.env["emc.wechat.token"].search(
            [("user_id.partner_id.wechat_openid", "=", "oREFRESH")]
        )
        self.assertEqual(set(tokens.mapped("session_key")), {"SK-oREFRESH"})

    def test_refresh_expired_or_access_token_refused(self):
        body = self._login(code="login-e", openid="oEXPIRED").json()
        self.assertError(
            self.call(
                "POST", f"{MP}/auth/refresh", json_body={"refresh_token": body["access_token"]}
            ),
            401,
            "refresh_invalid",
        )
        self.env["emc.wechat.token"].search(
            [("user_id.partner_id.wechat_openid", "=", "oEXPIRED")]
        ).date_refresh_expire = fields.Datetime.now() - timedelta(seconds=1)
        self.assertError(
            self.call(
                "POST", f"{MP}/auth/refresh", json_body={"refresh_token": body["refresh_token"]}
            ),
            401,
            "refresh_invalid",
        )

    def test_logout_and_admin_revoke(self):
        body = self._login(code="login-l", openid="oLOGOUT").json()
        response = self.call("POST", f"{MP}/auth/logout", token=body["access_token"])
        self.assertEqual(response.status_code, 204, response.text)
        self.assertError(
            self.call("GET", f"{MP}/me", token=body["access_token"]), 401, "unauthorized"
        )
        self.assertError(
            self.call(
                "POST", f"{MP}/auth/refresh", json_body={"refresh_token": body["refresh_token"]}
            ),
            401,
            "refresh_invalid",
        )
        token = self.token(self.user_b)
        self.assertEqual(self.call("GET", f"{MP}/me", token=token).status_code, 200)
        record = self.env["emc.wechat.token"].search(
            [("user_id", "=", self.user_b.id), ("revoked", "=", False)]
        )
        record.action_revoke()
        self.assertTrue(record.date_revoked)
        self.assertError(self.call("GET", f"{MP}/me", token=token), 401, "unauthorized")

    def test_phone_binding_normalised_to_e164(self):
        token = self.token(self.user_a)
        self.wechat.phones["phone-1"] = ("13912345678", "86")
        # A stale cached access token is refreshed once and the call retried.
        self.env["ir.config_parameter"].sudo().set_param("emc_wechat.access_token", "stale")
        self.env["ir.config_parameter"].sudo().set_param(
            "emc_wechat.access_token_expires", "9999999999"
        )
        response = self.call("POST", f"{MP}/auth/phone", token=token, json_body={"code": "phone-1"})
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["phone"], "+8613912345678")
        self.assertTrue(response.json()["phone_bound"])
        self.assertEqual(self.user_a.partner_id.mobile, "+8613912345678")
        self.assertError(
            self.call("POST", f"{MP}/auth/phone", token=token, json_body={"code": "unknown"}),
            400,
            "wechat_code_invalid",
        )
        self.assertError(
            self.call("POST", f"{MP}/auth/phone", token=token, json_body={"code": "code-busy"}),
            503,
            "wechat_unavailable",
        )
        self.wechat.phones["phone-bad"] = ("12", "86")
        self.assertError(
            self.call("POST", f"{MP}/auth/phone", token=token, json_body={"code": "phone-bad"}),
            400,
            "phone_invalid",
        )

    def test_rate_limit_per_token(self):
        self.env["ir.config_parameter"].sudo().set_param("emc_wechat.rate_token", "3")
        self._fresh_window()
        token = self.token(self.user_a)
        for _i in range(3):
            self.assertEqual(self.call("GET", f"{MP}/me", token=token).status_code, 200)
        response = self.call("GET", f"{MP}/me", token=token)
        self.assertError(response, 429, "rate_limited")
        retry = int(response.headers["Retry-After"])
        self.assertTrue(1 <= retry <= 60)
        # Another customer's token has its own counter.
        self.assertEqual(
            self.call("GET", f"{MP}/me", token=self.token(self.user_b)).status_code, 200
        )

    def test_rate_limit_per_ip(self):
        self.env["ir.config_parameter"].sudo().set_param("emc_wechat.rate_ip", "2")
        self._fresh_window()
        self.call("GET", f"{MP}/me", token=self.token(self.user_a))
        self.call("GET", f"{MP}/me", token=self.token(self.user_b))
        response = self.call("POST", f"{MP}/auth/login", json_body={"code": "code-invalid"})
        self.assertError(response, 429, "rate_limited")
        self.assertIn("Retry-After", response.headers)

    def test_request_size_limit(self):
        self.env["ir.config_parameter"].sudo().set_param("emc_wechat.max_request_mb", "1")
        token = self.token(self.user_a)
        big = png() + b"\0" * (1024 * 1024 + 10)
        response = self.call(
            "POST",
            f"{MP}/workorders",
            token=token,
            data={"description": "巴州区接电"},
            files=[("photos", ("big.png", big, "image/png"))],
        )
        self.assertError(response, 413, "too_large")
        self.assertFalse(
            self.env["emc.workorder"].search([("partner_id", "=", self.customer_a.id)])
        )

    def test_openapi_document(self):
        response = self.call("GET", f"{MP}/openapi.json")
        self.assertEqual(response.status_code, 200, response.text)
        doc = response.json()
        self.assertEqual(doc["info"]["title"], "能源服务小程序接口")
        self.assertIn("/auth/login", doc["paths"])
        self.assertIn("/workorders/{order_id}/confirm", doc["paths"])
        schema = doc["components"]["schemas"]["CodeIn"]
        self.assertFalse(schema["additionalProperties"])
        integrator = self.call("GET", "/api/v1/integrator/openapi.json").json()
        self.assertEqual(integrator["info"]["title"], "能源服务集成接口")
        self.assertIn("/readings", integrator["paths"])
        self.assertError(self.call("GET", f"{MP}/no-such-path"), 404, "not_found")
