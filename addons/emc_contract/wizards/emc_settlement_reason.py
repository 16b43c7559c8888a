from odoo import fields, models

MODES = [("dispute", "Dispute"), ("recompute", "Recompute")]


class EmcSettlementReason(models.TransientModel):
    """Asks why a settlement is disputed or recomputed, then runs that transition."""

    _name = "emc.settlement.reason"
    _description = "Reason of a settlement dispute or recomputation"

    settlement_id = fields.Many2one("emc.settlement", required=True, ondelete="cascade")
    mode = fields.Selection(MODES, required=True, default="dispute")
    reason = fields.Text(required=True)

    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "settlement_id" in fields_list and not values.get("settlement_id"):
            if self.env.context.get("active_model") == "emc.settlement":
                values["settlement_id"] = self.env.context.get("active_id")
        return values

    def action_apply(self):
        self.ensure_one()
        if self.mode == "dispute":
            self.settlement_id.action_dispute(self.reason)
        else:
            self.settlement_id.action_recompute(self.reason)
        return {"type": "ir.actions.act_window_close"}
