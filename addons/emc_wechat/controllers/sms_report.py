import hmac
import json
import logging

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)
# Alibaba posts receipts in batches of at most a few hundred.
MAX_REPORTS = 1000


class SmsReportController(http.Controller):
    """Alibaba Cloud SMS delivery receipts (SmsReport, HTTP batch push).

    Alibaba posts a JSON list of receipts and expects ``{"code": 0}``; any
    other answer makes it post again later. Configure the URL
    ``https://<server>/emc_wechat/sms/report?token=<emc_wechat.sms_report_token>``
    in the Alibaba console.
    """

    @http.route("/emc_wechat/sms/report", type="http", auth="none", methods=["POST"], csrf=False)
    def sms_report(self, token=None, **_kwargs):
        # sudo: the caller is Alibaba, not a user; the shared secret in the URL,
        # compared in constant time, replaces the access rules.
        expected = (
            request.env["ir.config_parameter"].sudo().get_param("emc_wechat.sms_report_token")
        )
        if not expected or not hmac.compare_digest(str(token or ""), expected):
            return request.make_json_response({"code": 403, "msg": "forbidden"}, status=403)
        try:
            reports = json.loads(request.httprequest.get_data(as_text=True) or "[]")
        except ValueError:
            return request.make_json_response({"code": 400, "msg": "invalid JSON"}, status=400)
        if isinstance(reports, dict):
            reports = [reports]
        if not isinstance(reports, list) or len(reports) > MAX_REPORTS:
            return request.make_json_response({"code": 400, "msg": "expected a list"}, status=400)
        applied = request.env["emc.notification"].sudo()._process_sms_receipts(reports)
        _logger.info("SMS receipts: %s of %s applied", applied, len(reports))
        return request.make_json_response({"code": 0, "msg": "成功"})
