from odoo import models


class EmcSettlementFapiaoXlsx(models.AbstractModel):
    """Posted settlement invoices for fapiao (发票) issuance: one row per invoice line.

    Buyer, its tax id (the partner's VAT number, 纳税人识别号), the goods or
    service name, its tax classification code (``emc_tax_code`` of the
    product), amount excluding tax, rate and tax, as the VAT invoicing
    software imports them.
    """

    _name = "report.emc_contract.report_emc_settlement_fapiao_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Settlement invoices for fapiao issuance (Excel)"

    def _rows(self, settlements):
        rows = []
        moves = settlements.move_ids.filtered(lambda m: m.state == "posted").sorted("name")
        for move in moves:
            sign = -1 if move.move_type == "out_refund" else 1
            for line in move.invoice_line_ids.filtered(lambda x: x.display_type == "product"):
                rate = sum(
                    line.tax_ids.filtered(lambda t: t.amount_type == "percent").mapped("amount")
                )
                tax = line.price_total - line.price_subtotal
                rows.append(
                    {
                        "invoice": move.name,
                        "move_type": move.move_type,
                        "settlement": move.emc_settlement_id.name,
                        "buyer": move.partner_id.commercial_partner_id.name,
                        "vat": move.partner_id.commercial_partner_id.vat or "",
                        "product": line.product_id.name or "",
                        "tax_code": line.product_id.emc_tax_code or "",
                        "description": line.name or "",
                        "amount": sign * line.price_subtotal,
                        "rate": rate / 100.0,
                        "tax": sign * tax,
                    }
                )
        return rows

    def generate_xlsx_report(self, workbook, data, settlements):
        _ = self.env._
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        percent = workbook.add_format({"num_format": "0%"})
        sheet = workbook.add_worksheet(_("Fapiao"))
        columns = [
            ("invoice", _("Invoice")),
            ("settlement", _("Settlement")),
            ("buyer", _("Buyer")),
            ("vat", _("Buyer tax id")),
            ("product", _("Goods or service")),
            ("tax_code", _("Tax classification code")),
            ("description", _("Description")),
            ("amount", _("Amount excluding tax")),
            ("rate", _("Tax rate")),
            ("tax", _("Tax")),
        ]
        for col, (_key, title) in enumerate(columns):
            sheet.write(0, col, title, bold)
        for row, values in enumerate(self._rows(settlements), start=1):
            for col, (key, _title) in enumerate(columns):
                value = values[key]
                if key in ("amount", "tax"):
                    sheet.write_number(row, col, value, money)
                elif key == "rate":
                    sheet.write_number(row, col, value, percent)
                else:
                    sheet.write_string(row, col, str(value))
        sheet.set_column(0, 5, 20)
        sheet.set_column(6, 6, 60)
        sheet.set_column(7, 9, 14)
