from odoo import fields, models


class EmcAcceptanceCriterion(models.Model):
    _name = "emc.acceptance.criterion"
    _description = "Acceptance criterion of an EMC project"
    _order = "project_id, sequence, id"

    project_id = fields.Many2one("emc.project", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="project_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Criterion", required=True)
    target = fields.Char(required=True, help="The value or condition to reach.")
    method = fields.Char(string="Verification method")
