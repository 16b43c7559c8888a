from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import EmcProjectCase


@tagged("post_install", "-at_install")
class TestScheme(EmcProjectCase):
    def test_financials_against_hand_computed_values(self):
        # capex 1,000,000; savings 300,000/yr; O&M 20,000/yr; 5 years at 8 %;
        # shared savings, ESCO keeps 70 %.
        # annuity factor AF = sum(1/1.08^t, t=1..5) = 3.992710037
        # project NPV = -1,000,000 + 280,000 × AF = 117,958.81
        # ESCO NPV    = -1,000,000 + (0.7×300,000 − 20,000) × AF = −241,385.09
        # client NPV  = 0.3 × 300,000 × AF = 359,343.90
        # payback     = 1,000,000 / 280,000 = 3.5714 years
        # IRR: 280,000 × AF(r) = 1,000,000 → r = 12.3762 % (bisection)
        scheme = self._make_scheme(self.project)
        self.assertAlmostEqual(scheme.capex_total, 1_000_000)
        self.assertAlmostEqual(scheme.payback_years, 3.57, places=2)
        self.assertTrue(scheme.pays_back)
        self.assertAlmostEqual(scheme.npv, 117_958.81, places=2)
        self.assertAlmostEqual(scheme.esco_npv, -241_385.09, places=2)
        self.assertAlmostEqual(scheme.client_npv, 359_343.90, places=2)
        self.assertAlmostEqual(scheme.irr, 12.3762, places=2)  # stored with 2 decimals
        self.assertEqual(scheme.irr_status, "ok")
        self.assertFalse(scheme.irr_message)
        # 460,000 kWh × 0.1229 kgce/kWh = 56.534 tce
        self.assertAlmostEqual(scheme.saving_tce, 56.534, places=2)
        self.assertIn("280,000", scheme.cash_flow_html)

    def test_contract_type_changes_the_split(self):
        scheme = self._make_scheme(self.project)
        self.project.write({"contract_type": "guaranteed_savings", "sharing_ratio": 10.0})
        # The client invests and bears O&M; the ESCO earns 10 % of savings.
        # ESCO NPV = 30,000 × AF = 119,781.30
        # client NPV = −1,000,000 + (300,000 − 20,000 − 30,000) × AF = −1,822.49
        self.assertAlmostEqual(scheme.esco_npv, 119_781.30, places=2)
        self.assertAlmostEqual(scheme.client_npv, -1_822.49, places=2)
        self.assertAlmostEqual(scheme.npv, 117_958.81, places=2)

    def test_no_savings_gives_a_message_not_a_crash(self):
        scheme = self._make_scheme(self.project, saving=0, om=0, kwh=0)
        self.assertFalse(scheme.pays_back)
        self.assertEqual(scheme.payback_years, 0)
        self.assertEqual(scheme.irr_status, "no_sign_change")
        self.assertTrue(scheme.irr_message)
        self.assertAlmostEqual(scheme.npv, -1_000_000)

    def test_selection_and_comparison(self):
        first = self._make_scheme(self.project)
        second = self._make_scheme(self.project, capex=800_000, saving=250_000)
        first.action_select()
        self.assertEqual(self.project.selected_scheme_id, first)
        second.action_select()
        self.assertEqual(self.project.selected_scheme_id, second)
        self.assertFalse(first.is_selected)
        self.assertEqual(self.project.investment, 800_000)
        self.assertEqual(self.project.expected_saving_amount, 250_000)
        # kWh → tce and tCO2 with the company factors
        self.assertAlmostEqual(self.project.expected_saving_tce, 460_000 * 0.1229 / 1000, places=2)
        self.assertAlmostEqual(self.project.expected_saving_tco2, 460 * 0.5366, places=2)
        empty = self.env["emc.scheme"].create({"name": "空方案", "project_id": self.project.id})
        with self.assertRaisesRegex(UserError, "^Scheme 空方案 has no technology line.$"):
            empty.action_select()

    def test_company_factor_is_used(self):
        self._make_scheme(self.project).action_select()
        self.company.emc_tce_factor = 0.3
        self.assertAlmostEqual(self.project.expected_saving_tce, 460_000 * 0.3 / 1000, places=2)

    def test_scheme_form(self):
        with Form(self.env["emc.scheme"].with_context(default_project_id=self.project.id)) as f:
            f.name = "表单方案"
            with f.line_ids.new() as line:
                line.technology_id = self.tech_led
                line.capex = 60_000
                line.saving_amount = 30_000
                line.saving_kwh = 46_000
        scheme = f.save()
        self.assertEqual(scheme.line_ids.name, self.tech_led.name)
        self.assertAlmostEqual(scheme.payback_years, 2.0)
