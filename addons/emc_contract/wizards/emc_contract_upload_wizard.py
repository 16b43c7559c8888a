import base64

from odoo import fields, models
from odoo.exceptions import UserError

UPLOAD_KINDS = [("signed_copy", "Signed copy"), ("amendment", "Amendment"), ("other", "Other")]


class EmcContractUploadWizard(models.TransientModel):
    """Upload a signed Word/PDF version (or another document) into the contract's archive."""

    _name = "emc.contract.upload.wizard"
    _description = "Upload a contract document"

    contract_id = fields.Many2one("emc.contract", required=True, readonly=True)
    kind = fields.Selection(UPLOAD_KINDS, required=True, default="signed_copy")
    file = fields.Binary(required=True)
    filename = fields.Char()

    def action_upload(self):
        self.ensure_one()
        if not self.file:
            raise UserError(self.env._("Choose the file to upload."))
        raw = base64.b64decode(self.with_context(bin_size=False).file)
        self.contract_id._upload_document(self.filename or "document", raw, self.kind)
        return {"type": "ir.actions.act_window_close"}
