from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError

from ..lib import cash_flow, settlement


class EmcContract(models.Model):
    """The ESCO's revenue forecast of a contract, and its project's cash flow."""

    _inherit = "emc.contract"

    forecast_revenue_12m = fields.Monetary(
        string="Forecast revenue, next 12 months",
        compute="_compute_forecast_revenue_12m",
        help="The ESCO's planned inflow from this contract over the next 12 months: the M&V "
        "forecast of its approved baselines valued at its price and terms, or its lease "
        "instalments (tax-exclusive).",
    )

    def _revenue_forecast(self):
        """``[(month, Decimal)]`` of the ESCO's planned inflow for every month of the term."""
        self.ensure_one()
        if not (self.date_start and self.date_end):
            return []
        savings = defaultdict(float)
        baseline = defaultdict(float)
        for line in self.baseline_ids.filtered(lambda b: b.state == "approved").forecast_line_ids:
            savings[line.date_start.month] += line.savings_kwh
            baseline[line.date_start.month] += line.baseline_kwh
        terms = self.env["emc.cash.flow"]._contract_terms(self)
        return cash_flow.revenue_forecast(terms, savings, baseline)

    def _compute_forecast_revenue_12m(self):
        first = cash_flow.month_start(fields.Date.context_today(self))
        last = first + relativedelta(months=12)
        for contract in self:
            try:
                rows = contract._revenue_forecast()
            except (cash_flow.CashFlowError, settlement.SettlementError):
                rows = []
            contract.forecast_revenue_12m = float(
                sum(amount for month, amount in rows if first <= month < last)
            )

    def action_view_cash_flow(self):
        self.ensure_one()
        if not self.project_id:
            raise UserError(
                self.env._(
                    "Contract %(contract)s has no EMC project: the cash flow is the project's.",
                    contract=self.display_name,
                )
            )
        return self.project_id.action_view_cash_flow()
