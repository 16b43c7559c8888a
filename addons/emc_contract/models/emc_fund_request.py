"""Fund requests (资金申请): money asked for a project, approved in tiers, then billed or paid.

Flow (``emc.stage.mixin``): draft → to_approve (the tiers of OCA
``base_tier_validation`` are opened: by default the project manager, then
finance above a threshold, then an EMC administrator when the request is over
budget) → approved once every tier is validated (rejected when a reviewer
rejects) → billed (finance turns it into a draft vendor bill with the
project's analytic distribution and the budget category) → paid (the bill is
paid), or paid directly by an outbound payment. Draft, to-approve and
approved requests can be cancelled; rejected and cancelled ones go back to
draft to be reworked.

Over budget: the request's amount is compared with what its category still
has (planned − actual − committed by the other approved requests) while it is
draft or awaiting approval; the flag selects the administrator's tier, and an
approval is refused when the request became over budget after it was
submitted (its reviewers did not see it so).
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.translate import LazyTranslate

from odoo.addons.emc_project.models.emc_stage_mixin import stage_field

from .emc_budget_line import BUDGET_CATEGORIES

_lt = LazyTranslate(__name__)

REQUEST_STAGES = [
    ("draft", "Draft"),
    ("to_approve", "To approve"),
    ("approved", "Approved"),
    ("billed", "Billed"),
    ("paid", "Paid"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
]
# What the approval was given for: only a draft changes it.
LOCKED_FIELDS = {"project_id", "category", "amount"}
# Written by the transitions only (as superuser, through emc.stage.mixin).
SYSTEM_FIELDS = {"state", "move_id", "payment_id", "date_paid", "over_budget_at_submit"}
BUDGET_FIELDS = [
    "budget_planned",
    "budget_actual",
    "budget_committed",
    "budget_available",
    "over_budget",
    "budget_message",
]
PAYMENT_MODES = [("bill", "Vendor bill"), ("payment", "Direct payment")]


class EmcFundRequest(models.Model):
    _name = "emc.fund.request"
    _description = "Fund request"
    _inherit = ["mail.thread", "mail.activity.mixin", "tier.validation", "emc.stage.mixin"]
    _order = "id desc"
    _stage_field = "state"
    _stage_record_label = _lt("Fund request")
    _stage_hidden_groups = ("cancelled",)

    # base_tier_validation: the approval runs between these stages.
    _state_field = "state"
    _state_from = ["to_approve"]
    _state_to = ["approved"]
    _cancel_state = "cancelled"
    _tier_validation_manual_config = False
    _tier_validation_buttons_xpath = "/form/header/field[@name='state']"

    name = fields.Char(
        string="Reference", required=True, copy=False, readonly=True, default="/", index=True
    )
    state = stage_field(REQUEST_STAGES, "draft")
    project_id = fields.Many2one(
        "emc.project", string="EMC project", required=True, index=True, tracking=True
    )
    company_id = fields.Many2one(related="project_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="project_id.currency_id")
    analytic_account_id = fields.Many2one(related="project_id.analytic_account_id")
    category = fields.Selection(
        BUDGET_CATEGORIES, string="Budget category", required=True, tracking=True
    )
    amount = fields.Monetary(required=True, tracking=True)
    partner_id = fields.Many2one("res.partner", string="Payee", required=True, tracking=True)
    purpose = fields.Text(required=True)
    date_due = fields.Date(string="Needed by", tracking=True)
    requested_by_id = fields.Many2one(
        "res.users",
        string="Requested by",
        default=lambda self: self.env.user,
        required=True,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "emc_fund_request_attachment_rel",
        "request_id",
        "attachment_id",
        string="Attachments",
        help="Quotations, contracts, invoices supporting the request.",
    )
    payment_mode = fields.Selection(
        PAYMENT_MODES, string="Paid by", default="bill", required=True, tracking=True
    )
    move_id = fields.Many2one("account.move", string="Vendor bill", readonly=True, copy=False)
    payment_id = fields.Many2one("account.payment", string="Payment", readonly=True, copy=False)
    bill_payment_state = fields.Selection(related="move_id.payment_state", string="Bill payment")
    date_paid = fields.Date(string="Paid on", readonly=True, copy=False)
    over_budget_at_submit = fields.Boolean(readonly=True, copy=False)
    budget_planned = fields.Monetary(string="Category budget", compute="_compute_budget")
    budget_actual = fields.Monetary(string="Category actual", compute="_compute_budget")
    budget_committed = fields.Monetary(string="Category committed", compute="_compute_budget")
    budget_available = fields.Monetary(
        string="Available",
        compute="_compute_budget",
        help="Planned − actual − committed by the other approved requests of the category.",
    )
    over_budget = fields.Boolean(
        compute="_compute_budget",
        search="_search_over_budget",
        help="Before approval: the amount exceeds what the category still has.",
    )
    budget_message = fields.Char(compute="_compute_budget")

    _sql_constraints = [
        ("amount_positive", "CHECK(amount > 0)", "A fund request asks for a positive amount."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("emc.fund.request") or "/"
        return super().create(vals_list)

    def write(self, vals):
        if SYSTEM_FIELDS & set(vals) and not self.env.su:
            raise UserError(
                self.env._(
                    "The stage, bill and payment of a fund request change through its buttons "
                    "only (submit, approve, bill, pay, cancel)."
                )
            )
        locked = LOCKED_FIELDS & set(vals)
        if locked and not self.env.su:
            for request in self:
                if request.state != "draft":
                    raise UserError(
                        self.env._(
                            "Fund request %(request)s is no longer a draft: its project, "
                            "category and amount cannot change. Send it back to draft first.",
                            request=request.display_name,
                        )
                    )
        return super().write(vals)

    def _get_under_validation_exceptions(self):
        return [
            *super()._get_under_validation_exceptions(),
            "activity_ids",
            "message_ids",
            "attachment_ids",
        ]

    @api.depends("project_id", "category", "amount", "state")
    def _compute_budget(self):
        # Once for all the requests' projects: a list of requests costs a few queries.
        projects = self.project_id._origin
        actuals = projects._budget_actuals()
        commitments = projects._budget_committed()
        planned_by_key = defaultdict(float)
        for line in projects.budget_line_ids:
            planned_by_key[line.project_id.id, line.category] += line.planned_amount
        for request in self:
            key = (request.project_id._origin.id, request.category)
            planned = planned_by_key[key]
            actual = actuals.get((*key, 0), 0.0)
            committed = commitments.get((*key, 0), 0.0)
            if request._origin and request._origin._is_committed():
                committed -= request._origin.amount
            available = planned - actual - committed
            currency = request.currency_id or self.env.company.currency_id
            over = request.state in ("draft", "to_approve") and (
                currency.compare_amounts(request.amount, available) > 0
            )
            request.budget_planned = planned
            request.budget_actual = actual
            request.budget_committed = committed
            request.budget_available = available
            request.over_budget = over
            request.budget_message = (
                self.env._(
                    "Over budget: %(category)s has %(available)s left (planned %(planned)s, "
                    "actual %(actual)s, committed %(committed)s); this request exceeds it by "
                    "%(excess)s and needs the approval of an EMC administrator as well.",
                    category=dict(request._fields["category"]._description_selection(self.env))[
                        request.category
                    ],
                    available=currency.format(available),
                    planned=currency.format(planned),
                    actual=currency.format(actual),
                    committed=currency.format(committed),
                    excess=currency.format(request.amount - available),
                )
                if over
                else False
            )

    def _is_committed(self):
        """Approved and not yet booked: not billed, or billed in a draft bill."""
        self.ensure_one()
        return self.state == "approved" or (
            self.state == "billed" and self.move_id.state == "draft"
        )

    def _search_over_budget(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the over-budget flag."))
        pending = self.search([("state", "in", ("draft", "to_approve"))])
        over = pending.filtered("over_budget")
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", over.ids)]

    # ------------------------------------------------------------------
    # Transitions
    # ------------------------------------------------------------------
    def action_submit(self):
        """Draft → to approve: opens the approval tiers."""
        self._check_stage(["draft"], self.env._("Submit for approval"))
        self.invalidate_recordset(BUDGET_FIELDS)
        for request in self:
            if not request.project_id.analytic_account_id:
                # The account belongs to the project and is created as at its approval;
                # the requester may lack the rights to write on the project.
                request.project_id.sudo()._ensure_analytic_account()
        self._set_stage(
            "to_approve", {r.id: {"over_budget_at_submit": r.over_budget} for r in self}
        )
        # need_validation has no dependencies: computed at draft, it would stay False.
        self.invalidate_recordset(["need_validation"])
        self.request_validation()
        return True

    def _validate_tier(self, tiers=False):
        res = super()._validate_tier(tiers)
        # need_validation has no dependencies: its cached value predates the reviews.
        self.invalidate_recordset(["need_validation"])
        if (
            self.state == "to_approve"
            and self.validation_status == "validated"
            and not self.env.context.get("emc_fund_request_approving")
        ):
            self.with_context(emc_fund_request_approving=True).action_approve()
        return res

    def _rejected_tier(self, tiers=False):
        res = super()._rejected_tier(tiers)
        if self.state == "to_approve" and self.validation_status == "rejected":
            self.with_context(skip_validation_check=True)._set_stage("rejected")
        return res

    def action_approve(self):
        """To approve → approved: only once every tier is validated, and not newly over budget."""
        self._check_stage(["to_approve"], self.env._("Approve"))
        # The budget figures move with other requests and accounting: read them now.
        self.invalidate_recordset(BUDGET_FIELDS)
        for request in self:
            if request.review_ids and request.validation_status != "validated":
                raise UserError(
                    self.env._(
                        "Fund request %(request)s is not approved yet: %(next)s.",
                        request=request.display_name,
                        next=request.next_review or self.env._("reviews are pending"),
                    )
                )
            if not request.review_ids and not self.env.user.has_group(
                "emc_project.group_emc_manager"
            ):
                raise UserError(
                    self.env._(
                        "Fund request %(request)s has no approval tier: only a project "
                        "manager can approve it.",
                        request=request.display_name,
                    )
                )
            if request.over_budget and not request.over_budget_at_submit:
                raise UserError(
                    self.env._(
                        "Fund request %(request)s went over budget after it was submitted: "
                        "%(message)s Send it back to draft and submit it again.",
                        request=request.display_name,
                        message=request.budget_message,
                    )
                )
        self._set_stage("approved")
        return True

    def action_cancel(self):
        """Draft, to approve or approved → cancelled."""
        self._check_stage(["draft", "to_approve", "approved"], self.env._("Cancel"))
        self._set_stage("cancelled")
        return True

    def action_draft(self):
        """Rejected or cancelled → draft, to rework and submit again."""
        self._check_stage(["rejected", "cancelled"], self.env._("Back to draft"))
        # The reviews belong to the abandoned submission.
        self.sudo().review_ids.unlink()
        self._set_stage("draft", {r.id: {"over_budget_at_submit": False} for r in self})
        return True

    def _prepare_bill_values(self):
        """Values of the draft vendor bill of an approved request."""
        self.ensure_one()
        return {
            "move_type": "in_invoice",
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "ref": self.name,
            "invoice_date_due": self.date_due,
            "emc_fund_request_id": self.id,
            "invoice_line_ids": [
                (
                    0,
                    0,
                    {
                        "name": f"{self.name} {self.purpose}",
                        "quantity": 1.0,
                        "price_unit": self.amount,
                        # The requested amount is what is paid: taxes, if any, are
                        # split out by finance on the draft bill.
                        "tax_ids": [(6, 0, [])],
                        "analytic_distribution": {str(self.analytic_account_id.id): 100.0},
                        "emc_budget_category": self.category,
                    },
                )
            ],
        }

    def _check_finance(self):
        if not self.env.user.has_group("emc_project.group_emc_finance"):
            raise AccessError(
                self.env._("Only finance turns an approved fund request into a bill or a payment.")
            )

    def action_create_bill(self):
        """Approved → billed: a draft vendor bill on the project's analytic account."""
        self._check_finance()
        self._check_stage(["approved"], self.env._("Create vendor bill"))
        values = {}
        for request in self:
            if not request.analytic_account_id:
                raise UserError(
                    self.env._(
                        "Project %(project)s has no analytic account to bill request "
                        "%(request)s on.",
                        project=request.project_id.display_name,
                        request=request.display_name,
                    )
                )
            move = (
                self.env["account.move"]
                .with_company(request.company_id)
                .create(request._prepare_bill_values())
            )
            values[request.id] = {"move_id": move.id}
        self._set_stage("billed", values)
        if len(self) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "account.move",
                "res_id": self.move_id.id,
                "view_mode": "form",
            }
        return True

    def action_create_payment(self):
        """Approved → paid: an outbound payment to the payee, posted."""
        self._check_finance()
        self._check_stage(["approved"], self.env._("Pay directly"))
        values = {}
        for request in self:
            payment = (
                self.env["account.payment"]
                .with_company(request.company_id)
                .create(
                    {
                        "payment_type": "outbound",
                        "partner_type": "supplier",
                        "partner_id": request.partner_id.id,
                        "amount": request.amount,
                        "currency_id": request.currency_id.id,
                        "memo": f"{request.name} {request.purpose}",
                        "date": fields.Date.context_today(request),
                    }
                )
            )
            payment.action_post()
            values[request.id] = {"payment_id": payment.id, "date_paid": payment.date}
        self._set_stage("paid", values)
        return True

    def _mark_paid(self):
        """Billed → paid, when the vendor bill is paid (called by the bill)."""
        billed = self.filtered(lambda r: r.state == "billed")
        if billed:
            billed.sudo()._set_stage(
                "paid", {r.id: {"date_paid": fields.Date.context_today(r)} for r in billed}
            )
        return True

    def action_view_bill(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.move_id.id,
            "view_mode": "form",
        }

    def action_view_payment(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.payment",
            "res_id": self.payment_id.id,
            "view_mode": "form",
        }
