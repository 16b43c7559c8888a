from collections import defaultdict

from odoo import api, fields, models


class EmcProject(models.Model):
    """Budgets by category, fund requests and the cash flow of an EMC project."""

    _inherit = "emc.project"

    budget_line_ids = fields.One2many("emc.budget.line", "project_id", string="Budget lines")
    fund_request_ids = fields.One2many("emc.fund.request", "project_id", string="Fund requests")
    fund_request_count = fields.Integer(compute="_compute_fund_request_count")
    budget_committed = fields.Monetary(
        string="Committed",
        compute="_compute_budget_committed",
        help="Approved fund requests not yet booked on the analytic account.",
    )
    cash_flow_payback_month = fields.Date(
        string="Planned payback month",
        compute="_compute_cash_flow_summary",
        help="The first month the planned cumulative cash position is back at zero or above "
        "(from the last cash-flow refresh).",
    )
    cash_flow_actual_position = fields.Monetary(
        string="Actual cash position",
        compute="_compute_cash_flow_summary",
        help="Cumulative actual inflows minus outflows up to the last month refreshed.",
    )

    @api.depends("fund_request_ids")
    def _compute_fund_request_count(self):
        groups = dict(
            self.env["emc.fund.request"]._read_group(
                [("project_id", "in", self.ids)], ["project_id"], ["__count"]
            )
        )
        for project in self:
            project.fund_request_count = groups.get(project, 0)

    def _compute_budget_committed(self):
        committed = self._budget_committed()
        for project in self:
            project.budget_committed = sum(
                amount for (pid, _cat, _y), amount in committed.items() if pid == project.id
            )

    def _compute_cash_flow_summary(self):
        rows = self.env["emc.cash.flow"].search(
            [("project_id", "in", self.ids), ("scope", "=", "project")], order="month"
        )
        for project in self:
            mine = rows.filtered(lambda row, project=project: row.project_id == project)
            planned = mine.filtered(lambda row: row.kind == "planned")
            actual = mine.filtered(lambda row: row.kind == "actual")
            project.cash_flow_payback_month = planned.filtered("is_payback")[:1].month
            project.cash_flow_actual_position = actual[-1:].cumulative

    def _sync_budget_amount(self):
        """The project's total budget is the sum of its budget lines, once it has any."""
        for project in self.exists():
            if project.budget_line_ids:
                total = sum(project.budget_line_ids.mapped("planned_amount"))
                if project.currency_id.compare_amounts(total, project.budget_amount):
                    project.budget_amount = total

    def _budget_analytic_groups(self, domain, groupby):
        """``_read_group`` of the analytic lines of the projects' accounts, by project.

        Accounts of any analytic plan are read in the plan's own column. Sums
        only, of the projects' own accounts: EMC users see their budget
        figures without needing accounting rights on the analytic lines.
        """
        result = []
        accounts = self.analytic_account_id
        by_account = {project.analytic_account_id.id: project for project in self}
        Line = self.env["account.analytic.line"].sudo()
        for plan in accounts.root_plan_id:
            fname = plan._column_name()
            plan_accounts = accounts.filtered(lambda a, plan=plan: a.root_plan_id == plan)
            for account, *rest in Line._read_group(
                [(fname, "in", plan_accounts.ids), *domain], [fname, *groupby], ["amount:sum"]
            ):
                result.append((by_account[account.id], *rest))
        return result

    def _budget_actuals(self, by_year=False):
        """{(project id, category, year or 0): cost} of the projects, as positive amounts."""
        actual = defaultdict(float)
        groupby = ["emc_budget_category", "date:year"]
        for project, category, year, amount in self._budget_analytic_groups(
            [("amount", "<", 0), ("emc_budget_category", "!=", False)], groupby
        ):
            actual[project.id, category, year.year if by_year else 0] -= amount
        paid = (
            self.env["emc.fund.request"]
            .sudo()
            ._read_group(
                [
                    ("project_id", "in", self.ids),
                    ("state", "=", "paid"),
                    ("payment_id", "!=", False),
                    ("move_id", "=", False),
                ],
                ["project_id", "category", "date_paid:year"],
                ["amount:sum"],
            )
        )
        for project, category, year, amount in paid:
            actual[project.id, category, year.year if by_year and year else 0] += amount
        return actual

    def _budget_committed(self, by_year=False):
        """{(project id, category, year or 0): amount} of approved requests not yet booked."""
        committed = defaultdict(float)
        requests = (
            self.env["emc.fund.request"]
            .sudo()
            .search([("project_id", "in", self.ids), ("state", "in", ("approved", "billed"))])
        )
        for request in requests:
            if not request._is_committed():
                continue
            day = request.date_due or request.create_date.date()
            committed[request.project_id.id, request.category, day.year if by_year else 0] += (
                request.amount
            )
        return committed

    def action_view_fund_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "emc_contract.emc_fund_request_action"
        )
        action["domain"] = [("project_id", "=", self.id)]
        action["context"] = {"default_project_id": self.id}
        return action

    def action_view_cash_flow(self):
        self.ensure_one()
        self.env["emc.cash.flow"]._refresh(self)
        action = self.env["ir.actions.act_window"]._for_xml_id("emc_contract.emc_cash_flow_action")
        action["domain"] = [("project_id", "=", self.id), ("scope", "=", "project")]
        action["context"] = {"search_default_group_kind": 1}
        return action
