from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from odoo.addons.emc_project.models.emc_stage_mixin import stage_field

_lt = LazyTranslate(__name__)

SETTLEMENT_STAGES = [
    ("draft", "Draft"),
    ("to_confirm", "Sent to the client"),
    ("confirmed", "Confirmed"),
    ("disputed", "Disputed"),
    ("invoiced", "Invoiced"),
    ("done", "Paid"),
    ("cancelled", "Cancelled"),
]
# Stages in which the settlement still counts for its period (the unique index).
LIVE_STAGES = ("draft", "to_confirm", "confirmed", "disputed", "invoiced", "done")


class EmcSettlement(models.Model):
    """The settlement (结算单) of one contract for one nominal period.

    The figures come from :func:`lib.settlement.settle`; each computation is
    kept as a version (:class:`emc.settlement.version`) with its inputs and
    lines, so that a dispute leads to a recomputation whose history stays.
    Inputs are gathered in ``emc_settlement_inputs.py``, the moves posted in
    ``emc_settlement_accounting.py``. A contract has at most one live
    settlement per period (a partial unique index, cancelled ones excepted).
    """

    _name = "emc.settlement"
    _description = "EMC settlement"
    _inherit = ["mail.thread", "mail.activity.mixin", "portal.mixin", "emc.stage.mixin"]
    _order = "date_from desc, id desc"
    _stage_field = "state"
    _stage_record_label = _lt("Settlement")
    _stage_hidden_groups = ("cancelled",)

    name = fields.Char(
        string="Number", required=True, copy=False, readonly=True, default="/", index="trigram"
    )
    contract_id = fields.Many2one(
        "emc.contract", required=True, index=True, ondelete="restrict", readonly=True
    )
    contract_type = fields.Selection(related="contract_id.contract_type", store=True)
    # the contract's number and title as the client reads them in the portal,
    # where the contract itself belongs to the ESCO's company
    contract_title = fields.Char(
        string="Contract title", related="contract_id.display_name", store=True
    )
    company_id = fields.Many2one(
        related="contract_id.company_id", store=True, index=True, string="ESCO"
    )
    partner_id = fields.Many2one(
        related="contract_id.partner_id", store=True, index=True, string="Client"
    )
    project_id = fields.Many2one(related="contract_id.project_id", store=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    state = stage_field(SETTLEMENT_STAGES, "draft")
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(
        string="To", required=True, readonly=True, help="The last day of the nominal period."
    )
    final = fields.Boolean(
        string="Final settlement",
        readonly=True,
        help="The last, partial period of a contract terminated early.",
    )
    version_ids = fields.One2many(
        "emc.settlement.version", "settlement_id", string="Versions", readonly=True
    )
    version_id = fields.Many2one(
        "emc.settlement.version", string="Current version", readonly=True, copy=False
    )
    version_count = fields.Integer(compute="_compute_version_count")
    line_ids = fields.One2many(related="version_id.line_ids", string="Lines")
    contract_days = fields.Integer(related="version_id.contract_days", store=True)
    period_days = fields.Integer(related="version_id.period_days")
    savings_kwh = fields.Float(
        related="version_id.savings_kwh", store=True, string="Settled savings (kWh)"
    )
    non_routine_kwh = fields.Float(related="version_id.non_routine_kwh")
    total_client_to_esco = fields.Monetary(related="version_id.total_client_to_esco", store=True)
    total_esco_to_client = fields.Monetary(related="version_id.total_esco_to_client", store=True)
    amount_due_esco = fields.Monetary(related="version_id.amount_due_esco", store=True)
    amount_due_client = fields.Monetary(related="version_id.amount_due_client", store=True)
    amount_waived = fields.Monetary(related="version_id.amount_waived")
    carry_in = fields.Monetary(related="version_id.carry_in")
    carry_out = fields.Monetary(related="version_id.carry_out", store=True)
    inputs_text = fields.Text(related="version_id.inputs_text")
    date_sent = fields.Datetime(string="Sent", readonly=True, copy=False)
    date_confirmed = fields.Datetime(string="Confirmed on", readonly=True, copy=False)
    confirmed_by_id = fields.Many2one("res.users", string="Confirmed by", readonly=True)
    dispute_reason = fields.Text(readonly=True, tracking=True, copy=False)
    disputed_by_id = fields.Many2one("res.users", string="Disputed by", readonly=True)

    def init(self):
        # one live settlement per contract and period: running the monthly
        # job twice cannot create a second one, even from two workers
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS emc_settlement_period_live_uniq "
                "ON emc_settlement (contract_id, date_from) WHERE state != 'cancelled'"
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                contract = self.env["emc.contract"].browse(vals.get("contract_id"))
                sequence = self.env["ir.sequence"].with_company(
                    contract.company_id or self.env.company
                )
                vals["name"] = sequence.next_by_code("emc.settlement") or "/"
        return super().create(vals_list)

    @api.depends("version_ids")
    def _compute_version_count(self):
        for settlement in self:
            settlement.version_count = len(settlement.version_ids)

    @api.depends("name", "contract_id", "date_from", "date_to")
    def _compute_display_name(self):
        for settlement in self:
            settlement.display_name = (
                f"{settlement.name} ({settlement.date_from} ~ {settlement.date_to})"
                if settlement.date_from
                else settlement.name
            )

    def _compute_access_url(self):
        super()._compute_access_url()
        for settlement in self:
            settlement.access_url = f"/my/settlements/{settlement.id}"

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Settlement %(name)s", name=self.name)

    # ------------------------------------------------------------------
    # Transitions
    # ------------------------------------------------------------------

    def action_send(self):
        """Send the statement to the client for confirmation (draft → sent)."""
        self._check_stage(("draft",), self.env._("Send to the client"))
        for settlement in self:
            if not settlement.version_id:
                raise UserError(
                    self.env._(
                        "Settlement %(settlement)s has not been computed yet.",
                        settlement=settlement.display_name,
                    )
                )
        # the client's portal users find it through the record rules; the
        # stage change is tracked once in the chatter
        self._set_stage("to_confirm", {s.id: {"date_sent": fields.Datetime.now()} for s in self})
        return True

    def action_confirm(self):
        """The client (or the ESCO on its written word) accepts the statement."""
        self._check_stage(("to_confirm", "draft"), self.env._("Confirm"))
        now = fields.Datetime.now()
        self._set_stage(
            "confirmed",
            {s.id: {"date_confirmed": now, "confirmed_by_id": self.env.uid} for s in self},
        )
        return True

    def action_dispute(self, reason):
        """The client disputes the statement, with its ``reason`` (sent → disputed)."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the statement is disputed."))
        self._check_stage(("to_confirm",), self.env._("Dispute"))
        self._set_stage(
            "disputed",
            {s.id: {"dispute_reason": reason, "disputed_by_id": self.env.uid} for s in self},
        )
        for settlement in self:
            settlement.message_post(
                body=self.env._(
                    "Disputed by %(user)s: %(reason)s", user=self.env.user.name, reason=reason
                ),
            )
        return True

    def action_recompute(self, reason=None):
        """Compute a new version from the current data, keeping the previous ones.

        A disputed or sent statement goes back to the client; a draft stays a
        draft. ``reason`` says why (the dispute's reason by default).
        """
        self._check_stage(("draft", "to_confirm", "disputed"), self.env._("Recompute"))
        for settlement in self:
            why = reason or settlement.dispute_reason or self.env._("Recomputed")
            settlement._compute_version(why)
            if settlement.state != "draft":
                settlement._set_stage(
                    "to_confirm", {settlement.id: {"date_sent": fields.Datetime.now()}}
                )
        return True

    def action_cancel(self):
        """Cancel the settlement; refused once moves are posted (reverse them first)."""
        self._check_stage(
            ("draft", "to_confirm", "confirmed", "disputed", "invoiced"), self.env._("Cancel")
        )
        for settlement in self:
            posted = settlement.move_ids.filtered(lambda m: m.state == "posted")
            if posted:
                raise UserError(
                    self.env._(
                        "Settlement %(settlement)s has posted entries %(moves)s: reverse them "
                        "before cancelling it.",
                        settlement=settlement.display_name,
                        moves=", ".join(posted.mapped("name")),
                    )
                )
            settlement.move_ids.filtered(lambda m: m.state == "draft").unlink()
        self._set_stage("cancelled")
        return True

    def action_view_versions(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Versions"),
            "res_model": "emc.settlement.version",
            "view_mode": "list,form",
            "domain": [("settlement_id", "=", self.id)],
        }

    def unlink(self):
        for settlement in self:
            if settlement.state not in ("draft", "cancelled"):
                raise UserError(
                    self.env._(
                        "Settlement %(settlement)s was sent to the client: cancel it instead.",
                        settlement=settlement.display_name,
                    )
                )
        return super().unlink()
