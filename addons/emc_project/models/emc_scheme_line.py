from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class EmcSchemeLine(models.Model):
    _name = "emc.scheme.line"
    _description = "Technology line of a scheme"
    _order = "scheme_id, sequence, id"

    scheme_id = fields.Many2one("emc.scheme", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(related="scheme_id.company_id", store=True)
    currency_id = fields.Many2one(related="scheme_id.currency_id")
    technology_id = fields.Many2one("emc.technology", required=True)
    name = fields.Char(string="Description", compute="_compute_name", store=True, readonly=False)
    quantity = fields.Float(default=1.0)
    capex = fields.Monetary(string="Investment")
    saving_kwh = fields.Float(string="Savings (kWh/year)")
    saving_amount = fields.Monetary(string="Savings per year")
    om_cost = fields.Monetary(string="O&M per year")

    @api.depends("technology_id")
    def _compute_name(self):
        for line in self:
            if not line.name:
                line.name = line.technology_id.name

    @api.constrains("capex", "om_cost", "quantity")
    def _check_amounts(self):
        for line in self:
            if line.capex < 0 or line.om_cost < 0 or line.quantity < 0:
                raise ValidationError(
                    _(
                        "Scheme line %(name)s: investment, O&M and quantity cannot be negative.",
                        name=line.name,
                    )
                )
