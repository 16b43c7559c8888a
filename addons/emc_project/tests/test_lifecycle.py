from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import EmcProjectCase


@tagged("post_install", "-at_install")
class TestLifecycle(EmcProjectCase):
    def _prepare_for_approval(self, project):
        scheme = self._make_scheme(project)
        scheme.action_select()
        project.action_check_feasibility()
        self.assertEqual(project.feasibility_id.recommendation, "go")
        return scheme

    def test_full_lifecycle_through_every_stage(self):
        project = self.project.with_user(self.pm)
        self.assertEqual(project.state, "initiation")
        project.action_start_research()
        self.assertEqual(project.state, "research")
        project.action_start_feasibility()
        self.assertEqual(project.state, "feasibility")
        self._prepare_for_approval(project)
        project.action_submit_approval()
        self.assertEqual(project.state, "approval")
        self.assertTrue(project.review_ids, "submitting must open the approval reviews")

        # The gate: the project manager cannot pass it alone.
        with self.assertRaisesRegex(
            UserError,
            f"^Project {project.name} cannot leave the approval stage: the approval "
            "\\(立项审批\\) is not validated yet.$",
        ):
            project.action_approve()
        with self.assertRaises(ValidationError):
            project.write({"state": "design"})
        self.assertEqual(project.state, "approval")

        # A configured reviewer validates; then the project moves on.
        self.project.with_user(self.reviewer).validate_tier()
        self.assertEqual(project.validation_status, "validated")
        project.action_approve()
        self.assertEqual(project.state, "design")
        self.assertTrue(project.analytic_account_id)
        self.assertEqual(project.budget_amount, 1_000_000)

        project.action_start_contract()
        self.assertEqual(project.state, "contract")
        project.action_start_implementation()
        self.assertEqual(project.state, "implementation")
        impl = project.implementation_project_id
        self.assertTrue(impl)
        self.assertEqual(impl.account_id, project.analytic_account_id)
        self.assertEqual(len(impl.task_ids), 5)
        self.assertEqual(impl.emc_project_id, project)

        log = (
            self.env["emc.construction.log"]
            .with_user(self.pm)
            .create(
                {
                    "project_id": project.id,
                    "task_id": impl.task_ids[0].id,
                    "progress": 100,
                    "staff_count": 6,
                    "work_done": "水泵变频器安装调试完成",
                    "material_ids": [(0, 0, {"name": "变频器", "planned_qty": 2, "used_qty": 2})],
                }
            )
        )
        self.assertEqual(project.progress, 100)
        self.assertEqual(log.material_ids.variance_qty, 0)

        project.action_start_acceptance()
        self.assertEqual(project.state, "acceptance")
        # Operation needs a passed, signed acceptance.
        with self.assertRaisesRegex(
            UserError,
            f"^Project {project.name} has no passed acceptance record: complete the "
            "acceptance first.$",
        ):
            project.action_start_operation()
        self.env["emc.acceptance.criterion"].create(
            {"project_id": project.id, "name": "节电率", "target": "≥ 25%", "method": "前后对比"}
        )
        acceptance = self.env["emc.acceptance"].create({"project_id": project.id})
        self.assertEqual(len(acceptance.line_ids), 1)
        self.assertEqual(acceptance.result, "pending")
        with self.assertRaisesRegex(
            UserError, "^Fill in the actual result of every criterion before signing.$"
        ):
            acceptance.action_sign()
        acceptance.line_ids.write({"actual": "28.6%", "passed": True})
        acceptance.write({"client_signatory": "张三", "esco_signatory": "李四"})
        acceptance.action_sign()
        self.assertEqual(acceptance.result, "passed")
        project.action_start_operation()
        self.assertEqual(project.state, "operation")
        project.action_close()
        self.assertEqual(project.state, "closed")
        self.assertEqual(project.date_closed, fields.Date.context_today(project))
        self.assertEqual(project.date_approved, fields.Date.context_today(project))

    def test_wrong_moves_are_refused_with_an_error(self):
        project = self.project.with_user(self.pm)
        for method, action, allowed in (
            ("action_start_feasibility", "Start feasibility study", "research"),
            ("action_submit_approval", "Submit for approval", "feasibility"),
            ("action_approve", "Approve and start design", "approval"),
            ("action_back_to_feasibility", "Back to feasibility", "approval"),
            ("action_start_contract", "Start contract", "design"),
            ("action_start_implementation", "Start implementation", "contract"),
            ("action_start_acceptance", "Start acceptance", "implementation"),
            ("action_start_operation", "Start operation", "acceptance"),
            ("action_close", "Close project", "operation"),
        ):
            with self.subTest(method=method):
                with self.assertRaisesRegex(UserError, self._stage_error(project, action, allowed)):
                    getattr(project, method)()
        self.assertEqual(project.state, "initiation")

    def test_stage_preconditions(self):
        project = self.project.with_user(self.pm)
        project.site_ids = False
        project.action_start_research()
        with self.assertRaisesRegex(
            UserError,
            f"^Project {project.name} has no site: record the client's site\\(s\\) before "
            "the feasibility study.$",
        ):
            project.action_start_feasibility()
        project.site_ids = self.site
        project.action_start_feasibility()
        with self.assertRaisesRegex(
            UserError,
            f"^Project {project.name}: select a scheme before submitting it for approval.$",
        ):
            project.action_submit_approval()
        scheme = self._make_scheme(project)
        scheme.action_select()
        with self.assertRaisesRegex(
            UserError,
            f"^Project {project.name}: run the feasibility check before submitting it for approval.$",
        ):
            project.action_submit_approval()
        # A scheme that never pays back gets a "no go": approval is refused.
        scheme.line_ids.saving_amount = 10_000
        project.action_check_feasibility()
        self.assertEqual(project.feasibility_id.recommendation, "no_go")
        with self.assertRaisesRegex(
            UserError,
            f"(?s)^Project {project.name}: the feasibility check advises against the project "
            "\\(.*Not recommended: the project does not pay back within its term.\\).$",
        ):
            project.action_submit_approval()
        self.assertEqual(project.state, "feasibility")

    def test_rejected_approval_goes_back_to_feasibility(self):
        project = self.project.with_user(self.pm)
        project.action_start_research()
        project.action_start_feasibility()
        self._prepare_for_approval(project)
        project.action_submit_approval()
        self.project.with_user(self.reviewer).reject_tier()
        self.assertEqual(project.validation_status, "rejected")
        with self.assertRaisesRegex(UserError, "cannot leave the approval stage"):
            project.action_approve()
        project.action_back_to_feasibility()
        self.assertEqual(project.state, "feasibility")
        self.assertFalse(project.review_ids)
        # A new submission starts a new round of reviews.
        project.action_submit_approval()
        self.assertEqual(project.state, "approval")
        self.assertEqual(project.validation_status, "waiting")
