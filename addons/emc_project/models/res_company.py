from odoo import api, fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    # Energy conversion is a per-organisation choice: a Sichuan ESCO may report
    # against the regional grid factor while another uses the national one.
    emc_tce_factor = fields.Float(
        string="Electricity to standard coal (kgce/kWh)",
        digits=(16, 4),
        default=0.1229,
        help="Kilograms of coal equivalent per kWh. 0.1229 is the equivalent "
        "(calorific) value of electricity in GB/T 2589-2020.",
    )
    emc_tce_factor_source = fields.Char(
        string="Source of the coal-equivalent factor",
        default="GB/T 2589-2020 综合能耗计算通则（电力当量值）",
    )
    emc_grid_emission_factor = fields.Float(
        string="Grid emission factor (tCO2/MWh)",
        digits=(16, 4),
        default=0.5366,
        help="Tonnes of CO2 per MWh of grid electricity.",
    )
    emc_grid_emission_factor_source = fields.Char(
        string="Source of the grid emission factor",
        default="生态环境部、国家统计局：2022年全国电力平均二氧化碳排放因子 0.5366 kgCO2/kWh",
    )
    emc_power_price = fields.Monetary(
        string="Default electricity price (per kWh)",
        currency_field="currency_id",
        default=0.65,
        help="Used by the technology recommendation when a site has no electricity bill on record.",
    )
    emc_schedule_slip_threshold = fields.Float(
        string="Schedule slip threshold (percentage points)",
        default=15.0,
        help="A project is flagged when its reported progress lags the "
        "planned progress by more than this.",
    )
    emc_budget_tolerance = fields.Float(
        string="Budget overrun tolerance (%)",
        default=5.0,
        help="A project is flagged when actual cost exceeds the budget by more than this share.",
    )

    @api.model
    def _emc_kwh_to_tce(self, kwh, company=None):
        """Tonnes of coal equivalent for ``kwh`` with the company's factor."""
        company = company or self.env.company
        return (kwh or 0.0) * company.emc_tce_factor / 1000.0

    @api.model
    def _emc_kwh_to_tco2(self, kwh, company=None):
        """Tonnes of CO2 for ``kwh`` of grid electricity with the company's factor."""
        company = company or self.env.company
        return (kwh or 0.0) / 1000.0 * company.emc_grid_emission_factor
