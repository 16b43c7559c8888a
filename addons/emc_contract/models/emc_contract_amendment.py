import datetime
from decimal import Decimal

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from odoo.addons.emc_project.models.emc_stage_mixin import stage_field

from ..lib.amendment import diff_terms
from .emc_contract_lifecycle import tier_rejection_reason

_lt = LazyTranslate(__name__)

AMENDMENT_STAGES = [
    ("draft", "Draft"),
    ("approval", "In approval"),
    ("applied", "Applied"),
    ("cancelled", "Withdrawn"),
]
# What an amendment may change on the contract: these fields, and the lines below.
AMENDABLE_FIELDS = (
    "title",
    "date_end",
    "settlement_period",
    "payment_term_id",
    "site_ids",
    "meter_ids",
    "baseline_ids",
    "mv_option",
    "ownership_transfer",
    "ownership_note",
    "guarantee_per",
    "excess_rule",
    "excess_share",
    "trusteeship_fee_mode",
    "trusteeship_fee",
    "trusteeship_fee_share",
    "trusteeship_has_cap",
    "trusteeship_cap",
    "lease_principal",
    "lease_annual_rate",
    "lease_instalments",
    "lease_frequency",
    "lease_method",
    "lease_date_start",
    "negative_balance",
    "esco_payment_move",
    "netting",
)
AMENDABLE_LINES = ("price_ids", "tier_ids", "guarantee_line_ids", "clause_ids")
# What makes it another contract rather than an amended one.
FROZEN_FIELDS = ("contract_type", "partner_id", "company_id", "date_start")


