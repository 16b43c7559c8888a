from odoo import fields, models


class EmcMvForecastLine(models.Model):
    """One month of a baseline's 12-month forecast in a normal year, beside the target.

    ``baseline_kwh`` is the consumption the baseline model predicts with the
    month's normal degree days (what the site would use without the
    measures); ``expected_kwh`` the consumption with the measures at the
    savings fraction measured so far; ``target_kwh`` the project's annual
    savings target spread over the months by their days.
    """

    _name = "emc.mv.forecast.line"
    _description = "Forecast month"
    _order = "baseline_id, date_start"

    baseline_id = fields.Many2one("emc.mv.baseline", required=True, index=True, ondelete="cascade")
    project_id = fields.Many2one(related="baseline_id.project_id", store=True, index=True)
    site_id = fields.Many2one(related="baseline_id.site_id", store=True, index=True)
    company_id = fields.Many2one(related="baseline_id.company_id", store=True, index=True)
    baseline_state = fields.Selection(related="baseline_id.state", store=True)
    name = fields.Char(string="Month", required=True)
    date_start = fields.Date(string="Month start", required=True)
    days = fields.Integer()
    hdd = fields.Float(string="Normal HDD (°C·day)", digits=(16, 1))
    cdd = fields.Float(string="Normal CDD (°C·day)", digits=(16, 1))
    production = fields.Float(digits=(16, 3))
    baseline_kwh = fields.Float(string="Baseline consumption (kWh)", digits=(16, 0))
    std_error_kwh = fields.Float(string="Standard error (kWh)", digits=(16, 0), aggregator=None)
    expected_kwh = fields.Float(string="Expected consumption (kWh)", digits=(16, 0))
    savings_kwh = fields.Float(string="Expected savings (kWh)", digits=(16, 0))
    target_kwh = fields.Float(string="Savings target (kWh)", digits=(16, 0))
