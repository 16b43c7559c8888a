from datetime import date

from odoo.tests import new_test_user

from odoo.addons.emc_project.tests.common import EmcProjectCase


class FundsCase(EmcProjectCase):
    """A project with an analytic account and a budget by category; a payee; finance users.

    Budget (CNY): equipment 300,000; construction 120,000; design 30,000 for
    the whole project; O&M 24,000 in 2025 and 36,000 in 2026.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.finance = new_test_user(
            cls.env,
            login="emc_fin_t",
            groups="base.group_user,emc_project.group_emc_finance,account.group_account_manager",
        )
        cls.requester = new_test_user(
            cls.env, login="emc_req_t", groups="base.group_user,emc_project.group_emc_user"
        )
        cls.supplier = cls.env["res.partner"].create(
            {"name": "四川巴中节能设备有限公司", "is_company": True}
        )
        cls.project.write({"date_start": date(2025, 1, 1), "date_end": date(2025, 3, 31)})
        cls.account = cls.project._ensure_analytic_account()
        cls.Budget = cls.env["emc.budget.line"]
        cls.Request = cls.env["emc.fund.request"]
        cls.Budget.create(
            [
                {"project_id": cls.project.id, "category": "equipment", "planned_amount": 300_000},
                {
                    "project_id": cls.project.id,
                    "category": "construction",
                    "planned_amount": 120_000,
                },
                {"project_id": cls.project.id, "category": "design", "planned_amount": 30_000},
                {
                    "project_id": cls.project.id,
                    "category": "om",
                    "year": 2025,
                    "planned_amount": 24_000,
                },
                {
                    "project_id": cls.project.id,
                    "category": "om",
                    "year": 2026,
                    "planned_amount": 36_000,
                },
            ]
        )

    @classmethod
    def cost(cls, amount, category, day=date(2025, 2, 10), project=None):
        """An analytic line on the project's account (negative amount: a cost)."""
        account = (project or cls.project).analytic_account_id
        return cls.env["account.analytic.line"].create(
            {
                "name": "成本",
                account.root_plan_id._column_name(): account.id,
                "amount": amount,
                "date": day,
                "emc_budget_category": category,
            }
        )

    @classmethod
    def request(cls, amount, category="equipment", user=None, **values):
        return (
            cls.Request.with_user(user or cls.pm)
            .create(
                {
                    "project_id": cls.project.id,
                    "category": category,
                    "amount": amount,
                    "partner_id": cls.supplier.id,
                    "purpose": "循环水泵变频器采购",
                    "date_due": date(2025, 2, 28),
                    **values,
                }
            )
            .with_user(cls.env.user)
        )

    def budget_line(self, category, year=0):
        line = self.project.budget_line_ids.filtered(
            lambda line: line.category == category and line.year == year
        )
        line.invalidate_recordset()
        return line

    def approve(self, request):
        """Submit and validate every tier as the EMC administrator (in every reviewer group)."""
        request.action_submit()
        # One click per tier: the administrator is in every reviewer group.
        for _review in request.review_ids:
            request.with_user(self.reviewer).validate_tier()
        self.assertEqual(request.state, "approved")
        return request
