from odoo import fields, models


class EmcContractTerminateWizard(models.TransientModel):
    """Early termination of a contract in force: its last day and the reason."""

    _name = "emc.contract.terminate.wizard"
    _description = "Terminate a contract early"

    contract_id = fields.Many2one("emc.contract", required=True, readonly=True)
    date_terminated = fields.Date(
        string="Last day in force",
        required=True,
        default=fields.Date.context_today,
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.contract_id._terminate(self.date_terminated, self.reason)
        return {"type": "ir.actions.act_window_close"}
