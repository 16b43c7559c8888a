from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    emc_lease_seconds = fields.Integer(
        string="Poller lease (s)",
        default=60,
        help="How long a poller holds a gateway without renewing its lease; another poller "
        "takes the gateway over when the lease runs out.",
    )
