from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    emc_settlement_id = fields.Many2one(
        "emc.settlement",
        string="EMC settlement",
        index="btree_not_null",
        readonly=True,
        copy=False,
    )

    def _compute_payment_state(self):
        super()._compute_payment_state()
        # a settlement is done when every one of its moves is paid; the
        # payment state follows reconciliation, so this is where it changes
        settlements = self.filtered(lambda m: m.id and m.emc_settlement_id).emc_settlement_id
        if settlements:
            settlements._sync_payment_state()


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    emc_settlement_line_id = fields.Many2one(
        "emc.settlement.line", string="Settlement line", readonly=True, copy=False
    )
