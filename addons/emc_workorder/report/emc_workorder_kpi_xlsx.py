from odoo import _, models


class EmcWorkorderKpiXlsx(models.AbstractModel):
    _name = "report.emc_workorder.kpi_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Service desk KPIs, Excel export"

    def generate_xlsx_report(self, workbook, data, wizards):
        title = workbook.add_format({"bold": True, "font_size": 14})
        header = workbook.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1})
        cell = workbook.add_format({"border": 1})
        for wizard in wizards:
            sheet = workbook.add_worksheet(_("KPIs")[:31])
            sheet.set_column(0, 0, 36)
            sheet.set_column(1, 2, 18)
            sheet.write(0, 0, _("Service desk KPIs"), title)
            sheet.write(
                1,
                0,
                _(
                    "Period %(start)s – %(end)s; organisations: %(orgs)s; staff: %(staff)s",
                    start=wizard.date_from,
                    end=wizard.date_to,
                    orgs="、".join(wizard.company_ids.mapped("name")) or _("all"),
                    staff="、".join(wizard.user_ids.mapped("name")) or _("all"),
                ),
            )
            for col, label in enumerate((_("KPI"), _("Value"), _("Unit"))):
                sheet.write(3, col, label, header)
            for row, line in enumerate(wizard.line_ids, start=4):
                sheet.write(row, 0, line.name, cell)
                try:
                    sheet.write_number(row, 1, float(line.value), cell)
                except ValueError:
                    sheet.write(row, 1, line.value, cell)
                sheet.write(row, 2, line.unit, cell)
