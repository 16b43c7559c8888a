from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import EmcProjectCase


@tagged("post_install", "-at_install")
class TestLeadConversion(EmcProjectCase):
    def test_opportunity_becomes_project_with_its_data(self):
        lead = self.env["crm.lead"].create(
            {
                "name": "巴中某食品厂空压站节能改造",
                "type": "opportunity",
                "partner_name": "四川巴山食品有限公司",
                "contact_name": "王经理",
                "phone": "13800000001",
                "street": "巴州区工业园路8号",
                "city": "巴中",
                "expected_revenue": 850_000,
                "description": "<p>空压机群组运行，效率低</p>",
                "user_id": self.pm.id,
            }
        )
        action = lead.action_create_emc_project()
        project = self.env["emc.project"].browse(action["res_id"])
        self.assertEqual(project.lead_id, lead)
        self.assertEqual(project.name, lead.name)
        self.assertEqual(project.partner_id, lead.partner_id.commercial_partner_id)
        self.assertEqual(project.partner_id.name, "四川巴山食品有限公司")
        self.assertEqual(project.user_id, self.pm)
        self.assertEqual(project.investment, 850_000)
        self.assertIn("空压机", project.description)
        self.assertEqual(project.state, "initiation")
        self.assertTrue(project.code.startswith("EMC"))
        self.assertEqual(len(project.site_ids), 1)
        self.assertEqual(project.site_ids.street, "巴州区工业园路8号")
        self.assertEqual(project.site_ids.city, "巴中")
        self.assertEqual(lead.emc_project_count, 1)
        with self.assertRaisesRegex(
            UserError, f"^Opportunity {lead.name} already has an EMC project.$"
        ):
            lead.action_create_emc_project()

    def test_opportunity_without_customer_is_refused(self):
        lead = self.env["crm.lead"].create({"name": "无客户商机", "type": "opportunity"})
        with self.assertRaisesRegex(
            UserError,
            "^Opportunity 无客户商机 has no customer: set the company name before creating "
            "the project.$",
        ):
            lead.action_create_emc_project()
        self.assertFalse(lead.emc_project_ids)
