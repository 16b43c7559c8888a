import json

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSmsReportRoute(HttpCase):
    """Alibaba's receipt push: authenticated by the token in the URL."""

    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].sudo().set_param("emc_wechat.sms_report_token", "s3cret")
        partner = self.env["res.partner"].create({"name": "回执测试", "mobile": "13881680011"})
        self.delivery = self.env["emc.notification"].create(
            {
                "event": "acceptance",
                "partner_id": partner.id,
                "channel": "sms",
                "state": "sent",
                "sms_biz_id": "777^0",
                "sms_segments": 1,
                "identity_key": "receipt-route-test",
            }
        )

    def _post(self, token, payload):
        return self.url_open(
            f"/emc_wechat/sms/report?token={token}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )

    def test_receipt_applied(self):
        report = [{"biz_id": "777^0", "success": True, "report_time": "2026-03-01 10:00:00"}]
        response = self._post("s3cret", report)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"code": 0, "msg": "成功"})
        self.delivery.invalidate_recordset()
        self.assertEqual(self.delivery.delivery_state, "delivered")

    def test_wrong_token_or_body_refused(self):
        self.assertEqual(self._post("wrong", []).status_code, 403)
        response = self.url_open("/emc_wechat/sms/report?token=s3cret", data="{not json")
        self.assertEqual(response.status_code, 400)
        self.delivery.invalidate_recordset()
        self.assertFalse(self.delivery.delivery_state)
