from odoo import fields, models


class EmcWorkorderReassign(models.TransientModel):
    _name = "emc.workorder.reassign"
    _description = "Reassign work orders"

    workorder_ids = fields.Many2many("emc.workorder", string="Work orders", required=True)
    user_id = fields.Many2one(
        "res.users", string="New assignee", required=True, domain="[('share', '=', False)]"
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.workorder_ids.action_reassign(self.user_id, self.reason)
        return {"type": "ir.actions.act_window_close"}
