from odoo import api, fields, models


class EmcProject(models.Model):
    _inherit = "emc.project"

    meter_ids = fields.One2many("emc.meter", "project_id", string="Meters")
    meter_count = fields.Integer(compute="_compute_meter_count")

    @api.depends("meter_ids")
    def _compute_meter_count(self):
        counts = dict(
            self.env["emc.meter"]._read_group(
                [("project_id", "in", self.ids)], ["project_id"], ["__count"]
            )
        )
        for project in self:
            project.meter_count = counts.get(project, 0)

    def action_view_meters(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("emc_metering.emc_meter_action")
        action["domain"] = [("project_id", "in", self.ids)]
        return action

    def action_view_consumption(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "emc_metering.emc_meter_rollup_monthly_action"
        )
        action["domain"] = [("project_id", "in", self.ids)]
        action["views"] = [
            (self.env.ref("emc_metering.emc_meter_rollup_monthly_view_graph_project").id, "graph"),
            (False, "pivot"),
            (False, "list"),
        ]
        action["context"] = {"search_default_main": 1}
        return action
