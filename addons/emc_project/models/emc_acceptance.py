from odoo import _, api, fields, models
from odoo.exceptions import UserError


class EmcAcceptance(models.Model):
    _name = "emc.acceptance"
    _description = "Acceptance of an EMC project"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    project_id = fields.Many2one("emc.project", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="project_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="project_id.partner_id")
    date = fields.Date(required=True, default=fields.Date.context_today)
    line_ids = fields.One2many("emc.acceptance.line", "acceptance_id", string="Results")
    state = fields.Selection(
        [("draft", "Draft"), ("done", "Signed")], default="draft", required=True, tracking=True
    )
    result = fields.Selection(
        [("passed", "Passed"), ("failed", "Failed"), ("pending", "Pending")],
        compute="_compute_result",
        store=True,
        tracking=True,
    )
    conclusion = fields.Text()
    client_signatory = fields.Char(string="Client representative")
    esco_signatory = fields.Char(string="ESCO representative")
    client_signature = fields.Image(max_width=1024, max_height=1024, copy=False)
    esco_signature = fields.Image(max_width=1024, max_height=1024, copy=False)
    date_signed = fields.Datetime(readonly=True, copy=False)

    @api.depends("project_id.code", "date")
    def _compute_name(self):
        for rec in self:
            rec.name = _("Acceptance %(code)s %(date)s", code=rec.project_id.code, date=rec.date)

    @api.depends("line_ids.passed", "line_ids.actual")
    def _compute_result(self):
        for rec in self:
            if not rec.line_ids or any(not line.actual for line in rec.line_ids):
                rec.result = "pending"
            elif all(rec.line_ids.mapped("passed")):
                rec.result = "passed"
            else:
                rec.result = "failed"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        for rec in records.filtered(lambda r: not r.line_ids):
            rec.action_load_criteria()
        return records

    def action_load_criteria(self):
        """Copy the project's acceptance criteria as lines to fill in."""
        for rec in self:
            existing = set(rec.line_ids.mapped("criterion_id").ids)
            rec.line_ids = [
                (
                    0,
                    0,
                    {
                        "criterion_id": c.id,
                        "name": c.name,
                        "target": c.target,
                        "method": c.method,
                        "sequence": c.sequence,
                    },
                )
                for c in rec.project_id.criterion_ids
                if c.id not in existing
            ]
        return True

    def action_sign(self):
        """Close the acceptance: results complete and both parties named."""
        for rec in self:
            if rec.state != "draft":
                raise UserError(_("This acceptance is already signed."))
            if rec.result == "pending":
                raise UserError(_("Fill in the actual result of every criterion before signing."))
            if not (rec.client_signatory and rec.esco_signatory):
                raise UserError(
                    _("Name the client's and the ESCO's representatives before signing.")
                )
            rec.write({"state": "done", "date_signed": fields.Datetime.now()})
        return True

    def action_reset_draft(self):
        self.write({"state": "draft", "date_signed": False})
        return True

    def action_print(self):
        return self.env.ref("emc_project.action_report_emc_acceptance").report_action(self)
