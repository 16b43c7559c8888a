from odoo import fields, models

# The 6 % output VAT of "modern services" (现代服务), which covers energy
# performance contracting services (合同能源管理服务).
DEFAULT_VAT = 6.0


class ResCompany(models.Model):
    _inherit = "res.company"

    emc_settlement_product_id = fields.Many2one(
        "product.product",
        string="Settlement product",
        help="The service invoiced for settlements: its income and expense accounts are used.",
    )
    emc_settlement_sale_tax_id = fields.Many2one(
        "account.tax",
        string="Settlement sales tax",
        domain="[('type_tax_use', '=', 'sale'), ('company_id', '=', id)]",
        help="VAT on customer invoices and credit notes of settlements (6 % by default).",
    )
    emc_settlement_purchase_tax_id = fields.Many2one(
        "account.tax",
        string="Settlement purchase tax",
        domain="[('type_tax_use', '=', 'purchase'), ('company_id', '=', id)]",
        help="VAT on the vendor bills of compensation the client invoices (6 % by default).",
    )
    emc_settlement_fiscal_position_id = fields.Many2one(
        "account.fiscal.position",
        string="Settlement fiscal position",
        domain="[('company_id', '=', id)]",
        help="Maps the taxes and accounts of settlements when the client has no fiscal "
        "position of its own.",
    )
    emc_settlement_journal_id = fields.Many2one(
        "account.journal",
        string="Settlement sales journal",
        domain="[('type', '=', 'sale'), ('company_id', '=', id)]",
    )

    def _emc_settlement_product(self):
        """The settlement product of the company (the 节能服务 product of the data by default)."""
        self.ensure_one()
        return self.emc_settlement_product_id or self.env.ref(
            "emc_contract.product_energy_saving_service"
        )

    def _emc_settlement_tax(self, use):
        """The company's settlement tax for ``use`` (sale/purchase): set, found or created.

        Without a configured tax, the 6 % tax of that use of the company's chart
        (l10n_cn: 增值税6%) is taken, else one is created on the chart's tax
        account, and it is remembered in the settings.
        """
        self.ensure_one()
        field = f"emc_settlement_{use}_tax_id"
        if self[field]:
            return self[field]
        Tax = self.env["account.tax"].sudo().with_company(self)
        domain = [
            *Tax._check_company_domain(self),
            ("type_tax_use", "=", use),
            ("amount_type", "=", "percent"),
            ("amount", "=", DEFAULT_VAT),
            ("price_include", "=", False),
        ]
        tax = Tax.search(domain, limit=1)
        if not tax:
            tax = Tax.create(
                {
                    "name": self.env._("VAT %(rate)s%% (energy-saving services)", rate=6),
                    "amount": DEFAULT_VAT,
                    "amount_type": "percent",
                    "type_tax_use": use,
                    "company_id": self.id,
                    "country_id": (self.account_fiscal_country_id or self.country_id).id,
                }
            )
        self.sudo()[field] = tax
        return tax
