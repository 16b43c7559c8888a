from itertools import groupby

from odoo import models


class EmcCashFlowXlsx(models.AbstractModel):
    """The cash-flow rows chosen, one line per month, and a summary per series."""

    _name = "report.emc_contract.cash_flow_xlsx"
    _inherit = "report.report_xlsx.abstract"
    _description = "Cash flow XLSX export"

    def _series_key(self, row):
        return (row.scope, row.project_id.display_name or "", row.company_id.id, row.kind)

    def generate_xlsx_report(self, workbook, data, rows):
        _ = self.env._
        rows = rows.sorted(lambda r: (*self._series_key(r), r.month))
        bold = workbook.add_format({"bold": True})
        money = workbook.add_format({"num_format": "#,##0.00"})
        money_bold = workbook.add_format({"num_format": "#,##0.00", "bold": True})
        scopes = dict(rows._fields["scope"]._description_selection(self.env))
        kinds = dict(rows._fields["kind"]._description_selection(self.env))

        def label(row):
            return row.project_id.display_name or _(
                "Portfolio of %(company)s", company=row.company_id.name
            )

        sheet = workbook.add_worksheet(_("Cash flow"))
        headers = [
            _("Scope"),
            _("Project"),
            _("Kind"),
            _("Month"),
            _("Inflows"),
            _("Capex"),
            _("O&M"),
            _("Financing costs"),
            _("Other costs"),
            _("Outflows"),
            _("Net"),
            _("Cumulative position"),
            _("Payback month"),
        ]
        sheet.write_row(0, 0, headers, bold)
        sheet.freeze_panes(1, 4)
        sheet.set_column(0, 0, 10)
        sheet.set_column(1, 1, 36)
        sheet.set_column(4, 11, 16)
        for index, row in enumerate(rows, start=1):
            sheet.write_row(
                index,
                0,
                [scopes[row.scope], label(row), kinds[row.kind], row.month.strftime("%Y-%m")],
            )
            sheet.write_row(
                index,
                4,
                [
                    row.inflow,
                    row.outflow_capex,
                    row.outflow_om,
                    row.outflow_financing,
                    row.outflow_other,
                    row.outflow,
                    row.net,
                    row.cumulative,
                ],
                money,
            )
            sheet.write(index, 12, _("Yes") if row.is_payback else "")

        summary = workbook.add_worksheet(_("Summary"))
        summary.write_row(
            0,
            0,
            [
                _("Scope"),
                _("Project"),
                _("Kind"),
                _("From"),
                _("To"),
                _("Inflows"),
                _("Outflows"),
                _("Net"),
                _("Payback month"),
            ],
            bold,
        )
        summary.set_column(1, 1, 36)
        summary.set_column(5, 7, 16)
        for index, (_key, series) in enumerate(groupby(rows, key=self._series_key), start=1):
            series = list(series)
            first, last = series[0], series[-1]
            payback = next((r.month.strftime("%Y-%m") for r in series if r.is_payback), "")
            summary.write_row(
                index,
                0,
                [
                    scopes[first.scope],
                    label(first),
                    kinds[first.kind],
                    first.month.strftime("%Y-%m"),
                    last.month.strftime("%Y-%m"),
                ],
            )
            summary.write_row(
                index,
                5,
                [
                    sum(r.inflow for r in series),
                    sum(r.outflow for r in series),
                    last.cumulative,
                ],
                money_bold,
            )
            summary.write(index, 8, payback)
