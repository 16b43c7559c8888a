from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .emc_technology import SITE_WIDE_EQUIPMENT


class EmcSite(models.Model):
    _name = "emc.site"
    _description = "Energy-using site of a client"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "partner_id, name"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    partner_id = fields.Many2one(
        "res.partner", string="Client", required=True, index=True, tracking=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    industry_id = fields.Many2one(
        "res.partner.industry",
        compute="_compute_industry_id",
        store=True,
        readonly=False,
    )
    street = fields.Char()
    city = fields.Char()
    state_id = fields.Many2one("res.country.state", string="Province")
    country_id = fields.Many2one("res.country", default=lambda self: self.env.ref("base.cn"))
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    energy_ids = fields.One2many("emc.site.energy", "site_id", string="Energy use")
    equipment_ids = fields.One2many("emc.site.equipment", "site_id", string="Equipment")
    recommendation_ids = fields.One2many(
        "emc.site.recommendation", "site_id", string="Recommended technologies"
    )
    project_ids = fields.Many2many(
        "emc.project", "emc_project_site_rel", "site_id", "project_id", string="Projects"
    )
    annual_energy_tce = fields.Float(
        string="Annual energy use (tce)", compute="_compute_energy_totals", store=True
    )
    annual_energy_kwh_eq = fields.Float(
        string="Annual energy use (kWh equivalent)",
        compute="_compute_energy_totals",
        store=True,
    )
    annual_electricity_kwh = fields.Float(
        string="Annual electricity (kWh)", compute="_compute_energy_totals", store=True
    )
    annual_energy_cost = fields.Monetary(
        string="Annual energy cost", compute="_compute_energy_totals", store=True
    )
    electricity_price = fields.Float(
        string="Electricity price (per kWh)",
        compute="_compute_prices",
        digits=(16, 4),
        help="From the electricity bill on record, else the company's default price.",
    )
    energy_price_kwh_eq = fields.Float(
        string="Average energy price (per kWh equivalent)",
        compute="_compute_prices",
        digits=(16, 4),
    )

    @api.depends("partner_id.industry_id")
    def _compute_industry_id(self):
        for site in self:
            if site.partner_id.industry_id:
                site.industry_id = site.partner_id.commercial_partner_id.industry_id
            elif not site.industry_id:
                site.industry_id = False

    @api.depends(
        "energy_ids.annual_tce",
        "energy_ids.annual_quantity",
        "energy_ids.annual_cost",
        "energy_ids.carrier",
        "company_id.emc_tce_factor",
        "company_id.emc_power_price",
    )
    def _compute_energy_totals(self):
        for site in self:
            factor = site.company_id.emc_tce_factor or 0.1229
            tce = sum(site.energy_ids.mapped("annual_tce"))
            cost = sum(site.energy_ids.mapped("annual_cost"))
            elec = site.energy_ids.filtered(lambda e: e.carrier == "electricity")
            kwh = sum(elec.mapped("annual_quantity"))
            site.annual_energy_tce = tce
            site.annual_energy_cost = cost
            site.annual_electricity_kwh = kwh
            site.annual_energy_kwh_eq = tce * 1000.0 / factor

    @api.depends("annual_energy_kwh_eq", "annual_energy_cost", "company_id.emc_power_price")
    def _compute_prices(self):
        for site in self:
            elec = site.energy_ids.filtered(lambda e: e.carrier == "electricity")
            kwh = sum(elec.mapped("annual_quantity"))
            elec_cost = sum(elec.mapped("annual_cost"))
            default_price = site.company_id.emc_power_price
            site.electricity_price = elec_cost / kwh if kwh and elec_cost else default_price
            site.energy_price_kwh_eq = (
                site.annual_energy_cost / site.annual_energy_kwh_eq
                if site.annual_energy_kwh_eq and site.annual_energy_cost
                else default_price
            )

    @api.constrains("latitude", "longitude")
    def _check_gps(self):
        for site in self:
            if not -90 <= site.latitude <= 90 or not -180 <= site.longitude <= 180:
                raise ValidationError(_("Site %(name)s: invalid GPS position.", name=site.name))

    def _applicable_technologies(self):
        """Active technologies whose industries include the site's (or any)."""
        self.ensure_one()
        domain = [
            "|",
            ("company_id", "=", False),
            ("company_id", "=", self.company_id.id),
        ]
        techs = self.env["emc.technology"].search(domain)
        if self.industry_id:
            techs = techs.filtered(
                lambda t: not t.industry_ids or self.industry_id in t.industry_ids
            )
        return techs

    def _estimate_technology(self, tech, equipment):
        """Estimated savings of one technology on one equipment line.

        The middle of the technology's typical range is applied to the line's
        baseline; money is valued at the site's own price.
        """
        baseline = equipment.annual_kwh
        rate = tech.saving_rate_typical / 100.0
        saving_kwh = baseline * rate
        if tech.equipment_type in SITE_WIDE_EQUIPMENT:
            price = self.energy_price_kwh_eq
        else:
            price = self.electricity_price
        saving_amount = saving_kwh * price
        capex = tech._estimate_capex(equipment)
        om_cost = capex * (tech.om_cost_rate or 0.0) / 100.0
        net = saving_amount - om_cost
        payback = capex / net if net > 0 else False
        return {
            "technology_id": tech.id,
            "equipment_id": equipment.id,
            "baseline_kwh": baseline,
            "saving_rate": tech.saving_rate_typical,
            "saving_kwh": saving_kwh,
            "price": price,
            "saving_amount": saving_amount,
            "capex": capex,
            "om_cost": om_cost,
            "payback_years": payback,
            "economic": bool(payback) and payback <= tech.lifetime_years,
        }

    def action_recommend_technologies(self):
        """Rank the technologies that fit this site's equipment.

        Ranking: economic options first (payback within the technology's
        lifetime), by shorter payback, then by larger annual savings. Each line
        keeps the arithmetic behind its estimate and the reason of its rank.
        """
        for site in self:
            if not site.equipment_ids:
                raise UserError(
                    _(
                        "Site %(name)s has no equipment inventory: add its equipment "
                        "before asking for recommendations.",
                        name=site.name,
                    )
                )
            estimates = []
            for tech in site._applicable_technologies():
                for equipment in site.equipment_ids.filtered(
                    lambda e, t=tech: e.equipment_type == t.equipment_type
                ):
                    if equipment.annual_kwh <= 0:
                        continue
                    estimates.append(site._estimate_technology(tech, equipment))
            estimates.sort(
                key=lambda e: (
                    not e["economic"],
                    e["payback_years"] if e["payback_years"] else float("inf"),
                    -e["saving_amount"],
                )
            )
            site.recommendation_ids.unlink()
            vals_list = []
            for rank, estimate in enumerate(estimates, start=1):
                estimate.update(site_id=site.id, rank=rank)
                vals_list.append(estimate)
            recommendations = self.env["emc.site.recommendation"].create(vals_list)
            recommendations._compute_reason()
        return True
