from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

ADJUSTMENT_STATES = [
    ("draft", "To approve"),
    ("approved", "Approved"),
    ("refused", "Refused"),
]


class EmcMvAdjustment(models.Model):
    """A non-routine adjustment of a baseline (IPMVP): a change the model does not know of.

    The kWh are added to the adjusted baseline of the reporting period (month,
    or billing period) containing ``date``: positive when the change would
    have raised the consumption without the measures (a production line
    added), negative when it would have lowered it (a wing closed). Only
    approved adjustments count; the approver is recorded with them.
    """

    _name = "emc.mv.adjustment"
    _description = "Non-routine adjustment"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"

    baseline_id = fields.Many2one(
        "emc.mv.baseline", required=True, index=True, ondelete="cascade", tracking=True
    )
    company_id = fields.Many2one(related="baseline_id.company_id", store=True, index=True)
    project_id = fields.Many2one(related="baseline_id.project_id", store=True)
    site_id = fields.Many2one(related="baseline_id.site_id", store=True)
    date = fields.Date(
        string="In the period of",
        required=True,
        tracking=True,
        help="Any day of the month (billing period) the adjustment applies to.",
    )
    amount_kwh = fields.Float(string="Adjustment (kWh)", required=True, tracking=True)
    reason = fields.Text(required=True, tracking=True)
    state = fields.Selection(
        ADJUSTMENT_STATES, default="draft", required=True, tracking=True, copy=False
    )
    approver_id = fields.Many2one("res.users", string="Approved by", readonly=True, copy=False)
    date_approved = fields.Datetime(string="Approved on", readonly=True, copy=False)

    @api.depends("baseline_id", "date", "amount_kwh")
    def _compute_display_name(self):
        for adjustment in self:
            adjustment.display_name = f"{adjustment.baseline_id.name} {adjustment.date or ''}"

    def _check_approver(self):
        if not self.env.user.has_group("emc_project.group_emc_engineer"):
            raise AccessError(_("Only an energy engineer approves non-routine adjustments."))

    def write(self, vals):
        if {"date", "amount_kwh", "reason", "baseline_id"} & set(vals):
            decided = self.filtered(lambda a: a.state != "draft")
            if decided:
                raise UserError(
                    _(
                        "The adjustment of %(date)s is %(state)s: reset it to approval before "
                        "changing it.",
                        date=decided[0].date,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            decided[0].state
                        ],
                    )
                )
        return super().write(vals)

    def action_approve(self):
        """Approve: the adjustment counts in the savings computed from now on."""
        self._check_approver()
        if self.filtered(lambda a: a.state != "draft"):
            raise UserError(_("Only adjustments waiting for approval can be approved."))
        self.write(
            {
                "state": "approved",
                "approver_id": self.env.uid,
                "date_approved": fields.Datetime.now(),
            }
        )
        return True

    def action_refuse(self):
        self._check_approver()
        if self.filtered(lambda a: a.state != "draft"):
            raise UserError(_("Only adjustments waiting for approval can be refused."))
        self.write({"state": "refused", "approver_id": self.env.uid})
        return True

    def action_reset(self):
        self._check_approver()
        self.write({"state": "draft", "approver_id": False, "date_approved": False})
        return True
