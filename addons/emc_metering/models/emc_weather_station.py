import numpy as np

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import mv

TEMPERATURE_SOURCES = [
    ("import", "Imported values"),
    ("meter", "Temperature meter"),
]
# A day of a temperature meter counts when at least half of its polls answered
# (CalTRACK 2.0 §2.2.4.1: a day with more than 50 % of its hours missing has no mean).
MIN_DAY_COVERAGE = 0.5


class EmcWeatherStation(models.Model):
    """Where the outdoor temperatures of the M&V baselines come from.

    A station's daily mean temperatures are either imported (CSV, from the
    weather service) into ``emc.weather.temperature``, or measured by a
    temperature meter: an ``emc.meter`` of carrier ``ambient`` whose
    consumption channel is its instantaneous °C channel; the day's mean is
    then the average of the channel's daily rollup.
    """

    _name = "emc.weather.station"
    _description = "Weather station"
    _inherit = ["mail.thread"]
    _order = "name"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        required=True,
        tracking=True,
        help="Station number (the weather service's, e.g. 57313 for Bazhong); CSV imports may "
        "name the station by it.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        string="Organisation",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    city = fields.Char()
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    source = fields.Selection(
        TEMPERATURE_SOURCES,
        string="Temperature source",
        required=True,
        default="import",
        tracking=True,
    )
    meter_id = fields.Many2one(
        "emc.meter",
        string="Temperature meter",
        domain="[('carrier', '=', 'ambient'), ('company_id', '=', company_id)]",
        tracking=True,
        help="An outdoor-conditions meter whose consumption channel reads the temperature in °C.",
    )
    temperature_ids = fields.One2many("emc.weather.temperature", "station_id")
    temperature_count = fields.Integer(compute="_compute_temperature_stats")
    date_first = fields.Date(string="First day", compute="_compute_temperature_stats")
    date_last = fields.Date(string="Last day", compute="_compute_temperature_stats")

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "A station code is used once per organisation.",
        ),
    ]

    def _compute_temperature_stats(self):
        stats = {
            station: (count, first, last)
            for station, count, first, last in self.env["emc.weather.temperature"]._read_group(
                [("station_id", "in", self.ids)],
                ["station_id"],
                ["__count", "date:min", "date:max"],
            )
        }
        for station in self:
            count, first, last = stats.get(station, (0, False, False))
            station.temperature_count = count
            station.date_first = first
            station.date_last = last

    @api.constrains("source", "meter_id")
    def _check_meter(self):
        for station in self:
            if station.source != "meter":
                continue
            meter = station.meter_id
            if not meter:
                raise ValidationError(
                    _(
                        "Weather station %(station)s takes its temperatures from a meter: "
                        "choose the temperature meter.",
                        station=station.name,
                    )
                )
            if meter.carrier != "ambient":
                raise ValidationError(
                    _(
                        "Meter %(meter)s measures %(carrier)s, not outdoor conditions: choose a "
                        "meter of carrier “Outdoor conditions” for station %(station)s.",
                        meter=meter.display_name,
                        carrier=dict(meter._fields["carrier"]._description_selection(self.env))[
                            meter.carrier
                        ],
                        station=station.name,
                    )
                )

    # ------------------------------------------------------------------
    # Temperatures for M&V
    # ------------------------------------------------------------------
    def _daily_means(self, date_from, date_to):
        """``{date: mean °C}`` of the days ``date_from`` (included) to ``date_to`` (excluded)."""
        self.ensure_one()
        if self.source == "meter":
            return self._daily_means_from_meter(date_from, date_to)
        rows = self.env["emc.weather.temperature"].search_read(
            [
                ("station_id", "=", self.id),
                ("date", ">=", date_from),
                ("date", "<", date_to),
            ],
            ["date", "temperature"],
        )
        return {row["date"]: row["temperature"] for row in rows}

    def _daily_means_from_meter(self, date_from, date_to):
        channel = self.meter_id.main_channel_id
        if not channel:
            return {}
        self.env["emc.meter.reading"]._refresh_rollups(wait=True)
        expected = 24 * 60 / (self.meter_id.poll_interval or 15)
        rows = self.env["emc.meter.rollup.daily"].search_read(
            [
                ("channel_id", "=", channel.id),
                ("date", ">=", date_from),
                ("date", "<", date_to),
                ("value_avg", "!=", False),
            ],
            ["date", "value_avg", "sample_count"],
        )
        return {
            row["date"]: row["value_avg"]
            for row in rows
            if row["sample_count"] >= MIN_DAY_COVERAGE * expected
        }

    def _daily_temperature(self, date_from, date_to):
        """The station's daily means as an :class:`mv.DailyTemperature` over ``[date_from, date_to)``.

        The series is dense over the period: a day without a temperature is
        NaN, which the M&V package counts as missing (never as 0 °C).
        """
        self.ensure_one()
        days = (date_to - date_from).days
        values = np.full(max(days, 0), np.nan)
        for day, temperature in self._daily_means(date_from, date_to).items():
            values[(day - date_from).days] = temperature
        return mv.DailyTemperature(np.datetime64(date_from, "D"), values)

    def _history_start(self):
        """First day with a temperature (the normal year of the forecasts is built from it)."""
        self.ensure_one()
        if self.source == "meter":
            channel = self.meter_id.main_channel_id
            first = self.env["emc.meter.rollup.daily"].search(
                [("channel_id", "=", channel.id)], order="date", limit=1
            )
            return first.date
        return self.date_first

    def action_view_temperatures(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "emc_metering.emc_weather_temperature_action"
        )
        action["domain"] = [("station_id", "in", self.ids)]
        action["context"] = {"default_station_id": self.id}
        return action

    def action_import_temperatures(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Import temperatures"),
            "res_model": "emc.weather.temperature.import",
            "view_mode": "form",
            "target": "new",
            "context": {"default_station_id": self.id},
        }
