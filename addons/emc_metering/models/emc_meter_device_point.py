from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..protocols import points as P

KINDS = [("cumulative", "Cumulative register"), ("instantaneous", "Instantaneous value")]
RATIOS = [
    ("none", "None (primary values)"),
    ("ct", "CT ratio"),
    ("pt", "PT ratio"),
    ("ct_pt", "CT × PT"),
]
DATA_TYPES = [(t.value, t.value) for t in P.DataType]
ORDERS = [("big", "Big endian"), ("little", "Little endian")]


class EmcMeterDevicePoint(models.Model):
    """One point of a device map: a Modbus register value or a DL/T 645 data identifier."""

    _name = "emc.meter.device.point"
    _description = "Point of a meter device model"
    _order = "model_id, sequence, id"

    model_id = fields.Many2one(
        "emc.meter.device.model", required=True, ondelete="cascade", index=True
    )
    protocol = fields.Selection(related="model_id.protocol")
    sequence = fields.Integer(default=10)
    channel = fields.Char(
        required=True,
        help="Channel code (energy_import_total, voltage_a...); for a DL/T 645 block the "
        "channels of its elements separated by |.",
    )
    description = fields.Char()
    unit = fields.Char()
    kind = fields.Selection(KINDS, required=True, default="instantaneous")
    ratio = fields.Selection(
        RATIOS,
        required=True,
        default="none",
        help="Which of the meter's transformer ratios multiplies the value.",
    )
    # Modbus
    address = fields.Integer(help="Zero-based protocol address of the first register.")
    function = fields.Selection(
        [("3", "03 Read holding registers"), ("4", "04 Read input registers")], default="3"
    )
    data_type = fields.Selection(DATA_TYPES, default="float32")
    word_order = fields.Selection(ORDERS, default="big")
    byte_order = fields.Selection(ORDERS, default="big")
    scale = fields.Float(default=1.0, digits=(16, 6))
    # DL/T 645
    di = fields.Char(string="Data identifier", help="DI3 DI2 DI1 DI0 as 8 hex digits.")
    bcd_format = fields.Char(string="Format", help="The standard's notation, e.g. XXXXXX.XX.")
    signed = fields.Boolean(help="The top bit of the value is its sign.")

    def _protocol_entry(self):
        """The :class:`Point` or :class:`DataItem` of this line (ValueError if it is bad)."""
        self.ensure_one()
        if self.model_id.protocol == "modbus":
            return P.Point(
                channel=self.channel or "",
                address=self.address,
                function=int(self.function or 3),
                data_type=P.DataType(self.data_type or "float32"),
                word_order=self.word_order or "big",
                byte_order=self.byte_order or "big",
                scale=self.scale,
                unit=self.unit or "",
                kind=self.kind,
                ratio=self.ratio,
                description=self.description or "",
            )
        return P.DataItem(
            di=(self.di or "").upper(),
            channels=tuple((self.channel or "").split("|")),
            fmt=P.BcdFormat.parse(self.bcd_format or "", self.signed),
            unit=self.unit or "",
            kind=self.kind,
            ratio=self.ratio,
            description=self.description or "",
        )

    def _channels(self):
        """Channel codes this point yields on a meter (a DL/T 645 block yields its named elements)."""
        self.ensure_one()
        if self.model_id.protocol == "dlt645":
            return [c for c in (self.channel or "").split("|") if "{n}" not in c]
        return [self.channel]

    def _rollover_value(self):
        """Register value at which a cumulative point wraps to zero (0.0 for floats: they do not)."""
        self.ensure_one()
        if self.model_id.protocol == "dlt645":
            fmt = P.BcdFormat.parse(self.bcd_format or "", self.signed)
            whole = fmt.digits - fmt.decimals
            # A signed value keeps the top bit for its sign: its top digit stops at 7.
            return 8.0 * 10.0 ** (whole - 1) if fmt.signed else 10.0**whole
        if self.model_id.protocol == "modbus":
            data_type = P.DataType(self.data_type or "float32")
            if data_type.is_float:
                return 0.0
            bits = data_type.count * 16
            if data_type.is_bcd:
                return 10.0 ** (data_type.count * 4) * abs(self.scale)
            return 2.0 ** (bits - 1 if data_type.signed else bits) * abs(self.scale)
        return 0.0

    @api.constrains(
        "channel",
        "address",
        "function",
        "data_type",
        "word_order",
        "byte_order",
        "scale",
        "unit",
        "kind",
        "ratio",
        "di",
        "bcd_format",
        "signed",
    )
    def _check_point(self):
        for point in self:
            if point.model_id.protocol == "mqtt":
                continue
            try:
                point._protocol_entry()
            except ValueError as exc:
                raise ValidationError(
                    _(
                        "Point “%(channel)s” of %(model)s cannot be used: %(error)s",
                        channel=point.channel,
                        model=point.model_id.name,
                        error=exc,
                    )
                ) from None
