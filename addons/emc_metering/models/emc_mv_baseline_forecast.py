"""Forecast of the next 12 months, monitoring against the savings target, and band breaches.

* Forecast (:func:`mv.forecast_consumption`, :func:`mv.forecast_savings`):
  the baseline model run on a normal year's degree days, built from the
  weather station's whole temperature history (the mean over the years of
  each calendar day's degree days). The expected savings apply the savings
  fraction measured so far; without measured savings none are forecast. The
  project's annual target (``emc.project.expected_saving_kwh``) is spread
  over the 12 months by their days, beside them.
* Monitoring: the savings measured to date against the target pro rata,
  ``target × measured days / 365``.
* :meth:`EmcMvBaseline._band_breaches`: the days (daily baselines) or months
  (monthly ones) whose measured consumption lies outside the model's
  prediction interval; the anomaly detection calls it.
"""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .. import mv
from .emc_mv_baseline import month_end

FORECAST_MONTHS = 12
FORECAST_BASES = [
    ("measured", "Measured savings fraction"),
    ("none", "No measured savings yet"),
]


class EmcMvBaseline(models.Model):
    _inherit = "emc.mv.baseline"

    date_forecast_start = fields.Date(string="Forecast from", readonly=True, copy=False)
    forecast_line_ids = fields.One2many(
        "emc.mv.forecast.line", "baseline_id", string="Forecast", readonly=True
    )
    forecast_basis = fields.Selection(FORECAST_BASES, readonly=True, copy=False)
    forecast_baseline_kwh = fields.Float(
        string="Forecast consumption without the measures (kWh)",
        digits=(16, 0),
        readonly=True,
        copy=False,
    )
    forecast_std_error_kwh = fields.Float(
        string="Forecast standard error (kWh)", digits=(16, 0), readonly=True, copy=False
    )
    forecast_expected_kwh = fields.Float(
        string="Forecast consumption (kWh)", digits=(16, 0), readonly=True, copy=False
    )
    forecast_savings_kwh = fields.Float(
        string="Forecast savings (kWh)", digits=(16, 0), readonly=True, copy=False
    )
    target_annual_kwh = fields.Float(
        related="project_id.expected_saving_kwh", string="Annual savings target (kWh)"
    )
    measured_days = fields.Integer(
        compute="_compute_monitoring", string="Days with measured savings"
    )
    target_to_date_kwh = fields.Float(
        compute="_compute_monitoring",
        string="Target to date (kWh)",
        digits=(16, 0),
        help="The annual target pro rata of the days with measured savings.",
    )
    target_achievement = fields.Float(
        compute="_compute_monitoring", string="Target achieved (%)", digits=(16, 1)
    )

    @api.depends(
        "savings_line_ids.days", "savings_line_ids.has_figures", "savings_kwh", "target_annual_kwh"
    )
    def _compute_monitoring(self):
        for baseline in self:
            days = sum(baseline.savings_line_ids.filtered("has_figures").mapped("days"))
            target = baseline.target_annual_kwh * days / 365.0
            baseline.measured_days = days
            baseline.target_to_date_kwh = target
            baseline.target_achievement = 100.0 * baseline.savings_kwh / target if target else 0.0

    # ------------------------------------------------------------------
    # Forecast
    # ------------------------------------------------------------------
    def _production_forecast(self, months):
        """Production of each forecast month: that of the same calendar month, latest year."""
        self.ensure_one()
        by_month = {}
        for record in self.production_ids.sorted("date"):
            key = (record.date.year, record.date.month)
            by_month[key] = by_month.get(key, 0.0) + record.quantity
        values = []
        for month in months:
            years = sorted(year for (year, m) in by_month if m == month.month)
            if not years:
                raise self._mv_error(mv.MVError("production_required"))
            values.append(by_month[(years[-1], month.month)])
        return values

    def action_forecast(self):
        """Forecast the next 12 months from the first day of next month (replacing the old)."""
        self._check_engineer()
        today = fields.Date.context_today(self)
        start = today.replace(day=1) + relativedelta(months=1)
        for baseline in self:
            baseline._compute_forecast(start)
        return True

    def _compute_forecast(self, start):
        self.ensure_one()
        model = self._model()
        station = self.station_id
        first = station._history_start()
        if not first or first >= start:
            raise UserError(
                _(
                    "Weather station %(station)s has no temperature before %(start)s: import its "
                    "history to build a normal year.",
                    station=station.name,
                    start=start,
                )
            )
        history = station._daily_temperature(first, start)
        months = [start + relativedelta(months=i) for i in range(FORECAST_MONTHS)]
        production = self._production_forecast(months) if model.uses_production else None
        fraction = self.savings_fraction / 100.0 if self.savings_line_ids else None
        basis = "measured" if fraction is not None and 0.0 <= fraction <= 1.0 else "none"
        try:
            forecast = mv.forecast_consumption(
                model,
                start,
                temperature_history=history,
                production_by_month=production,
                months=FORECAST_MONTHS,
            )
            savings = (
                mv.forecast_savings(
                    model,
                    start,
                    savings_fraction=fraction,
                    temperature_history=history,
                    production_by_month=production,
                    months=FORECAST_MONTHS,
                )
                if basis == "measured"
                else None
            )
        except mv.MVError as error:
            raise self._mv_error(error) from error
        total_days = sum(month.days for month in forecast.months)
        target = self.target_annual_kwh
        lines = [fields.Command.clear()]
        for index, month in enumerate(forecast.months):
            expected = savings.months[index].expected_kwh if savings else month.kwh
            lines.append(
                fields.Command.create(
                    {
                        "name": f"{month.start:%Y-%m}",
                        "date_start": month.start,
                        "days": month.days,
                        "hdd": month.hdd,
                        "cdd": month.cdd,
                        "production": month.production or 0.0,
                        "baseline_kwh": month.kwh,
                        "std_error_kwh": month.std_error_kwh,
                        "expected_kwh": expected,
                        "savings_kwh": month.kwh - expected,
                        "target_kwh": target * month.days / total_days,
                    }
                )
            )
        self.write(
            {
                "date_forecast_start": start,
                "forecast_line_ids": lines,
                "forecast_basis": basis,
                "forecast_baseline_kwh": forecast.total_kwh,
                "forecast_std_error_kwh": forecast.total_std_error_kwh,
                "forecast_expected_kwh": savings.expected_kwh if savings else forecast.total_kwh,
                "forecast_savings_kwh": savings.savings_kwh if savings else 0.0,
            }
        )

    def action_view_forecast(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "emc_metering.emc_mv_forecast_line_action"
        )
        action["domain"] = [("baseline_id", "in", self.ids)]
        return action

    # ------------------------------------------------------------------
    # Prediction band
    # ------------------------------------------------------------------
    def _band_breaches(self, date_from, date_to, confidence=0.95):
        """Periods of ``[date_from, date_to]`` whose consumption is outside the prediction band.

        For every fitted or approved baseline of ``self`` (a draft's model is
        absent or stale): the days
        (daily baselines) or the calendar months lying wholly in the range
        (monthly baselines) whose measured kWh is outside ``Ê ± t · sqrt(Var(Ê))``
        (:func:`mv.prediction_band`, two-sided ``confidence``). Periods with
        no reading or no temperature are not judged. Returns a list of
        dicts, by baseline and date::

            {"baseline_id": int, "meter_ids": [int], "date": date (first day),
             "date_to": date (last day), "actual": kWh, "expected": kWh,
             "lower": kWh, "upper": kWh, "direction": "above" | "below"}
        """
        breaches = []
        end = date_to + timedelta(days=1)
        for baseline in self:
            if baseline.state == "draft" or not baseline.model_data:
                continue
            start, stop = date_from, end
            if baseline.granularity == "monthly":
                start = date_from if date_from.day == 1 else month_end(date_from) + timedelta(1)
                stop = end.replace(day=1)
            if stop <= start:
                continue
            model = baseline._model()
            try:
                usage = baseline._usage_data(start, stop)
                temperature = baseline.station_id._daily_temperature(start, stop)
                band = mv.prediction_band(model, usage, temperature, confidence=confidence)
            except mv.MVError as error:
                raise baseline._mv_error(error) from error
            flags, _known = mv.flag_outside_band(usage.usage, band.lower, band.upper)
            for index in flags.nonzero()[0]:
                breaches.append(
                    {
                        "baseline_id": baseline.id,
                        "meter_ids": baseline.meter_ids.ids,
                        "date": band.starts[index].astype(object),
                        "date_to": (band.ends[index] - 1).astype(object),
                        "actual": float(usage.usage[index]),
                        "expected": float(band.predicted[index]),
                        "lower": float(band.lower[index]),
                        "upper": float(band.upper[index]),
                        "direction": "above" if flags[index] > 0 else "below",
                    }
                )
        return breaches
