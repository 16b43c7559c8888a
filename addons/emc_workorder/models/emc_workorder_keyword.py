from odoo import fields, models


class EmcWorkorderKeyword(models.Model):
    _name = "emc.workorder.keyword"
    _description = "Weighted keyword of a work order type"
    _order = "type_id, weight desc"

    type_id = fields.Many2one("emc.workorder.type", required=True, ondelete="cascade")
    keyword = fields.Char(required=True)
    weight = fields.Float(default=1.0, help="Negative weights count against the type.")
