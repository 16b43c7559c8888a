"""Monthly cash flow per project and for the portfolio, planned and actual.

One row per scope (a project, or a company's portfolio), kind (planned or
actual) and month, rebuilt by :meth:`EmcCashFlow._refresh` (the daily cron,
the Refresh button, the project's Cash flow button); graphs, pivots and the
XLSX export read the rows.

* Planned inflows: the ESCO's revenue forecast of every contract of the
  project that is not cancelled (:func:`lib.cash_flow.revenue_forecast`):
  the M&V forecast of its approved baselines (a normal year, by calendar
  month) valued at its electricity price and terms; lease instalments from
  :func:`lib.settlement.lease_schedule`.
* Planned outflows: the budget lines. Yearly lines are spread evenly over
  their year's months; whole-project equipment, construction and design over
  the project's planned construction months (else the month of the first
  contract start), O&M and financing costs over the contracts' term by days
  (else the month after construction).
* Actual inflows: the revenue (positive amounts) booked on the project's
  analytic account, by the analytic line's month (posted customer invoices
  carrying the project's analytic distribution); the hook
  :meth:`_actual_inflows` lets the settlement add its own links.
* Actual outflows: the costs (negative amounts) of the analytic account by
  budget category (those without one under "Other"), and fund requests paid
  without a bill, at their payment month.

Amounts are positive numbers in the inflow and outflow columns; ``net`` is
inflow − outflow, ``cumulative`` its running total from the first month of the
series; ``is_payback`` marks the month the cumulative position turns back to
zero or above (:func:`lib.cash_flow.payback_month`).
"""

import logging
from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..lib import cash_flow, settlement
from .emc_budget_line import CAPEX_CATEGORIES
from .emc_contract import SETTLEMENT_PERIOD_MONTHS

_logger = logging.getLogger(__name__)

SCOPES = [("project", "Project"), ("portfolio", "Portfolio")]
KINDS = [("planned", "Planned"), ("actual", "Actual")]
OUTFLOW_COLUMNS = {
    "equipment": "outflow_capex",
    "construction": "outflow_capex",
    "design": "outflow_capex",
    "om": "outflow_om",
    "financing": "outflow_financing",
    False: "outflow_other",
}
AMOUNT_COLUMNS = ("inflow", "outflow_capex", "outflow_om", "outflow_financing", "outflow_other")


