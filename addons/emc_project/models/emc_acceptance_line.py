from odoo import fields, models


class EmcAcceptanceLine(models.Model):
    _name = "emc.acceptance.line"
    _description = "Result of one acceptance criterion"
    _order = "acceptance_id, sequence, id"

    acceptance_id = fields.Many2one("emc.acceptance", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="acceptance_id.company_id", store=True)
    criterion_id = fields.Many2one(
        "emc.acceptance.criterion", string="Project criterion", ondelete="set null"
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Criterion", required=True)
    target = fields.Char()
    method = fields.Char(string="Verification method")
    actual = fields.Char(string="Actual result")
    passed = fields.Boolean()
    note = fields.Char()
