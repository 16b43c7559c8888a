from odoo import fields, models

SIGNATURE_ROLES = [("client", "Client"), ("esco", "ESCO")]


class EmcContractSignature(models.Model):
    """The evidence of one party's electronic signature of a contract.

    Who signed (the signer's name as typed, their partner and user), when,
    from where (IP address and browser), the signature image, and the
    document signed with the SHA-256 of its exact bytes at that moment. The
    records are written once, by the signing methods of the contract, and
    never changed.
    """

    _name = "emc.contract.signature"
    _description = "Contract signature"
    _order = "date_signed, id"

    contract_id = fields.Many2one("emc.contract", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    role = fields.Selection(SIGNATURE_ROLES, required=True, readonly=True)
    name = fields.Char(string="Signed by", required=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Signer", readonly=True)
    user_id = fields.Many2one("res.users", string="User", readonly=True)
    date_signed = fields.Datetime(
        string="Signed on", required=True, readonly=True, default=fields.Datetime.now
    )
    ip_address = fields.Char(string="IP address", readonly=True)
    user_agent = fields.Char(string="Browser", readonly=True)
    signature = fields.Image(
        string="Signature image", max_width=1024, max_height=1024, readonly=True, attachment=True
    )
    document_id = fields.Many2one(
        "emc.contract.document", string="Document signed", readonly=True, ondelete="restrict"
    )
    document_sha256 = fields.Char(
        string="SHA-256 of the document signed", readonly=True, required=True
    )

    _sql_constraints = [
        (
            "one_per_role_and_document",
            "unique(contract_id, document_id, role)",
            "Each party signs a contract document once.",
        ),
    ]

    def action_verify(self):
        """Check that the document signed is still, byte for byte, the one archived."""
        return self.document_id.action_verify()
