from odoo import fields, models
from odoo.http import request


class ResUsers(models.Model):
    _inherit = "res.users"

    emc_login_company_ids = fields.Many2many(
        "res.company",
        "emc_res_users_login_company_rel",
        "user_id",
        "company_id",
        string="Companies selected at login",
        domain="[('id', 'in', company_ids)]",
        help="Organisations selected in the company switcher when this user opens the back "
        "office in a browser without a selection of its own (first login, after logging "
        "out). For users who work across organisations, such as the service desk's super "
        "admin. Empty: only the default company, as usual.",
    )

    def _emc_login_cids(self):
        """Company ids for the ``cids`` cookie: the default company first, then the others."""
        self.ensure_one()
        others = (self.emc_login_company_ids & self.company_ids) - self.company_id
        return [self.company_id.id, *others.sorted(lambda c: (c.sequence, c.id)).ids]

    def _on_webclient_bootstrap(self):
        # The web client takes its selected companies from the ``cids`` cookie
        # and falls back to the default company alone; a browser that has no
        # selection yet gets the user's login companies instead.
        super()._on_webclient_bootstrap()
        if request and not request.cookies.get("cids") and self.emc_login_company_ids:
            cids = self._emc_login_cids()
            if len(cids) > 1:
                request.future_response.set_cookie("cids", "-".join(map(str, cids)))
