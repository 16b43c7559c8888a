from odoo import fields, models


class AccountMove(models.Model):
    """The vendor bill of a fund request: paying it marks the request paid."""

    _inherit = "account.move"

    emc_fund_request_id = fields.Many2one(
        "emc.fund.request",
        string="Fund request",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        self.emc_fund_request_id._mark_paid()
        return res
