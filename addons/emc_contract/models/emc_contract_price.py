from odoo import api, fields, models

from odoo.addons.emc_metering.models.emc_meter import CARRIERS

# Energy carriers a contract prices (the outdoor-conditions pseudo-carrier of
# the meters is not energy).
CONTRACT_CARRIERS = [carrier for carrier in CARRIERS if carrier[0] != "ambient"]
PRICINGS = [("fixed", "Fixed price"), ("tou", "Time of use")]


class EmcContractPrice(models.Model):
    """The contract's energy price of one carrier, fixed or by time of use (分时电价).

    Prices are tax-exclusive CNY per kWh, as the settlement works in kWh for
    every carrier (the M&V of a gas or heat retrofit converts upstream).
    """

    _name = "emc.contract.price"
    _description = "Contract energy price"
    _order = "contract_id, carrier"

    contract_id = fields.Many2one("emc.contract", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    carrier = fields.Selection(CONTRACT_CARRIERS, required=True, default="electricity")
    pricing = fields.Selection(PRICINGS, required=True, default="fixed")
    price = fields.Float(
        string="Price (CNY/kWh)",
        digits=(16, 6),
        help="Tax-exclusive price of a fixed-price carrier.",
    )
    tou_line_ids = fields.One2many(
        "emc.contract.tou.line", "price_id", string="Time-of-use periods", copy=True
    )
    summary = fields.Char(compute="_compute_summary")

    _sql_constraints = [
        (
            "carrier_uniq",
            "unique(contract_id, carrier)",
            "A contract has one price per energy carrier.",
        ),
        ("price_positive", "CHECK(price >= 0)", "A price cannot be negative."),
    ]

    @api.depends("pricing", "price", "tou_line_ids.price", "tou_line_ids.period")
    def _compute_summary(self):
        periods = dict(
            self.env["emc.contract.tou.line"]._fields["period"]._description_selection(self.env)
        )
        for line in self:
            if line.pricing == "fixed":
                line.summary = f"{line.price:.4f}"
            else:
                line.summary = " / ".join(
                    f"{periods.get(tou.period, tou.period)} {tou.price:.4f}"
                    for tou in line.tou_line_ids
                )

    def _settlement_price(self):
        """The price as :mod:`lib.settlement` takes it: a number or a ``TimeOfUse``."""
        from ..lib import settlement

        self.ensure_one()
        if self.pricing == "fixed":
            return self.price
        hours = []
        for tou in self.tou_line_ids:
            hours.extend(tou._hour_ranges())
        weights = {tou.period: tou.weight for tou in self.tou_line_ids if tou.weight}
        return settlement.TimeOfUse(
            prices={tou.period: tou.price for tou in self.tou_line_ids},
            hours=tuple(hours),
            profile=weights or None,
        )
