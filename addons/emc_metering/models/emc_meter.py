import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .emc_meter_gateway import GATEWAY_STATES

CARRIERS = [
    ("electricity", "Electricity"),
    ("water", "Water"),
    ("gas", "Natural gas"),
    ("heat", "Heat"),
    ("steam", "Steam"),
    ("ambient", "Outdoor conditions"),
]
CARRIER_UNITS = {
    "electricity": "kWh",
    "water": "m³",
    "gas": "m³",
    "heat": "GJ",
    "steam": "t",
    "ambient": "°C",
}
# Channel whose register gives the meter's consumption, per carrier, when
# the device map has it; otherwise the first cumulative channel.
MAIN_CHANNELS = {
    "electricity": "energy_import_total",
    "water": "volume_total",
    "gas": "volume_total",
    "heat": "heat_total",
    "steam": "mass_total",
    "ambient": "temperature",
}
POLL_INTERVALS = (1, 5, 10, 15, 30, 60)
_DLT_ADDRESS = re.compile(r"[0-9]{12}")


class EmcMeter(models.Model):
    """A meter at a client's site, read by the poller through its gateway.

    The device model says which channels the meter has and how they decode;
    the meter's CT and PT ratios turn secondary-side register values into
    primary-side quantities (倍率 = CT × PT). Readings are not ORM records:
    they go through :meth:`emc.meter.reading._ingest` into a partitioned
    table, and the ORM reads the hourly, daily and monthly rollups.
    """

    _name = "emc.meter"
    _description = "Meter"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "site_id, code"
    _rec_names_search = ["name", "code", "address"]

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        required=True,
        tracking=True,
        help="Meter number, unique per organisation; MQTT payloads and CSV imports name "
        "the meter by it.",
    )
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    site_id = fields.Many2one("emc.site", string="Site", required=True, index=True, tracking=True)
    partner_id = fields.Many2one(
        related="site_id.partner_id", store=True, index=True, string="Client"
    )
    project_id = fields.Many2one(
        "emc.project",
        string="Project",
        index=True,
        tracking=True,
        domain="[('site_ids', 'in', site_id)]",
    )
    carrier = fields.Selection(CARRIERS, required=True, default="electricity", tracking=True)
    unit = fields.Char(
        compute="_compute_unit",
        store=True,
        readonly=False,
        help="Unit of the consumption channel.",
    )
    ct_ratio = fields.Float(string="CT ratio", default=1.0, tracking=True, digits=(16, 3))
    pt_ratio = fields.Float(string="PT ratio", default=1.0, tracking=True, digits=(16, 3))
    multiplier = fields.Float(
        string="Multiplier (CT × PT)", compute="_compute_multiplier", store=True, digits=(16, 3)
    )
    device_model_id = fields.Many2one(
        "emc.meter.device.model", string="Device model", required=True, tracking=True
    )
    protocol = fields.Selection(related="device_model_id.protocol")
    gateway_id = fields.Many2one(
        "emc.meter.gateway",
        string="Gateway",
        index=True,
        tracking=True,
        domain="[('company_id', '=', company_id)]",
    )
    unit_id = fields.Integer(string="Modbus unit id", default=1, help="Modbus slave address 1-247.")
    address = fields.Char(
        string="DL/T 645 address",
        help="12 decimal digits as printed on the meter (the protocol sends them BCD, "
        "low byte first).",
    )
    serial_number = fields.Char(tracking=True)
    poll_interval = fields.Integer(
        string="Polling interval (min)",
        default=15,
        help="Readings are taken at multiples of this interval: 1, 5, 10, 15, 30 or 60 minutes.",
    )
    offline_after = fields.Integer(
        string="Offline after (failed polls)",
        default=3,
        help="Consecutive failed polls after which the meter is marked offline.",
    )
    channel_ids = fields.One2many("emc.meter.channel", "meter_id", string="Channels")
    channel_count = fields.Integer(compute="_compute_channel_count")
    main_channel_id = fields.Many2one(
        "emc.meter.channel",
        string="Consumption channel",
        compute="_compute_main_channel_id",
        store=True,
    )
    state = fields.Selection(
        GATEWAY_STATES, default="unknown", readonly=True, copy=False, tracking=True, index=True
    )
    date_state = fields.Datetime(string="State since", readonly=True, copy=False)
    failure_count = fields.Integer(string="Failed polls in a row", readonly=True, copy=False)
    last_error = fields.Char(readonly=True, copy=False)
    date_last_reading = fields.Datetime(string="Last reading", readonly=True, copy=False)
    state_log_ids = fields.One2many("emc.meter.state.log", "meter_id", string="Online history")
    date_installed = fields.Date(string="Installed on", tracking=True)
    date_removed = fields.Date(string="Removed on", tracking=True)
    replacement_ids = fields.One2many("emc.meter.replacement", "meter_id", string="Replacements")
    gap_count = fields.Integer(compute="_compute_gap_count")

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "A meter number is used once per organisation.",
        ),
    ]

    @api.depends("carrier")
    def _compute_unit(self):
        for meter in self:
            if not meter.unit or meter.unit in CARRIER_UNITS.values():
                meter.unit = CARRIER_UNITS.get(meter.carrier, "")

    @api.depends("ct_ratio", "pt_ratio")
    def _compute_multiplier(self):
        for meter in self:
            meter.multiplier = meter.ct_ratio * meter.pt_ratio

    @api.depends("channel_ids")
    def _compute_channel_count(self):
        for meter in self:
            meter.channel_count = len(meter.channel_ids)

    @api.depends("channel_ids.is_main")
    def _compute_main_channel_id(self):
        for meter in self:
            meter.main_channel_id = meter.channel_ids.filtered("is_main")[:1]

    def _compute_gap_count(self):
        counts = dict(
            self.env["emc.meter.gap"]._read_group(
                [("meter_id", "in", self.ids)], ["meter_id"], ["__count"]
            )
        )
        for meter in self:
            meter.gap_count = counts.get(meter, 0)

    @api.depends("name", "code")
    def _compute_display_name(self):
        for meter in self:
            meter.display_name = f"[{meter.code}] {meter.name}" if meter.code else meter.name

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------
    @api.constrains("ct_ratio", "pt_ratio", "poll_interval", "offline_after")
    def _check_numbers(self):
        for meter in self:
            if meter.ct_ratio <= 0 or meter.pt_ratio <= 0:
                raise ValidationError(
                    _("Meter %(meter)s: CT and PT ratios must be positive.", meter=meter.code)
                )
            if meter.poll_interval not in POLL_INTERVALS:
                raise ValidationError(
                    _(
                        "Meter %(meter)s: the polling interval must be one of %(allowed)s minutes.",
                        meter=meter.code,
                        allowed=", ".join(map(str, POLL_INTERVALS)),
                    )
                )
            if meter.offline_after < 1:
                raise ValidationError(
                    _("Meter %(meter)s: “offline after” must be at least 1 poll.", meter=meter.code)
                )

    @api.constrains("device_model_id", "gateway_id", "unit_id", "address")
    def _check_link(self):
        for meter in self:
            protocol = meter.device_model_id.protocol
            gateway = meter.gateway_id
            if protocol == "modbus" and not 1 <= meter.unit_id <= 247:
                raise ValidationError(
                    _("Meter %(meter)s: the Modbus unit id must be 1-247.", meter=meter.code)
                )
            if protocol == "dlt645" and not _DLT_ADDRESS.fullmatch(meter.address or ""):
                raise ValidationError(
                    _(
                        "Meter %(meter)s: a DL/T 645 meter needs its 12-digit address.",
                        meter=meter.code,
                    )
                )
            if gateway and gateway.transport != "mqtt" and protocol != gateway.protocol:
                raise ValidationError(
                    _(
                        "Meter %(meter)s speaks %(meter_protocol)s but gateway %(gateway)s "
                        "speaks %(gateway_protocol)s.",
                        meter=meter.code,
                        meter_protocol=dict(
                            meter.device_model_id._fields["protocol"]._description_selection(
                                self.env
                            )
                        ).get(protocol),
                        gateway=gateway.display_name,
                        gateway_protocol=dict(
                            gateway._fields["protocol"]._description_selection(self.env)
                        ).get(gateway.protocol),
                    )
                )
            if gateway and gateway.transport == "mqtt" and protocol != "mqtt":
                raise ValidationError(
                    _(
                        "Meter %(meter)s is behind MQTT gateway %(gateway)s: choose an MQTT "
                        "device model.",
                        meter=meter.code,
                        gateway=gateway.display_name,
                    )
                )
            if gateway and gateway.company_id != meter.company_id:
                raise ValidationError(
                    _(
                        "Meter %(meter)s and gateway %(gateway)s belong to different organisations.",
                        meter=meter.code,
                        gateway=gateway.display_name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        meters = super().create(vals_list)
        meters._sync_channels()
        return meters

    def write(self, vals):
        res = super().write(vals)
        if "device_model_id" in vals or "carrier" in vals:
            self._sync_channels()
        if {"site_id", "project_id", "company_id"} & set(vals):
            self.env["emc.meter.rollup.hourly"]._follow_meters(self)
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_readings(self):
        if self.env["emc.meter.reading"]._has_readings(self.channel_ids):
            raise UserError(
                _(
                    "Meters with readings cannot be deleted, their readings are evidence of "
                    "the savings: archive them instead."
                )
            )

    def _sync_channels(self):
        """Create the channels of the device model that the meter lacks; mark the consumption one.

        Channels are never deleted here (their readings stay); a channel the
        new model does not have is archived.
        """
        Channel = self.env["emc.meter.channel"]
        for meter in self:
            points = meter.device_model_id.point_ids
            wanted = {}
            for point in points:
                for code in point._channels():
                    wanted.setdefault(code, point)
            existing = {c.code: c for c in meter.with_context(active_test=False).channel_ids}
            vals_list = []
            for code, point in wanted.items():
                values = {
                    "name": point.description or code,
                    "unit": point.unit,
                    "kind": point.kind,
                    "ratio": point.ratio,
                    "rollover_value": point._rollover_value()
                    if point.kind == "cumulative"
                    else 0.0,
                    "active": True,
                }
                if code in existing:
                    existing[code].write(values)
                else:
                    vals_list.append(dict(values, meter_id=meter.id, code=code))
            Channel.create(vals_list)
            for code, channel in existing.items():
                if code not in wanted and channel.active and points:
                    channel.active = False
            meter._choose_main_channel()

    def _choose_main_channel(self):
        self.ensure_one()
        channels = self.channel_ids
        if channels.filtered("is_main"):
            return
        preferred = MAIN_CHANNELS.get(self.carrier)
        main = (
            channels.filtered(lambda c: c.code == preferred)[:1]
            or channels.filtered(lambda c: c.kind == "cumulative")[:1]
        )
        if main:
            main.is_main = True

    def _channel_by_code(self, code, unit=None, kind=None):
        """The meter's channel ``code``, created for meters without a map (MQTT) if missing."""
        self.ensure_one()
        channel = self.with_context(active_test=False).channel_ids.filtered(
            lambda c: c.code == code
        )
        if channel or self.device_model_id.point_ids:
            return channel[:1]
        if kind is None:
            kind = (
                "cumulative"
                if code.startswith(("energy_", "volume_", "heat_", "mass_"))
                else "instantaneous"
            )
        channel = self.env["emc.meter.channel"].create(
            {"meter_id": self.id, "code": code, "name": code, "unit": unit or "", "kind": kind}
        )
        self._choose_main_channel()
        return channel

    # ------------------------------------------------------------------
    # Online state
    # ------------------------------------------------------------------
    def _record_poll(self, ok, error=None, when=None):
        """Count a poll of these meters; move them online or offline and log the change.

        A meter goes offline after ``offline_after`` failed polls in a row and
        back online at the first answer. Returns the meters whose state changed.
        """
        when = when or fields.Datetime.now()
        changed = self.browse()
        logs = []
        for meter in self:
            if ok:
                values = {"failure_count": 0, "last_error": False}
                new_state = "online"
            else:
                failures = meter.failure_count + 1
                values = {"failure_count": failures, "last_error": (error or "")[:250]}
                new_state = "offline" if failures >= meter.offline_after else meter.state
            if new_state != meter.state:
                values.update(state=new_state, date_state=when)
                logs.append(
                    {
                        "meter_id": meter.id,
                        "date": when,
                        "state": new_state,
                        "reason": False if ok else (error or "")[:250],
                    }
                )
                changed |= meter
            meter.write(values)
        if logs:
            self.env["emc.meter.state.log"].sudo().create(logs)
        return changed

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------
    def action_sync_channels(self):
        self._sync_channels()
        return True

    def action_replace(self):
        """Open the form that records a meter replacement (换表)."""
        self.ensure_one()
        cumulative = self.channel_ids.filtered(lambda c: c.kind == "cumulative")
        return {
            "type": "ir.actions.act_window",
            "res_model": "emc.meter.replacement",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_meter_id": self.id,
                "default_old_serial": self.serial_number,
                "default_new_ct_ratio": self.ct_ratio,
                "default_new_pt_ratio": self.pt_ratio,
                "default_line_ids": [
                    (0, 0, {"channel_id": c.id, "old_final": c.last_value / (c.factor or 1.0)})
                    for c in cumulative
                ],
            },
        }

    def _action_rollup(self, xmlid, domain_field="meter_id"):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [(domain_field, "in", self.ids)]
        action["context"] = {"search_default_main": 1}
        return action

    def action_view_consumption(self):
        action = self._action_rollup("emc_metering.emc_meter_rollup_daily_action")
        action["views"] = [
            (self.env.ref("emc_metering.emc_meter_rollup_daily_view_graph_meter").id, "graph"),
            (False, "pivot"),
            (False, "list"),
        ]
        return action

    def action_view_gaps(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("emc_metering.emc_meter_gap_action")
        action["domain"] = [("meter_id", "in", self.ids)]
        return action
