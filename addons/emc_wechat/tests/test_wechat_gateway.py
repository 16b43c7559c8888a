import threading
import uuid

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.sql_db import db_connect
from odoo.tests import tagged

from ..models.emc_wechat_gateway import WechatGatewayError
from .notify_common import APPID, NotifyCase


@tagged("post_install", "-at_install")
class TestWechatGateway(NotifyCase):
    """The stable access token, its cache and refresh, and the WeChat error codes."""

    def test_token_fetched_once_and_cached_with_expiry(self):
        gateway = self.env["emc.wechat.gateway"]
        token = gateway._get_access_token()
        self.assertEqual(gateway._get_access_token(), token)
        self.assertEqual(self.wechat.token_calls, 1)
        cache = self.env["emc.wechat.token.cache"].sudo().search([("appid", "=", APPID)])
        self.assertEqual(cache.access_token, token)
        remaining = (cache.date_expire - fields.Datetime.now()).total_seconds()
        self.assertAlmostEqual(remaining, 7200, delta=60)
        self.assertEqual(cache.refresh_count, 1)

    def test_expired_cache_is_refreshed(self):
        gateway = self.env["emc.wechat.gateway"]
        gateway._get_access_token()
        cache = self.env["emc.wechat.token.cache"].sudo().search([("appid", "=", APPID)])
        # Within the 5-minute margin: renewed before WeChat would refuse it.
        cache.date_expire = fields.Datetime.now()
        gateway._get_access_token()
        self.assertEqual(self.wechat.token_calls, 2)

    def test_invalid_token_refreshed_and_call_retried_once(self):
        gateway = self.env["emc.wechat.gateway"]
        old = gateway._get_access_token()
        self.wechat.revoke_token()  # the cached token is now refused with 40001
        msgid = gateway._send_subscribe_message("oOPENID", "TPL", {"thing1": "x"})
        self.assertTrue(msgid)
        self.assertEqual(len(self.wechat.sent), 1)
        self.assertEqual(self.wechat.token_calls, 2)
        # Forced: WeChat refused the very token we held.
        self.assertTrue(self.wechat.requests[-2][3].find(b'"force_refresh": true') >= 0)
        self.assertNotEqual(gateway._get_access_token(), old)

    def test_expired_token_42001_refreshed(self):
        gateway = self.env["emc.wechat.gateway"]
        token = gateway._get_access_token()
        self.wechat.expired.add(token)
        self.wechat.revoke_token()
        gateway._send_subscribe_message("oOPENID", "TPL", {"thing1": "x"})
        self.assertEqual(len(self.wechat.sent), 1)
        self.assertEqual(self.wechat.token_calls, 2)

    def test_invalid_token_retried_only_once(self):
        self.wechat.send_errors = [40001, 40001, 40001]
        with self.assertRaises(WechatGatewayError) as caught:
            self.env["emc.wechat.gateway"]._send_subscribe_message(
                "oOPENID", "TPL", {"thing1": "x"}
            )
        self.assertEqual(caught.exception.errcode, 40001)
        self.assertEqual(self.wechat.token_calls, 2)
        self.assertEqual(self.wechat.send_errors, [40001])

    def test_refused_subscription_and_other_errors(self):
        gateway = self.env["emc.wechat.gateway"]
        self.wechat.send_errors = [43101, 47003]
        with self.assertRaises(WechatGatewayError) as caught:
            gateway._send_subscribe_message("oOPENID", "TPL", {"thing1": "x"})
        self.assertTrue(caught.exception.refused)
        self.assertFalse(caught.exception.transient)
        with self.assertRaises(WechatGatewayError) as caught:
            gateway._send_subscribe_message("oOPENID", "TPL", {"thing1": "x"})
        self.assertEqual(caught.exception.errcode, 47003)
        self.assertFalse(caught.exception.refused)

    def test_wrong_secret(self):
        self.env["ir.config_parameter"].sudo().set_param("emc_wechat.secret", "wrong")
        with self.assertRaises(WechatGatewayError) as caught:
            self.env["emc.wechat.gateway"]._get_access_token()
        self.assertEqual(caught.exception.errcode, 40125)

    def test_unreachable_is_transient(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "emc_wechat.base_url", "http://127.0.0.1:9"
        )
        with self.assertRaises(WechatGatewayError) as caught:
            self.env["emc.wechat.gateway"]._get_access_token()
        self.assertIsNone(caught.exception.errcode)
        self.assertTrue(caught.exception.transient)

    def test_content_check(self):
        gateway = self.env["emc.wechat.gateway"]
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param("emc_wechat.msg_sec_check", "False")
        self.assertTrue(gateway._check_text("网上赌博", "oOPENID"))
        self.assertFalse(self.wechat.requests)
        icp.set_param("emc_wechat.msg_sec_check", "True")
        self.assertTrue(gateway._check_text("变压器需要增容", "oOPENID"))
        with self.assertRaisesRegex(UserError, "content check"):
            gateway._check_text("网上赌博", "oOPENID")

    def test_single_refresher_under_concurrency(self):
        """Two workers find no token at once: one asks WeChat, the other waits and reuses it."""
        gateway = self.env["emc.wechat.gateway"]
        appid = f"wx-concurrency-{uuid.uuid4().hex[:8]}"
        self.wechat.appid = appid
        self.wechat.token_delay = 0.5
        config = dict(gateway._config(), appid=appid)
        db = db_connect(self.env.cr.dbname)
        tokens, errors = [], []
        barrier = threading.Barrier(2)

        def worker():
            try:
                with db.cursor() as cr:
                    barrier.wait(5)
                    tokens.append(gateway._refresh_access_token(cr, config))
            except Exception as e:
                errors.append(e)

        threads = [threading.Thread(target=worker) for _i in range(2)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(20)
        finally:
            self.wechat.appid = APPID
            with db.cursor() as cr:
                cr.execute("DELETE FROM emc_wechat_token_cache WHERE appid = %s", [appid])
        self.assertEqual(errors, [])
        self.assertEqual(len(tokens), 2)
        self.assertEqual(tokens[0], tokens[1])
        self.assertEqual(self.wechat.token_calls, 1)

    def test_forced_refresh_for_the_api_client(self):
        """``force`` (emc.wechat.client's signature) replaces the cached token."""
        gateway = self.env["emc.wechat.gateway"]
        old = gateway._get_access_token()
        new = gateway._get_access_token(force=True)
        self.assertNotEqual(new, old)
        self.assertEqual(self.wechat.token_calls, 2)
        self.assertEqual(gateway._get_access_token(), new)

    def test_quiet_hours_settings_validated(self):
        Settings = self.env["res.config.settings"]
        with self.assertRaisesRegex(ValidationError, "HH:MM"):
            Settings.create({"emc_notify_quiet_start": "25:00"})
        with self.assertRaisesRegex(ValidationError, "YYYY-MM-DD"):
            Settings.create({"emc_sms_package_start": "next year"})
        Settings.create({"emc_notify_quiet_start": "21:30", "emc_sms_package_start": "2026-04-01"})
