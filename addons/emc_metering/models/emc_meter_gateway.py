from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

TRANSPORTS = [
    ("serial", "RS-485 serial port"),
    ("tcp", "TCP (Modbus TCP or a serial server)"),
    ("mqtt", "MQTT gateway"),
]
LINK_PROTOCOLS = [("modbus", "Modbus"), ("dlt645", "DL/T 645-2007")]
PARITIES = [("N", "None"), ("E", "Even"), ("O", "Odd")]
GATEWAY_STATES = [("unknown", "Not polled yet"), ("online", "Online"), ("offline", "Offline")]


class EmcMeterGateway(models.Model):
    """A link to meters: an RS-485 bus on a serial port, a TCP device or serial
    server, or an MQTT gateway publishing readings.

    An RS-485 bus is half-duplex and a serial server forwards one request at
    a time: the poller never lets two requests overlap on one gateway. Each
    gateway is polled by one poller at a time, the one holding its lease
    (``lease_owner`` until ``lease_expires``); a poller that dies loses its
    leases when they expire and another takes the gateway over.
    """

    _name = "emc.meter.gateway"
    _description = "Meter gateway"
    _inherit = ["mail.thread"]
    _order = "company_id, name"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        required=True,
        help="Identifier the gateway sends in its MQTT payloads; unique per organisation.",
    )
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    transport = fields.Selection(TRANSPORTS, required=True, default="tcp", tracking=True)
    protocol = fields.Selection(
        LINK_PROTOCOLS,
        default="modbus",
        help="Protocol spoken on the link (serial and TCP gateways).",
    )
    # serial
    serial_port = fields.Char(help="Device path (/dev/ttyUSB0) or a pyserial URL (rfc2217://...).")
    baudrate = fields.Integer(default=9600)
    bytesize = fields.Selection([("7", "7"), ("8", "8")], default="8", string="Data bits")
    parity = fields.Selection(PARITIES, default="N")
    stopbits = fields.Selection([("1", "1"), ("2", "2")], default="1", string="Stop bits")
    # tcp
    host = fields.Char()
    port = fields.Integer(default=502)
    rtu_over_tcp = fields.Boolean(
        string="RTU frames over TCP",
        help="A transparent serial server: Modbus RTU frames (with CRC) inside TCP.",
    )
    # mqtt
    mqtt_url = fields.Char(
        string="Broker",
        default="mqtt://127.0.0.1:1883",
        help="mqtt://[user[:password]@]host[:port], or mqtts:// for TLS.",
    )
    mqtt_topic = fields.Char(
        string="Topic", help="Topic the gateway publishes to (wildcards allowed)."
    )
    # polling behaviour
    timeout = fields.Float(
        string="Answer timeout (s)", default=1.0, help="Wait for the first byte of an answer."
    )
    retries = fields.Integer(
        default=2, help="Further attempts after a failed request, with a doubling pause."
    )
    retry_delay = fields.Float(string="First retry pause (s)", default=0.5)
    meter_ids = fields.One2many("emc.meter", "gateway_id", string="Meters")
    meter_count = fields.Integer(compute="_compute_meter_count")
    # state, written by the poller
    state = fields.Selection(GATEWAY_STATES, default="unknown", readonly=True, copy=False)
    last_error = fields.Char(readonly=True, copy=False)
    date_last_contact = fields.Datetime(string="Last answer", readonly=True, copy=False)
    lease_owner = fields.Char(string="Polled by", readonly=True, copy=False)
    lease_expires = fields.Datetime(readonly=True, copy=False)

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "A gateway code is used once per organisation.",
        ),
    ]

    @api.depends("meter_ids")
    def _compute_meter_count(self):
        counts = dict(
            self.env["emc.meter"]._read_group(
                [("gateway_id", "in", self.ids)], ["gateway_id"], ["__count"]
            )
        )
        for gateway in self:
            gateway.meter_count = counts.get(gateway, 0)

    @api.constrains(
        "transport", "serial_port", "host", "port", "mqtt_topic", "protocol", "baudrate"
    )
    def _check_link(self):
        for gateway in self:
            missing = []
            if gateway.transport == "serial":
                if not gateway.serial_port:
                    missing.append(_("serial port"))
                if gateway.baudrate <= 0:
                    missing.append(_("baud rate"))
            elif gateway.transport == "tcp":
                if not gateway.host:
                    missing.append(_("host"))
                if not 0 < gateway.port < 65536:
                    missing.append(_("port (1-65535)"))
            elif not gateway.mqtt_topic:
                missing.append(_("topic"))
            if gateway.transport != "mqtt" and not gateway.protocol:
                missing.append(_("protocol"))
            if missing:
                raise ValidationError(
                    _(
                        "Gateway %(name)s needs: %(missing)s.",
                        name=gateway.name,
                        missing=", ".join(missing),
                    )
                )

    @api.constrains("timeout", "retries", "retry_delay")
    def _check_timing(self):
        for gateway in self:
            if gateway.timeout <= 0 or gateway.retries < 0 or gateway.retry_delay < 0:
                raise ValidationError(
                    _(
                        "Gateway %(name)s: the timeout must be positive, retries and their "
                        "pause cannot be negative.",
                        name=gateway.name,
                    )
                )

    @api.depends("name", "code")
    def _compute_display_name(self):
        for gateway in self:
            gateway.display_name = (
                f"[{gateway.code}] {gateway.name}" if gateway.code else gateway.name
            )

    def action_release_lease(self):
        """Let any poller take these gateways at once (after moving a gateway between pollers)."""
        self.sudo().write({"lease_owner": False, "lease_expires": False})
        return True
