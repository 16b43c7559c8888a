import re
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .funds_common import FundsCase


@tagged("post_install", "-at_install")
class TestFundRequest(FundsCase):
    def _tiers(self, request):
        return request.review_ids.sorted("sequence").mapped("definition_id")

    def test_over_budget_flagged_before_approval(self):
        self.cost(-100_000, "equipment")
        self.approve(self.request(150_000))
        # Equipment: 300,000 − 100,000 actual − 150,000 committed = 50,000 left.
        within = self.request(50_000)
        over = self.request(60_000)
        self.assertFalse(within.over_budget)
        self.assertEqual(within.budget_available, 50_000)
        self.assertTrue(over.over_budget)
        self.assertIn(over, self.Request.search([("over_budget", "=", True)]))
        self.assertNotIn(within, self.Request.search([("over_budget", "=", True)]))
        money = self.project.currency_id.format
        self.assertEqual(
            over.budget_message,
            f"Over budget: Equipment has {money(50_000)} left (planned {money(300_000)}, "
            f"actual {money(100_000)}, committed {money(150_000)}); this request exceeds it by "
            f"{money(10_000)} and needs the approval of an EMC administrator as well.",
        )
        form = Form(self.Request.with_user(self.pm))
        form.project_id = self.project
        form.category = "equipment"
        form.amount = 60_000
        self.assertTrue(form.over_budget, "the form warns while the request is typed")

        manager = self.env.ref("emc_contract.tier_definition_emc_fund_request_manager")
        finance = self.env.ref("emc_contract.tier_definition_emc_fund_request_finance")
        admin = self.env.ref("emc_contract.tier_definition_emc_fund_request_over_budget")
        self.assertFalse(within.need_validation, "a draft is not in the approval yet")
        within.action_submit()
        self.assertEqual(self._tiers(within), manager)
        over.action_submit()
        self.assertTrue(over.over_budget_at_submit)
        self.assertEqual(self._tiers(over), manager | finance | admin)
        # The project manager alone does not approve an over-budget request.
        over.with_user(self.pm).validate_tier()
        self.assertEqual(over.state, "to_approve")
        over.with_user(self.finance).validate_tier()
        self.assertEqual(over.state, "to_approve")
        over.with_user(self.reviewer).validate_tier()
        self.assertEqual(over.state, "approved")
        self.assertFalse(over.over_budget, "the flag only concerns requests before approval")

    def test_newly_over_budget_request_is_blocked(self):
        late = self.request(40_000)
        late.action_submit()
        self.assertFalse(late.over_budget_at_submit)
        # Meanwhile the equipment budget is spent.
        self.cost(-280_000, "equipment")
        late.invalidate_recordset(["over_budget"])
        self.assertTrue(late.over_budget)
        with self.assertRaisesRegex(UserError, "went over budget after it was submitted"):
            late.with_user(self.pm).validate_tier()
        self.assertEqual(late.state, "to_approve")

    def test_tier_approval_required(self):
        request = self.request(80_000, user=self.requester)
        self.assertEqual(request.requested_by_id, self.requester)
        request.with_user(self.requester).action_submit()
        self.assertEqual(request.state, "to_approve")
        self.assertEqual(len(request.review_ids), 2, "manager, then finance above 50,000")
        with self.assertRaisesRegex(UserError, "is not approved yet"):
            request.with_user(self.pm).action_approve()
        with self.assertRaises(ValidationError):
            request.sudo().write({"state": "approved"})
        with self.assertRaisesRegex(UserError, "through its buttons only"):
            request.with_user(self.pm).write({"state": "approved"})
        with self.assertRaisesRegex(UserError, "no longer a draft"):
            request.with_user(self.requester).write({"amount": 10})
        # In sequence: finance cannot review before the project manager.
        request.with_user(self.finance).validate_tier()
        self.assertEqual(request.review_ids.filtered("done_by").mapped("status"), [])
        request.with_user(self.pm).validate_tier()
        self.assertEqual(request.state, "to_approve")
        request.with_user(self.finance).validate_tier()
        self.assertEqual(request.validation_status, "validated")
        self.assertEqual(request.state, "approved")

    def test_rejection_and_rework(self):
        request = self.request(10_000)
        request.action_submit()
        request.with_user(self.pm).reject_tier()
        self.assertEqual(request.state, "rejected")
        request.action_draft()
        self.assertEqual(request.state, "draft")
        self.assertFalse(request.review_ids)
        request.amount = 12_000
        self.approve(request)

    def test_request_to_vendor_bill_and_paid(self):
        request = self.approve(self.request(20_000, category="construction"))
        with self.assertRaises(AccessError):
            request.with_user(self.pm).action_create_bill()
        request.with_user(self.finance).action_create_bill()
        self.assertEqual(request.state, "billed")
        bill = request.move_id
        self.assertEqual(bill.move_type, "in_invoice")
        self.assertEqual(bill.state, "draft")
        self.assertEqual(bill.partner_id, self.supplier)
        self.assertEqual(bill.emc_fund_request_id, request)
        self.assertEqual(bill.amount_total, 20_000)
        line = bill.invoice_line_ids
        self.assertEqual(line.analytic_distribution, {str(self.account.id): 100.0})
        self.assertEqual(line.emc_budget_category, "construction")
        # A draft bill still commits the amount; the posted bill is an actual cost.
        self.assertEqual(self.budget_line("construction").committed_amount, 20_000)
        bill.invoice_date = date(2025, 2, 20)
        bill.action_post()
        construction = self.budget_line("construction")
        self.assertEqual(construction.committed_amount, 0)
        self.assertEqual(construction.actual_amount, 20_000)
        analytic = self.env["account.analytic.line"].search([("move_line_id", "=", line.id)])
        self.assertEqual(analytic.emc_budget_category, "construction")
        self.assertEqual(analytic.amount, -20_000)

        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=bill.ids
        ).create({"payment_date": date(2025, 3, 1)})._create_payments()
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self.assertEqual(request.state, "paid")
        self.assertTrue(request.date_paid)

    def test_direct_payment(self):
        request = self.approve(self.request(5_000, category="design", payment_mode="payment"))
        request.with_user(self.finance).action_create_payment()
        self.assertEqual(request.state, "paid")
        payment = request.payment_id
        self.assertEqual(payment.state, "in_process")
        self.assertEqual(payment.partner_id, self.supplier)
        self.assertEqual(payment.amount, 5_000)
        self.assertEqual(payment.payment_type, "outbound")
        self.assertEqual(self.budget_line("design").actual_amount, 5_000)
        # A payment has no analytic line: the paid request is the actual outflow.
        self.env["emc.cash.flow"]._refresh(self.project)
        month = request.date_paid.replace(day=1)
        actual = self.env["emc.cash.flow"].search(
            [("project_id", "=", self.project.id), ("kind", "=", "actual"), ("month", "=", month)]
        )
        self.assertEqual((actual.outflow_capex, actual.net), (5_000, -5_000))

    def test_budget_figures_cost_no_query_per_request(self):
        def queries(requests):
            requests.invalidate_recordset()
            before = self.env.cr.sql_log_count
            requests.mapped("over_budget")
            return self.env.cr.sql_log_count - before

        self.approve(self.request(1_000))
        few = self.request(10) | self.request(20)
        many = few | self.request(30) | self.request(40) | self.request(50) | self.request(60)
        count = queries(few)
        self.assertGreater(count, 0)
        self.assertEqual(queries(many), count)

    def test_stage_errors(self):
        request = self.request(1_000)
        with self.assertRaisesRegex(
            UserError,
            re.escape(
                f"Fund request {request.display_name} is at stage “Draft”: “Create vendor bill” "
                "is only possible at “Approved”."
            ),
        ):
            request.with_user(self.finance).action_create_bill()

    def test_multi_company(self):
        other = self.env["res.company"].create({"name": "另一家节能服务公司"})
        project = self.env["emc.project"].create(
            {"name": "其他公司项目", "partner_id": self.client.id, "company_id": other.id}
        )
        foreign = self.Request.create(
            {
                "project_id": project.id,
                "category": "design",
                "amount": 1_000,
                "partner_id": self.supplier.id,
                "purpose": "设计费",
            }
        )
        self.assertEqual(foreign.company_id, other)
        mine = self.request(1_000)
        found = self.Request.with_user(self.pm).search([])
        self.assertIn(mine, found)
        self.assertNotIn(foreign, found)
        self.pm.write({"company_ids": [Command.link(other.id)]})
        self.assertIn(
            foreign,
            self.Request.with_user(self.pm).with_context(allowed_company_ids=[other.id]).search([]),
        )
