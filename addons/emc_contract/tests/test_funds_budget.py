from datetime import date

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .funds_common import FundsCase


@tagged("post_install", "-at_install")
class TestFundsBudget(FundsCase):
    def test_budget_vs_actual_from_analytic_lines(self):
        self.cost(-100_000, "equipment")
        self.cost(-20_000, "construction")
        self.cost(-5_000, False)  # no category: in the project's total cost only
        self.cost(8_000, "equipment")  # revenue, not a cost
        self.cost(-2_000, "om", day=date(2025, 6, 1))
        self.cost(-3_000, "om", day=date(2026, 1, 5))

        equipment = self.budget_line("equipment")
        self.assertEqual(equipment.actual_amount, 100_000)
        self.assertEqual(equipment.committed_amount, 0)
        self.assertEqual(equipment.remaining_amount, 200_000)
        self.assertAlmostEqual(equipment.used_pct, 100 / 3, places=6)
        self.assertEqual(self.budget_line("construction").actual_amount, 20_000)
        self.assertEqual(self.budget_line("design").actual_amount, 0)
        self.assertEqual(self.budget_line("om", 2025).actual_amount, 2_000)
        self.assertEqual(self.budget_line("om", 2025).remaining_amount, 22_000)
        self.assertEqual(self.budget_line("om", 2026).actual_amount, 3_000)

        # The project's total budget (emc_project's budget vs actual) is the lines' sum.
        self.assertEqual(self.project.budget_amount, 510_000)
        self.budget_line("design").planned_amount = 40_000
        self.assertEqual(self.project.budget_amount, 520_000)

    def test_committed_from_approved_requests(self):
        self.cost(-100_000, "equipment")
        draft = self.request(10_000)
        approved = self.approve(self.request(50_000))
        line = self.budget_line("equipment")
        self.assertEqual(line.committed_amount, 50_000)
        self.assertEqual(line.remaining_amount, 150_000)
        self.assertEqual(self.project.budget_committed, 50_000)
        # A draft does not commit anything; a cancelled approval releases its amount.
        self.assertEqual(draft.budget_committed, 50_000)
        self.assertEqual(approved.budget_committed, 0, "a request is not committed against itself")
        self.assertEqual(approved.budget_available, 200_000)
        approved.action_cancel()
        self.assertEqual(self.budget_line("equipment").committed_amount, 0)

    def test_whole_project_or_yearly_not_both(self):
        with self.assertRaisesRegex(ValidationError, "both for the whole project and by year"):
            self.Budget.create(
                {
                    "project_id": self.project.id,
                    "category": "equipment",
                    "year": 2025,
                    "planned_amount": 1,
                }
            )

    def test_access(self):
        line = self.budget_line("equipment")
        self.assertEqual(line.with_user(self.requester).planned_amount, 300_000)
        with self.assertRaises(AccessError):
            line.with_user(self.requester).planned_amount = 1
        line.with_user(self.finance).planned_amount = 310_000
        with self.assertRaises(AccessError):
            self.env["emc.cash.flow"].with_user(self.requester).search([])
        self.env["emc.cash.flow"].with_user(self.finance).search([])
