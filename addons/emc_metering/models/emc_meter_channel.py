from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..protocols.points import ratio_factor
from .emc_meter_device_point import KINDS, RATIOS


class EmcMeterChannel(models.Model):
    """One quantity of one meter (forward active energy, phase A voltage...).

    Readings are keyed by channel and time. ``factor`` is the meter's
    multiplier for this channel (CT, PT, CT × PT or 1, by the point's ratio);
    drivers apply it, so stored values are primary-side quantities.
    ``rollover_value`` is the register value at which a cumulative register
    wraps to zero (0 for registers that do not wrap), in register units.
    """

    _name = "emc.meter.channel"
    _description = "Meter channel"
    _order = "meter_id, is_main desc, code"

    meter_id = fields.Many2one("emc.meter", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="meter_id.company_id", store=True, index=True)
    code = fields.Char(required=True)
    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    unit = fields.Char()
    kind = fields.Selection(KINDS, required=True, default="instantaneous")
    ratio = fields.Selection(RATIOS, required=True, default="none")
    factor = fields.Float(compute="_compute_factor", store=True, digits=(16, 6))
    rollover_value = fields.Float(string="Register wraps at", digits=(20, 4))
    is_main = fields.Boolean(
        string="Consumption channel",
        help="The channel whose consumption stands for the meter's (graphs, M&V).",
    )
    last_value = fields.Float(readonly=True, digits=(20, 4))
    date_last = fields.Datetime(string="Last reading", readonly=True)

    _sql_constraints = [
        ("code_meter_uniq", "unique(meter_id, code)", "A channel appears once per meter."),
    ]

    @api.depends("ratio", "meter_id.ct_ratio", "meter_id.pt_ratio")
    def _compute_factor(self):
        for channel in self:
            channel.factor = ratio_factor(
                channel.ratio, channel.meter_id.ct_ratio or 1.0, channel.meter_id.pt_ratio or 1.0
            )

    @api.constrains("is_main", "kind")
    def _check_main(self):
        for meter in self.filtered("is_main").meter_id:
            mains = meter.channel_ids.filtered("is_main")
            if len(mains) > 1:
                raise ValidationError(
                    _("Meter %(meter)s has one consumption channel only.", meter=meter.code)
                )
            if mains.kind != "cumulative" and meter.carrier != "ambient":
                raise ValidationError(
                    _(
                        "The consumption channel of meter %(meter)s must be a cumulative register.",
                        meter=meter.code,
                    )
                )

    @api.depends("code", "meter_id.code")
    def _compute_display_name(self):
        for channel in self:
            channel.display_name = f"{channel.meter_id.code} / {channel.name or channel.code}"
