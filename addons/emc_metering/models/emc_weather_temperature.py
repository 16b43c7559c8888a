from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# Outside this range a daily mean is a unit or typing error (the records of
# China's stations run from about -45 °C to +40 °C as daily means).
PLAUSIBLE_RANGE = (-60.0, 60.0)


class EmcWeatherTemperature(models.Model):
    """The mean outdoor temperature of one day at one weather station."""

    _name = "emc.weather.temperature"
    _description = "Daily outdoor temperature"
    _order = "station_id, date desc"
    _rec_name = "date"

    station_id = fields.Many2one(
        "emc.weather.station", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="station_id.company_id", store=True, index=True)
    date = fields.Date(string="Day", required=True, index=True)
    temperature = fields.Float(
        string="Mean temperature (°C)", required=True, digits=(6, 2), aggregator="avg"
    )

    _sql_constraints = [
        (
            "station_date_uniq",
            "unique(station_id, date)",
            "A station has one mean temperature per day.",
        ),
    ]

    @api.constrains("temperature")
    def _check_temperature(self):
        low, high = PLAUSIBLE_RANGE
        for row in self:
            if not low <= row.temperature <= high:
                raise ValidationError(
                    _(
                        "%(temperature)s °C on %(date)s is not a plausible daily mean outdoor "
                        "temperature (%(low)s to %(high)s °C): check the unit and the value.",
                        temperature=row.temperature,
                        date=row.date,
                        low=low,
                        high=high,
                    )
                )
