"""Import of meter readings from a vendor's CSV export, to backfill the readings store.

The file format (encodings, delimiters, column names, timestamps, decimal
convention) is the one of :mod:`..lib.reading_import`, which parses it. The
wizard then finds each row's meter (by its number, in the user's
organisations) and channel (by its code, else the channel chosen in the
wizard, else the meter's consumption channel), and writes the rows through
``emc.meter.reading._ingest`` (COPY into staging, ``INSERT ... ON CONFLICT DO
NOTHING``): readings already stored are left as they are, so importing the
same file again stores nothing twice. Rows that cannot be read or matched
are listed with their line number and reason, and offered as a CSV file to
correct and import again; the good rows are imported all the same.
"""

import base64
import csv
import io

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.base.models.res_partner import _tz_get

from ..lib import reading_import
from ..lib.reading_import import ImportFormatError, RowError

# Rows handed to the ingestion path at a time (bounds the memory of a big backfill).
INGEST_CHUNK = 200_000
# Rows not imported listed on screen; the error file has them all.
LISTED_ERRORS = 1000


class EmcMeterReadingImport(models.TransientModel):
    _name = "emc.meter.reading.import"
    _description = "Import meter readings"

    file = fields.Binary(string="CSV file", required=True)
    filename = fields.Char()
    meter_id = fields.Many2one(
        "emc.meter",
        string="Meter",
        help="Meter of the rows that name none: a file without a meter column holds this "
        "meter's readings.",
    )
    channel_id = fields.Many2one(
        "emc.meter.channel",
        string="Channel",
        domain="[('meter_id', '=', meter_id)]",
        help="Channel of this meter's rows that name none; by default, its consumption channel.",
    )
    tz = fields.Selection(
        _tz_get,
        string="Time zone of the file",
        required=True,
        default=lambda self: self.env.company.partner_id.tz or self.env.user.tz or "Asia/Shanghai",
        help="Timestamps without a UTC offset are local times of this zone.",
    )
    decimal = fields.Selection(
        [("point", "Decimal point (12.5)"), ("comma", "Decimal comma (12,5)")],
        string="Decimal separator",
        required=True,
        default="point",
    )
    values_are = fields.Selection(
        [
            ("primary", "Primary-side quantities (as stored)"),
            ("register", "Register readings: multiply by the channel's CT/PT factor"),
        ],
        string="Values are",
        required=True,
        default="primary",
    )
    meter_column = fields.Char(help="Name of the meter number column, when not recognised.")
    channel_column = fields.Char(help="Name of the channel code column, when not recognised.")
    timestamp_column = fields.Char(help="Name of the timestamp column, when not recognised.")
    value_column = fields.Char(help="Name of the value column, when not recognised.")
    state = fields.Selection([("upload", "Upload"), ("done", "Done")], default="upload")
    row_count = fields.Integer(string="Rows read", readonly=True)
    imported_count = fields.Integer(string="Readings imported", readonly=True)
    present_count = fields.Integer(
        string="Already present",
        readonly=True,
        help="Readings the store already held (or repeated in the file with the same value).",
    )
    error_count = fields.Integer(string="Rows with errors", readonly=True)
    error_ids = fields.One2many(
        "emc.meter.reading.import.error", "wizard_id", string="Rows not imported", readonly=True
    )
    error_file = fields.Binary(string="Rows not imported (CSV)", readonly=True, attachment=False)
    error_filename = fields.Char(readonly=True)

    @api.onchange("meter_id")
    def _onchange_meter_id(self):
        if self.channel_id.meter_id != self.meter_id:
            self.channel_id = False

    # ------------------------------------------------------------------
    # Messages
    # ------------------------------------------------------------------
    def _file_error_text(self, error):
        _ = self.env._
        params = error.params
        if error.code == "encoding":
            return _(
                "The file is neither UTF-8, UTF-16 nor GBK/GB 18030 text: save it from Excel "
                "as “CSV UTF-8”."
            )
        if error.code == "empty":
            return _("The file is empty.")
        if error.code == "missing_columns":
            return _(
                "No column for %(missing)s in the first line of the file (%(header)s). Name the "
                "columns meter, channel, timestamp and value (or 表号, 通道, 时间, 读数), type the "
                "names of your columns in the wizard, or choose the meter when the file holds "
                "one meter.",
                missing=", ".join(params["missing"]),
                header=", ".join(params["header"]),
            )
        if error.code == "unknown_column":
            return _(
                "The file has no column “%(column)s”; its columns are %(header)s.",
                column=params["column"],
                header=", ".join(params["header"]),
            )
        if error.code == "bad_timezone":
            return _("“%(tz)s” is not a time zone.", tz=params["tz"])
        return _("Unknown decimal separator “%(decimal)s”.", decimal=params.get("decimal"))

    def _row_error_text(self, code, params):
        _ = self.env._
        texts = {
            "short_row": lambda: _(
                "The row has %(cells)s cells; %(needed)s are needed.",
                cells=params["cells"],
                needed=params["needed"],
            ),
            "missing_meter": lambda: _("The row names no meter."),
            "missing_timestamp": lambda: _("The row has no timestamp."),
            "bad_timestamp": lambda: _(
                "“%(value)s” is not a timestamp: write YYYY-MM-DD HH:MM[:SS], optionally with "
                "a UTC offset (+08:00).",
                value=params["value"],
            ),
            "missing_value": lambda: _("The row has no value."),
            "bad_value": lambda: _("“%(value)s” is not a number.", value=params["value"]),
            "decimal_comma": lambda: _(
                "“%(value)s” has a comma: if it is a decimal comma, choose “Decimal comma” in "
                "the wizard; thousands separators are not accepted.",
                value=params["value"],
            ),
            "decimal_point": lambda: _(
                "“%(value)s” has a point while the file uses decimal commas: thousands "
                "separators are not accepted.",
                value=params["value"],
            ),
            "not_finite": lambda: _("“%(value)s” is not a finite number.", value=params["value"]),
            "conflict": lambda: _(
                "The same meter, channel and time appear on line %(first)s with another value.",
                first=params["first"],
            ),
            "unknown_meter": lambda: _(
                "No meter has the number “%(code)s” in your organisations.", code=params["code"]
            ),
            "ambiguous_meter": lambda: _(
                "Meter number “%(code)s” exists in several organisations: import the file "
                "from the organisation of the meter.",
                code=params["code"],
            ),
            "unknown_channel": lambda: _(
                "Meter %(meter)s has no channel “%(channel)s”.",
                meter=params["meter"],
                channel=params["channel"],
            ),
            "no_channel": lambda: _(
                "Meter %(meter)s has no consumption channel: name the channel in a “channel” "
                "column.",
                meter=params["meter"],
            ),
        }
        return texts[code]()

    # ------------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------------
    def _meters_by_code(self, codes):
        """``{code: meter}`` and ``{code: error code}`` of the meter numbers of the file."""
        meters = (
            self.env["emc.meter"]
            .with_context(active_test=False)
            .search([("code", "in", list(codes))])
        )
        found, errors = {}, {}
        for code in codes:
            matches = meters.filtered(lambda m, code=code: m.code == code)
            if len(matches) > 1:
                matches = matches.filtered(lambda m: m.company_id == self.env.company)
            if len(matches) == 1:
                found[code] = matches
            else:
                errors[code] = "ambiguous_meter" if matches else "unknown_meter"
        return found, errors

    def _channel_of(self, meter, code, cache):
        """The channel of ``meter`` named ``code`` (None: the default one), or an error code."""
        key = (meter.id, code)
        if key not in cache:
            if code:
                channel = meter.with_context(active_test=False).channel_ids.filtered(
                    lambda c: c.code == code
                )[:1]
                cache[key] = channel or "unknown_channel"
            elif self.channel_id and self.channel_id.meter_id == meter:
                cache[key] = self.channel_id
            else:
                cache[key] = meter.main_channel_id or "no_channel"
        return cache[key]

    # ------------------------------------------------------------------
    # Import
    # ------------------------------------------------------------------
    def action_import(self):
        """Import the file's good rows, list the others; returns the wizard with the result."""
        self.ensure_one()
        # Readings are written in SQL: the right to write meters is checked here instead.
        self.env["emc.meter"].check_access("write")
        if self.meter_id:
            self.meter_id.check_access("write")
        mapping = {
            "meter": self.meter_column,
            "channel": self.channel_column,
            "timestamp": self.timestamp_column,
            "value": self.value_column,
        }
        try:
            parsed = reading_import.parse(
                base64.b64decode(self.file or b""),
                tz=self.tz,
                decimal=self.decimal,
                mapping={k: v for k, v in mapping.items() if v},
                has_default_meter=bool(self.meter_id),
            )
        except ImportFormatError as error:
            raise UserError(self._file_error_text(error)) from error

        meters, meter_errors = self._meters_by_code({r.meter for r in parsed.rows if r.meter})
        errors = list(parsed.errors)
        channels = {}
        register = self.values_are == "register"
        rows = []
        for row in parsed.rows:
            meter = meters.get(row.meter) if row.meter else self.meter_id
            if meter is None:
                errors.append(RowError(row.line, meter_errors[row.meter], {"code": row.meter}, ()))
                continue
            channel = self._channel_of(meter, row.channel, channels)
            if isinstance(channel, str):
                params = {"meter": meter.code, "channel": row.channel}
                errors.append(RowError(row.line, channel, params, ()))
                continue
            value = row.value * channel.factor if register else row.value
            rows.append((channel.id, row.ts, value, 0))

        Reading = self.env["emc.meter.reading"]
        imported = present = 0
        for start in range(0, len(rows), INGEST_CHUNK):
            result = Reading._ingest(rows[start : start + INGEST_CHUNK])
            imported += result.inserted
            present += result.duplicates
        if imported:
            Reading._refresh_rollups()
        self._write_result(parsed, errors, imported, present + parsed.repeated)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": self.env._("Import readings"),
        }

    def _write_result(self, parsed, errors, imported, present):
        errors.sort(key=lambda e: e.line)
        texts = [(e.line, self._row_error_text(e.code, e.params)) for e in errors]
        values = {
            "state": "done",
            "row_count": len(parsed.rows) + len(parsed.errors) + parsed.repeated,
            "imported_count": imported,
            "present_count": present,
            "error_count": len(errors),
            "error_ids": [fields.Command.clear()]
            + [
                fields.Command.create({"line": line, "reason": reason})
                for line, reason in texts[:LISTED_ERRORS]
            ],
            "error_file": False,
            "error_filename": False,
        }
        if errors:
            lines = self._file_lines(parsed, {e.line for e in errors if not e.cells})
            data = reading_import.error_csv(
                parsed.header,
                [
                    (line, text, error.cells or lines.get(line, ()))
                    for (line, text), error in zip(texts, errors, strict=True)
                ],
                labels=(self.env._("line"), self.env._("reason")),
            )
            stem = (self.filename or "readings").rsplit(".", 1)[0]
            values.update(
                error_file=base64.b64encode(data),
                error_filename=self.env._("%(name)s-errors.csv", name=stem),
            )
        self.write(values)

    def _file_lines(self, parsed, wanted):
        """``{line: cells}`` of the rows ``wanted`` (rows refused after parsing, by line)."""
        if not wanted:
            return {}
        text, _encoding = reading_import.decode(base64.b64decode(self.file))
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=parsed.delimiter)
        lines = {}
        for cells in reader:
            if reader.line_num in wanted:
                lines[reader.line_num] = tuple(cells)
        return lines


class EmcMeterReadingImportError(models.TransientModel):
    _name = "emc.meter.reading.import.error"
    _description = "Row of a readings import that was not imported"
    _order = "line"

    wizard_id = fields.Many2one("emc.meter.reading.import", required=True, ondelete="cascade")
    line = fields.Integer(string="Line", help="Line number in the file, the header being line 1.")
    reason = fields.Char(required=True)
