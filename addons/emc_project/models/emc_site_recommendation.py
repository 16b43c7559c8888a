from odoo import _, api, fields, models


class EmcSiteRecommendation(models.Model):
    _name = "emc.site.recommendation"
    _description = "Technology recommended for a site"
    _order = "site_id, rank"

    site_id = fields.Many2one("emc.site", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="site_id.company_id", store=True)
    currency_id = fields.Many2one(related="site_id.currency_id")
    rank = fields.Integer(required=True)
    technology_id = fields.Many2one("emc.technology", required=True, ondelete="cascade")
    category = fields.Selection(related="technology_id.category")
    equipment_id = fields.Many2one("emc.site.equipment", required=True, ondelete="cascade")
    baseline_kwh = fields.Float(string="Baseline (kWh/year)")
    saving_rate = fields.Float(string="Savings rate (%)")
    saving_kwh = fields.Float(string="Savings (kWh/year)")
    price = fields.Float(string="Energy price (per kWh)", digits=(16, 4))
    saving_amount = fields.Monetary(string="Savings per year")
    capex = fields.Monetary(string="Investment")
    om_cost = fields.Monetary(string="O&M per year")
    payback_years = fields.Float(string="Payback (years)", digits=(16, 2))
    economic = fields.Boolean(help="Pays back within the technology's lifetime.")
    reason = fields.Text(compute="_compute_reason", store=True)

    @api.depends("rank", "payback_years", "saving_amount")
    def _compute_reason(self):
        for rec in self:
            tech = rec.technology_id
            lines = [
                _(
                    "Baseline %(baseline).0f kWh/year (%(equipment)s) × typical savings "
                    "%(rate).1f%% (middle of %(low).0f–%(high).0f%%) = %(kwh).0f kWh/year.",
                    baseline=rec.baseline_kwh,
                    equipment=rec.equipment_id.name,
                    rate=rec.saving_rate,
                    low=tech.saving_rate_min,
                    high=tech.saving_rate_max,
                    kwh=rec.saving_kwh,
                ),
                _(
                    "At %(price).4f per kWh that is %(amount).0f per year; investment "
                    "%(capex).0f, O&M %(om).0f per year.",
                    price=rec.price,
                    amount=rec.saving_amount,
                    capex=rec.capex,
                    om=rec.om_cost,
                ),
            ]
            if not rec.payback_years:
                lines.append(_("Savings do not cover O&M: it never pays back, hence its low rank."))
            elif not rec.economic:
                lines.append(
                    _(
                        "Payback %(payback).1f years exceeds the %(life)s-year lifetime: "
                        "listed after the economic options.",
                        payback=rec.payback_years,
                        life=tech.lifetime_years,
                    )
                )
            else:
                lines.append(
                    _(
                        "Rank %(rank)s: payback %(payback).1f years within a %(life)s-year "
                        "lifetime; shorter paybacks rank first, larger savings break ties.",
                        rank=rec.rank,
                        payback=rec.payback_years,
                        life=tech.lifetime_years,
                    )
                )
            rec.reason = "\n".join(lines)
