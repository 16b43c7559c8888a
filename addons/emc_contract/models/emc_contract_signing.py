import base64
import binascii

from odoo import fields, models
from odoo.exceptions import UserError

from .emc_contract_signature import SIGNATURE_ROLES


class EmcContract(models.Model):
    """Electronic signature of the contract document by both parties.

    The client signs in the portal, the ESCO's signer in the back office
    (wizard). Each signature records its evidence (``emc.contract.signature``)
    with the SHA-256 of the document it signs, recomputed from the archived
    bytes at that moment: a document altered since it was generated cannot be
    signed. The second signature makes the contract active.
    """

    _inherit = "emc.contract"

    signature_ids = fields.One2many(
        "emc.contract.signature", "contract_id", string="Signatures", copy=False
    )
    client_signed = fields.Boolean(compute="_compute_signed")
    esco_signed = fields.Boolean(compute="_compute_signed")

    def _current_signatures(self):
        """Signatures of the document now being signed (not of an earlier, cancelled round)."""
        self.ensure_one()
        if not self.document_id:
            return self.env["emc.contract.signature"]
        return self.signature_ids.filtered(lambda s: s.document_id == self.document_id)

    def _compute_signed(self):
        for contract in self:
            roles = set(contract._current_signatures().mapped("role"))
            contract.client_signed = "client" in roles
            contract.esco_signed = "esco" in roles

    def _role_labels(self):
        field = self.env["emc.contract.signature"]._fields["role"]
        return dict(field._description_selection(self.env))

    def _missing_signature_roles(self):
        """Translated labels of the parties who have not signed the current document."""
        self.ensure_one()
        labels = self._role_labels()
        signed = set(self._current_signatures().mapped("role"))
        return [labels[role] for role, _label in SIGNATURE_ROLES if role not in signed]

    def _sign(self, role, signature, name, partner=None, ip_address=None, user_agent=None):
        """Record the signature of ``role`` on the contract document; activate when complete.

        ``signature`` is the base64 image of the portal's signature widget.
        """
        self.ensure_one()
        labels = self._role_labels()
        self._check_stage(["signing"], self.env._("Sign"))
        name = (name or "").strip()
        if not name:
            raise UserError(self.env._("Enter the name of the signer."))
        if not signature:
            raise UserError(self.env._("The signature is missing."))
        try:
            image = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise UserError(self.env._("Invalid signature data.")) from None
        if not image:
            raise UserError(self.env._("The signature is missing."))
        if role in self._current_signatures().mapped("role"):
            raise UserError(
                self.env._(
                    "Contract %(contract)s is already signed by the %(role)s.",
                    contract=self.display_name,
                    role=labels[role],
                )
            )
        document = self.document_id
        if not document:
            raise UserError(
                self.env._(
                    "Contract %(contract)s has no document to sign.", contract=self.display_name
                )
            )
        status, message = document._verify()
        if status != "ok":
            raise UserError(message)
        evidence = (
            self.env["emc.contract.signature"]
            .sudo()
            .create(
                {
                    "contract_id": self.id,
                    "role": role,
                    "name": name,
                    "partner_id": (partner or self.env.user.partner_id).id,
                    "user_id": self.env.user.id if not self.env.user._is_public() else False,
                    "date_signed": fields.Datetime.now(),
                    "ip_address": ip_address,
                    "user_agent": (user_agent or "")[:512] or False,
                    "signature": signature,
                    "document_id": document.id,
                    "document_sha256": document.sha256,
                }
            )
        )
        self.sudo().message_post(
            body=self.env._(
                "Signed by %(name)s for the %(role)s (document SHA-256 %(hash)s).",
                name=name,
                role=labels[role],
                hash=document.sha256,
            ),
            subtype_xmlid="mail.mt_note",
        )
        self._refresh_archive_access()
        if not self._missing_signature_roles():
            self._action_signed()
        return evidence

    def _sign_client(self, signature, name, ip_address=None, user_agent=None):
        """The client's signature from the portal, by one of the client's users."""
        self.ensure_one()
        user = self.env.user
        client = self.partner_id.commercial_partner_id
        if not user._is_public() and user.partner_id.commercial_partner_id != client:
            raise UserError(
                self.env._(
                    "Only the users of %(client)s sign contract %(contract)s for the client.",
                    client=client.name,
                    contract=self.display_name,
                )
            )
        partner = client if user._is_public() else user.partner_id
        return self._sign("client", signature, name, partner, ip_address, user_agent)

    def _sign_esco(self, signature, name, ip_address=None, user_agent=None):
        """The ESCO signer's signature, by an internal user of the contract's company."""
        self.ensure_one()
        user = self.env.user
        if user.share or self.company_id not in user.company_ids:
            raise UserError(
                self.env._(
                    "Only a user of %(company)s signs contract %(contract)s for the ESCO.",
                    company=self.company_id.name,
                    contract=self.display_name,
                )
            )
        return self._sign("esco", signature, name, user.partner_id, ip_address, user_agent)

    def action_sign_esco(self):
        """Open the ESCO signature wizard."""
        self._check_stage(["signing"], self.env._("Sign"))
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Sign for the ESCO"),
            "res_model": "emc.contract.sign.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_contract_id": self.id},
        }

    def action_verify_signatures(self):
        """Recompute the hash of every archived document of the contract."""
        self.ensure_one()
        if not self.document_ids:
            raise UserError(
                self.env._("Contract %(contract)s has no document yet.", contract=self.display_name)
            )
        return self.document_ids.action_verify()
