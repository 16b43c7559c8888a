from odoo import models


class EmcSettlementXlsx(models.AbstractModel):
    """The statement of each settlement as one sheet: header, lines, totals."""

    _name = "report.emc_contract.report_emc_settlement_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Settlement statement (Excel)"

    def generate_xlsx_report(self, workbook, data, settlements):
        _ = self.env._
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        kwh = workbook.add_format({"num_format": "#,##0.000"})
        labels = dict(
            self.env["emc.settlement.line"]._fields["direction"]._description_selection(self.env)
        )
        for settlement in settlements:
            sheet = workbook.add_worksheet(settlement.name[:31])
            header = [
                (_("Settlement"), settlement.name),
                (_("Contract"), settlement.contract_id.display_name),
                (_("ESCO"), settlement.company_id.name),
                (_("Client"), settlement.partner_id.name),
                (_("Period"), f"{settlement.date_from} ~ {settlement.date_to}"),
                (_("Contract days"), settlement.contract_days),
                (_("Version"), settlement.version_id.number),
            ]
            for row, (label, value) in enumerate(header):
                sheet.write(row, 0, label, bold)
                sheet.write(row, 1, value)
            row = len(header) + 1
            columns = [
                _("Item"),
                _("Paid by"),
                _("kWh"),
                _("Price (CNY/kWh)"),
                _("ESCO share"),
                _("Gross"),
                _("Amount"),
            ]
            for col, title in enumerate(columns):
                sheet.write(row, col, title, bold)
            for line in settlement.line_ids.sorted("sequence"):
                row += 1
                sheet.write(row, 0, line.description)
                sheet.write(row, 1, labels.get(line.direction, line.direction))
                sheet.write_number(row, 2, line.kwh, kwh)
                sheet.write_number(row, 3, line.price)
                sheet.write_number(row, 4, line.share)
                sheet.write_number(row, 5, line.gross, money)
                sheet.write_number(row, 6, line.amount, money)
            row += 2
            for label, value in (
                (_("Due to the ESCO"), settlement.amount_due_esco),
                (_("Due to the client"), settlement.amount_due_client),
                (_("Borne by the ESCO"), settlement.amount_waived),
                (_("Carried forward"), settlement.carry_out),
            ):
                sheet.write(row, 5, label, bold)
                sheet.write_number(row, 6, value, money)
                row += 1
            sheet.set_column(0, 0, 80)
            sheet.set_column(1, 6, 14)
