from datetime import timedelta

from odoo import api, fields, models

from .emc_mv_baseline_chart import forecast_chart


class EmcProject(models.Model):
    """A project's measured and forecast savings, from its approved baselines, beside its target.

    Measured savings to date add the savings lines of the approved
    baselines; the target to date is the annual target
    (``expected_saving_kwh``) pro rata of the calendar days those lines cover
    (a day measured by two baselines, say two retrofits under Option B,
    counts once).
    """

    _inherit = "emc.project"

    mv_baseline_ids = fields.One2many("emc.mv.baseline", "project_id", string="M&V baselines")
    mv_baseline_count = fields.Integer(compute="_compute_mv_baseline_count")
    mv_forecast_line_ids = fields.One2many(
        "emc.mv.forecast.line",
        "project_id",
        string="Forecast of the approved baselines",
        domain=[("baseline_state", "=", "approved")],
    )
    mv_savings_kwh = fields.Float(
        string="Measured savings to date (kWh)", compute="_compute_mv_monitoring", digits=(16, 0)
    )
    mv_measured_days = fields.Integer(
        string="Days with measured savings", compute="_compute_mv_monitoring"
    )
    mv_target_to_date_kwh = fields.Float(
        string="Savings target to date (kWh)", compute="_compute_mv_monitoring", digits=(16, 0)
    )
    mv_target_achievement = fields.Float(
        string="Target achieved to date (%)", compute="_compute_mv_monitoring", digits=(16, 1)
    )
    mv_forecast_savings_kwh = fields.Float(
        string="Forecast savings, next 12 months (kWh)",
        compute="_compute_mv_monitoring",
        digits=(16, 0),
    )

    mv_forecast_chart = fields.Html(
        compute="_compute_mv_forecast_chart", sanitize=False, string="Forecast chart"
    )

    @api.depends("mv_forecast_line_ids.savings_kwh", "mv_forecast_line_ids.target_kwh")
    @api.depends_context("lang")
    def _compute_mv_forecast_chart(self):
        for project in self:
            months = {}
            for line in project.mv_forecast_line_ids:
                savings, target = months.get(line.name, (0.0, 0.0))
                # every baseline carries the project's target: counted once a month
                months[line.name] = (savings + line.savings_kwh, max(target, line.target_kwh))
            names = sorted(months)
            project.mv_forecast_chart = (
                forecast_chart(
                    names,
                    [months[name][0] for name in names],
                    [months[name][1] for name in names],
                    self.env,
                )
                if names
                else False
            )

    @api.depends("mv_baseline_ids")
    def _compute_mv_baseline_count(self):
        counts = dict(
            self.env["emc.mv.baseline"]._read_group(
                [("project_id", "in", self.ids)], ["project_id"], ["__count"]
            )
        )
        for project in self:
            project.mv_baseline_count = counts.get(project, 0)

    @api.depends(
        "expected_saving_kwh",
        "mv_baseline_ids.state",
        "mv_baseline_ids.savings_line_ids",
        "mv_baseline_ids.forecast_line_ids",
    )
    def _compute_mv_monitoring(self):
        lines = self.env["emc.mv.savings.line"].search_read(
            [
                ("project_id", "in", self.ids),
                ("baseline_state", "=", "approved"),
                ("has_figures", "=", True),
            ],
            ["project_id", "date_start", "date_end", "savings_kwh"],
        )
        forecast = dict(
            self.env["emc.mv.forecast.line"]._read_group(
                [("project_id", "in", self.ids), ("baseline_state", "=", "approved")],
                ["project_id"],
                ["savings_kwh:sum"],
            )
        )
        for project in self:
            own = [line for line in lines if line["project_id"][0] == project.id]
            days = set()
            for line in own:
                day = line["date_start"]
                while day <= line["date_end"]:
                    days.add(day)
                    day += timedelta(days=1)
            savings = sum(line["savings_kwh"] for line in own)
            target = project.expected_saving_kwh * len(days) / 365.0
            project.mv_savings_kwh = savings
            project.mv_measured_days = len(days)
            project.mv_target_to_date_kwh = target
            project.mv_target_achievement = 100.0 * savings / target if target else 0.0
            project.mv_forecast_savings_kwh = forecast.get(project, 0.0)

    def action_view_mv_baselines(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "emc_metering.emc_mv_baseline_action"
        )
        action["domain"] = [("project_id", "in", self.ids)]
        action["context"] = {"default_project_id": self[:1].id}
        return action

    def action_view_mv_savings(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "emc_metering.emc_mv_savings_line_action"
        )
        action["domain"] = [("project_id", "in", self.ids), ("baseline_state", "=", "approved")]
        return action

    def action_view_mv_forecast(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "emc_metering.emc_mv_forecast_line_action"
        )
        action["domain"] = [("project_id", "in", self.ids), ("baseline_state", "=", "approved")]
        return action
