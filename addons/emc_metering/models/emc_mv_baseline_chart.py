from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models

from .. import mv
from ..mv.chart import ChartLabels, baseline_chart_svg


def forecast_chart(months, savings, target, env):
    """The forecast savings (bars) against the savings target (line), as SVG markup."""
    labels = ChartLabels(
        title=env._("Forecast savings and the savings target, next 12 months"),
        unit=env._("kWh per month"),
        actual=env._("Forecast savings"),
        baseline=env._("Savings target"),
    )
    return Markup(baseline_chart_svg(months, savings, target, labels, width=720, height=260))


class EmcMvBaseline(models.Model):
    _inherit = "emc.mv.baseline"

    forecast_chart = fields.Html(
        compute="_compute_forecast_chart", sanitize=False, string="Forecast chart"
    )

    @api.depends("forecast_line_ids.savings_kwh", "forecast_line_ids.target_kwh")
    @api.depends_context("lang")
    def _compute_forecast_chart(self):
        for baseline in self:
            lines = baseline.forecast_line_ids.sorted("date_start")
            baseline.forecast_chart = (
                forecast_chart(
                    lines.mapped("name"),
                    lines.mapped("savings_kwh"),
                    lines.mapped("target_kwh"),
                    self.env,
                )
                if lines
                else False
            )

    def _chart_series(self):
        """``(months, actual, baseline, reporting start index)`` of the baseline-vs-actual chart.

        Baseline period: the model's prediction and the measured kWh per
        month over the same days (those with a reading and a temperature).
        Reporting period: the stored savings lines (adjusted baseline and
        actual). Months without figures are gaps.
        """
        self.ensure_one()
        model = self._model()
        start = self.date_baseline_start
        end = self.date_baseline_end + timedelta(days=1)
        try:
            fitted = mv.compute_savings(
                model,
                self._usage_data(start, end),
                self.station_id._daily_temperature(start, end),
            )
        except mv.MVError as error:
            raise self._mv_error(error) from error
        months, actual, baseline = [], [], []
        for period in fitted.periods:
            months.append(f"{period.start:%Y-%m}")
            actual.append(period.reporting_kwh)
            baseline.append(period.adjusted_baseline_kwh)
        reporting_start = len(months) if self.savings_line_ids else None
        for line in self.savings_line_ids.sorted("date_start"):
            months.append(line.name)
            actual.append(line.actual_kwh if line.has_figures else None)
            baseline.append(line.adjusted_baseline_kwh if line.has_figures else None)
        return months, actual, baseline, reporting_start

    def _chart_svg(self, width=720, height=300):
        """The baseline-vs-actual chart as inline SVG markup (for the report and the form)."""
        self.ensure_one()
        months, actual, baseline, reporting_start = self._chart_series()
        labels = ChartLabels(
            title=_("Monthly consumption: baseline model and actual"),
            unit=_("kWh per month"),
            actual=_("Actual"),
            baseline=_("Baseline (adjusted in the reporting period)"),
            reporting=_("Reporting period"),
        )
        return Markup(
            baseline_chart_svg(
                months,
                actual,
                baseline,
                labels,
                reporting_start=reporting_start,
                width=width,
                height=height,
            )
        )
