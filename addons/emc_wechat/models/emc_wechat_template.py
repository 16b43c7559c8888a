import json

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib.notify_rules import wechat_value
from .emc_notification_event import NOTIFICATION_EVENTS


def _parse_mapping(record, field_name):
    """The JSON object in ``record[field_name]``: {template key: value name}."""
    try:
        mapping = json.loads(record[field_name] or "{}")
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise ValidationError(
            record.env._(
                'The mapping of %(template)s must be a JSON object of names, e.g. {"thing1": "record"}.',
                template=record.display_name,
            )
        )
    return mapping


class EmcWechatTemplate(models.Model):
    """Which mini-program subscribe-message template carries an event.

    ``field_mapping`` maps the template's keys to the values of the
    notification (``record``, ``partner``, ``date``, ``subject`` and the
    event's own), e.g. ``{"character_string1": "record", "thing2": "subject"}``.
    """

    _name = "emc.wechat.template"
    _description = "WeChat subscribe-message template"
    _order = "event, id"

    event = fields.Selection(NOTIFICATION_EVENTS, required=True)
    template_id = fields.Char(string="Template ID", required=True)
    page = fields.Char(
        help="Mini-program page opened from the message; {res_id} is replaced by the "
        "record's id, e.g. pages/order/detail?id={res_id}."
    )
    field_mapping = fields.Text(required=True, default="{}")
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("event_uniq", "unique(event, active)", "One active WeChat template per event."),
    ]

    @api.constrains("field_mapping")
    def _check_field_mapping(self):
        for template in self:
            _parse_mapping(template, "field_mapping")

    def _compute_display_name(self):
        labels = dict(self._fields["event"]._description_selection(self.env))
        for template in self:
            template.display_name = f"{labels.get(template.event, '')} ({template.template_id})"

    def _render(self, values, res_id=None):
        """(data, page) of a subscribe message with ``values``."""
        self.ensure_one()
        mapping = _parse_mapping(self, "field_mapping")
        data = {key: wechat_value(key, values.get(name, "")) for key, name in mapping.items()}
        page = (self.page or "").replace("{res_id}", str(res_id or ""))
        return data, page or None