class EmcContractAmendment(models.Model):
    """A versioned amendment (合同变更) of a contract in force, with its own approval.

    Opening an amendment puts the contract at stage "amending" and makes a
    working copy of its terms (an archived draft ``emc.contract`` linked to
    the amendment), edited like any draft contract. The difference of the
    terms in force and the amended ones is computed field by field
    (``lib/amendment.diff_terms`` on ``_terms_snapshot``). The amendment goes
    through its own tier approval; approved, it writes the amended terms on
    the contract, whose version goes up by one, records the difference and
    files the amendment document in the contract's archive; the contract is
    back to "active". Withdrawn, the working copy is dropped.
    """

    _name = "emc.contract.amendment"
    _description = "Contract amendment"
    _inherit = ["mail.thread", "mail.activity.mixin", "emc.stage.mixin", "tier.validation"]
    _order = "id desc"
    _stage_field = "state"
    _stage_record_label = _lt("Amendment")
    _stage_hidden_groups = ("cancelled",)

    _state_from = ["approval"]
    _state_to = ["applied"]
    _cancel_state = "cancelled"
    _tier_validation_manual_config = True

    name = fields.Char(string="Number", required=True, readonly=True, copy=False, default="/")
    contract_id = fields.Many2one(
        "emc.contract", required=True, readonly=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    partner_id = fields.Many2one(related="contract_id.partner_id", string="Client")
    version = fields.Integer(
        readonly=True, help="The version of the contract's terms this amendment makes."
    )
    reason = fields.Text(tracking=True)
    state = stage_field(AMENDMENT_STAGES, "draft")
    terms_id = fields.Many2one(
        "emc.contract",
        string="Amended terms",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The working copy of the contract holding the amended terms.",
    )
    diff = fields.Json(readonly=True, copy=False, help="The changes applied, field by field.")
    diff_html = fields.Html(string="Changes", compute="_compute_diff_html", sanitize=False)
    change_count = fields.Integer(compute="_compute_diff_html")
    date_applied = fields.Datetime(string="Applied on", readonly=True, copy=False)
    rejection_reason = fields.Text(readonly=True, copy=False)
    document_id = fields.Many2one("emc.contract.document", readonly=True, copy=False)

    def _compute_hide_reviews(self):
        for amendment in self:
            amendment.hide_reviews = not amendment.review_ids

    @api.model_create_multi
    def create(self, vals_list):
        amendments = super().create(vals_list)
        for amendment in amendments:
            contract = amendment.contract_id
            number = len(contract.with_context(active_test=False).amendment_ids)
            amendment.write(
                {
                    "name": self.env._(
                        "%(contract)s amendment %(number)s", contract=contract.name, number=number
                    ),
                    "version": contract.version + 1,
                }
            )
            amendment.terms_id = contract._amendment_working_copy(amendment)
        return amendments

    # ------------------------------------------------------------------
    # The difference
    # ------------------------------------------------------------------

    def _changes(self):
        """The changes as stored once applied, else from the working copy as it is now."""
        self.ensure_one()
        if self.diff is not None and self.state == "applied":
            return self.diff
        if not self.terms_id:
            return []
        old = self.contract_id._terms_snapshot()
        new = self.terms_id._terms_snapshot()
        return [change.to_dict() for change in diff_terms(old, new, order=list(old))]

    @api.depends("diff", "state", "terms_id", "contract_id")
    def _compute_diff_html(self):
        for amendment in self:
            changes = amendment._changes() if amendment.contract_id else []
            amendment.change_count = len(changes)
            amendment.diff_html = amendment._diff_table(changes)

    def _diff_table(self, changes):
        if not changes:
            return Markup("<p>%s</p>") % self.env._("No change to the terms.")
        contract = self.contract_id
        rows = Markup("").join(
            Markup("<tr><td>%s</td><td>%s</td><td>%s</td></tr>")
            % (
                contract._terms_label(change["field"]),
                contract._terms_value(change["field"], change["old"]),
                contract._terms_value(change["field"], change["new"]),
            )
            for change in changes
        )
        return Markup(
            '<table class="table table-sm o_emc_amendment_diff"><thead><tr>'
            "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>%s</tbody></table>"
        ) % (self.env._("Term"), self.env._("In force"), self.env._("Amended"), rows)

    # ------------------------------------------------------------------
    # Transitions
    # ------------------------------------------------------------------

    def action_submit(self):
        """Draft → approval: a reason, real changes, complete terms; reviews requested."""
        self._check_stage(["draft"], self.env._("Submit for approval"))
        for amendment in self:
            if not (amendment.reason or "").strip():
                raise UserError(
                    self.env._("Amendment %(name)s: give its reason.", name=amendment.name)
                )
            amendment._check_frozen()
            if not amendment._changes():
                raise UserError(
                    self.env._(
                        "Amendment %(name)s changes nothing: edit the amended terms first.",
                        name=amendment.name,
                    )
                )
            amendment.terms_id._check_submittable()
            amendment.terms_id.clause_ids._check_renderable()
        self._set_stage("approval", {a.id: {"rejection_reason": False} for a in self})
        for amendment in self:
            reviews = amendment.request_validation()
            if not reviews and not amendment.review_ids:
                amendment._apply()
        return True

    def _validate_tier(self, tiers=False):
        res = super()._validate_tier(tiers)
        if self.state == "approval" and self.validation_status == "validated":
            self._apply()
        return res

    def _rejected_tier(self, tiers=False):
        res = super()._rejected_tier(tiers)
        if self.state == "approval" and self.validation_status == "rejected":
            reason = tier_rejection_reason(self)
            self.with_context(skip_validation_check=True)._set_stage(
                "draft", {self.id: {"rejection_reason": reason}}
            )
            self.sudo().message_post(
                body=self.env._("Amendment rejected: %(reason)s", reason=reason),
                subtype_xmlid="mail.mt_note",
            )
        return res

    def _check_frozen(self):
        self.ensure_one()
        contract, terms = self.contract_id, self.terms_id
        for name in FROZEN_FIELDS:
            if contract[name] != terms[name]:
                raise UserError(
                    self.env._(
                        "Amendment %(name)s changes “%(field)s”: that makes another contract, "
                        "not an amendment of this one.",
                        name=self.name,
                        field=contract._fields[name]._description_string(self.env),
                    )
                )

    def _apply(self):
        """Approval → applied: the amended terms written on the contract, version + 1."""
        self._check_stage(["approval"], self.env._("Apply"))
        for amendment in self:
            amendment._check_frozen()
            contract, terms = amendment.contract_id.sudo(), amendment.terms_id.sudo()
            contract._check_stage(["amending"], self.env._("Apply an amendment"))
            changes = amendment._changes()
            values = {
                name: terms._fields[name].convert_to_write(terms[name], terms)
                for name in AMENDABLE_FIELDS
            }
            values["version"] = amendment.version
            contract.write(values)
            for lines in AMENDABLE_LINES:
                contract[lines].unlink()
                terms[lines].copy({"contract_id": contract.id})
            amendment.with_context(skip_validation_check=True)._set_stage(
                "applied",
                {amendment.id: {"diff": changes, "date_applied": fields.Datetime.now()}},
            )
            amendment.terms_id = False
            terms.unlink()
            document = amendment._generate_document()
            contract.sudo().message_post(
                body=self.env._(
                    "Amendment %(name)s applied: version %(version)s of the terms "
                    "(%(count)s changes).",
                    name=amendment.name,
                    version=amendment.version,
                    count=len(changes),
                ),
                attachment_ids=document.attachment_id.ids,
                subtype_xmlid="mail.mt_note",
            )
            contract._action_amended()
        return True

    def _generate_document(self):
        """The amendment as a PDF, filed in the contract's archive."""
        self.ensure_one()
        report = self.env.ref("emc_contract.action_report_emc_contract_amendment")
        pdf, _type = (
            self.env["ir.actions.report"]
            .with_context(lang=self.contract_id._document_lang())
            .sudo()
            ._render_qweb_pdf(report.report_name, self.ids)
        )
        name = f"{self.contract_id.name}-amendment-v{self.version}.pdf".replace("/", "-")
        document = self.contract_id._archive_document(name, pdf, "amendment")
        self.sudo().document_id = document
        return document

    def _withdraw(self):
        """Draft/approval → withdrawn: the working copy goes, the contract is active again."""
        self._check_stage(["draft", "approval"], self.env._("Withdraw"))
        copies = self.sudo().terms_id
        self.with_context(skip_validation_check=True)._set_stage("cancelled")
        self.sudo().terms_id = False
        copies.unlink()
        for contract in self.contract_id:
            still_open = contract.amendment_ids.filtered(lambda a: a.state in ("draft", "approval"))
            if contract.state == "amending" and not still_open:
                contract._action_amended()
        return True

    def action_withdraw(self):
        return self._withdraw()

    def action_edit_terms(self):
        """Open the working copy of the terms (editable while the amendment is a draft)."""
        self.ensure_one()
        if not self.terms_id:
            raise UserError(
                self.env._("Amendment %(name)s has no working copy any more.", name=self.name)
            )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Amended terms"),
            "res_model": "emc.contract",
            "res_id": self.terms_id.id,
            "view_mode": "form",
            "target": "current",
        }

    def _get_form_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.name,
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }


