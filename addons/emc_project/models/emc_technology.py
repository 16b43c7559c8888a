from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

TECHNOLOGY_CATEGORIES = [
    ("lighting", "Lighting"),
    ("motor_vfd", "Motors and variable-frequency drives"),
    ("hvac", "HVAC and chillers"),
    ("waste_heat", "Waste heat recovery"),
    ("compressed_air", "Compressed air"),
    ("boiler", "Boilers"),
    ("pv", "Rooftop photovoltaics"),
    ("power_quality", "Power quality"),
    ("envelope", "Building envelope"),
    ("ems", "Energy management systems"),
]

EQUIPMENT_TYPES = [
    ("lighting", "Lighting fixtures"),
    ("motor", "Motors"),
    ("pump_fan", "Pumps and fans"),
    ("chiller", "Chillers"),
    ("air_conditioner", "Air conditioners"),
    ("furnace_kiln", "Furnaces and kilns"),
    ("air_compressor", "Air compressors"),
    ("boiler", "Boilers"),
    ("transformer", "Transformers"),
    ("roof", "Roof available for PV"),
    ("building", "Building"),
    ("whole_site", "Whole site"),
]

# Equipment whose baseline is the site's whole energy use, not its own rating.
SITE_WIDE_EQUIPMENT = ("building", "whole_site")

COST_BASES = [
    ("kw", "Per kW (kWp for PV)"),
    ("unit", "Per unit"),
    ("m2", "Per m²"),
]


class EmcTechnology(models.Model):
    _name = "emc.technology"
    _description = "Energy-saving technology"
    _order = "category, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, index=True)
    active = fields.Boolean(default=True)
    category = fields.Selection(TECHNOLOGY_CATEGORIES, required=True, index=True)
    equipment_type = fields.Selection(
        EQUIPMENT_TYPES,
        string="Applicable equipment",
        required=True,
        help="The site equipment this technology retrofits; the recommendation "
        "applies it to every matching equipment line of a site.",
    )
    industry_ids = fields.Many2many(
        "res.partner.industry",
        string="Applicable industries",
        help="Leave empty when the technology fits any industry.",
    )
    saving_rate_min = fields.Float(string="Typical savings from (%)", required=True)
    saving_rate_max = fields.Float(string="Typical savings to (%)", required=True)
    saving_rate_typical = fields.Float(
        string="Typical savings (%)",
        compute="_compute_saving_rate_typical",
        store=True,
        help="Middle of the typical range, used for estimates.",
    )
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share the technology with every company.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        default=lambda self: (
            self.env.ref("base.CNY", raise_if_not_found=False) or self.env.company.currency_id
        ),
        required=True,
    )
    cost_basis = fields.Selection(COST_BASES, required=True, default="kw")
    unit_cost = fields.Monetary(string="Unit cost", required=True)
    lifetime_years = fields.Integer(string="Lifetime (years)", required=True, default=10)
    om_cost_rate = fields.Float(
        string="Yearly O&M (% of capex)",
        help="Operation and maintenance cost per year, as a share of the investment.",
    )
    source = fields.Text(string="Reference", help="Where the typical savings range comes from.")
    description = fields.Text(translate=True)

    _sql_constraints = [
        ("code_uniq", "unique(code, company_id)", "The technology code must be unique."),
    ]

    @api.depends("saving_rate_min", "saving_rate_max")
    def _compute_saving_rate_typical(self):
        for tech in self:
            tech.saving_rate_typical = (tech.saving_rate_min + tech.saving_rate_max) / 2

    @api.constrains("saving_rate_min", "saving_rate_max", "lifetime_years", "unit_cost")
    def _check_ranges(self):
        for tech in self:
            if not 0 <= tech.saving_rate_min <= tech.saving_rate_max <= 100:
                raise ValidationError(
                    _(
                        "Technology %(name)s: the savings range must satisfy "
                        "0 ≤ from ≤ to ≤ 100%%.",
                        name=tech.name,
                    )
                )
            if tech.lifetime_years <= 0:
                raise ValidationError(
                    _("Technology %(name)s: the lifetime must be positive.", name=tech.name)
                )
            if tech.unit_cost < 0:
                raise ValidationError(
                    _("Technology %(name)s: the unit cost cannot be negative.", name=tech.name)
                )

    def _estimate_capex(self, equipment):
        """Investment to apply this technology to one equipment line."""
        self.ensure_one()
        if self.cost_basis == "unit":
            return self.unit_cost * equipment.quantity
        if self.cost_basis == "m2":
            return self.unit_cost * (equipment.area_m2 or equipment.quantity)
        return self.unit_cost * equipment.quantity * equipment.rated_power_kw
