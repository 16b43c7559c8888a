from datetime import date

from odoo.tests import tagged

from .common import EmcProjectCase


@tagged("post_install", "-at_install")
class TestRiskFlags(EmcProjectCase):
    def _open_flags(self, project):
        return set(project.risk_ids.filtered(lambda r: r.state == "open").mapped("flag_code")) - {
            False
        }

    def test_payback_beyond_term(self):
        scheme = self._make_scheme(self.project, saving=150_000, om=0)  # payback 6.7 > 5
        scheme.action_select()
        self.assertIn("payback_over_term", self._open_flags(self.project))
        # Better savings: the flag closes by itself.
        scheme.line_ids.saving_amount = 400_000
        self.project._update_risk_flags()
        self.assertNotIn("payback_over_term", self._open_flags(self.project))
        closed = self.project.risk_ids.filtered(lambda r: r.flag_code == "payback_over_term")
        self.assertEqual(closed.state, "closed")

    def test_missing_data(self):
        self.project.engineer_id = False
        self.project.state = "feasibility"
        self.project._update_risk_flags()
        self.assertIn("missing_data", self._open_flags(self.project))
        # Raised once, not once per run.
        self.project._update_risk_flags()
        flags = self.project.risk_ids.filtered(
            lambda r: r.flag_code == "missing_data" and r.state == "open"
        )
        self.assertEqual(len(flags), 1)

    def test_schedule_slip(self):
        self.project.write(
            {
                "state": "implementation",
                "date_start": date(2026, 1, 1),
                "date_end": date(2026, 1, 31),
            }
        )
        self.env["emc.construction.log"].create(
            {
                "project_id": self.project.id,
                "date": date(2026, 1, 10),
                "progress": 10,
                "work_done": "基础施工",
            }
        )
        # On 21 January the plan is 20/30 = 66.7 %, reported 10 %: lag 56.7 > 15.
        self.project._update_risk_flags(today=date(2026, 1, 21))
        self.assertIn("schedule_slip", self._open_flags(self.project))
        # On 3 January the plan is 6.7 %: no slip, the flag clears.
        self.project._update_risk_flags(today=date(2026, 1, 3))
        self.assertNotIn("schedule_slip", self._open_flags(self.project))

    def test_budget_overrun(self):
        self._make_scheme(self.project).action_select()
        account = self.project._ensure_analytic_account()
        self.assertEqual(self.project.budget_amount, 1_000_000)
        column = account.root_plan_id._column_name()
        self.env["account.analytic.line"].create(
            {"name": "设备采购", column: account.id, "amount": -1_060_000}
        )
        self.project.invalidate_recordset(["actual_cost"])
        self.assertAlmostEqual(self.project.actual_cost, 1_060_000)
        self.assertAlmostEqual(self.project.budget_variance, 60_000)
        self.project._update_risk_flags()
        # 6 % over a 5 % tolerance
        self.assertIn("budget_overrun", self._open_flags(self.project))

    def test_actual_cost_reads_the_column_of_the_projects_plan(self):
        # Vendor bills write a line's analytic account into the column of its
        # plan; the EMC projects plan is not Odoo's project plan.
        account = self.project._ensure_analytic_account()
        column = account.root_plan_id._column_name()
        self.env["account.analytic.line"].create(
            {"name": "施工费", column: account.id, "amount": -250_000}
        )
        self.project.invalidate_recordset(["actual_cost"])
        self.assertAlmostEqual(self.project.actual_cost, 250_000)

    def test_cron_runs_over_open_projects(self):
        self._make_scheme(self.project, saving=100_000, om=0).action_select()
        self.project.risk_ids.unlink()
        self.env["emc.project"]._cron_update_risk_flags()
        self.assertIn("payback_over_term", self._open_flags(self.project))

    def test_manual_risk_score(self):
        risk = self.env["emc.risk"].create(
            {
                "name": "客户经营风险",
                "project_id": self.project.id,
                "probability": "4",
                "impact": "5",
            }
        )
        self.assertEqual(risk.score, 20)
        self.assertEqual(risk.level, "high")
