from odoo import fields, models

from .emc_contract_price import CONTRACT_CARRIERS


class EmcContractGuaranteeLine(models.Model):
    """Savings the ESCO guarantees for one carrier (保证节能量), per period or per contract year."""

    _name = "emc.contract.guarantee.line"
    _description = "Guaranteed savings"
    _order = "contract_id, carrier"

    contract_id = fields.Many2one("emc.contract", required=True, ondelete="cascade", index=True)
    carrier = fields.Selection(CONTRACT_CARRIERS, required=True, default="electricity")
    kwh = fields.Float(string="Guaranteed savings (kWh)", required=True, digits=(16, 3))
    shortfall_price = fields.Float(
        string="Shortfall price (CNY/kWh)",
        digits=(16, 6),
        help="The rate a shortfall is paid at; empty for the contract's price of the carrier.",
    )

    _sql_constraints = [
        ("carrier_uniq", "unique(contract_id, carrier)", "One guarantee per energy carrier."),
        ("kwh_positive", "CHECK(kwh >= 0)", "Guaranteed savings cannot be negative."),
        (
            "shortfall_price_positive",
            "CHECK(shortfall_price IS NULL OR shortfall_price >= 0)",
            "A price cannot be negative.",
        ),
    ]
