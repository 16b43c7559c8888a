from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    emc_settlement_product_id = fields.Many2one(
        related="company_id.emc_settlement_product_id", readonly=False
    )
    emc_settlement_sale_tax_id = fields.Many2one(
        related="company_id.emc_settlement_sale_tax_id", readonly=False
    )
    emc_settlement_purchase_tax_id = fields.Many2one(
        related="company_id.emc_settlement_purchase_tax_id", readonly=False
    )
    emc_settlement_fiscal_position_id = fields.Many2one(
        related="company_id.emc_settlement_fiscal_position_id", readonly=False
    )
    emc_settlement_journal_id = fields.Many2one(
        related="company_id.emc_settlement_journal_id", readonly=False
    )
