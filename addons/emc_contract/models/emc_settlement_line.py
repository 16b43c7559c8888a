from decimal import Decimal

from odoo import fields, models

from ..lib import settlement
from ..lib.settlement import CLIENT_TO_ESCO, ESCO_TO_CLIENT
from .emc_contract_price import CONTRACT_CARRIERS
from .emc_contract_tou_line import TOU_PERIODS

DIRECTIONS = [
    (CLIENT_TO_ESCO, "Client to ESCO"),
    (ESCO_TO_CLIENT, "ESCO to client"),
]
LINE_CODES = [
    ("savings_share", "Share of savings"),
    ("savings_share_tou", "Share of time-of-use savings"),
    ("guarantee_shortfall", "Guarantee shortfall"),
    ("guarantee_excess", "Savings above the guarantee"),
    ("guarantee_excess_client", "Excess kept by the client"),
    ("guarantee_met", "Guarantee met"),
    ("trusteeship_fee", "Trusteeship fee"),
    ("trusteeship_fee_share", "Trusteeship fee (share)"),
    ("cost_above_cap", "Energy cost above the cap"),
    ("saving_below_cap", "Saving below the cap"),
    ("cost_at_cap", "Energy cost at the cap"),
    ("lease_interest", "Lease interest"),
    ("lease_principal", "Lease principal"),
    ("carried_forward", "Carried forward"),
]


class EmcSettlementLine(models.Model):
    """One line of a settlement version's statement (lib.settlement.Line)."""

    _name = "emc.settlement.line"
    _description = "Settlement line"
    _order = "version_id, sequence, id"

    version_id = fields.Many2one(
        "emc.settlement.version", required=True, index=True, ondelete="cascade", readonly=True
    )
    settlement_id = fields.Many2one(
        related="version_id.settlement_id", store=True, index=True, string="Settlement"
    )
    company_id = fields.Many2one(related="version_id.company_id", store=True)
    currency_id = fields.Many2one(related="version_id.currency_id")
    sequence = fields.Integer(readonly=True, help="The line's index in the statement.")
    code = fields.Selection(LINE_CODES, required=True, readonly=True)
    direction = fields.Selection(DIRECTIONS, required=True, readonly=True)
    carrier = fields.Selection(CONTRACT_CARRIERS, readonly=True)
    tou_period = fields.Selection(TOU_PERIODS, string="Time-of-use period", readonly=True)
    kwh = fields.Float(string="kWh", digits=(16, 3), readonly=True)
    price = fields.Float(string="Price (CNY/kWh)", digits=(16, 6), readonly=True)
    share = fields.Float(string="ESCO share", digits=(16, 4), readonly=True)
    gross = fields.Monetary(readonly=True)
    amount = fields.Monetary(readonly=True, help="Signed: negative reduces what is owed.")
    days = fields.Integer(readonly=True)
    date_start = fields.Date(string="From", readonly=True)
    date_end = fields.Date(string="Until", readonly=True, help="Excluded.")
    params = fields.Json(readonly=True)
    description = fields.Text(compute="_compute_description")

    def _compute_description(self):
        # in the reader's language, from the line template and its parameters
        carriers = dict(self._fields["carrier"]._description_selection(self.env))
        for line in self:
            if not line.code:
                line.description = False
                continue
            item = settlement.Line(line.code, line.params or {}, line.direction, Decimal(0))
            try:
                line.description = item.description(self.env._, carriers)
            except (KeyError, TypeError, ValueError):
                line.description = line.code
