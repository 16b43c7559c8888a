from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib.notify_rules import parse_hhmm


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # The mini-program's credentials (emc_wechat_appid, emc_wechat_secret,
    # emc_wechat_base_url) are declared with the REST API's settings.
    emc_wechat_msg_sec_check = fields.Boolean(
        string="Check user text with WeChat",
        config_parameter="emc_wechat.msg_sec_check",
        help="Run WeChat's content security check (msg_sec_check) on text customers submit.",
    )
    emc_sms_access_key = fields.Char(
        string="SMS AccessKey ID", config_parameter="emc_wechat.sms_access_key"
    )
    emc_sms_access_secret = fields.Char(
        string="SMS AccessKey secret", config_parameter="emc_wechat.sms_access_secret"
    )
    emc_sms_endpoint = fields.Char(
        string="SMS endpoint",
        config_parameter="emc_wechat.sms_endpoint",
        help="dysmsapi.aliyuncs.com unless a test server stands in for it (http://host:port).",
    )
    emc_sms_report_token = fields.Char(
        string="SMS receipt token",
        config_parameter="emc_wechat.sms_report_token",
        help="Secret in the receipt URL given to Alibaba Cloud: "
        "/emc_wechat/sms/report?token=<this token>. Empty: receipts refused.",
    )
    emc_sms_quota = fields.Integer(
        string="SMS segments included per year",
        config_parameter="emc_wechat.sms_quota",
        default=20000,
    )
    emc_sms_price = fields.Float(
        string="Price per extra segment (CNY)",
        config_parameter="emc_wechat.sms_price",
        default=0.05,
        digits=(12, 4),
    )
    emc_sms_package_start = fields.Char(
        string="Package year starts on",
        config_parameter="emc_wechat.sms_package_start",
        help="Date (YYYY-MM-DD) the SMS package started; renewed every year. Empty: 1 January.",
    )
    emc_notify_quiet_start = fields.Char(
        string="Quiet hours from", config_parameter="emc_wechat.quiet_start", default="22:00"
    )
    emc_notify_quiet_end = fields.Char(
        string="Quiet hours until", config_parameter="emc_wechat.quiet_end", default="08:00"
    )
    emc_notify_quiet_tz = fields.Char(
        string="Quiet hours time zone",
        config_parameter="emc_wechat.quiet_tz",
        default="Asia/Shanghai",
    )
    emc_notify_max_attempts = fields.Integer(
        string="Tries per channel",
        config_parameter="emc_wechat.notify_max_attempts",
        default=3,
    )

    @api.constrains("emc_notify_quiet_start", "emc_notify_quiet_end", "emc_sms_package_start")
    def _check_notify_settings(self):
        for settings in self:
            for value in (settings.emc_notify_quiet_start, settings.emc_notify_quiet_end):
                try:
                    parse_hhmm(value or "00:00")
                except ValueError:
                    raise ValidationError(
                        self.env._(
                            "Quiet hours are times of day as HH:MM, not “%(value)s”.", value=value
                        )
                    ) from None
            if settings.emc_sms_package_start:
                try:
                    fields.Date.to_date(settings.emc_sms_package_start)
                except ValueError:
                    raise ValidationError(
                        self.env._("The package start is a date as YYYY-MM-DD.")
                    ) from None
