from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .notify_common import NotifyCase


@tagged("post_install", "-at_install")
class TestNotifyRouting(NotifyCase):
    """Preferred channel, fallback down the chain, retries, idempotency, quiet hours, resend."""

    def _deliveries(self):
        return self.env["emc.notification"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.record.id)], order="id"
        )

    def test_wechat_subscribe_message(self):
        delivery = self._notify()
        self.assertEqual(delivery.channel, "wechat")
        self.assertEqual(delivery.state, "queued")
        self.assertEqual(len(self._jobs()), 1)
        self.assertEqual(self._jobs().channel, "root.emc_notification")
        self._run_jobs()
        self.assertEqual(delivery.state, "sent")
        self.assertEqual(delivery.attempts, 1)
        self.assertTrue(delivery.wechat_msgid)
        (payload,) = self.wechat.sent
        self.assertEqual(payload["touser"], "oOPENID-customer")
        self.assertEqual(payload["template_id"], "TPL-scheme_ready")
        self.assertEqual(payload["page"], f"pages/order/detail?id={self.record.id}")
        self.assertEqual(payload["data"]["character_string1"]["value"], self.record.display_name)
        self.assertEqual(payload["data"]["thing2"]["value"], "方案已就绪")
        self.assertFalse(self.sms.sent)

    def test_refused_subscription_falls_back_to_sms(self):
        self.wechat.send_errors = [43101]
        first = self._notify()
        self._run_jobs()
        self.assertEqual(first.state, "fallback")
        self.assertIn("43101", first.error)
        self.assertFalse(self.customer.emc_wechat_subscribed)
        second = first.fallback_id
        self.assertEqual((second.channel, second.state), ("sms", "sent"))
        self.assertEqual(second.parent_id, first)
        (sms,) = self.sms.sent
        self.assertEqual(sms["phone"], "13881680001")
        self.assertEqual(sms["template"], "SMS_0")
        self.assertEqual(sms["params"], {"name": self.record.display_name})
        self.assertEqual(second.sms_biz_id, sms["biz_id"])
        self.assertEqual(second.sms_segments, 1)
        self.assertTrue(second.body.startswith("【巴中供电】您的"))
        # The next event goes straight to SMS: the subscription is known refused.
        delivery = self._notify("acceptance")
        self._run_jobs()
        self.assertEqual((delivery.channel, delivery.state), ("sms", "sent"))

    def test_other_wechat_error_logged_and_falls_back(self):
        self.wechat.send_errors = [47003]
        first = self._notify()
        self._run_jobs()
        self.assertEqual(first.state, "fallback")
        self.assertEqual(first.error, "47003: error")
        self.assertTrue(self.customer.emc_wechat_subscribed)
        self.assertEqual(first.fallback_id.channel, "sms")

    def test_sms_throttled_retried_then_sent(self):
        self.sms.errors = ["isv.BUSINESS_LIMIT_CONTROL"]
        delivery = self._notify(partner=self.sms_only)
        self.assertEqual(delivery.channel, "sms")
        self._run_jobs(rounds=1)
        self.assertEqual(delivery.state, "queued")
        self.assertIn("isv.BUSINESS_LIMIT_CONTROL", delivery.error)
        # The retry is a new job, held a minute.
        retry = self._jobs()
        self.assertEqual(len(retry), 1)
        self.assertGreater(retry.eta, datetime.now() + timedelta(seconds=50))
        self._run_jobs()
        self.assertEqual((delivery.state, delivery.attempts), ("sent", 2))
        self.assertEqual(len(self.sms.sent), 1)

    def test_sms_retries_exhausted_fall_back_to_mail(self):
        self.sms.errors = ["isv.BUSINESS_LIMIT_CONTROL"] * 3
        delivery = self._notify(partner=self.sms_only)
        self._run_jobs()
        self.assertEqual((delivery.state, delivery.attempts), ("fallback", 3))
        mail = delivery.fallback_id
        self.assertEqual((mail.channel, mail.state), ("mail", "sent"))
        message = self.env["mail.message"].search(
            [("partner_ids", "in", self.sms_only.ids), ("model", "=", "res.partner")],
            order="id desc",
            limit=1,
        )
        self.assertEqual(message.subject, "方案已就绪")
        self.assertFalse(self.sms.sent)

    def test_sms_permanent_error_not_retried(self):
        self.sms.errors = ["isv.MOBILE_NUMBER_ILLEGAL"]
        delivery = self._notify(partner=self.sms_only)
        self._run_jobs()
        self.assertEqual((delivery.state, delivery.attempts), ("fallback", 1))
        self.assertEqual(delivery.error, "isv.MOBILE_NUMBER_ILLEGAL: 非法手机号")
        self.assertEqual(delivery.fallback_id.channel, "mail")

    def test_bad_sms_credentials_fail_with_the_code(self):
        self.env["ir.config_parameter"].sudo().set_param("emc_wechat.sms_access_secret", "wrong")
        partner = self.sms_only.copy({"email": False})
        delivery = self._notify(partner=partner)
        self._run_jobs()
        self.assertEqual(delivery.state, "failed")
        self.assertIn("SignatureDoesNotMatch", delivery.error)
        self.assertEqual(self.sms.bad_signatures, 1)

    def test_no_channel_available(self):
        partner = self.env["res.partner"].create({"name": "无联系方式"})
        delivery = self._notify(partner=partner)
        self.assertEqual(len(self._jobs()), 0)
        self.assertEqual(delivery.state, "failed")
        self.assertIn("No channel available", delivery.error)

    def test_preferred_mail_skips_push_channels(self):
        self.customer.emc_notify_channel = "mail"
        delivery = self._notify()
        self._run_jobs()
        self.assertEqual((delivery.channel, delivery.state), ("mail", "sent"))
        self.assertFalse(self.wechat.sent or self.sms.sent)

    def test_channel_without_template_is_skipped(self):
        delivery = self._notify("meter_anomaly")
        self._run_jobs()
        self.assertEqual((delivery.channel, delivery.state), ("mail", "sent"))

    def test_same_event_twice_one_message(self):
        first = self._notify()
        second = self._notify()
        self.assertEqual(first, second)
        self.assertEqual(len(self._jobs()), 1)
        self._run_jobs()
        self.assertEqual(self._notify(), first)
        self.assertEqual(len(self._jobs()), 0)
        self._run_jobs()
        self.assertEqual(len(self.wechat.sent), 1)
        self.assertEqual(len(self._deliveries()), 1)
        # A meant repetition (another revision) is another message.
        other = self._notify(key="rev2")
        self._run_jobs()
        self.assertNotEqual(other, first)
        self.assertEqual(len(self.wechat.sent), 2)

    def test_job_run_twice_sends_once(self):
        delivery = self._notify()
        self._run_jobs()
        self.assertFalse(delivery._deliver())
        self.assertEqual(len(self.wechat.sent), 1)

    def test_resend_from_the_log(self):
        delivery = self._notify()
        with self.assertRaisesRegex(UserError, "still queued"):
            delivery.action_resend()
        self._run_jobs()
        delivery.action_resend()
        self.assertEqual(delivery.state, "queued")
        self.assertEqual(len(self._jobs()), 1)
        self._run_jobs()
        self.assertEqual((delivery.state, delivery.resend_count), ("sent", 1))
        self.assertEqual(len(self.wechat.sent), 2)

    def test_resend_failed_by_support_staff(self):
        staff = self.env["res.users"].search(
            [("groups_id", "in", self.env.ref("emc_workorder.group_wo_staff").id)], limit=1
        )
        self.sms.errors = ["isv.AMOUNT_NOT_ENOUGH"]
        partner = self.sms_only.copy({"email": False})
        delivery = self._notify(partner=partner)
        self._run_jobs()
        self.assertEqual(delivery.state, "failed")
        found = (
            self.env["emc.notification"]
            .with_user(staff)
            .search([("state", "=", "failed"), ("error", "ilike", "AMOUNT_NOT_ENOUGH")])
        )
        self.assertIn(delivery, found)
        found.filtered(lambda d: d == delivery).action_resend()
        self._run_jobs()
        self.assertEqual(delivery.state, "sent")

    def _quiet_window_around_now(self):
        local = datetime.now(ZoneInfo("Asia/Shanghai"))
        start = (local - timedelta(hours=1)).strftime("%H:%M")
        end_local = (local + timedelta(hours=2)).replace(second=0, microsecond=0)
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param("emc_wechat.quiet_start", start)
        icp.set_param("emc_wechat.quiet_end", end_local.strftime("%H:%M"))
        return end_local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    def test_quiet_hours_delay_non_urgent(self):
        end = self._quiet_window_around_now()
        held = self._notify()
        urgent = self._notify("acceptance", urgent=True)
        self.assertEqual(held.date_planned, end)
        self.assertEqual(self._job(held).eta, end)
        self.assertFalse(urgent.date_planned)
        self.assertFalse(self._job(urgent).eta)

    def test_quiet_hours_do_not_hold_mail(self):
        self._quiet_window_around_now()
        self.customer.emc_notify_channel = "mail"
        delivery = self._notify()
        self.assertFalse(delivery.date_planned)

    def test_sms_receipts(self):
        ok = self._notify(partner=self.sms_only)
        bad = self._notify("acceptance", partner=self.sms_only)
        self._run_jobs()
        applied = self.env["emc.notification"]._process_sms_receipts(
            [
                {
                    "biz_id": ok.sms_biz_id,
                    "success": True,
                    "err_code": "DELIVERED",
                    "report_time": "2026-03-01 10:00:05",
                    "sms_size": "2",
                },
                {
                    "biz_id": bad.sms_biz_id,
                    "success": False,
                    "err_code": "MK:0001",
                    "err_msg": "用户关机",
                    "report_time": "2026-03-01 10:00:06",
                    "sms_size": "1",
                },
                {"biz_id": "unknown^0", "success": True},
                "not a receipt",
            ]
        )
        self._run_jobs()
        self.assertEqual(applied, 2)
        self.assertEqual(ok.delivery_state, "delivered")
        self.assertEqual(ok.date_delivered, fields.Datetime.to_datetime("2026-03-01 02:00:05"))
        self.assertEqual(ok.sms_segments, 2)
        self.assertEqual((bad.delivery_state, bad.state), ("undelivered", "fallback"))
        self.assertEqual(bad.error, "MK:0001: 用户关机")
        self.assertEqual((bad.fallback_id.channel, bad.fallback_id.state), ("mail", "sent"))

    def test_display_name(self):
        delivery = self._notify()
        self.assertEqual(
            delivery.display_name,
            f"Scheme ready for confirmation → {self.customer.name} (WeChat subscribe message)",
        )