class EmcContract(models.Model):
    """Amendments seen from the contract, and the labels of its flat terms."""

    _inherit = "emc.contract"

    amendment_ids = fields.One2many(
        "emc.contract.amendment", "contract_id", string="Amendments", copy=False
    )
    amendment_count = fields.Integer(compute="_compute_amendment_count")
    amendment_terms_of_id = fields.Many2one(
        "emc.contract.amendment",
        string="Working copy of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Set on the working copy of an amendment's terms, not on real contracts.",
    )

    @api.depends("amendment_ids")
    def _compute_amendment_count(self):
        for contract in self:
            contract.amendment_count = len(contract.amendment_ids)

    def action_view_amendments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "emc_contract.emc_contract_amendment_action"
        )
        action["domain"] = [("contract_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def _amendment_working_copy(self, amendment):
        """An archived draft copy of the contract, holding the terms the amendment edits."""
        self.ensure_one()
        return (
            self.sudo()
            .with_context(tracking_disable=True, emc_contract_keep_clauses=True)
            .copy(
                {
                    "name": f"{self.name}/V{amendment.version}",
                    "active": False,
                    "workorder_id": False,
                    "obligation_ids": [],
                    "amendment_terms_of_id": amendment.id,
                }
            )
            .sudo(self.env.su)
        )

    def _terms_label(self, key):
        """A reader's label for a key of :meth:`_terms_snapshot`."""
        _ = self.env._
        if key in self._fields:
            return self._fields[key]._description_string(self.env)
        carriers = dict(
            self.env["emc.contract.price"]._fields["carrier"]._description_selection(self.env)
        )
        periods = dict(
            self.env["emc.contract.tou.line"]._fields["period"]._description_selection(self.env)
        )
        parts = key.split("_")
        if parts[0] == "price" and len(parts) >= 2:
            carrier = carriers.get(parts[1], parts[1])
            if len(parts) == 2:
                return _("Price of %(carrier)s", carrier=carrier)
            period = periods.get(parts[2], parts[2])
            if len(parts) == 4 and parts[3] == "hours":
                return _("Hours of %(carrier)s, %(period)s", carrier=carrier, period=period)
            if len(parts) == 4 and parts[3] == "weight":
                return _("Weight of %(carrier)s, %(period)s", carrier=carrier, period=period)
            return _("Price of %(carrier)s, %(period)s", carrier=carrier, period=period)
        if parts[0] == "tier" and len(parts) == 3:
            if parts[2] == "share":
                return _("ESCO share from year %(year)s", year=parts[1])
            return _("Last year of the tier from year %(year)s", year=parts[1])
        if parts[0] == "guarantee" and len(parts) >= 3:
            carrier = carriers.get(parts[1], parts[1])
            if parts[2] == "kwh":
                return _("Guaranteed savings of %(carrier)s (kWh)", carrier=carrier)
            return _("Shortfall price of %(carrier)s", carrier=carrier)
        return key

    def _terms_value(self, key, value):
        """A reader's text for a value of :meth:`_terms_snapshot` (as stored in a diff)."""
        if value is None or value is False:
            return "—"
        field = self._fields.get(key)
        if field is not None:
            if field.type == "selection":
                return dict(field._description_selection(self.env)).get(value, value)
            if field.type == "many2one" and value:
                return self.env[field.comodel_name].browse(value).exists().display_name or value
            if field.type == "boolean":
                return self.env._("Yes") if value else self.env._("No")
        if key == "baseline_ids" and value:
            ids = [int(i) for i in str(value).split(",") if i]
            return ", ".join(
                self.env["emc.mv.baseline"].browse(ids).exists().mapped("display_name")
            )
        if isinstance(value, (Decimal, datetime.date)):
            return str(value)
        return escape(str(value))
