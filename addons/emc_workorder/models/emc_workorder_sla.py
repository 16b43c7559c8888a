from odoo import fields, models

from .emc_workorder_type import SLA_STAGES, STAGES


class EmcWorkorderSla(models.Model):
    _name = "emc.workorder.sla"
    _description = "SLA of a work order type at one stage"
    _order = "type_id, id"

    type_id = fields.Many2one("emc.workorder.type", required=True, ondelete="cascade")
    stage = fields.Selection([s for s in STAGES if s[0] in SLA_STAGES], required=True)
    hours = fields.Float(string="Allowed working hours", required=True)

    _sql_constraints = [
        ("stage_uniq", "unique(type_id, stage)", "One SLA per stage and type."),
        ("hours_positive", "check(hours > 0)", "The allowed time must be positive."),
    ]
