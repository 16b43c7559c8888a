from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class EmcWorkorderKpiWizard(models.TransientModel):
    _name = "emc.workorder.kpi.wizard"
    _description = "Service desk KPIs for a period"

    date_from = fields.Date(
        required=True, default=lambda self: fields.Date.context_today(self).replace(day=1)
    )
    date_to = fields.Date(
        required=True,
        default=lambda self: (
            fields.Date.context_today(self).replace(day=1) + relativedelta(months=1, days=-1)
        ),
    )
    company_ids = fields.Many2many(
        "res.company", string="Organisations", default=lambda self: self.env.companies
    )
    user_ids = fields.Many2many("res.users", string="Staff", domain="[('share', '=', False)]")
    line_ids = fields.One2many("emc.workorder.kpi.line", "wizard_id", string="KPIs")

    def _period(self):
        self.ensure_one()
        start = fields.Datetime.to_datetime(self.date_from)
        end = fields.Datetime.to_datetime(self.date_to) + relativedelta(days=1)
        return start, end

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        wizards.action_compute()
        return wizards

    def action_compute(self):
        for wizard in self:
            start, end = wizard._period()
            rows = self.env["emc.workorder.kpi"]._rows(
                start, end, wizard.company_ids.ids or None, wizard.user_ids.ids or None
            )
            wizard.line_ids = [(5, 0, 0)] + [
                (
                    0,
                    0,
                    {"sequence": i, "code": code, "name": label, "value": str(value), "unit": unit},
                )
                for i, (code, label, value, unit) in enumerate(rows)
            ]
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_export_xlsx(self):
        self.ensure_one()
        return self.env.ref("emc_workorder.action_report_emc_workorder_kpi_xlsx").report_action(
            self
        )


class EmcWorkorderKpiLine(models.TransientModel):
    _name = "emc.workorder.kpi.line"
    _description = "One KPI value"
    _order = "sequence"

    wizard_id = fields.Many2one("emc.workorder.kpi.wizard", required=True, ondelete="cascade")
    sequence = fields.Integer()
    code = fields.Char()
    name = fields.Char(string="KPI")
    value = fields.Char()
    unit = fields.Char()
