from odoo import fields, models

# The tax classification code (税收分类编码) of 合同能源管理服务 in the State
# Taxation Administration's 商品和服务税收分类编码表 (goods and services tax
# classification table of the VAT invoicing system): 3 services > 304 modern
# services > 30401 R&D and technical services > 3040102 energy performance
# contracting services, padded to 19 digits. Check it against the table of
# the company's invoicing software, which updates it.
EMC_TAX_CODE = "3040102000000000000"


class ProductTemplate(models.Model):
    _inherit = "product.template"

    emc_tax_code = fields.Char(
        string="Tax classification code",
        size=19,
        default=EMC_TAX_CODE,
        help="The 19-digit code of the goods or service in the tax classification table of "
        "the VAT invoicing system, exported with the invoices for fapiao issuance.",
    )
