from odoo import api, fields, models


class EmcContractTier(models.Model):
    """The ESCO's share of the savings in a range of contract years (效益分享比例)."""

    _name = "emc.contract.tier"
    _description = "Savings sharing tier"
    _order = "contract_id, year_from"

    contract_id = fields.Many2one("emc.contract", required=True, ondelete="cascade", index=True)
    year_from = fields.Integer(string="From contract year", required=True, default=1)
    year_to = fields.Integer(
        string="To contract year", help="Included; leave empty for the rest of the contract."
    )
    esco_share = fields.Float(
        string="ESCO share",
        required=True,
        digits=(16, 4),
        help="The ESCO's share of the savings (0.9 = 90 %); the client keeps the rest.",
    )
    client_share = fields.Float(compute="_compute_client_share", digits=(16, 4))

    _sql_constraints = [
        (
            "share_range",
            "CHECK(esco_share >= 0 AND esco_share <= 1)",
            "A share lies between 0 % and 100 %.",
        ),
        ("year_from_positive", "CHECK(year_from >= 1)", "Contract years count from 1."),
    ]

    @api.depends("esco_share")
    def _compute_client_share(self):
        for tier in self:
            tier.client_share = 1 - tier.esco_share

    def _settlement_tier(self):
        from ..lib import settlement

        self.ensure_one()
        return settlement.Tier(self.year_from, self.year_to or None, self.esco_share)
