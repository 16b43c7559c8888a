from odoo import fields, models

from .emc_meter_gateway import GATEWAY_STATES


class EmcMeterStateLog(models.Model):
    """A change of a meter's online state, with the error that caused it."""

    _name = "emc.meter.state.log"
    _description = "Meter online history"
    _order = "date desc, id desc"

    meter_id = fields.Many2one("emc.meter", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="meter_id.company_id", store=True, index=True)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    state = fields.Selection(GATEWAY_STATES, required=True)
    reason = fields.Char()
