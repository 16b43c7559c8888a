from odoo import api, fields, models

from .. import mv


class EmcMvSavingsLine(models.Model):
    """The measured savings of one reporting period (a calendar month) against a baseline.

    ``savings = adjusted baseline - actual + non-routine adjustments`` over
    the days with both a reading and a temperature (see ``mv/savings.py``);
    the equivalents use the organisation's factors and the site's electricity
    price at the time of the computation, kept on the line.
    """

    _name = "emc.mv.savings.line"
    _description = "Measured savings of a period"
    _order = "baseline_id, date_start"

    baseline_id = fields.Many2one("emc.mv.baseline", required=True, index=True, ondelete="cascade")
    baseline_state = fields.Selection(related="baseline_id.state", store=True)
    project_id = fields.Many2one(related="baseline_id.project_id", store=True, index=True)
    site_id = fields.Many2one(related="baseline_id.site_id", store=True, index=True)
    partner_id = fields.Many2one(
        related="baseline_id.partner_id", store=True, index=True, string="Client"
    )
    company_id = fields.Many2one(related="baseline_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    name = fields.Char(string="Period", required=True)
    date_start = fields.Date(string="From", required=True)
    date_end = fields.Date(string="To", required=True, help="Last day of the period (included).")
    days = fields.Integer()
    days_used = fields.Integer(
        string="Days measured", help="Days of the period with a reading and a temperature."
    )
    has_figures = fields.Boolean(
        help="Whether any day of the period could be measured; without one the period has "
        "no figures."
    )
    complete = fields.Boolean(help="At least 90 % of the period's days were measured.")
    coverage = fields.Float(string="Coverage (%)", digits=(16, 1), aggregator="avg")
    adjusted_baseline_kwh = fields.Float(string="Adjusted baseline (kWh)", digits=(16, 1))
    actual_kwh = fields.Float(string="Actual (kWh)", digits=(16, 1))
    non_routine_kwh = fields.Float(string="Non-routine adjustments (kWh)", digits=(16, 1))
    savings_kwh = fields.Float(string="Savings (kWh)", digits=(16, 1))
    savings_tce = fields.Float(string="Savings (tce)", digits=(16, 3))
    savings_tco2 = fields.Float(string="Savings (tCO2)", digits=(16, 3))
    price_per_kwh = fields.Float(
        string="Electricity price (per kWh)", digits=(16, 4), aggregator="avg"
    )
    savings_amount = fields.Monetary(string="Savings (amount)", currency_field="currency_id")
    uncertainty = fields.Float(
        string="Savings uncertainty (±%)",
        digits=(16, 1),
        aggregator=None,
        help="Fractional savings uncertainty of ASHRAE Guideline 14 Annex B at the baseline's "
        "confidence level; 0 when the period has no positive savings.",
    )
    uncertainty_kwh = fields.Float(string="Savings uncertainty (±kWh)", digits=(16, 1))
    reasons = fields.Json()
    note = fields.Char(compute="_compute_note")

    @api.depends("reasons")
    @api.depends_context("lang")
    def _compute_note(self):
        for line in self:
            line.note = (
                " ".join(
                    mv.Reason.from_dict(reason).translated(self.env._)
                    for reason in line.reasons or ()
                )
                or False
            )
