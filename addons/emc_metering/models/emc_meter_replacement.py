from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..protocols.points import ratio_factor


class EmcMeterReplacement(models.Model):
    """A meter swapped for another on the same metering point (换表).

    The consumption across the swap is the old meter's final reading minus
    its previous reading plus the new meter's reading minus its initial
    reading, per cumulative channel; the rollups apply it to the interval
    that contains the swap. Readings are entered as the meter displays
    them (secondary side); each line keeps the multipliers before and
    after the swap, as the CT or PT may change with the meter.
    """

    _name = "emc.meter.replacement"
    _description = "Meter replacement"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"

    meter_id = fields.Many2one("emc.meter", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="meter_id.company_id", store=True, index=True)
    date = fields.Datetime(string="Replaced at", required=True, default=fields.Datetime.now)
    reason = fields.Char(required=True)
    old_serial = fields.Char(string="Removed meter serial")
    new_serial = fields.Char(string="New meter serial")
    new_ct_ratio = fields.Float(string="New CT ratio", default=1.0, digits=(16, 3))
    new_pt_ratio = fields.Float(string="New PT ratio", default=1.0, digits=(16, 3))
    user_id = fields.Many2one("res.users", string="Recorded by", default=lambda self: self.env.user)
    line_ids = fields.One2many("emc.meter.replacement.line", "replacement_id", string="Readings")

    @api.constrains("new_ct_ratio", "new_pt_ratio")
    def _check_ratios(self):
        for record in self:
            if record.new_ct_ratio <= 0 or record.new_pt_ratio <= 0:
                raise ValidationError(_("CT and PT ratios must be positive."))

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        for record in records:
            meter = record.meter_id
            for line in record.line_ids:
                line.write(
                    {
                        "old_factor": line.channel_id.factor,
                        "new_factor": ratio_factor(
                            line.channel_id.ratio, record.new_ct_ratio, record.new_pt_ratio
                        ),
                    }
                )
            values = {"ct_ratio": record.new_ct_ratio, "pt_ratio": record.new_pt_ratio}
            if record.new_serial:
                values["serial_number"] = record.new_serial
            values["date_installed"] = fields.Date.to_date(record.date)
            meter.write(values)
            meter.message_post(
                body=_(
                    "Meter replaced on %(date)s: %(reason)s",
                    date=fields.Datetime.to_string(record.date),
                    reason=record.reason,
                )
            )
        records._mark_dirty()
        return records

    def write(self, vals):
        res = super().write(vals)
        if {"date", "line_ids"} & set(vals):
            self._mark_dirty()
        return res

    def _mark_dirty(self):
        """Have the rollups around each swap recomputed."""
        Reading = self.env["emc.meter.reading"]
        for record in self:
            Reading._mark_dirty(
                [(line.channel_id.id, record.date, record.date) for line in record.line_ids]
            )


class EmcMeterReplacementLine(models.Model):
    _name = "emc.meter.replacement.line"
    _description = "Readings of a meter replacement"

    replacement_id = fields.Many2one(
        "emc.meter.replacement", required=True, ondelete="cascade", index=True
    )
    channel_id = fields.Many2one("emc.meter.channel", required=True, ondelete="cascade")
    unit = fields.Char(related="channel_id.unit")
    old_final = fields.Float(
        string="Final reading of the removed meter",
        digits=(20, 4),
        help="As the meter displayed it.",
    )
    new_initial = fields.Float(
        string="Initial reading of the new meter", digits=(20, 4), help="As the meter displays it."
    )
    old_factor = fields.Float(digits=(16, 6), readonly=True, default=1.0)
    new_factor = fields.Float(digits=(16, 6), readonly=True, default=1.0)

    _sql_constraints = [
        (
            "channel_uniq",
            "unique(replacement_id, channel_id)",
            "A channel appears once in a replacement.",
        ),
    ]
