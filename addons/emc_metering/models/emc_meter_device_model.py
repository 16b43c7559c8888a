import base64
from pathlib import Path

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..protocols import points as P

PROTOCOLS = [
    ("modbus", "Modbus (RTU or TCP)"),
    ("dlt645", "DL/T 645-2007"),
    ("mqtt", "MQTT gateway (JSON payload)"),
]


class EmcMeterDeviceModel(models.Model):
    """A meter model and its point map: which registers or data identifiers
    hold which channel, and how they decode.

    The shipped maps (``protocols/maps/*.csv``, each naming its source) are
    loaded at installation by :meth:`_load_shipped_maps`; users add their own
    models by hand or from a map file in the same format
    (:meth:`action_import_map`).
    """

    _name = "emc.meter.device.model"
    _description = "Meter device model"
    _order = "name"

    name = fields.Char(required=True)
    code = fields.Char(
        required=True,
        help="Name of the map (its file name for the shipped ones).",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Empty: shared by every organisation (the shipped models)."
    )
    protocol = fields.Selection(PROTOCOLS, required=True, default="modbus")
    source = fields.Text(
        help="The manual or standard the map was taken from.",
    )
    notes = fields.Text()
    max_registers = fields.Integer(
        string="Registers per request",
        default=P.MODBUS_MAX_REGISTERS,
        help="Largest block the meter answers in one request (125 is the Modbus limit).",
    )
    max_gap = fields.Integer(
        string="Bridged gap (registers)",
        default=0,
        help="Unrequested registers a block may span to save a request; 0 when the "
        "manual lists nothing between the points.",
    )
    point_ids = fields.One2many("emc.meter.device.point", "model_id", string="Points", copy=True)
    point_count = fields.Integer(compute="_compute_point_count")
    map_file = fields.Binary(string="Map file", attachment=False)
    map_filename = fields.Char()

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "A map code is used once per organisation.",
        ),
    ]

    @api.depends("point_ids")
    def _compute_point_count(self):
        for record in self:
            record.point_count = len(record.point_ids)

    @api.constrains("max_registers", "max_gap")
    def _check_limits(self):
        for record in self:
            if not 1 <= record.max_registers <= P.MODBUS_MAX_REGISTERS or record.max_gap < 0:
                raise UserError(
                    _(
                        "Device model %(name)s: registers per request must be between 1 and "
                        "%(max)s, and the bridged gap cannot be negative.",
                        name=record.name,
                        max=P.MODBUS_MAX_REGISTERS,
                    )
                )

    # ------------------------------------------------------------------
    # Between the records and protocols.points
    # ------------------------------------------------------------------
    def _device_map(self):
        """The :class:`~..protocols.points.DeviceMap` of this model (UserError if a point is bad)."""
        self.ensure_one()
        if self.protocol == "mqtt":
            return P.DeviceMap(self.code, "mqtt", self.name, (self.source or "",))
        try:
            entries = tuple(point._protocol_entry() for point in self.point_ids)
            return P.DeviceMap(
                name=self.code,
                protocol=self.protocol,
                model=self.name,
                source=tuple((self.source or "").splitlines()),
                points=entries if self.protocol == "modbus" else (),
                items=entries if self.protocol == "dlt645" else (),
                max_registers=self.max_registers,
                max_gap=self.max_gap,
            )
        except ValueError as exc:
            raise UserError(
                _("Device model %(name)s has a bad point: %(error)s", name=self.name, error=exc)
            ) from None

    @api.model
    def _values_from_map(self, device_map):
        """Field values of a model holding ``device_map`` (points replaced)."""
        lines = []
        if device_map.protocol == "modbus":
            for seq, point in enumerate(device_map.points, 1):
                lines.append(
                    {
                        "sequence": seq,
                        "channel": point.channel,
                        "address": point.address,
                        "function": str(point.function),
                        "data_type": point.data_type.value,
                        "word_order": point.word_order,
                        "byte_order": point.byte_order,
                        "scale": point.scale,
                        "unit": point.unit,
                        "kind": point.kind,
                        "ratio": point.ratio,
                        "description": point.description,
                    }
                )
        else:
            for seq, item in enumerate(device_map.items, 1):
                lines.append(
                    {
                        "sequence": seq,
                        "channel": "|".join(item.channels),
                        "di": item.di,
                        "bcd_format": item.fmt.notation,
                        "signed": item.fmt.signed,
                        "unit": item.unit,
                        "kind": item.kind,
                        "ratio": item.ratio,
                        "description": item.description,
                    }
                )
        return {
            "name": device_map.model,
            "code": device_map.name,
            "protocol": device_map.protocol,
            "source": "\n".join(s.removeprefix("Source:").strip() for s in device_map.source),
            "notes": "\n".join(c for c in device_map.comments if not c.startswith("Source:")),
            "max_registers": device_map.max_registers,
            "max_gap": device_map.max_gap,
            "point_ids": [(5, 0, 0)] + [(0, 0, line) for line in lines],
        }

    @api.model
    def _load_shipped_maps(self):
        """Create or refresh the device models of the shipped map files (installation, upgrade)."""
        for path in sorted(Path(P.MAPS_DIR).glob("*.csv")):
            device_map = P.load_map_file(path)
            self._load_records(
                [
                    {
                        "xml_id": f"emc_metering.device_model_{path.stem}",
                        "values": self._values_from_map(device_map),
                        "noupdate": False,
                    }
                ],
                update=True,
            )

    def action_import_map(self):
        """Replace the points of this model with those of the uploaded map file."""
        self.ensure_one()
        if not self.map_file:
            raise UserError(_("Choose a map file first."))
        try:
            text = base64.b64decode(self.map_file).decode("utf-8")
            device_map = P.parse_map(text, self.map_filename or self.code)
        except UnicodeDecodeError:
            raise UserError(_("The map file is not UTF-8 text.")) from None
        except P.MapError as exc:
            raise UserError(_("The map file cannot be used: %(error)s", error=exc)) from None
        values = self._values_from_map(device_map)
        values.pop("code")
        values.update(map_file=False, map_filename=False)
        self.write(values)
        return True
