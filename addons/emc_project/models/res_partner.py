from odoo import fields, models

from ..lib import feasibility

# The ratings the feasibility score knows, best first.
CREDIT_RATINGS = [(rating, rating) for rating in feasibility.CREDIT_SCORES]


class ResPartner(models.Model):
    _inherit = "res.partner"

    emc_credit_rating = fields.Selection(
        CREDIT_RATINGS,
        string="Credit rating",
        help="Client credit rating used by the EMC feasibility check.",
    )
    emc_project_ids = fields.One2many("emc.project", "partner_id", string="EMC projects")
    emc_project_count = fields.Integer(compute="_compute_emc_project_count")

    def _compute_emc_project_count(self):
        groups = self.env["emc.project"]._read_group(
            [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
        )
        counts = {partner.id: count for partner, count in groups}
        for partner in self:
            partner.emc_project_count = counts.get(partner.id, 0)
