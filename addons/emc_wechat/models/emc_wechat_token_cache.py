from odoo import fields, models


class EmcWechatTokenCache(models.Model):
    """The WeChat server ``access_token`` shared by every worker, one row per AppID.

    Written only by :meth:`emc.wechat.gateway._refresh_access_token`, which
    locks the row (``SELECT … FOR UPDATE``) so that one worker at a time asks
    WeChat for a token; the others wait for the lock and read the token it
    stored.
    """

    _name = "emc.wechat.token.cache"
    _description = "WeChat access token cache"

    appid = fields.Char(string="AppID", required=True, readonly=True)
    access_token = fields.Char(readonly=True, groups="base.group_system")
    date_expire = fields.Datetime(string="Expires on", readonly=True)
    refresh_count = fields.Integer(
        string="Refreshes",
        readonly=True,
        help="Tokens fetched from WeChat for this AppID (the stable token API allows a "
        "limited number per day).",
    )

    _sql_constraints = [
        ("appid_uniq", "unique(appid)", "One cached access token per AppID."),
    ]
