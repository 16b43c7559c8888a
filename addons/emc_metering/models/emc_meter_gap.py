from odoo import api, fields, models


class EmcMeterGap(models.Model):
    """Readings missing on a cumulative channel: more than 1.5 polling intervals
    between two consecutive readings.

    Rows are written in SQL by the rollup refresh (a backfill that fills a
    gap removes it); the consumption of the gap is spread over its hours and
    flagged as estimated in the rollups.
    """

    _name = "emc.meter.gap"
    _description = "Gap in meter readings"
    _order = "date_start desc"
    _log_access = False

    channel_id = fields.Many2one("emc.meter.channel", required=True, ondelete="cascade", index=True)
    meter_id = fields.Many2one("emc.meter", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    site_id = fields.Many2one("emc.site", index=True)
    date_start = fields.Datetime(string="Last reading before", required=True)
    date_end = fields.Datetime(string="First reading after", required=True)
    missing_count = fields.Integer(string="Missing readings")
    duration_hours = fields.Float(compute="_compute_duration_hours", digits=(16, 2))

    @api.depends("date_start", "date_end")
    def _compute_duration_hours(self):
        for gap in self:
            gap.duration_hours = (
                (gap.date_end - gap.date_start).total_seconds() / 3600.0
                if gap.date_start and gap.date_end
                else 0.0
            )
