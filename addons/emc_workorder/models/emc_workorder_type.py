from odoo import fields, models

# The stages of a work order, in order. A type's flow may skip some.
STAGES = [
    ("intake", "Intake"),
    ("precheck", "Pre-check"),
    ("returned", "Returned to customer"),
    ("dispatch", "Dispatch"),
    ("scheme", "Scheme"),
    ("confirm", "Customer confirmation"),
    ("survey", "Site survey"),
    ("contract", "Contract"),
    ("implementation", "Implementation"),
    ("acceptance", "Acceptance"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]
OPEN_STAGES = (
    "intake",
    "precheck",
    "returned",
    "dispatch",
    "scheme",
    "confirm",
    "survey",
    "contract",
    "implementation",
    "acceptance",
)
# Stages measured against an SLA (the customer's own time is not).
SLA_STAGES = (
    "precheck",
    "dispatch",
    "scheme",
    "survey",
    "contract",
    "implementation",
    "acceptance",
)


class EmcWorkorderType(models.Model):
    _name = "emc.workorder.type"
    _description = "Work order type"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, index=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    org_role = fields.Selection(
        [("power_bureau", "Power bureau"), ("public_energy", "Public energy company")],
        string="Handled by",
        required=True,
        default="public_energy",
    )
    scheme_level = fields.Selection(
        [("preliminary", "Preliminary scheme"), ("detailed", "Detailed scheme")],
        required=True,
        default="detailed",
    )
    use_scheme = fields.Boolean(
        string="Scheme and confirmation", default=True, help="Uncheck to skip both stages."
    )
    use_survey = fields.Boolean(string="Site survey", default=True)
    use_contract = fields.Boolean(string="Contract", default=True)
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Working calendar",
        help="Working hours for the SLA; the organisation's calendar when empty.",
    )
    sla_ids = fields.One2many("emc.workorder.sla", "type_id", string="SLA per stage")
    exception_hours = fields.Float(
        string="Exception resolution time (working hours)",
        default=8.0,
        help="An exception report restarts the clock with this allowance.",
    )
    keyword_ids = fields.One2many("emc.workorder.keyword", "type_id", string="Keywords")
    precheck_rule_ids = fields.Many2many("emc.workorder.precheck.rule", string="Pre-check rules")
    min_attachments = fields.Integer(string="Minimum photos/videos", default=0)
    check_template = fields.Text(
        string="Acceptance checklist",
        translate=True,
        help="One item per line, copied to each work order at acceptance.",
    )

    _sql_constraints = [("code_uniq", "unique(code)", "The type code must be unique.")]

    def _flow(self):
        """The ordered stages a work order of this type goes through."""
        self.ensure_one()
        flow = ["intake", "precheck", "dispatch"]
        if self.use_scheme:
            flow += ["scheme", "confirm"]
        if self.use_survey:
            flow.append("survey")
        if self.use_contract:
            flow.append("contract")
        flow += ["implementation", "acceptance", "closed"]
        return flow

    def _next_stage(self, stage):
        flow = self._flow()
        return flow[flow.index(stage) + 1]

    def _sla_hours(self, stage):
        if not self:
            return 0.0
        self.ensure_one()
        line = self.sla_ids.filtered(lambda s: s.stage == stage)[:1]
        return line.hours if line else 0.0
