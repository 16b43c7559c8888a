from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    wechat_openid = fields.Char(
        string="WeChat openid",
        copy=False,
        index=True,
        groups="base.group_system",
        help="The mini-program user's openid, set at their first login.",
    )

    _sql_constraints = [
        ("wechat_openid_uniq", "unique(wechat_openid)", "A WeChat openid belongs to one contact."),
    ]
