from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import EmcProjectCase


@tagged("post_install", "-at_install")
class TestRecommendation(EmcProjectCase):
    def test_ranking_and_reasons(self):
        # 6 % of 500,000 kWh = 19,500 a year; capex 240,000, O&M 2,400: payback 14 years > 8
        expensive = self._make_technology("T-EXP", "lighting", 5, 7, "unit", 600, 8, 1.0)
        self.site.action_recommend_technologies()
        recs = self.site.recommendation_ids
        by_tech = {r.technology_id: r for r in recs}
        led, vfd, exp = by_tech[self.tech_led], by_tech[self.tech_vfd], by_tech[expensive]

        # Pumps: 2 × 110 kW × 6000 h × 0.8 = 1,056,000 kWh; 30 % saved = 316,800 kWh
        # at 1,300,000 / 2,000,000 = 0.65 per kWh = 205,920 per year.
        # Capex 600 × 2 × 110 = 132,000; O&M 2 % = 2,640; payback 132,000 / 203,280.
        self.assertAlmostEqual(vfd.baseline_kwh, 1_056_000)
        self.assertAlmostEqual(vfd.saving_kwh, 316_800)
        self.assertAlmostEqual(vfd.price, 0.65)
        self.assertAlmostEqual(vfd.saving_amount, 205_920)
        self.assertAlmostEqual(vfd.capex, 132_000)
        self.assertAlmostEqual(vfd.payback_years, 132_000 / 203_280, places=2)
        # Lighting: 400 × 0.25 kW × 5000 h = 500,000 kWh; 60 % = 300,000 kWh
        # = 195,000 per year; capex 150 × 400 = 60,000; payback 60,000 / 194,400.
        self.assertAlmostEqual(led.saving_amount, 195_000)
        self.assertAlmostEqual(led.payback_years, 60_000 / 194_400, places=2)

        # Shorter payback first; an option that never repays its lifetime last.
        self.assertLess(led.rank, vfd.rank)
        self.assertTrue(exp.payback_years > expensive.lifetime_years)
        self.assertFalse(exp.economic)
        self.assertEqual(exp.rank, max(recs.filtered("economic").mapped("rank")) + 1)
        self.assertEqual(sorted(recs.mapped("rank")), list(range(1, len(recs) + 1)))
        self.assertIn("1056000", vfd.reason.replace(",", ""))
        self.assertIn("316800", vfd.reason.replace(",", ""))

    def test_industry_filter(self):
        other = self._make_technology("T-EDU", "lighting", 50, 70, "unit", 100, 8, 1.0)
        other.industry_ids = self.env.ref("base.res_partner_industry_P")
        self.site.action_recommend_technologies()
        self.assertNotIn(other, self.site.recommendation_ids.technology_id)
        self.assertIn(self.tech_led, self.site.recommendation_ids.technology_id)

    def test_site_without_equipment(self):
        site = self.env["emc.site"].create({"name": "空厂区", "partner_id": self.client.id})
        with self.assertRaisesRegex(
            UserError,
            "^Site 空厂区 has no equipment inventory: add its equipment before asking for "
            "recommendations.$",
        ):
            site.action_recommend_technologies()

    def test_rerun_replaces_previous_lines(self):
        self.site.action_recommend_technologies()
        count = len(self.site.recommendation_ids)
        self.site.action_recommend_technologies()
        self.assertEqual(len(self.site.recommendation_ids), count)

    def test_shipped_library(self):
        techs = self.env["emc.technology"].search([("company_id", "=", False)])
        self.assertGreaterEqual(len(techs), 20)
        self.assertEqual(
            set(techs.mapped("category")),
            {c for c, _label in self.env["emc.technology"]._fields["category"].selection},
        )
        self.assertTrue(all(techs.mapped("source")))
