from datetime import datetime
from zoneinfo import ZoneInfo

from odoo import fields
from odoo.tests import tagged

from .notify_common import NotifyCase


@tagged("post_install", "-at_install")
class TestSmsQuota(NotifyCase):
    """Usage counted per segment, warnings at 80 % and 100 % once, overage and its cost."""

    def setUp(self):
        super().setUp()
        self.icp = self.env["ir.config_parameter"].sudo()
        self.icp.set_param("emc_wechat.sms_quota", "10")
        # Usage of the package year so far: 7 segments (other messages of this month).
        self.env["emc.notification"].search([("channel", "=", "sms")]).unlink()
        self.env["emc.notification"].sudo().create(
            [
                {
                    "event": "acceptance",
                    "partner_id": self.sms_only.id,
                    "channel": "sms",
                    "state": "sent",
                    "sms_segments": segments,
                    "date_sent": fields.Datetime.now(),
                    "identity_key": f"earlier-{i}",
                }
                for i, segments in enumerate((3, 4))
            ]
        )
        self.long_template = self.env["emc.sms.template"].search([("event", "=", "acceptance")])

    def _warnings(self):
        return self.env["mail.message"].search(
            [("partner_ids", "in", self.admin.partner_id.ids), ("subject", "ilike", "SMS quota")]
        )

    def _send(self, event, key):
        delivery = self._notify(event, partner=self.sms_only, key=key)
        self._run_jobs()
        self.assertEqual(delivery.state, "sent")
        return delivery

    def test_segments_of_long_messages(self):
        # 【巴中供电】 (6) + 71 characters = 77 > 70: two segments of 67.
        self.long_template.content = "长" * 71
        delivery = self._send("acceptance", "long")
        self.assertEqual(len(delivery.body), 77)
        self.assertEqual(delivery.sms_segments, 2)

    def test_warnings_once_per_threshold(self):
        self._send("scheme_ready", "a")  # 8 of 10: 80 %
        warnings = self._warnings()
        self.assertEqual(len(warnings), 1)
        self.assertEqual(warnings.subject, "SMS quota: 80% used")
        self._send("scheme_ready", "b")  # 9: still 80 %, no second warning
        self.assertEqual(len(self._warnings()), 1)
        self._send("scheme_ready", "c")  # 10: 100 %
        warnings = self._warnings()
        self.assertEqual(len(warnings), 2)
        self.assertIn("SMS quota: 100% used", warnings.mapped("subject"))
        self._send("scheme_ready", "d")  # 11: over, no third warning
        self.assertEqual(len(self._warnings()), 2)
        usage = self.env["emc.sms.usage.report"]._quota_usage()
        self.assertEqual((usage["used"], usage["overage"]), (11, 1))
        self.assertAlmostEqual(usage["cost"], 0.05)

    def test_monthly_report_overage_and_cost(self):
        self.icp.set_param("emc_wechat.sms_price", "0.05")
        self.long_template.content = "长" * 140  # 146 characters: 3 segments
        self._send("acceptance", "x")  # 7 + 3 = 10
        self._send("acceptance", "y")  # 13: 3 over
        self.env.flush_all()
        month = datetime.now(ZoneInfo("Asia/Shanghai")).date().replace(day=1)
        line = self.env["emc.sms.usage.report"].search([("month", "=", month)])
        self.assertEqual(
            (line.messages, line.segments, line.cumulated, line.overage), (4, 13, 13, 3)
        )
        self.assertAlmostEqual(line.cost, 0.15)
        self.assertEqual(line.currency_id.name, "CNY")
        # The price is read by the view: a change shows at once.
        self.icp.set_param("emc_wechat.sms_price", "0.04")
        self.env.invalidate_all()
        self.assertAlmostEqual(line.cost, 0.12)

    def test_new_package_year_resets_the_count(self):
        today = fields.Date.context_today(self.env["emc.sms.usage.report"])
        self.icp.set_param("emc_wechat.sms_package_start", today.isoformat())
        first, end = self.env["emc.sms.usage.report"]._package_period()
        self.assertEqual(first, today)
        self.assertEqual((end - first).days in (365, 366), True)
        earlier = self.env["emc.notification"].search([("identity_key", "like", "earlier-")])
        earlier.write({"date_sent": fields.Datetime.now().replace(year=today.year - 1)})
        self.assertEqual(self.env["emc.sms.usage.report"]._quota_usage()["used"], 0)
