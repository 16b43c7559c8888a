from odoo.tests import tagged

from .common import MeteringCase


@tagged("post_install", "-at_install")
class TestConsumptionGraphs(MeteringCase):
    def graph_of(self, action):
        view_id, mode = action["views"][0]
        self.assertEqual(mode, "graph")
        return self.env["ir.ui.view"].browse(view_id)

    def test_meter_site_and_project_graphs(self):
        project = self.env["emc.project"].create(
            {"name": "一号厂区节能改造", "partner_id": self.client.id, "site_ids": self.site.ids}
        )
        self.meter.project_id = project
        meter_action = self.meter.action_view_consumption()
        self.assertEqual(
            self.graph_of(meter_action),
            self.env.ref("emc_metering.emc_meter_rollup_daily_view_graph_meter"),
        )
        self.assertEqual(meter_action["domain"], [("meter_id", "in", self.meter.ids)])
        site_action = self.site.action_view_consumption()
        self.assertEqual(
            self.graph_of(site_action),
            self.env.ref("emc_metering.emc_meter_rollup_daily_view_graph_site"),
        )
        self.assertEqual(site_action["res_model"], "emc.meter.rollup.daily")
        project_action = project.action_view_consumption()
        self.assertEqual(
            self.graph_of(project_action),
            self.env.ref("emc_metering.emc_meter_rollup_monthly_view_graph_project"),
        )
        self.assertEqual(project_action["res_model"], "emc.meter.rollup.monthly")
        # the graph groups the site's days by meter, the project's months by site
        self.assertIn('name="meter_id"', self.graph_of(site_action).arch)
        self.assertIn('name="site_id"', self.graph_of(project_action).arch)
        for action in (meter_action, site_action, project_action):
            self.env[action["res_model"]].get_views(action["views"])
