from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    emc_wechat_appid = fields.Char(string="Mini-program AppID", config_parameter="emc_wechat.appid")
    emc_wechat_secret = fields.Char(
        string="Mini-program AppSecret", config_parameter="emc_wechat.secret"
    )
    emc_wechat_base_url = fields.Char(
        string="WeChat API base URL",
        config_parameter="emc_wechat.base_url",
        help="https://api.weixin.qq.com unless a proxy or a test server stands in for it.",
    )
    emc_wechat_access_ttl = fields.Integer(
        string="API access token lifetime (seconds)",
        config_parameter="emc_wechat.access_ttl",
        default=7200,
    )
    emc_wechat_refresh_ttl = fields.Integer(
        string="API refresh token lifetime (seconds)",
        config_parameter="emc_wechat.refresh_ttl",
        default=2592000,
    )
    emc_wechat_rate_token = fields.Integer(
        string="Requests per minute per token or key",
        config_parameter="emc_wechat.rate_token",
        default=120,
    )
    emc_wechat_rate_ip = fields.Integer(
        string="Requests per minute per IP address",
        config_parameter="emc_wechat.rate_ip",
        default=600,
    )
    emc_wechat_max_request_mb = fields.Integer(
        string="Largest API request (MB)",
        config_parameter="emc_wechat.max_request_mb",
        default=50,
    )
