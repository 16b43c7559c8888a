from odoo import api, fields, models
from odoo.tools import SQL, create_unique_index

from .emc_meter import CARRIERS

# Flags of a rollup row: the readings' quality bits (1 invalid, 2 suspect,
# 4 estimated by the source) and what the rollup itself did.
FLAG_SPREAD = 8  # consumption of a gap spread over its hours (estimated)
FLAG_ROLLOVER = 16  # a cumulative register wrapped to zero
FLAG_REPLACED = 32  # a meter replacement inside the interval
FLAG_NEGATIVE = 64  # a cumulative register went down: not counted


class EmcMeterRollupMixin(models.AbstractModel):
    """Fields of the hourly, daily and monthly rollups of meter readings.

    Rows are written in SQL by ``emc.meter.reading._refresh_rollups`` and are
    read-only in the ORM: graphs, pivots, portal pages and M&V read them.
    ``consumption`` is the consumption of a cumulative channel in its unit
    (kWh, m³...); instantaneous channels have ``value_avg``, ``value_min``
    and ``value_max``. Site, project, client and organisation are the
    meter's, kept in step when the meter moves.
    """

    _name = "emc.meter.rollup.mixin"
    _description = "Meter rollup"
    _log_access = False
    _order = "date desc, meter_id"

    channel_id = fields.Many2one("emc.meter.channel", required=True, index=True, readonly=True)
    meter_id = fields.Many2one("emc.meter", required=True, index=True, readonly=True)
    site_id = fields.Many2one("emc.site", index=True, readonly=True)
    project_id = fields.Many2one("emc.project", index=True, readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", index=True, readonly=True)
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    carrier = fields.Selection(CARRIERS, readonly=True)
    unit = fields.Char(readonly=True)
    is_main = fields.Boolean(string="Consumption channel", readonly=True)
    consumption = fields.Float(readonly=True, digits=(16, 3), aggregator="sum")
    value_avg = fields.Float(string="Average", readonly=True, digits=(16, 3), aggregator="avg")
    value_min = fields.Float(string="Minimum", readonly=True, digits=(16, 3), aggregator="min")
    value_max = fields.Float(string="Maximum", readonly=True, digits=(16, 3), aggregator="max")
    sample_count = fields.Integer(string="Readings", readonly=True)
    flags = fields.Integer(readonly=True, aggregator=None)
    estimated = fields.Boolean(
        readonly=True, help="Part of the consumption was spread over a gap in the readings."
    )

    def init(self):
        if not self._abstract:
            create_unique_index(
                self.env.cr, f"{self._table}_channel_date_uniq", self._table, ["channel_id", "date"]
            )


class EmcMeterRollupHourly(models.Model):
    _name = "emc.meter.rollup.hourly"
    _inherit = "emc.meter.rollup.mixin"
    _description = "Hourly meter consumption"

    date = fields.Datetime(string="Hour", required=True, readonly=True)

    @api.model
    def _follow_meters(self, meters):
        """Give the rollups and gaps of ``meters`` their current site, project, client, company."""
        meters.flush_model(["site_id", "project_id", "partner_id", "company_id"])
        for table in (
            "emc_meter_rollup_hourly",
            "emc_meter_rollup_daily",
            "emc_meter_rollup_monthly",
        ):
            self.env.cr.execute(
                SQL(
                    """UPDATE %s r SET site_id = m.site_id, project_id = m.project_id,
                              partner_id = m.partner_id, company_id = m.company_id
                         FROM emc_meter m WHERE m.id = r.meter_id AND m.id = ANY(%s)""",
                    SQL.identifier(table),
                    meters.ids,
                )
            )
        self.env.cr.execute(
            """UPDATE emc_meter_gap g SET site_id = m.site_id, company_id = m.company_id
                 FROM emc_meter m WHERE m.id = g.meter_id AND m.id = ANY(%s)""",
            [meters.ids],
        )
        for model in (
            "emc.meter.rollup.hourly",
            "emc.meter.rollup.daily",
            "emc.meter.rollup.monthly",
            "emc.meter.gap",
        ):
            self.env[model].invalidate_model()


class EmcMeterRollupDaily(models.Model):
    _name = "emc.meter.rollup.daily"
    _inherit = "emc.meter.rollup.mixin"
    _description = "Daily meter consumption"

    date = fields.Date(string="Day", required=True, readonly=True, index=True)


class EmcMeterRollupMonthly(models.Model):
    _name = "emc.meter.rollup.monthly"
    _inherit = "emc.meter.rollup.mixin"
    _description = "Monthly meter consumption"

    date = fields.Date(string="Month", required=True, readonly=True, index=True)
