from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .emc_technology import EQUIPMENT_TYPES, SITE_WIDE_EQUIPMENT


class EmcSiteEquipment(models.Model):
    _name = "emc.site.equipment"
    _description = "Energy-using equipment of a site"
    _order = "site_id, equipment_type, id"

    site_id = fields.Many2one("emc.site", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="site_id.company_id", store=True)
    name = fields.Char(required=True)
    equipment_type = fields.Selection(EQUIPMENT_TYPES, required=True)
    quantity = fields.Float(default=1.0, required=True)
    rated_power_kw = fields.Float(
        string="Rated power per unit (kW)", help="For a roof: installable PV capacity (kWp)."
    )
    area_m2 = fields.Float(string="Area (m²)", help="For buildings and roofs.")
    annual_hours = fields.Float(
        string="Operating hours per year",
        default=4000.0,
        help="For a roof: equivalent full-load PV hours.",
    )
    load_factor = fields.Float(string="Average load factor", default=0.75)
    age_years = fields.Integer(string="Age (years)")
    annual_kwh = fields.Float(
        string="Estimated annual use (kWh)",
        compute="_compute_annual_kwh",
        store=True,
        help="Quantity × rated power × hours × load factor; for a building or the "
        "whole site, the site's total energy use in kWh equivalent.",
    )

    @api.depends(
        "equipment_type",
        "quantity",
        "rated_power_kw",
        "annual_hours",
        "load_factor",
        "site_id.annual_energy_kwh_eq",
    )
    def _compute_annual_kwh(self):
        for eq in self:
            if eq.equipment_type in SITE_WIDE_EQUIPMENT:
                eq.annual_kwh = eq.site_id.annual_energy_kwh_eq
            else:
                eq.annual_kwh = eq.quantity * eq.rated_power_kw * eq.annual_hours * eq.load_factor

    @api.constrains("quantity", "rated_power_kw", "annual_hours", "load_factor")
    def _check_values(self):
        for eq in self:
            if eq.quantity < 0 or eq.rated_power_kw < 0 or eq.area_m2 < 0:
                raise ValidationError(
                    _("Equipment %(name)s: quantities cannot be negative.", name=eq.name)
                )
            if not 0 <= eq.annual_hours <= 8760:
                raise ValidationError(
                    _(
                        "Equipment %(name)s: operating hours must be between 0 and 8760.",
                        name=eq.name,
                    )
                )
            if not 0 <= eq.load_factor <= 1:
                raise ValidationError(
                    _(
                        "Equipment %(name)s: the load factor must be between 0 and 1.",
                        name=eq.name,
                    )
                )
