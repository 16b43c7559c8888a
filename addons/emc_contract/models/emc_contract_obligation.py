from odoo import api, fields, models

from .emc_contract import IN_FORCE_STAGES

OBLIGATION_KINDS = [("obligation", "Obligation"), ("milestone", "Milestone")]
OBLIGATION_PARTIES = [("esco", "ESCO"), ("client", "Client"), ("both", "Both parties")]


class EmcContractObligation(models.Model):
    """An obligation or milestone of a contract, with its due date and responsible.

    While the contract is in force, an open obligation with a responsible and a
    due date has a to-do activity on the contract (the reminder), due that day:
    it moves with the due date or the responsible and is marked done with the
    obligation.
    """

    _name = "emc.contract.obligation"
    _description = "Contract obligation or milestone"
    _order = "date_due, sequence, id"

    contract_id = fields.Many2one("emc.contract", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="contract_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Obligation", required=True)
    kind = fields.Selection(OBLIGATION_KINDS, default="obligation", required=True)
    party = fields.Selection(OBLIGATION_PARTIES, string="Owed by", default="esco", required=True)
    date_due = fields.Date(string="Due on")
    user_id = fields.Many2one("res.users", string="Responsible", domain="[('share', '=', False)]")
    done = fields.Boolean(copy=False)
    date_done = fields.Date(string="Done on", copy=False, readonly=True)
    note = fields.Text()
    activity_id = fields.Many2one("mail.activity", string="Reminder", copy=False, readonly=True)
    overdue = fields.Boolean(compute="_compute_overdue")

    @api.depends("date_due", "done")
    def _compute_overdue(self):
        today = fields.Date.context_today(self)
        for obligation in self:
            obligation.overdue = bool(
                not obligation.done and obligation.date_due and obligation.date_due < today
            )

    @api.model_create_multi
    def create(self, vals_list):
        obligations = super().create(vals_list)
        obligations._schedule_reminders()
        return obligations

    def write(self, vals):
        if vals.get("done"):
            vals.setdefault("date_done", fields.Date.context_today(self))
        elif "done" in vals:
            vals["date_done"] = False
        res = super().write(vals)
        if {"done", "date_due", "user_id", "name"} & set(vals):
            self._schedule_reminders()
        return res

    def unlink(self):
        self.activity_id.sudo().unlink()
        return super().unlink()

    def _schedule_reminders(self):
        """Keep each obligation's to-do on its contract in line with it.

        Done obligations close their activity (kept in the chatter as done);
        open ones of a contract in force get one, due on their date, for their
        responsible.
        """
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        for obligation in self:
            activity = obligation.activity_id.exists()
            contract = obligation.contract_id
            if obligation.done:
                if activity:
                    activity.sudo().action_feedback(feedback=self.env._("Obligation fulfilled."))
                continue
            wanted = (
                contract.state in IN_FORCE_STAGES and obligation.date_due and obligation.user_id
            )
            if not wanted:
                if activity:
                    activity.sudo().unlink()
                continue
            values = {
                "summary": obligation.name,
                "date_deadline": obligation.date_due,
                "user_id": obligation.user_id.id,
            }
            if activity:
                activity.sudo().write(values)
            else:
                # The responsible may not be allowed to write the contract: the
                # reminder is the contract's, created for them.
                activity = contract.sudo().activity_schedule(
                    activity_type_id=todo.id if todo else False,
                    note=obligation.note or "",
                    **values,
                )
                obligation.sudo().activity_id = activity
