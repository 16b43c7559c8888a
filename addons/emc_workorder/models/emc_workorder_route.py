from odoo import fields, models


class EmcWorkorderRoute(models.Model):
    _name = "emc.workorder.route"
    _description = "Dispatch route: work order type to organisation"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    type_id = fields.Many2one("emc.workorder.type", required=True, ondelete="cascade")
    area_id = fields.Many2one(
        "emc.service.area", help="Only for orders in this area; any area when empty."
    )
    company_id = fields.Many2one("res.company", string="Organisation", required=True)

    def _compute_display_name(self):
        for route in self:
            route.display_name = f"{route.type_id.name} → {route.company_id.name}"
