"""Project budgets by category on the project's analytic account.

A budget line plans an amount for one category (设备 equipment, 施工
construction, 设计 design, 运维 O&M, 财务费用 financing) of an EMC project,
for the whole project or for one calendar year. Actuals are the costs
(negative amounts) of the analytic lines of the project's analytic account
that carry the same category (``emc_budget_category``, set on vendor bill
lines and copied to their analytic lines when the bill is posted; a line
without a category counts in the project's total cost only), plus the fund
requests paid without a bill (a payment has no analytic line). Committed is
what approved fund requests will spend and is not yet in the actuals. The
project's total budget (``budget_amount``, read by the budget report and the
overrun risk of emc_project) is the sum of its lines once it has any.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError

BUDGET_CATEGORIES = [
    ("equipment", "Equipment"),
    ("construction", "Construction"),
    ("design", "Design"),
    ("om", "O&M"),
    ("financing", "Financing costs"),
]
# Categories spent while the project is built (the rest over the contract term).
CAPEX_CATEGORIES = ("equipment", "construction", "design")


class EmcBudgetLine(models.Model):
    _name = "emc.budget.line"
    _description = "Project budget line"
    _order = "project_id, year, category"

    project_id = fields.Many2one("emc.project", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="project_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="project_id.currency_id")
    analytic_account_id = fields.Many2one(related="project_id.analytic_account_id")
    category = fields.Selection(BUDGET_CATEGORIES, required=True)
    year = fields.Integer(help="The calendar year budgeted; empty for the whole project.")
    planned_amount = fields.Monetary(string="Planned", required=True)
    actual_amount = fields.Monetary(
        string="Actual",
        compute="_compute_amounts",
        help="Costs of the category booked on the project's analytic account, in the year "
        "when the line has one, and fund requests paid without a bill.",
    )
    committed_amount = fields.Monetary(
        string="Committed",
        compute="_compute_amounts",
        help="Approved fund requests not yet booked: not billed, or billed in a draft bill.",
    )
    remaining_amount = fields.Monetary(
        string="Remaining", compute="_compute_amounts", help="Planned − actual − committed."
    )
    used_pct = fields.Float(string="Used (%)", compute="_compute_amounts")
    note = fields.Char()

    _sql_constraints = [
        (
            "category_year_uniq",
            "unique(project_id, category, year)",
            "A project has one budget line per category and year.",
        ),
        ("planned_positive", "CHECK(planned_amount >= 0)", "A planned amount cannot be negative."),
        (
            "year_range",
            "CHECK(year = 0 OR year IS NULL OR year BETWEEN 1900 AND 2200)",
            "Bad year.",
        ),
    ]

    @api.constrains("project_id", "category", "year")
    def _check_whole_or_yearly(self):
        for line in self:
            siblings = line.project_id.budget_line_ids.filtered(
                lambda other, line=line: other.category == line.category
            )
            if len({bool(other.year) for other in siblings}) > 1:
                raise ValidationError(
                    self.env._(
                        "Project %(project)s budgets “%(category)s” both for the whole project "
                        "and by year: keep one of the two.",
                        project=line.project_id.display_name,
                        category=dict(BUDGET_CATEGORIES)[line.category],
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines.project_id._sync_budget_amount()
        return lines

    def write(self, vals):
        projects = self.project_id
        res = super().write(vals)
        (projects | self.project_id)._sync_budget_amount()
        return res

    def unlink(self):
        projects = self.project_id
        res = super().unlink()
        projects._sync_budget_amount()
        return res

    @api.depends("project_id", "category", "year", "planned_amount")
    def _compute_amounts(self):
        projects = self.project_id
        actual = projects._budget_actuals(by_year=True)
        committed = projects._budget_committed(by_year=True)
        totals_actual = defaultdict(float)
        totals_committed = defaultdict(float)
        for (project_id, category, _year), amount in actual.items():
            totals_actual[project_id, category] += amount
        for (project_id, category, _year), amount in committed.items():
            totals_committed[project_id, category] += amount
        for line in self:
            key = (line.project_id.id, line.category)
            if line.year:
                spent = actual.get((*key, line.year), 0.0)
                engaged = committed.get((*key, line.year), 0.0)
            else:
                spent = totals_actual[key]
                engaged = totals_committed[key]
            line.actual_amount = spent
            line.committed_amount = engaged
            line.remaining_amount = line.planned_amount - spent - engaged
            line.used_pct = (
                100.0 * (spent + engaged) / line.planned_amount if line.planned_amount else 0.0
            )
