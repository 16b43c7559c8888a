from odoo import fields, models

TERMS = [
    ("intercept", "Base load (kWh/day)"),
    ("production", "Production (kWh per unit)"),
    ("hdd", "Heating degree days (kWh/°C·day)"),
    ("cdd", "Cooling degree days (kWh/°C·day)"),
]


class EmcMvCoefficient(models.Model):
    """One coefficient of a fitted baseline model, with its t-statistic and p-value."""

    _name = "emc.mv.coefficient"
    _description = "Baseline model coefficient"
    _order = "baseline_id, sequence"

    baseline_id = fields.Many2one("emc.mv.baseline", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="baseline_id.company_id", store=True, index=True)
    sequence = fields.Integer()
    term = fields.Selection(TERMS, required=True)
    value = fields.Float()
    std_error = fields.Float(string="Standard error")
    t_stat = fields.Float(string="t-statistic")
    p_value = fields.Float(string="p-value")
