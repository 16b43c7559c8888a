"""Import of daily outdoor temperatures from a CSV file (the weather service's export).

File format (UTF-8, with or without BOM, or GB 18030 as Chinese Excel saves it;
comma or semicolon separated; the first line names the columns, in any order
and case):

* ``date``: the day, ``YYYY-MM-DD`` (``YYYY/MM/DD`` accepted);
* ``temperature_c``: the day's mean outdoor temperature in °C, decimal point
  ``.``;
* ``station`` (optional): the code of the weather station; without this
  column every row belongs to the station chosen in the wizard.

Idempotent: a day already on record gets the file's value (updated, or
unchanged when equal); importing the same file twice changes nothing. Rows
that cannot be read are listed with their line number and reason, and the
good rows are imported all the same.
"""

import base64
import csv
import io
import math
from datetime import datetime

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.emc_weather_temperature import PLAUSIBLE_RANGE

REQUIRED_COLUMNS = ("date", "temperature_c")
OPTIONAL_COLUMNS = ("station",)
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d")


class EmcWeatherTemperatureImport(models.TransientModel):
    _name = "emc.weather.temperature.import"
    _description = "Import daily outdoor temperatures"

    station_id = fields.Many2one(
        "emc.weather.station",
        string="Weather station",
        help="Station of the rows; a “station” column in the file overrides it row by row.",
    )
    file = fields.Binary(string="CSV file", required=True)
    filename = fields.Char()
    state = fields.Selection([("upload", "Upload"), ("done", "Done")], default="upload")
    created_count = fields.Integer(string="Days added", readonly=True)
    updated_count = fields.Integer(string="Days updated", readonly=True)
    unchanged_count = fields.Integer(string="Days unchanged", readonly=True)
    error_ids = fields.One2many(
        "emc.weather.temperature.import.error", "wizard_id", string="Rows not imported"
    )
    error_count = fields.Integer(string="Rows with errors", compute="_compute_error_count")

    @api.depends("error_ids")
    def _compute_error_count(self):
        for wizard in self:
            wizard.error_count = len(wizard.error_ids)

    # ------------------------------------------------------------------
    # Parsing
    # ------------------------------------------------------------------
    @staticmethod
    def _decode(data):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
        raise UserError(
            _("The file is neither UTF-8 nor GB 18030 text: save it from Excel as “CSV UTF-8”.")
        )

    def _read_rows(self):
        """``(header map, [(line number, [cells])])``; UserError when the file is unusable."""
        text = self._decode(base64.b64decode(self.file or b""))
        lines = text.splitlines()
        if not any(line.strip() for line in lines):
            raise UserError(_("The file is empty."))
        delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        header = [cell.strip().lower() for cell in next(reader)]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise UserError(
                _(
                    "The first line of the file must name the columns %(required)s (and "
                    "optionally %(optional)s); it lacks %(missing)s.",
                    required=", ".join(REQUIRED_COLUMNS),
                    optional=", ".join(OPTIONAL_COLUMNS),
                    missing=", ".join(missing),
                )
            )
        if "station" not in header and not self.station_id:
            raise UserError(
                _("Choose the weather station, or give its code in a “station” column.")
            )
        columns = {
            name: header.index(name)
            for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
            if name in header
        }
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            rows.append((reader.line_num, cells))
        return columns, rows

    @staticmethod
    def _parse_date(value):
        for fmt in DATE_FORMATS:
            try:
                return datetime.strptime(value, fmt).date()
            except ValueError:
                continue
        return None

    def _parse(self, columns, rows):
        """``({(station id, date): (°C, line)}, [(line, reason)])``."""
        stations = {}
        if "station" in columns:
            stations = {
                station.code: station for station in self.env["emc.weather.station"].search([])
            }
        low, high = PLAUSIBLE_RANGE
        values, errors = {}, []
        for line, cells in rows:

            def cell(name, cells=cells):
                index = columns.get(name)
                return cells[index].strip() if index is not None and index < len(cells) else ""

            station = self.station_id
            code = cell("station")
            if code:
                station = stations.get(code)
                if not station:
                    errors.append(
                        (line, _("No weather station has the code “%(code)s”.", code=code))
                    )
                    continue
            elif not station:
                errors.append((line, _("The row names no station.")))
                continue
            raw_date, raw_temp = cell("date"), cell("temperature_c")
            day = self._parse_date(raw_date)
            if day is None:
                errors.append(
                    (
                        line,
                        _(
                            "“%(value)s” is not a date in the form YYYY-MM-DD.",
                            value=raw_date,
                        ),
                    )
                )
                continue
            try:
                temperature = float(raw_temp)
            except ValueError:
                temperature = math.nan
            if not math.isfinite(temperature):
                errors.append(
                    (
                        line,
                        _(
                            "“%(value)s” is not a temperature in °C (use a decimal point).",
                            value=raw_temp,
                        ),
                    )
                )
                continue
            if not low <= temperature <= high:
                errors.append(
                    (
                        line,
                        _(
                            "%(value)s °C is outside %(low)s to %(high)s °C: not a daily mean "
                            "outdoor temperature.",
                            value=raw_temp,
                            low=low,
                            high=high,
                        ),
                    )
                )
                continue
            key = (station.id, day)
            if key in values:
                errors.append(
                    (
                        line,
                        _(
                            "%(date)s of station %(station)s already appears on line %(first)d.",
                            date=day.isoformat(),
                            station=station.code,
                            first=values[key][1],
                        ),
                    )
                )
                continue
            values[key] = (temperature, line)
        return values, errors

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------
    def action_import(self):
        """Import the file's good rows, list the others; returns the wizard with the result."""
        self.ensure_one()
        columns, rows = self._read_rows()
        values, errors = self._parse(columns, rows)
        Temperature = self.env["emc.weather.temperature"]
        station_ids = {station_id for station_id, _day in values}
        days = {day for _station, day in values}
        existing = {
            (row.station_id.id, row.date): row
            for row in Temperature.search(
                [("station_id", "in", list(station_ids)), ("date", "in", list(days))]
            )
        }
        created = updated = unchanged = 0
        to_create = []
        for (station_id, day), (temperature, _line) in sorted(values.items()):
            row = existing.get((station_id, day))
            if row is None:
                to_create.append(
                    {"station_id": station_id, "date": day, "temperature": temperature}
                )
                created += 1
            elif round(row.temperature, 2) != round(temperature, 2):
                row.temperature = temperature
                updated += 1
            else:
                unchanged += 1
        Temperature.create(to_create)
        self.write(
            {
                "state": "done",
                "created_count": created,
                "updated_count": updated,
                "unchanged_count": unchanged,
                "error_ids": [fields.Command.clear()]
                + [
                    fields.Command.create({"line": line, "reason": reason})
                    for line, reason in errors
                ],
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Import temperatures"),
        }


class EmcWeatherTemperatureImportError(models.TransientModel):
    _name = "emc.weather.temperature.import.error"
    _description = "Row of a temperature import that was not imported"
    _order = "line"

    wizard_id = fields.Many2one("emc.weather.temperature.import", required=True, ondelete="cascade")
    line = fields.Integer(string="Line", help="Line number in the file, the header being line 1.")
    reason = fields.Char(required=True)
