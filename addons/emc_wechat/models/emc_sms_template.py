from odoo import api, fields, models

from ..lib.notify_rules import render_placeholders, sms_segments
from .emc_notification_event import NOTIFICATION_EVENTS
from .emc_wechat_template import _parse_mapping


class EmcSmsTemplate(models.Model):
    """Which Alibaba Cloud SMS template (approved in the Alibaba console) carries an event.

    ``param_mapping`` maps the template's variables to the notification's
    values, e.g. ``{"order": "record"}``; ``content`` is the template text as
    approved (``您的工单${order}的方案已就绪…``), used to count the segments
    the message will be billed for.
    """

    _name = "emc.sms.template"
    _description = "SMS template"
    _order = "event, id"

    event = fields.Selection(NOTIFICATION_EVENTS, required=True)
    template_code = fields.Char(required=True, help="Alibaba template code, e.g. SMS_123456789.")
    sign_name = fields.Char(required=True, help="Approved SMS sign, e.g. 巴中供电.")
    param_mapping = fields.Text(required=True, default="{}")
    content = fields.Text(
        string="Template text",
        required=True,
        help="The approved text with its ${variables}, for counting segments.",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("event_uniq", "unique(event, active)", "One active SMS template per event."),
    ]

    @api.constrains("param_mapping")
    def _check_param_mapping(self):
        for template in self:
            _parse_mapping(template, "param_mapping")

    def _compute_display_name(self):
        labels = dict(self._fields["event"]._description_selection(self.env))
        for template in self:
            template.display_name = f"{labels.get(template.event, '')} ({template.template_code})"

    def _render(self, values):
        """(params, text, segments): the template's variables, the text received, its segments."""
        self.ensure_one()
        mapping = _parse_mapping(self, "param_mapping")
        params = {var: str(values.get(name, "") or "") for var, name in mapping.items()}
        text = f"【{self.sign_name}】" + render_placeholders(self.content, params)
        return params, text, sms_segments(text)
