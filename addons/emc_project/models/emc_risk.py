from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

FLAG_CODES = [
    ("payback_over_term", "Payback beyond the term"),
    ("schedule_slip", "Schedule slip"),
    ("budget_overrun", "Budget overrun"),
    ("missing_data", "Missing data"),
]


class EmcRisk(models.Model):
    _name = "emc.risk"
    _description = "Risk of an EMC project"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "score desc, id desc"

    name = fields.Char(required=True, tracking=True)
    project_id = fields.Many2one("emc.project", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="project_id.company_id", store=True, index=True)
    category = fields.Selection(
        [
            ("technical", "Technical"),
            ("financial", "Financial"),
            ("credit", "Client credit"),
            ("schedule", "Schedule"),
            ("policy", "Policy"),
            ("data", "Data"),
            ("other", "Other"),
        ],
        default="other",
        required=True,
    )
    probability = fields.Selection(
        [(str(i), str(i)) for i in range(1, 6)],
        default="3",
        required=True,
        help="1 = rare … 5 = almost certain",
    )
    impact = fields.Selection(
        [(str(i), str(i)) for i in range(1, 6)],
        default="3",
        required=True,
        help="1 = negligible … 5 = severe",
    )
    score = fields.Integer(compute="_compute_score", store=True, aggregator="max")
    level = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")],
        compute="_compute_score",
        store=True,
    )
    owner_id = fields.Many2one("res.users", string="Owner", tracking=True)
    mitigation = fields.Text()
    state = fields.Selection(
        [("open", "Open"), ("mitigated", "Mitigated"), ("closed", "Closed")],
        default="open",
        required=True,
        tracking=True,
    )
    flag_code = fields.Selection(
        FLAG_CODES,
        string="Automatic flag",
        readonly=True,
        help="Set on risks raised by the system; they close themselves when the condition clears.",
    )
    date_closed = fields.Date(readonly=True)

    @api.depends("probability", "impact")
    def _compute_score(self):
        for risk in self:
            risk.score = int(risk.probability or 0) * int(risk.impact or 0)
            if risk.score >= 15:
                risk.level = "high"
            elif risk.score >= 8:
                risk.level = "medium"
            else:
                risk.level = "low"

    @api.constrains("flag_code", "state", "project_id")
    def _check_single_open_flag(self):
        for risk in self.filtered(lambda r: r.flag_code and r.state == "open"):
            twins = self.search_count(
                [
                    ("project_id", "=", risk.project_id.id),
                    ("flag_code", "=", risk.flag_code),
                    ("state", "=", "open"),
                    ("id", "!=", risk.id),
                ]
            )
            if twins:
                raise ValidationError(_("This automatic risk is already open on the project."))

    @api.model
    def _prepare_flag_values(self, project, code):
        """Values of the risk raised by the automatic flag ``code``."""
        labels = dict(self._fields["flag_code"]._description_selection(self.env))
        texts = {
            "payback_over_term": (
                "financial",
                "4",
                "4",
                _(
                    "Review the scheme: lower the investment, add technologies with "
                    "faster payback or renegotiate the term and the sharing ratio."
                ),
            ),
            "schedule_slip": (
                "schedule",
                "3",
                "3",
                _("Agree a recovery plan with the contractor and update the schedule."),
            ),
            "budget_overrun": (
                "financial",
                "4",
                "3",
                _("Analyse the overrun on the analytic account and approve a revised budget."),
            ),
            "missing_data": (
                "data",
                "3",
                "2",
                _("Complete the missing data before the next stage."),
            ),
        }
        category, probability, impact, mitigation = texts[code]
        return {
            "name": labels[code],
            "project_id": project.id,
            "flag_code": code,
            "category": category,
            "probability": probability,
            "impact": impact,
            "owner_id": project.user_id.id,
            "mitigation": mitigation,
        }

    def action_mitigate(self):
        self.state = "mitigated"
        return True

    def action_close(self):
        self.write({"state": "closed", "date_closed": fields.Date.context_today(self)})
        return True

    def action_reopen(self):
        self.write({"state": "open", "date_closed": False})
        return True

    def action_close_flag(self):
        """Close an automatic risk whose condition no longer holds."""
        for risk in self:
            risk.action_close()
            risk.message_post(body=_("Closed automatically: the condition has cleared."))
        return True