class EmcCashFlow(models.Model):
    _name = "emc.cash.flow"
    _description = "Cash flow month"
    _order = "scope, project_id, kind, month"
    _rec_name = "month"

    scope = fields.Selection(SCOPES, required=True, index=True)
    project_id = fields.Many2one("emc.project", index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(KINDS, required=True)
    month = fields.Date(required=True)
    inflow = fields.Monetary(string="Inflows")
    outflow_capex = fields.Monetary(string="Capex")
    outflow_om = fields.Monetary(string="O&M")
    outflow_financing = fields.Monetary(string="Financing costs")
    outflow_other = fields.Monetary(string="Other costs")
    outflow = fields.Monetary(string="Outflows")
    net = fields.Monetary()
    cumulative = fields.Monetary(string="Cumulative position", aggregator="sum")
    is_payback = fields.Boolean(string="Payback month")

    # ------------------------------------------------------------------
    # Sources
    # ------------------------------------------------------------------
    def _contract_terms(self, contract):
        """The contract as :class:`lib.cash_flow.RevenueTerms`."""
        price_line = contract.price_ids.filtered(lambda p: p.carrier == "electricity")[:1]
        price = 0.0
        if price_line.pricing == "fixed":
            price = price_line.price
        elif price_line.tou_line_ids:
            lines = price_line.tou_line_ids
            weights = sum(lines.mapped("weight"))
            price = (
                sum(line.price * line.weight for line in lines) / weights
                if weights
                else sum(lines.mapped("price")) / len(lines)
            )
        guarantee = contract.guarantee_line_ids.filtered(lambda g: g.carrier == "electricity")[:1]
        lease = ()
        if contract.contract_type == "financing_lease" and contract.lease_instalments:
            terms = contract._settlement_contract()
            lease = tuple(
                (item.due, item.payment)
                for item in settlement.lease_schedule(terms.lease, contract.date_start)
            )
        return cash_flow.RevenueTerms(
            contract_type=contract.contract_type,
            date_start=contract.date_start,
            date_last=contract._settlement_last_day(),
            price=price,
            tiers=[(t.year_from, t.year_to or None, t.esco_share) for t in contract.tier_ids],
            period_months=SETTLEMENT_PERIOD_MONTHS[contract.settlement_period],
            guarantee_kwh=guarantee.kwh or None,
            guarantee_per=contract.guarantee_per or "year",
            excess_share=(
                contract.excess_share
                if contract.contract_type == "guaranteed_savings"
                and contract.excess_rule == "shared"
                else None
            ),
            shortfall_price=guarantee.shortfall_price or None,
            fee=contract.trusteeship_fee if contract.trusteeship_fee_mode == "fixed" else None,
            fee_share=(
                contract.trusteeship_fee_share if contract.trusteeship_fee_mode == "share" else None
            ),
            lease=lease,
        )

    def _planned_inflows(self, project):
        """{month: Decimal} of the ESCO's planned revenue of the project's contracts."""
        inflows = defaultdict(Decimal)
        contracts = self.env["emc.contract"].search(
            [("project_id", "=", project.id), ("state", "!=", "cancelled")]
        )
        for contract in contracts:
            try:
                rows = contract._revenue_forecast()
            except (cash_flow.CashFlowError, settlement.SettlementError) as error:
                _logger.warning("No revenue forecast for contract %s: %s", contract.name, error)
                continue
            for month, amount in rows:
                inflows[month] += amount
        return inflows

    def _contract_span(self, project):
        contracts = self.env["emc.contract"].search(
            [
                ("project_id", "=", project.id),
                ("state", "!=", "cancelled"),
                ("date_start", "!=", False),
                ("date_end", "!=", False),
            ]
        )
        if not contracts:
            return None
        return min(contracts.mapped("date_start")), max(c._settlement_last_day() for c in contracts)

    def _planned_outflows(self, project):
        """{(month, column): Decimal} of the project's budget lines (module docstring)."""
        outflows = defaultdict(Decimal)
        term = self._contract_span(project)
        build = None
        if project.date_start and project.date_end:
            build = cash_flow.months(project.date_start, project.date_end)
        elif term:
            build = [cash_flow.month_start(term[0])]
        fallback = [cash_flow.month_start(fields.Date.context_today(self))]
        for line in project.budget_line_ids:
            column = OUTFLOW_COLUMNS[line.category]
            if line.year:
                months = cash_flow.months(
                    fields.Date.to_date(f"{line.year}-01-01"),
                    fields.Date.to_date(f"{line.year}-12-31"),
                )
                weights = [1] * 12
            elif line.category in CAPEX_CATEGORIES:
                months = build or fallback
                weights = [1] * len(months)
            elif term:
                months = cash_flow.months(*term)
                weights = [cash_flow.days_in_span(m, *term) for m in months]
            else:
                months = [cash_flow.add_months(build[-1], 1)] if build else fallback
                weights = [1]
            for month, part in zip(
                months, cash_flow.spread(line.planned_amount, weights), strict=True
            ):
                outflows[month, column] += part
        return outflows

    @api.model
    def _actual_inflows(self, project):
        """{month: Decimal} of the project's booked revenue (hook for the settlement)."""
        inflows = defaultdict(Decimal)
        for _project, month, amount in project._budget_analytic_groups(
            [("amount", ">", 0)], ["date:month"]
        ):
            inflows[month] += cash_flow.fen(amount)
        return inflows

    def _actual_outflows(self, project):
        outflows = defaultdict(Decimal)
        for _project, month, category, amount in project._budget_analytic_groups(
            [("amount", "<", 0)], ["date:month", "emc_budget_category"]
        ):
            outflows[month, OUTFLOW_COLUMNS[category]] -= cash_flow.fen(amount)
        paid = (
            self.env["emc.fund.request"]
            .sudo()
            ._read_group(
                [
                    ("project_id", "=", project.id),
                    ("state", "=", "paid"),
                    ("payment_id", "!=", False),
                    ("move_id", "=", False),
                ],
                ["date_paid:month", "category"],
                ["amount:sum"],
            )
        )
        for month, category, amount in paid:
            if month:
                outflows[month, OUTFLOW_COLUMNS[category]] += cash_flow.fen(amount)
        return outflows

    # ------------------------------------------------------------------
    # Rows
    # ------------------------------------------------------------------
    @api.model
    def _series_rows(self, base, inflows, outflows):
        """Row values of one series: every month from the first to the last with an amount."""
        by_month = defaultdict(lambda: dict.fromkeys(AMOUNT_COLUMNS, Decimal(0)))
        for month, amount in inflows.items():
            by_month[month]["inflow"] += amount
        for (month, column), amount in outflows.items():
            by_month[month][column] += amount
        if not by_month:
            return []
        rows = []
        nets = []
        for month in cash_flow.months(min(by_month), max(by_month)):
            amounts = by_month.get(month) or dict.fromkeys(AMOUNT_COLUMNS, Decimal(0))
            outflow = sum(amounts[column] for column in AMOUNT_COLUMNS[1:])
            net = amounts["inflow"] - outflow
            nets.append((month, net))
            rows.append(
                {
                    **base,
                    "month": month,
                    **{column: float(amounts[column]) for column in AMOUNT_COLUMNS},
                    "outflow": float(outflow),
                    "net": float(net),
                }
            )
        payback = cash_flow.payback_month(nets)
        for row, total in zip(rows, cash_flow.cumulate(net for _m, net in nets), strict=True):
            row["cumulative"] = float(total)
            row["is_payback"] = row["month"] == payback
        return rows

    @api.model
    def _refresh(self, projects=None):
        """Rebuild the rows of ``projects`` (all projects when None) and their portfolios.

        Run as superuser: the rows are figures derived from budgets, contracts
        and accounting that the readers of the cash flow may not read one by
        one; the multi-company rules then apply to the rows themselves.
        """
        flows = self.sudo()
        Project = flows.env["emc.project"].with_context(active_test=False)
        projects = Project.search([]) if projects is None else Project.browse(projects.ids)
        flows.search([("scope", "=", "project"), ("project_id", "in", projects.ids)]).unlink()
        values = []
        for project in projects:
            base = {
                "scope": "project",
                "project_id": project.id,
                "company_id": project.company_id.id,
            }
            values += flows._series_rows(
                {**base, "kind": "planned"},
                flows._planned_inflows(project),
                flows._planned_outflows(project),
            )
            values += flows._series_rows(
                {**base, "kind": "actual"},
                flows._actual_inflows(project),
                flows._actual_outflows(project),
            )
        flows.create(values)
        flows._refresh_portfolio(projects.company_id)
        return True

    def _refresh_portfolio(self, companies):
        self.search([("scope", "=", "portfolio"), ("company_id", "in", companies.ids)]).unlink()
        groups = self._read_group(
            [("scope", "=", "project"), ("company_id", "in", companies.ids)],
            ["company_id", "kind", "month:month"],
            [f"{column}:sum" for column in AMOUNT_COLUMNS],
        )
        series = defaultdict(lambda: (defaultdict(Decimal), defaultdict(Decimal)))
        for company, kind, month, *amounts in groups:
            inflows, outflows = series[company.id, kind]
            inflows[month] += cash_flow.fen(amounts[0])
            for column, amount in zip(AMOUNT_COLUMNS[1:], amounts[1:], strict=True):
                outflows[month, column] += cash_flow.fen(amount)
        values = []
        for (company_id, kind), (inflows, outflows) in series.items():
            values += self._series_rows(
                {"scope": "portfolio", "company_id": company_id, "kind": kind},
                inflows,
                outflows,
            )
        self.create(values)

    @api.model
    def _cron_refresh(self):
        """Daily: rebuild the cash flow of every project."""
        return self._refresh()

    @api.model
    def action_refresh(self):
        """Rebuild every cash flow the user's companies hold, and reload the view."""
        if not (
            self.env.user.has_group("emc_project.group_emc_finance")
            or self.env.user.has_group("emc_project.group_emc_manager")
        ):
            raise AccessError(
                self.env._("Only finance and project managers refresh the cash flow.")
            )
        projects = (
            self.env["emc.project"]
            .with_context(active_test=False)
            .search([("company_id", "in", self.env.companies.ids)])
        )
        self._refresh(projects)
        return {"type": "ir.actions.client", "tag": "soft_reload"}
