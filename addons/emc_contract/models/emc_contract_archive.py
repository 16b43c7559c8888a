import base64

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

# Placeholders of the clauses rendered for every user: field paths only.
CLAUSE_PLACEHOLDERS = tuple(
    f"object.{path}"
    for path in (
        "title",
        "contract_type",
        "date_start",
        "date_end",
        "term_years",
        "settlement_period",
        "mv_option",
        "company_id.name",
        "company_id.vat",
        "company_id.street",
        "company_id.city",
        "partner_id.vat",
        "partner_id.street",
        "partner_id.city",
        "project_id.name",
        "payment_term_id.name",
        "ownership_note",
        "trusteeship_fee",
        "trusteeship_fee_share",
        "trusteeship_cap",
        "excess_share",
        "lease_principal",
        "lease_annual_rate",
        "lease_instalments",
        "lease_date_start",
        "currency_id.name",
    )
)


class EmcContract(models.Model):
    """The contract's clauses, its documents and their archive in OCA ``dms``.

    Every document (the generated contract, the signed contract, uploaded
    signed copies, amendments) is an ``emc.contract.document`` with the
    SHA-256 of its bytes, attached to the contract and filed in the
    contract's own folder of the archive. That folder does not inherit the
    archive's rights: it is open to the contract managers and to the
    parties' users (the client's portal users, the contract's responsible and
    signers) through two ``dms.access.group``. The archive is written by the
    contract's own operations, which already checked the user's rights on the
    contract: folders and files are written with sudo.
    """

    _inherit = "emc.contract"

    clause_ids = fields.One2many("emc.contract.clause", "contract_id", string="Clauses", copy=True)
    document_ids = fields.One2many(
        "emc.contract.document", "contract_id", string="Documents", copy=False
    )
    document_count = fields.Integer(compute="_compute_document_count")
    document_id = fields.Many2one(
        "emc.contract.document",
        string="Contract document",
        readonly=True,
        copy=False,
        help="The contract document generated when the signing started: what both parties sign.",
    )
    signed_document_id = fields.Many2one(
        "emc.contract.document",
        string="Signed document",
        readonly=True,
        copy=False,
        help="The contract document with both signatures, generated when the second party signed.",
    )
    dms_directory_id = fields.Many2one(
        "dms.directory", string="Archive folder", readonly=True, copy=False
    )
    dms_access_group_id = fields.Many2one(
        "dms.access.group", string="Archive access of the parties", readonly=True, copy=False
    )

    def mail_allowed_qweb_expressions(self):
        # Plain field paths of the contract that clauses may hold and that any
        # reader renders without the template editor's right (no code runs).
        return super().mail_allowed_qweb_expressions() + CLAUSE_PLACEHOLDERS

    @api.depends("document_ids")
    def _compute_document_count(self):
        for contract in self:
            contract.document_count = len(contract.document_ids)

    @api.model_create_multi
    def create(self, vals_list):
        contracts = super().create(vals_list)
        if not self.env.context.get("emc_contract_keep_clauses"):
            contracts.filtered(lambda c: not c.clause_ids)._load_clauses()
        return contracts

    def _document_lang(self):
        """The language of the contract document: Chinese when installed, else the client's."""
        self.ensure_one()
        if self.env["res.lang"]._lang_get("zh_CN"):
            return "zh_CN"
        return self.partner_id.lang or self.env.lang or "en_US"

    # ------------------------------------------------------------------
    # Clauses
    # ------------------------------------------------------------------

    def _load_clauses(self):
        """Replace the clauses with those of the templates of the contract's type."""
        Template = self.env["emc.contract.clause.template"]
        # Contracts created together mostly share type, company and language.
        found = {}
        for contract in self:
            lang = contract._document_lang()
            key = (contract.contract_type, contract.company_id.id, lang)
            if key not in found:
                found[key] = Template.with_context(lang=lang).search(Template._domain_for(contract))
            templates = found[key]
            contract.clause_ids = [Command.clear()] + [
                Command.create(
                    {
                        "sequence": template.sequence,
                        "name": template.name,
                        "template_id": template.id,
                        "body_source": template.body,
                    }
                )
                for template in templates
            ]

    def action_load_clauses(self):
        """Draft: take the clauses again from the templates of the contract's type."""
        self._check_stage(["draft"], self.env._("Load the clauses"))
        self._load_clauses()
        return True

    # ------------------------------------------------------------------
    # Archive
    # ------------------------------------------------------------------

    def _party_users(self):
        """The users of both parties who see the contract's archive folder."""
        self.ensure_one()
        client_users = (
            self.env["res.users"]
            .sudo()
            .search([("partner_id", "child_of", self.partner_id.commercial_partner_id.id)])
        )
        return client_users | self.user_id | self.sudo().signature_ids.user_id

    def _ensure_dms_directory(self):
        """The contract's own folder in the archive, open to the managers and the parties."""
        self.ensure_one()
        if self.dms_directory_id:
            return self.dms_directory_id
        sudo = self.sudo()
        parties = (
            self.env["dms.access.group"]
            .sudo()
            .create(
                {
                    "name": self.env._("Contract %(contract)s: parties", contract=self.name),
                    "perm_create": False,
                    "perm_write": False,
                    "perm_unlink": False,
                    "explicit_user_ids": [Command.set(self._party_users().ids)],
                }
            )
        )
        managers = self.env.ref("emc_contract.dms_access_group_contract_manage")
        directory = (
            self.env["dms.directory"]
            .sudo()
            .create(
                {
                    "name": self.name,
                    "parent_id": self.env.ref("emc_contract.dms_directory_contracts").id,
                    "inherit_group_ids": False,
                    "group_ids": [Command.set((managers | parties).ids)],
                }
            )
        )
        sudo.with_context(skip_validation_check=True).write(
            {"dms_directory_id": directory.id, "dms_access_group_id": parties.id}
        )
        return directory

    def _refresh_archive_access(self):
        """The parties' users may have changed (a new signer, a new portal user)."""
        for contract in self.filtered("dms_access_group_id"):
            contract.dms_access_group_id.sudo().explicit_user_ids = [
                Command.set(contract._party_users().ids)
            ]

    def _archive_document(self, name, raw, kind, mimetype=None):
        """File ``raw`` bytes as a document of the contract: attachment, dms file, SHA-256."""
        self.ensure_one()
        directory = self._ensure_dms_directory()
        self._refresh_archive_access()
        content = base64.b64encode(raw)
        attachment = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": raw,
                    "res_model": self._name,
                    "res_id": self.id,
                    **({"mimetype": mimetype} if mimetype else {}),
                }
            )
        )
        dms_file = (
            self.env["dms.file"]
            .sudo()
            .create({"name": name, "directory_id": directory.id, "content": content})
        )
        Document = self.env["emc.contract.document"]
        return (
            Document.sudo()
            .create(
                {
                    "contract_id": self.id,
                    "name": name,
                    "kind": kind,
                    "version": self.version,
                    "attachment_id": attachment.id,
                    "dms_file_id": dms_file.id,
                    "sha256": Document._sha256(raw),
                }
            )
            .sudo(self.env.su)
        )

    def _render_document_pdf(self):
        """The contract document as PDF bytes, in the document language."""
        self.ensure_one()
        report = self.env.ref("emc_contract.action_report_emc_contract")
        pdf, _type = (
            self.env["ir.actions.report"]
            .with_context(lang=self._document_lang())
            .sudo()
            ._render_qweb_pdf(report.report_name, self.ids)
        )
        return pdf

    def _generate_contract_document(self):
        """The document both parties sign, generated once when the signing starts."""
        self.ensure_one()
        name = f"{self.name}-v{self.version}.pdf".replace("/", "-")
        document = self._archive_document(name, self._render_document_pdf(), "contract")
        self.sudo().document_id = document
        self.sudo().message_post(
            body=self.env._(
                "Contract document %(name)s generated for signature (SHA-256 %(hash)s).",
                name=name,
                hash=document.sha256,
            ),
            attachment_ids=document.attachment_id.ids,
            subtype_xmlid="mail.mt_note",
        )
        return document

    def _generate_signed_document(self):
        """The contract with both signature blocks filled, once both parties signed."""
        self.ensure_one()
        name = f"{self.name}-v{self.version}-signed.pdf".replace("/", "-")
        document = self._archive_document(name, self._render_document_pdf(), "signed")
        self.sudo().signed_document_id = document
        return document

    def _archive_on_workorder(self, document):
        """A contract concluded for a work order at its contract stage moves that order on."""
        self.ensure_one()
        order = self.sudo().workorder_id
        if not order or order.state != "contract":
            return False
        raw = document._raw()
        # The order's own transition archives the file in the order's folder
        # and appends its evidence event; the contract's signer may not be a
        # desk user, and the signature itself was the check.
        order.action_archive_contract(base64.b64encode(raw), document.name)
        self.sudo().message_post(
            body=self.env._("Signed contract archived on work order %(order)s.", order=order.name),
            subtype_xmlid="mail.mt_note",
        )
        return True

    def _upload_document(self, filename, raw, kind="signed_copy"):
        """A user's upload (signed Word/PDF copy, amendment): checked, hashed and archived."""
        self.ensure_one()
        if self.state in ("draft", "cancelled"):
            raise UserError(
                self.env._(
                    "Contract %(contract)s is not signed yet: upload its signed copies once "
                    "the signing has started.",
                    contract=self.display_name,
                )
            )
        upload = self.env["emc.upload.mixin"]._emc_check_upload(filename, raw, ("document",))
        document = self._archive_document(upload.name, raw, kind, mimetype=upload.mimetype)
        self.sudo().message_post(
            body=self.env._(
                "Document %(name)s filed (SHA-256 %(hash)s).",
                name=document.name,
                hash=document.sha256,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return document

    def action_view_documents(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "emc_contract.emc_contract_document_action"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"default_contract_id": self.id}
        return action

    def action_upload_document(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Upload a document"),
            "res_model": "emc.contract.upload.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_contract_id": self.id},
        }

    def action_print_document(self):
        """The contract document as it reads now (the archived one is what was signed)."""
        self.ensure_one()
        return self.env.ref("emc_contract.action_report_emc_contract").report_action(self)

    def action_open_archive(self):
        self.ensure_one()
        directory = self._ensure_dms_directory()
        return {
            "type": "ir.actions.act_window",
            "name": directory.name,
            "res_model": "dms.directory",
            "res_id": directory.id,
            "view_mode": "form",
        }

    def _verify_documents(self):
        """{document: (status, message)} of every archived document of the contract."""
        return {document: document._verify() for document in self.document_ids}
