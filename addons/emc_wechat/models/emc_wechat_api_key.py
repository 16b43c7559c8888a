from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import secrets_util

# What an integrator key may do; a key holds a subset.
SCOPES = (
    "workorders:read",
    "workorders:write",
    "projects:read",
    "meters:read",
    "readings:write",
    "contracts:read",
)


class EmcWechatApiKey(models.Model):
    """A key of an external system, acting as one user within one organisation.

    The integrator's calls run as ``user_id`` restricted to ``company_id``:
    the user's groups and the record rules decide what it reaches, the
    scopes which endpoints it may call. Only the SHA-256 of the key is kept.
    """

    _name = "emc.wechat.api.key"
    _description = "Integrator API key"
    _order = "company_id, name"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", string="Organisation", required=True, default=lambda s: s.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        string="Acts as",
        required=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="The internal user whose rights the integrator gets, within the organisation.",
    )
    scopes = fields.Char(
        required=True,
        default=" ".join(SCOPES),
        help="Space-separated: " + ", ".join(SCOPES),
    )
    key_hash = fields.Char(readonly=True, copy=False, index=True, groups="base.group_system")
    key_hint = fields.Char(string="Key begins with", readonly=True, copy=False)
    date_last_used = fields.Datetime(string="Last used", readonly=True, copy=False)

    _sql_constraints = [("key_hash_uniq", "unique(key_hash)", "API keys are unique.")]

    @api.constrains("scopes")
    def _check_scopes(self):
        for key in self:
            unknown = set((key.scopes or "").split()) - set(SCOPES)
            if unknown:
                raise ValidationError(
                    self.env._(
                        "Unknown scopes %(scopes)s; use %(known)s.",
                        scopes=", ".join(sorted(unknown)),
                        known=", ".join(SCOPES),
                    )
                )

    @api.constrains("user_id", "company_id")
    def _check_user_company(self):
        for key in self:
            if key.user_id.share or key.company_id not in key.user_id.company_ids:
                raise ValidationError(
                    self.env._(
                        "Key %(key)s: %(user)s must be an internal user of %(company)s.",
                        key=key.name,
                        user=key.user_id.name,
                        company=key.company_id.name,
                    )
                )

    def _scope_set(self):
        self.ensure_one()
        return set((self.scopes or "").split())

    def _generate(self):
        """A new secret for this key (the previous one stops working); shown once."""
        self.ensure_one()
        secret = secrets_util.new_secret("emck")
        self.sudo().write({"key_hash": secrets_util.digest(secret), "key_hint": secret[:9]})
        return secret

    def action_generate_key(self):
        secret = self._generate()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Copy the key now: it is not shown again"),
                "message": secret,
                "sticky": True,
                "type": "warning",
            },
        }

    @api.model
    def _authenticate(self, secret):
        """The active key (sudo) of ``secret``, or an empty recordset."""
        if secrets_util.kind(secret) != "emck":
            return self.browse()
        try:
            hashed = secrets_util.digest(secret)
        except ValueError:
            return self.browse()
        # The digest of the random key is the credential: no rule applies before it.
        key = self.sudo().search([("key_hash", "=", hashed)], limit=1)
        if not key or not key.user_id.active:
            return self.browse()
        return key
