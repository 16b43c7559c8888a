from odoo import fields, models


class EmcFeasibility(models.Model):
    _name = "emc.feasibility"
    _description = "Feasibility check of an EMC project"
    _order = "project_id, id desc"

    project_id = fields.Many2one("emc.project", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="project_id.company_id", store=True, index=True)
    scheme_id = fields.Many2one("emc.scheme", ondelete="set null")
    date = fields.Datetime(default=fields.Datetime.now, required=True)
    user_id = fields.Many2one("res.users", default=lambda self: self.env.user)
    completeness_score = fields.Float(string="Data completeness")
    payback_score = fields.Float(string="Payback against term")
    credit_score = fields.Float(string="Client credit")
    risk_score = fields.Float(string="Risk")
    total_score = fields.Float(string="Score", aggregator="avg")
    recommendation = fields.Selection(
        [
            ("go", "Recommended"),
            ("conditional", "Recommended with conditions"),
            ("no_go", "Not recommended"),
        ],
        required=True,
    )
    reasons = fields.Text(required=True)

    def _compute_display_name(self):
        labels = dict(self._fields["recommendation"]._description_selection(self.env))
        for check in self:
            check.display_name = (
                f"{check.project_id.code} {labels.get(check.recommendation, '')} "
                f"({check.total_score:.0f})"
            )
