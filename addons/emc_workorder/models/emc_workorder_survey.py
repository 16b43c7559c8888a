from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class EmcWorkorderSurvey(models.Model):
    _name = "emc.workorder.survey"
    _description = "Site survey of a work order"
    _inherit = ["mail.thread", "emc.upload.mixin"]
    _emc_upload_fields = {"attachment_ids": (("image", "video", "audio"), None)}
    _order = "id desc"

    workorder_id = fields.Many2one("emc.workorder", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="workorder_id.company_id", store=True, index=True)
    user_id = fields.Many2one("res.users", string="Surveyor", default=lambda self: self.env.user)
    date = fields.Datetime(default=fields.Datetime.now, required=True)
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    findings = fields.Text(required=True)
    equipment = fields.Text(string="Equipment list", help="One item per line: name, model, power.")
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "emc_workorder_survey_attachment_rel",
        "survey_id",
        "attachment_id",
        string="Photos and voice notes",
        help="Photos, videos and audio recordings taken on site.",
    )
    state = fields.Selection([("draft", "Draft"), ("done", "Submitted")], default="draft")

    @api.constrains("latitude", "longitude")
    def _check_gps(self):
        for survey in self:
            if not -90 <= survey.latitude <= 90 or not -180 <= survey.longitude <= 180:
                raise ValidationError(_("Invalid GPS position."))

    def action_submit(self):
        """Close the survey and move the work order on."""
        for survey in self:
            if survey.state == "done":
                continue
            if not (survey.latitude or survey.longitude):
                raise ValidationError(_("Record the GPS position of the site before submitting."))
            survey.attachment_ids.filtered(lambda a: not a.res_id).write(
                {"res_model": self._name, "res_id": survey.id}
            )
            survey.state = "done"
            survey.workorder_id._after_survey(survey)
        return True
