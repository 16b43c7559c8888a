from odoo import fields, models


class EmcWorkorderCheck(models.Model):
    _name = "emc.workorder.check"
    _description = "Acceptance checklist item of a work order"
    _order = "workorder_id, sequence, id"

    workorder_id = fields.Many2one("emc.workorder", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="workorder_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Item", required=True)
    done = fields.Boolean()
    note = fields.Char()
