from odoo import api, fields, models

# Standard coal coefficients (kgce per unit), GB/T 2589-2020 appendix A
# (reference values); electricity uses the company's own factor.
CARRIERS = [
    ("electricity", "Electricity"),
    ("natural_gas", "Natural gas"),
    ("coal", "Raw coal"),
    ("steam", "Steam"),
    ("diesel", "Diesel"),
    ("heat", "Purchased heat"),
]
CARRIER_UNITS = {
    "electricity": "kWh",
    "natural_gas": "m³",
    "coal": "t",
    "steam": "t",
    "diesel": "t",
    "heat": "GJ",
}
KGCE_PER_UNIT = {
    "natural_gas": 1.2143,  # per m³
    "coal": 714.3,  # per t
    "steam": 128.6,  # per t, low-pressure saturated steam
    "diesel": 1457.1,  # per t
    "heat": 34.12,  # per GJ
}


class EmcSiteEnergy(models.Model):
    _name = "emc.site.energy"
    _description = "Annual energy use of a site, per carrier"
    _order = "site_id, carrier"

    site_id = fields.Many2one("emc.site", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="site_id.company_id", store=True)
    currency_id = fields.Many2one(related="site_id.currency_id")
    carrier = fields.Selection(CARRIERS, required=True, default="electricity")
    unit = fields.Char(compute="_compute_unit")
    annual_quantity = fields.Float(string="Annual consumption", required=True)
    annual_cost = fields.Monetary(string="Annual cost")
    annual_tce = fields.Float(
        string="Annual use (tce)", compute="_compute_annual_tce", store=True, digits=(16, 2)
    )

    _sql_constraints = [
        ("carrier_uniq", "unique(site_id, carrier)", "Each carrier once per site."),
        ("quantity_positive", "check(annual_quantity >= 0)", "Consumption cannot be negative."),
        ("cost_positive", "check(annual_cost >= 0)", "Cost cannot be negative."),
    ]

    @api.depends("carrier")
    def _compute_unit(self):
        for line in self:
            line.unit = CARRIER_UNITS.get(line.carrier, "")

    @api.depends("carrier", "annual_quantity", "site_id.company_id.emc_tce_factor")
    def _compute_annual_tce(self):
        for line in self:
            if line.carrier == "electricity":
                kgce = line.annual_quantity * line.site_id.company_id.emc_tce_factor
            else:
                kgce = line.annual_quantity * KGCE_PER_UNIT.get(line.carrier, 0.0)
            line.annual_tce = kgce / 1000.0
