from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class EmcConstructionLog(models.Model):
    _name = "emc.construction.log"
    _description = "Daily construction log"
    _inherit = ["mail.thread", "emc.upload.mixin"]
    _emc_upload_fields = {"photo_ids": (("image", "video"), None)}
    _order = "date desc, id desc"

    project_id = fields.Many2one("emc.project", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="project_id.company_id", store=True, index=True)
    implementation_project_id = fields.Many2one(related="project_id.implementation_project_id")
    task_id = fields.Many2one(
        "project.task",
        string="Task",
        domain="[('project_id', '=', implementation_project_id)]",
    )
    date = fields.Date(required=True, default=fields.Date.context_today, index=True)
    user_id = fields.Many2one("res.users", string="Reported by", default=lambda self: self.env.user)
    progress = fields.Float(string="Overall progress (%)", required=True)
    staff_count = fields.Integer(string="Staff on site")
    weather = fields.Char()
    work_done = fields.Text(string="Work done", required=True)
    issues = fields.Text()
    material_ids = fields.One2many("emc.construction.material", "log_id", string="Materials")
    photo_ids = fields.Many2many("ir.attachment", string="Photos")

    @api.constrains("progress", "staff_count")
    def _check_values(self):
        for log in self:
            if not 0 <= log.progress <= 100:
                raise ValidationError(_("Progress must be between 0 and 100%."))
            if log.staff_count < 0:
                raise ValidationError(_("The number of staff cannot be negative."))

    @api.constrains("project_id")
    def _check_project_stage(self):
        for log in self:
            if log.project_id.state not in ("implementation", "acceptance"):
                raise ValidationError(
                    _(
                        "Construction logs can only be recorded while project %(project)s "
                        "is under implementation or acceptance.",
                        project=log.project_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        logs = super().create(vals_list)
        # Photos uploaded through the form belong to the log, not to nobody.
        for log in logs:
            log.photo_ids.filtered(lambda a: not a.res_id).write(
                {"res_model": self._name, "res_id": log.id}
            )
        logs.project_id._update_risk_flags()
        return logs

    def _compute_display_name(self):
        for log in self:
            log.display_name = f"{log.project_id.code} {log.date}"
