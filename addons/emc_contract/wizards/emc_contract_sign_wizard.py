from odoo import fields, models
from odoo.http import request


class EmcContractSignWizard(models.TransientModel):
    """The ESCO signer's electronic signature of the contract document."""

    _name = "emc.contract.sign.wizard"
    _description = "Sign a contract for the ESCO"

    contract_id = fields.Many2one("emc.contract", required=True, readonly=True)
    document_id = fields.Many2one(related="contract_id.document_id")
    document_sha256 = fields.Char(related="contract_id.document_id.sha256", string="SHA-256")
    name = fields.Char(
        string="Signer's name", required=True, default=lambda self: self.env.user.name
    )
    signature = fields.Binary(string="Signature", required=True)

    def action_sign(self):
        self.ensure_one()
        ip_address = user_agent = None
        if request:
            ip_address = request.httprequest.remote_addr
            user_agent = request.httprequest.user_agent.string
        self.contract_id._sign_esco(self.signature, self.name, ip_address, user_agent)
        return {"type": "ir.actions.act_window_close"}
