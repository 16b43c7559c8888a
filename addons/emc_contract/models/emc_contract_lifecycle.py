from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_list
from odoo.tools.translate import LazyTranslate

from .emc_contract import IN_FORCE_STAGES

_lt = LazyTranslate(__name__)

# Stages from which a contract can be cancelled (it never came into force).
CANCELLABLE_STAGES = ("draft", "approval", "signing")


def tier_rejection_reason(record):
    """The reviewers' comments on a tier rejection of ``record``, or who rejected it."""
    rejected = record.review_ids.filtered(lambda r: r.status == "rejected")
    return "; ".join(filter(None, rejected.mapped("comment"))) or record.env._(
        "Rejected by %(user)s.", user=record.env.user.name
    )


class EmcContract(models.Model):
    """The lifecycle of a contract: approval, signing, force, amendment, end.

    draft → approval (tiers of OCA ``base_tier_validation``) → signing (the
    client in the portal, the ESCO signer internally) → active ⇄ amending →
    terminated early or expired → closed; cancelled from draft, approval or
    signing. One ``action_*`` method per transition, each checking the stage
    (``emc.stage.mixin``). The tier validation runs while the contract is "in
    approval": its last approval moves it to signing, a rejection back to
    draft with the reviewer's reason.
    """

    _name = "emc.contract"
    _inherit = ["emc.contract", "tier.validation"]

    # base_tier_validation: reviews are requested in "approval" and must all
    # be approved before the contract goes to "signing".
    _state_from = ["approval"]
    _state_to = ["signing"]
    _cancel_state = "cancelled"
    _tier_validation_manual_config = True

    version = fields.Integer(
        default=1,
        copy=False,
        readonly=True,
        help="1 for the terms as signed, +1 at every amendment applied.",
    )
    date_submitted = fields.Datetime(string="Submitted on", readonly=True, copy=False)
    date_signed = fields.Datetime(
        string="Signed on", readonly=True, copy=False, help="When both parties had signed."
    )
    date_terminated = fields.Date(
        string="Terminated on",
        readonly=True,
        copy=False,
        tracking=True,
        help="The last day in force of a contract terminated early.",
    )
    termination_reason = fields.Text(readonly=True, copy=False)
    date_closed = fields.Datetime(string="Closed on", readonly=True, copy=False)
    rejection_reason = fields.Text(
        readonly=True, copy=False, help="Why the last approval round was rejected."
    )
    obligation_ids = fields.One2many(
        "emc.contract.obligation", "contract_id", string="Obligations and milestones", copy=True
    )
    obligation_open_count = fields.Integer(compute="_compute_obligation_open_count")

    @api.depends("obligation_ids.done")
    def _compute_obligation_open_count(self):
        for contract in self:
            contract.obligation_open_count = len(
                contract.obligation_ids.filtered(lambda o: not o.done)
            )

    def _compute_hide_reviews(self):
        # The reviews stay visible after the approval, as its record.
        for contract in self:
            contract.hide_reviews = not contract.review_ids

    @api.model
    def _get_under_validation_exceptions(self):
        # Reviewers may still follow the contract and be assigned activities.
        return [*super()._get_under_validation_exceptions(), "activity_ids", "user_id"]

    @api.ondelete(at_uninstall=False)
    def _unlink_only_before_signing(self):
        for contract in self:
            if contract.state not in ("draft", "cancelled") or contract.signature_ids:
                raise UserError(
                    self.env._(
                        "Contract %(contract)s was submitted or signed: cancel or close it, "
                        "it cannot be deleted.",
                        contract=contract.display_name,
                    )
                )

    def _on_stage_changed(self, old_stage, new_stage):
        res = super()._on_stage_changed(old_stage, new_stage)
        # Obligation reminders live while the contract is in force.
        if (old_stage in IN_FORCE_STAGES) != (new_stage in IN_FORCE_STAGES):
            self.obligation_ids._schedule_reminders()
        return res

    # ------------------------------------------------------------------
    # Hooks for the settlement (agreed in notes/contract.md)
    # ------------------------------------------------------------------

    def _settlement_last_day(self):
        """The end date, or the day of an early termination when it comes first."""
        last_day = super()._settlement_last_day()
        if self.date_terminated and (not last_day or self.date_terminated < last_day):
            return self.date_terminated
        return last_day

    def _on_terminated(self):
        """Hook called once the contract is terminated (stage, date and reason written).

        The settlement overrides it to settle the last partial period.
        """
        return True

    def _closing_blockers(self):
        """Translated reasons why the contract cannot be closed yet (empty: it can).

        The settlement adds unsettled periods and unpaid invoices.
        """
        self.ensure_one()
        blockers = []
        open_amendments = self.amendment_ids.filtered(lambda a: a.state in ("draft", "approval"))
        if open_amendments:
            blockers.append(
                self.env._(
                    "amendment %(amendment)s is still open", amendment=open_amendments[0].name
                )
            )
        return blockers

    # ------------------------------------------------------------------
    # Transitions
    # ------------------------------------------------------------------

    def action_submit(self):
        """Draft → approval: the terms are complete, the tier reviews are requested."""
        self._check_stage(["draft"], self.env._("Submit for approval"))
        for contract in self:
            if contract.amendment_terms_of_id:
                raise UserError(
                    self.env._(
                        "%(contract)s holds the amended terms of %(amendment)s: submit the "
                        "amendment, not this copy.",
                        contract=contract.display_name,
                        amendment=contract.amendment_terms_of_id.name,
                    )
                )
        self._check_submittable()
        for contract in self:
            contract.clause_ids._check_renderable()
        self._set_stage(
            "approval",
            {
                c.id: {"date_submitted": fields.Datetime.now(), "rejection_reason": False}
                for c in self
            },
        )
        for contract in self:
            reviews = contract.request_validation()
            if not reviews and not contract.review_ids:
                # No tier applies to this contract: nothing to wait for.
                contract._action_approved()
        return True

    def _validate_tier(self, tiers=False):
        res = super()._validate_tier(tiers)
        if self.state == "approval" and self.validation_status == "validated":
            self._action_approved()
        return res

    def _rejected_tier(self, tiers=False):
        res = super()._rejected_tier(tiers)
        if self.state == "approval" and self.validation_status == "rejected":
            self._action_rejected(tier_rejection_reason(self))
        return res

    def _action_approved(self):
        """Approval → signing, with the contract document generated once for both parties."""
        self._check_stage(["approval"], self.env._("Approve"))
        self._set_stage("signing")
        for contract in self:
            contract._generate_contract_document()
        return True

    def _action_rejected(self, reason):
        """Approval → draft, keeping the reviewer's reason and telling the responsible."""
        self._check_stage(["approval"], self.env._("Reject"))
        # The stage write happens under the open validation: let it through.
        self.with_context(skip_validation_check=True)._set_stage(
            "draft", {c.id: {"rejection_reason": reason} for c in self}
        )
        for contract in self:
            contract.sudo().message_post(
                body=self.env._("Approval rejected: %(reason)s", reason=reason),
                subtype_xmlid="mail.mt_note",
            )
            if contract.user_id:
                contract.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=contract.user_id.id,
                    summary=self.env._("Revise the rejected contract"),
                    note=reason,
                )
        return True

    def _action_signed(self):
        """Signing → active once both parties signed; archives the signed document."""
        self._check_stage(["signing"], self.env._("Complete the signature"))
        for contract in self:
            missing = contract._missing_signature_roles()
            if missing:
                raise UserError(
                    self.env._(
                        "Contract %(contract)s still waits for the signature of %(roles)s.",
                        contract=contract.display_name,
                        roles=format_list(self.env, missing),
                    )
                )
        self._set_stage("active", {c.id: {"date_signed": fields.Datetime.now()} for c in self})
        for contract in self:
            document = contract._generate_signed_document()
            contract._archive_on_workorder(document)
        return True

    def action_amend(self):
        """Active → amending: opens a new amendment with a working copy of the terms."""
        self._check_stage(["active"], self.env._("Amend"))
        self.ensure_one()
        amendment = self.env["emc.contract.amendment"].create({"contract_id": self.id})
        self._set_stage("amending")
        return amendment._get_form_action()

    def _action_amended(self):
        """Amending → active, once an amendment is applied or withdrawn."""
        self._check_stage(["amending"], self.env._("End the amendment"))
        self._set_stage("active")
        return True

    def action_terminate(self):
        """Open the early-termination wizard (the wizard calls :meth:`_terminate`)."""
        self._check_stage(list(IN_FORCE_STAGES), self.env._("Terminate early"))
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Terminate early"),
            "res_model": "emc.contract.terminate.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_contract_id": self.id},
        }

    def _terminate(self, date_terminated, reason):
        """Active/amending → terminated: the last day in force and why, then the hook."""
        self._check_stage(list(IN_FORCE_STAGES), self.env._("Terminate early"))
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give the reason of the early termination."))
        for contract in self:
            if not date_terminated:
                raise UserError(self.env._("Give the last day the contract is in force."))
            if contract.date_start and date_terminated < contract.date_start:
                raise UserError(
                    self.env._(
                        "Contract %(contract)s starts on %(start)s: it cannot end before.",
                        contract=contract.display_name,
                        start=contract.date_start,
                    )
                )
            if contract.date_end and date_terminated > contract.date_end:
                raise UserError(
                    self.env._(
                        "Contract %(contract)s ends on %(end)s anyway: an early termination "
                        "is on or before that day.",
                        contract=contract.display_name,
                        end=contract.date_end,
                    )
                )
        self.amendment_ids.filtered(lambda a: a.state in ("draft", "approval"))._withdraw()
        self._set_stage(
            "terminated",
            {
                c.id: {"date_terminated": date_terminated, "termination_reason": reason}
                for c in self
            },
        )
        self._on_terminated()
        return True

    @api.model
    def _cron_expire(self):
        """Contracts in force whose end date has passed become expired."""
        today = fields.Date.context_today(self)
        contracts = self.search([("state", "in", list(IN_FORCE_STAGES)), ("date_end", "<", today)])
        for contract in contracts:
            contract.amendment_ids.filtered(lambda a: a.state in ("draft", "approval"))._withdraw()
        contracts._set_stage("expired")
        return contracts

    def action_close(self):
        """Terminated/expired → closed, unless something is still owed (see _closing_blockers)."""
        self._check_stage(["terminated", "expired"], self.env._("Close"))
        for contract in self:
            blockers = contract._closing_blockers()
            if blockers:
                raise UserError(
                    self.env._(
                        "Contract %(contract)s cannot be closed yet: %(blockers)s.",
                        contract=contract.display_name,
                        blockers=format_list(self.env, blockers),
                    )
                )
        self._set_stage("closed", {c.id: {"date_closed": fields.Datetime.now()} for c in self})
        return True

    def action_cancel(self):
        """Draft, approval or signing → cancelled (the contract never came into force)."""
        self._check_stage(list(CANCELLABLE_STAGES), self.env._("Cancel"))
        self._set_stage("cancelled")
        return True

    def action_reset_draft(self):
        """Cancelled → draft, to take up a cancelled contract again."""
        self._check_stage(["cancelled"], self.env._("Reset to draft"))
        self._set_stage("draft")
        return True
