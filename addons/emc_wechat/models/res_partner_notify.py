from odoo import fields, models

from .emc_notification_event import CHANNEL_ORDER, CHANNELS


class ResPartner(models.Model):
    _inherit = "res.partner"

    # wechat_openid (set at the first mini-program login) is declared in
    # res_partner_wechat.py.
    emc_notify_channel = fields.Selection(
        CHANNELS,
        string="Preferred notification channel",
        default="wechat",
        help="Where notifications go first; when that channel is not available (no "
        "openid or subscription, no mobile, no email) or fails, the next one in the "
        "order WeChat, SMS, mail is used.",
    )
    emc_wechat_subscribed = fields.Boolean(
        string="Accepts WeChat subscribe messages",
        help="Set by the mini-program when the user accepts the subscription; cleared "
        "when WeChat answers that the user refused it (43101).",
    )

    def _emc_notify_channels(self):
        """The channels this partner can be reached on, from the preferred one down."""
        self.ensure_one()
        start = CHANNEL_ORDER.index(self.emc_notify_channel or "wechat")
        available = {
            "wechat": bool(self.sudo().wechat_openid and self.emc_wechat_subscribed),
            "sms": bool(self._emc_sms_number()),
            "mail": bool(self.email),
        }
        return [channel for channel in CHANNEL_ORDER[start:] if available[channel]]

    def _emc_sms_number(self):
        """The mobile number in E.164 for mainland China (Alibaba takes 1xxxxxxxxxx), or ''."""
        self.ensure_one()
        number = self.mobile or self.phone
        if not number:
            return ""
        formatted = self._phone_format(
            number=number, country=self.country_id or self.env.ref("base.cn")
        )
        if not formatted:
            return ""
        return formatted[3:] if formatted.startswith("+86") else formatted
