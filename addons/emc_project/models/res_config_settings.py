from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    emc_tce_factor = fields.Float(related="company_id.emc_tce_factor", readonly=False)
    emc_tce_factor_source = fields.Char(related="company_id.emc_tce_factor_source", readonly=False)
    emc_grid_emission_factor = fields.Float(
        related="company_id.emc_grid_emission_factor", readonly=False
    )
    emc_grid_emission_factor_source = fields.Char(
        related="company_id.emc_grid_emission_factor_source", readonly=False
    )
    emc_power_price = fields.Monetary(
        related="company_id.emc_power_price",
        currency_field="currency_id",
        readonly=False,
    )
    emc_schedule_slip_threshold = fields.Float(
        related="company_id.emc_schedule_slip_threshold", readonly=False
    )
    emc_budget_tolerance = fields.Float(related="company_id.emc_budget_tolerance", readonly=False)
