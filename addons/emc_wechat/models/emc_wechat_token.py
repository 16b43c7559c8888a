from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Command

from ..lib import secrets_util

# Lifetimes (seconds) when the settings leave them empty.
ACCESS_TTL = 2 * 3600
REFRESH_TTL = 30 * 24 * 3600


class EmcWechatToken(models.Model):
    """A mini-program session: our own access token, bound to a portal user.

    Only the SHA-256 of the access and refresh tokens is stored
    (``lib/secrets_util``). The WeChat ``session_key`` stays here, readable
    by administrators only, and is never part of an API answer.
    """

    _name = "emc.wechat.token"
    _description = "Mini-program access token"
    _order = "id desc"

    user_id = fields.Many2one("res.users", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(related="user_id.partner_id", store=True, string="Contact")
    access_hash = fields.Char(required=True, index=True, copy=False)
    refresh_hash = fields.Char(required=True, index=True, copy=False)
    date_expire = fields.Datetime(string="Expires", required=True)
    date_refresh_expire = fields.Datetime(string="Refreshable until", required=True)
    revoked = fields.Boolean(index=True, copy=False)
    date_revoked = fields.Datetime(string="Revoked on", readonly=True, copy=False)
    session_key = fields.Char(string="WeChat session key", groups="base.group_system", copy=False)
    date_last_used = fields.Datetime(string="Last used", readonly=True, copy=False)

    _sql_constraints = [
        ("access_hash_uniq", "unique(access_hash)", "Access tokens are unique."),
        ("refresh_hash_uniq", "unique(refresh_hash)", "Refresh tokens are unique."),
    ]

    @api.model
    def _ttl(self, name, default):
        value = self.env["ir.config_parameter"].sudo().get_param(f"emc_wechat.{name}")
        try:
            return int(value) if value else default
        except ValueError:
            return default

    @api.model
    def _issue(self, user, session_key=None):
        """A new token of ``user``: ``(record, access_token, refresh_token, expires_in)``."""
        access = secrets_util.new_secret("mpa")
        refresh = secrets_util.new_secret("mpr")
        access_ttl = self._ttl("access_ttl", ACCESS_TTL)
        refresh_ttl = self._ttl("refresh_ttl", REFRESH_TTL)
        now = fields.Datetime.now()
        # Tokens are the API's own records: customers never create them directly.
        token = self.sudo().create(
            {
                "user_id": user.id,
                "access_hash": secrets_util.digest(access),
                "refresh_hash": secrets_util.digest(refresh),
                "date_expire": now + timedelta(seconds=access_ttl),
                "date_refresh_expire": now + timedelta(seconds=refresh_ttl),
                "session_key": session_key or False,
            }
        )
        return token, access, refresh, access_ttl

    @api.model
    def _find(self, secret, field):
        try:
            hashed = secrets_util.digest(secret)
        except ValueError:
            return self.browse()
        # The digest of a random secret is the credential: no rule applies before it.
        return self.sudo().search([(field, "=", hashed)], limit=1)

    @api.model
    def _authenticate(self, secret):
        """The live token of an access ``secret`` (sudo record), or an empty recordset."""
        if secrets_util.kind(secret) != "mpa":
            return self.browse()
        token = self._find(secret, "access_hash")
        now = fields.Datetime.now()
        if not token or token.revoked or token.date_expire <= now or not token.user_id.active:
            return self.browse()
        return token

    @api.model
    def _refresh(self, secret):
        """Rotate a refresh ``secret``: the old token is revoked, a new one issued; None if refused."""
        if secrets_util.kind(secret) != "mpr":
            return None
        token = self._find(secret, "refresh_hash")
        if (
            not token
            or token.revoked
            or token.date_refresh_expire <= fields.Datetime.now()
            or not token.user_id.active
        ):
            return None
        token._revoke()
        return self._issue(token.user_id, session_key=token.session_key)

    def _revoke(self):
        self.sudo().filtered(lambda t: not t.revoked).write(
            {"revoked": True, "date_revoked": fields.Datetime.now()}
        )

    def action_revoke(self):
        """Administrators end a session: its access and refresh tokens stop working at once."""
        self._revoke()
        return True

    # ------------------------------------------------------------------
    # Login
    # ------------------------------------------------------------------
    @api.model
    def _login_wechat(self, code):
        """Exchange a mini-program login ``code``; the new token of the matched or created user.

        The user is matched by the openid on their contact, else a portal
        user of the platform company is created for it. Raises
        ``WechatError`` when WeChat refuses the code.
        """
        session = self.env["emc.wechat.client"]._code2session(code)
        openid = session["openid"]
        # Matching by the openid WeChat just vouched for: the credential replaces the rules.
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        partner = Partner.search([("wechat_openid", "=", openid)], limit=1)
        Users = self.env["res.users"].sudo().with_context(active_test=False)
        user = partner and Users.search([("partner_id", "=", partner.id)], limit=1)
        if not user:
            user = self._create_wechat_user(openid, partner)
        return self._issue(user, session_key=session.get("session_key"))

    @api.model
    def _platform_company(self):
        """The organisation whose portal receives mini-program customers (the desk's)."""
        company = (
            self.env["res.company"]
            .sudo()
            .search([("emc_wo_role", "=", "power_bureau")], order="sequence, id", limit=1)
        )
        return company or self.env.ref("base.main_company")

    @api.model
    def _create_wechat_user(self, openid, partner=None):
        company = self._platform_company()
        vals = {
            "name": self.env._("WeChat user %(suffix)s", suffix=openid[-6:]),
            "login": f"wechat_{openid}",
            "company_id": company.id,
            "company_ids": [Command.set(company.ids)],
            "groups_id": [Command.set([self.env.ref("base.group_portal").id])],
        }
        if partner:
            vals["partner_id"] = partner.id
        user = (
            self.env["res.users"]
            .sudo()
            .with_context(no_reset_password=True, mail_create_nosubscribe=True)
            .create(vals)
        )
        user.partner_id.wechat_openid = openid
        return user
