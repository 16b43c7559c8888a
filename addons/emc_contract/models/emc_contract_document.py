import base64
import hashlib

from odoo import api, fields, models
from odoo.exceptions import UserError

DOCUMENT_KINDS = [
    ("contract", "Contract to sign"),
    ("signed", "Signed contract"),
    ("signed_copy", "Signed copy (uploaded)"),
    ("amendment", "Amendment"),
    ("other", "Other"),
]


class EmcContractDocument(models.Model):
    """One document of a contract's archive, with the SHA-256 of its exact bytes.

    Generated documents (the contract to sign, the signed contract, the
    amendments) and the users' uploads (signed Word/PDF copies) alike: the
    bytes are kept as an attachment of the contract (downloaded from the form
    and the portal) and filed in the contract's folder of the ``dms``
    archive. :meth:`action_verify` recomputes the hash of the archived file
    and says whether it still matches the one recorded when it was filed.
    """

    _name = "emc.contract.document"
    _description = "Contract document"
    _order = "id desc"

    contract_id = fields.Many2one("emc.contract", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    name = fields.Char(string="File name", required=True, readonly=True)
    kind = fields.Selection(DOCUMENT_KINDS, required=True, readonly=True)
    version = fields.Integer(
        readonly=True, help="The version of the contract's terms the document shows."
    )
    attachment_id = fields.Many2one("ir.attachment", readonly=True, ondelete="restrict")
    dms_file_id = fields.Many2one("dms.file", string="Archived file", readonly=True)
    sha256 = fields.Char(string="SHA-256", readonly=True, size=64, index=True)
    user_id = fields.Many2one(
        "res.users", string="Filed by", readonly=True, default=lambda self: self.env.user
    )
    date_verified = fields.Datetime(string="Last verified", readonly=True)
    verified = fields.Selection(
        [("ok", "Matches"), ("altered", "Altered"), ("missing", "Missing")],
        string="Verification",
        readonly=True,
    )

    @api.model
    def _sha256(self, raw):
        return hashlib.sha256(raw).hexdigest()

    def _archived_raw(self):
        """The bytes of the archived file (the dms copy, else the attachment), or None."""
        self.ensure_one()
        # Verification reads the archive whatever the user's dms rights: the
        # caller already reads the contract.
        dms_file = self.sudo().dms_file_id.exists()
        if dms_file:
            content = dms_file.with_context(bin_size=False).content
            return base64.b64decode(content) if content else None
        attachment = self.sudo().attachment_id.exists()
        return attachment.raw if attachment else None

    def _raw(self):
        """The document's bytes as served (the attachment)."""
        self.ensure_one()
        attachment = self.sudo().attachment_id
        return attachment.raw if attachment else self._archived_raw()

    def _verify(self):
        """(status, message) for the archived file against the recorded hash."""
        self.ensure_one()
        raw = self._archived_raw()
        if raw is None:
            return "missing", self.env._(
                "Document %(name)s is no longer in the archive: it cannot be verified.",
                name=self.name,
            )
        digest = self._sha256(raw)
        if digest == self.sha256:
            return "ok", self.env._(
                "Document %(name)s is intact: its SHA-256 %(hash)s matches the one recorded "
                "when it was filed.",
                name=self.name,
                hash=digest,
            )
        return "altered", self.env._(
            "Document %(name)s was ALTERED after it was filed: its SHA-256 is now %(now)s, "
            "it was %(recorded)s.",
            name=self.name,
            now=digest,
            recorded=self.sha256,
        )

    def action_verify(self):
        """Recompute the hash of the archived file and say whether it still matches."""
        messages, worst = [], "success"
        for document in self:
            status, message = document._verify()
            document.sudo().write({"verified": status, "date_verified": fields.Datetime.now()})
            document.contract_id.sudo().message_post(body=message, subtype_xmlid="mail.mt_note")
            messages.append(message)
            if status != "ok":
                worst = "danger"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Document verification"),
                "message": "\n".join(messages),
                "type": worst,
                "sticky": worst != "success",
            },
        }

    def action_download(self):
        self.ensure_one()
        if not self.attachment_id:
            raise UserError(self.env._("Document %(name)s has no file.", name=self.name))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "self",
        }
