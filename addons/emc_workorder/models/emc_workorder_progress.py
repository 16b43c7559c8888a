from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class EmcWorkorderProgress(models.Model):
    _name = "emc.workorder.progress"
    _description = "Progress or exception report of a work order"
    _inherit = ["emc.upload.mixin"]
    _emc_upload_fields = {"attachment_ids": (("image", "video"), None)}
    _order = "id desc"

    workorder_id = fields.Many2one("emc.workorder", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="workorder_id.company_id", store=True, index=True)
    kind = fields.Selection(
        [("progress", "Progress report"), ("exception", "Exception")],
        required=True,
        default="progress",
    )
    user_id = fields.Many2one("res.users", string="Reported by", default=lambda self: self.env.user)
    date = fields.Datetime(default=fields.Datetime.now, required=True)
    progress = fields.Float(string="Complete (%)")
    severity = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")], default="medium"
    )
    note = fields.Text(required=True)
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "emc_workorder_progress_attachment_rel",
        "progress_id",
        "attachment_id",
        string="Photos",
    )
    resolved = fields.Boolean()

    @api.constrains("progress")
    def _check_progress(self):
        for report in self:
            if not 0 <= report.progress <= 100:
                raise ValidationError(_("Progress must be between 0 and 100%."))

    @api.model_create_multi
    def create(self, vals_list):
        reports = super().create(vals_list)
        for report in reports:
            if report.workorder_id.state != "implementation":
                raise UserError(
                    _(
                        "Reports are made during implementation; work order %(order)s is not "
                        "being implemented.",
                        order=report.workorder_id.name,
                    )
                )
            report.attachment_ids.filtered(lambda a: not a.res_id).write(
                {"res_model": self._name, "res_id": report.id}
            )
            report.workorder_id._after_progress(report)
        return reports
