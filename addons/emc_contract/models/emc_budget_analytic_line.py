from odoo import fields, models

from .emc_budget_line import BUDGET_CATEGORIES


class AccountAnalyticLine(models.Model):
    """The budget category of a cost on an EMC project's analytic account."""

    _inherit = "account.analytic.line"

    emc_budget_category = fields.Selection(
        BUDGET_CATEGORIES,
        string="Budget category",
        index="btree_not_null",
        help="The EMC project budget this cost is counted against.",
    )


class AccountMoveLine(models.Model):
    """The category travels from the bill line to the analytic lines it posts."""

    _inherit = "account.move.line"

    emc_budget_category = fields.Selection(
        BUDGET_CATEGORIES,
        string="Budget category",
        help="The EMC project budget this line is counted against (copied to its analytic lines).",
    )

    def _prepare_analytic_distribution_line(
        self, distribution, account_ids, distribution_on_each_plan
    ):
        values = super()._prepare_analytic_distribution_line(
            distribution, account_ids, distribution_on_each_plan
        )
        if self.emc_budget_category:
            values["emc_budget_category"] = self.emc_budget_category
        return values
