from odoo import api, fields, models


class EmcSite(models.Model):
    _inherit = "emc.site"

    meter_ids = fields.One2many("emc.meter", "site_id", string="Meters")
    meter_count = fields.Integer(compute="_compute_meter_count")

    @api.depends("meter_ids")
    def _compute_meter_count(self):
        counts = dict(
            self.env["emc.meter"]._read_group(
                [("site_id", "in", self.ids)], ["site_id"], ["__count"]
            )
        )
        for site in self:
            site.meter_count = counts.get(site, 0)

    def action_view_meters(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("emc_metering.emc_meter_action")
        action["domain"] = [("site_id", "in", self.ids)]
        action["context"] = {"default_site_id": self[:1].id}
        return action

    def action_view_consumption(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "emc_metering.emc_meter_rollup_daily_action"
        )
        action["domain"] = [("site_id", "in", self.ids)]
        action["views"] = [
            (self.env.ref("emc_metering.emc_meter_rollup_daily_view_graph_site").id, "graph"),
            (False, "pivot"),
            (False, "list"),
        ]
        action["context"] = {"search_default_main": 1}
        return action
