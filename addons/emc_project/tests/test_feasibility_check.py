from odoo.tests import tagged

from .common import EmcProjectCase


@tagged("post_install", "-at_install")
class TestFeasibilityCheck(EmcProjectCase):
    """The project's feasibility check: plain values in, lib/feasibility.py's verdict out."""

    def _check(self, project):
        project.action_check_feasibility()
        return project.feasibility_id

    def test_complete_project_is_recommended(self):
        # payback 1,000,000 / 280,000 = 3.57 y of a 5-year term (71 %) → 70; AA → 90:
        # 0.2 × 100 + 0.35 × 70 + 0.25 × 90 + 0.2 × 100 = 87.0
        self._make_scheme(self.project).action_select()
        check = self._check(self.project)
        self.assertEqual(
            (check.completeness_score, check.payback_score, check.credit_score, check.risk_score),
            (100.0, 70.0, 90.0, 100.0),
        )
        self.assertEqual(check.total_score, 87.0)
        self.assertEqual(check.recommendation, "go")
        self.assertEqual(check.scheme_id, self.project.selected_scheme_id)
        self.assertEqual(
            check.reasons.splitlines(),
            [
                "All required data is present.",
                "Payback 3.6 years against a 5-year term (71% of the term).",
                "Client credit rating AA.",
                "No open risk in the register.",
                "Recommended (score 87.0 ≥ 75).",
            ],
        )

    def test_empty_project_scores_zero_completeness(self):
        client = self.env["res.partner"].create({"name": "空白客户", "is_company": True})
        project = self.env["emc.project"].create(
            {"name": "空白项目", "partner_id": client.id, "user_id": self.pm.id}
        )
        check = self._check(project)
        self.assertEqual(check.completeness_score, 0.0)
        # 0 + 0 + 0.25 × 30 + 0.2 × 100
        self.assertEqual(check.total_score, 27.5)
        self.assertEqual(check.recommendation, "no_go")
        self.assertEqual(
            check.reasons.splitlines(),
            [
                "Missing data: site, site energy use, equipment inventory, selected scheme, "
                "scheme lines, energy engineer, and client credit rating.",
                "No payback: the scheme's savings do not recover the investment.",
                "Client credit rating unknown.",
                "No open risk in the register.",
                "Not recommended: the project does not pay back within its term.",
            ],
        )
        self.assertEqual(len(project._missing_data()), 7)

    def test_manual_risk_counts_automatic_flags_do_not(self):
        self._make_scheme(self.project).action_select()
        self.project.engineer_id = False
        self.project.state = "feasibility"  # the missing engineer raises a flag here
        self.project._update_risk_flags()
        self.assertTrue(self.project.risk_ids.filtered("flag_code"))
        self.env["emc.risk"].create(
            {
                "name": "客户经营风险",
                "project_id": self.project.id,
                "probability": "4",
                "impact": "5",
            }
        )
        check = self._check(self.project)
        # 6 of 7; the worst manual risk scores 20: 100 − 4 × 20 = 20
        # 0.2 × 85.71 + 24.5 + 22.5 + 0.2 × 20 = 68.14 → 68.1: with conditions
        self.assertEqual(check.risk_score, 20.0)
        self.assertEqual(check.total_score, 68.1)
        self.assertEqual(check.recommendation, "conditional")
        self.assertEqual(
            check.reasons.splitlines()[::3],
            [
                "Missing data: energy engineer.",
                "1 open risk(s), the highest scoring 20 of 25.",
            ],
        )
        self.assertEqual(
            check.reasons.splitlines()[-1],
            "Recommended with conditions (score 68.1 between 55 and 75): resolve the points above.",
        )

    def test_reasons_in_chinese(self):
        client = self.env["res.partner"].create({"name": "空白客户", "is_company": True})
        project = self.env["emc.project"].create({"name": "空白项目", "partner_id": client.id})
        project.engineer_id = False
        check = self._check(project.with_context(lang="zh_CN"))
        self.assertEqual(
            check.reasons.splitlines()[0],
            "缺失数据：用能场所、用能场所能耗、设备清单、选定方案、方案明细、节能工程师和客户信用等级。",
        )
        self.assertEqual(check.reasons.splitlines()[2], "客户信用等级未知。")
