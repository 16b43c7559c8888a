from odoo import fields, models


class EmcMeterPoller(models.Model):
    """A running poller process (``odoo-bin emc-poller``), as it announced itself.

    Written by the pollers only: each registers at start, refreshes
    ``date_seen`` at every lease round and deletes its record when it stops
    gracefully. A poller is alive while ``date_seen + lease_seconds`` lies
    ahead; the live pollers split the gateways between them (fair share).
    """

    _name = "emc.meter.poller"
    _description = "Meter poller"
    _order = "name"

    name = fields.Char(required=True, readonly=True)
    hostname = fields.Char(string="Host", readonly=True)
    pid = fields.Integer(string="Process id", readonly=True)
    date_start = fields.Datetime(string="Started", readonly=True)
    date_seen = fields.Datetime(string="Last seen", readonly=True)
    lease_seconds = fields.Integer(string="Lease (s)", readonly=True)
    scope = fields.Char(
        string="Gateways",
        readonly=True,
        help="Pattern of the gateway codes this poller takes (% stands for any text).",
    )
    is_alive = fields.Boolean(string="Alive", compute="_compute_is_alive")
    gateway_count = fields.Integer(string="Gateways held", compute="_compute_gateway_count")

    _sql_constraints = [
        ("name_uniq", "unique(name)", "A poller name is used by one running poller only."),
    ]

    def _compute_is_alive(self):
        now = fields.Datetime.now()
        for poller in self:
            poller.is_alive = bool(
                poller.date_seen
                and fields.Datetime.add(poller.date_seen, seconds=poller.lease_seconds) > now
            )

    def _compute_gateway_count(self):
        counts = dict(
            self.env["emc.meter.gateway"]
            .sudo()
            ._read_group([("lease_owner", "in", self.mapped("name"))], ["lease_owner"], ["__count"])
        )
        for poller in self:
            poller.gateway_count = counts.get(poller.name, 0)
