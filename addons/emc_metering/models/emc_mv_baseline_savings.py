"""Savings of a reporting period against an approved baseline, with its adjustments.

Before anything is computed the reporting period's data are checked (the
refusals name what is wrong and where):

* temperature coverage: at most 10 % of the metered days may lack an
  outdoor temperature (the package's ``temperature_coverage`` reason, with
  the first and last such day);
* missing days: at most 10 % of the period's days may lack usable usage
  and temperature data (CalTRACK 2.0 §2.2.1.2, as for the baseline);
* too few days: at least :data:`MIN_REPORTING_DAYS` usable days (one
  billing period).

Then :func:`mv.compute_savings` gives one line per calendar month (the
reporting periods of both daily and monthly baselines), with the approved
non-routine adjustments of each month, its completeness (90 % of its days
measured) and its fractional savings uncertainty (Guideline 14 Annex B with
the month's own ``m`` and savings fraction).
"""

from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .. import mv

MIN_REPORTING_DAYS = 28
MAX_MISSING_FRACTION = 0.10


class EmcMvBaseline(models.Model):
    _inherit = "emc.mv.baseline"

    date_reporting_start = fields.Date(string="Reporting from", tracking=True)
    date_reporting_end = fields.Date(
        string="Reporting to", tracking=True, help="Last day of the reporting period (included)."
    )
    confidence_level = fields.Float(
        string="Confidence level",
        default=0.9,
        digits=(16, 2),
        help="Confidence of the savings uncertainty (ASHRAE Guideline 14 reports at 90 %).",
    )
    adjustment_ids = fields.One2many(
        "emc.mv.adjustment", "baseline_id", string="Non-routine adjustments"
    )
    savings_line_ids = fields.One2many(
        "emc.mv.savings.line", "baseline_id", string="Savings", readonly=True
    )
    date_savings = fields.Datetime(string="Savings computed on", readonly=True, copy=False)
    savings_result = fields.Json(readonly=True, copy=False)
    adjusted_baseline_kwh = fields.Float(
        string="Adjusted baseline (kWh)", digits=(16, 0), readonly=True, copy=False
    )
    actual_kwh = fields.Float(string="Actual (kWh)", digits=(16, 0), readonly=True, copy=False)
    non_routine_kwh = fields.Float(
        string="Non-routine adjustments (kWh)", digits=(16, 0), readonly=True, copy=False
    )
    savings_kwh = fields.Float(
        string="Measured savings (kWh)", digits=(16, 0), readonly=True, copy=False, tracking=True
    )
    savings_tce = fields.Float(string="Savings (tce)", digits=(16, 3), readonly=True, copy=False)
    savings_tco2 = fields.Float(string="Savings (tCO2)", digits=(16, 3), readonly=True, copy=False)
    savings_amount = fields.Monetary(
        string="Savings (amount)", currency_field="currency_id", readonly=True, copy=False
    )
    savings_fraction = fields.Float(string="Savings (%)", digits=(16, 2), readonly=True, copy=False)
    savings_uncertainty = fields.Float(
        string="Savings uncertainty (±%)", digits=(16, 1), readonly=True, copy=False
    )
    savings_uncertainty_kwh = fields.Float(
        string="Savings uncertainty (±kWh)", digits=(16, 0), readonly=True, copy=False
    )
    savings_complete = fields.Boolean(string="Every period complete", readonly=True, copy=False)
    savings_note = fields.Text(compute="_compute_savings_note")

    @api.depends("savings_result")
    @api.depends_context("lang")
    def _compute_savings_note(self):
        for baseline in self:
            reason = (baseline.savings_result or {}).get("uncertainty_reason")
            baseline.savings_note = baseline._reason_texts([reason] if reason else []) or False

    @api.constrains("date_reporting_start", "date_reporting_end", "granularity")
    def _check_reporting_period(self):
        for baseline in self:
            start, end = baseline.date_reporting_start, baseline.date_reporting_end
            if start and end and end < start:
                raise ValidationError(
                    _(
                        "The reporting period of baseline %(baseline)s ends (%(end)s) before "
                        "it starts (%(start)s).",
                        baseline=baseline.name,
                        start=start,
                        end=end,
                    )
                )
            if start and start <= baseline.date_baseline_end:
                raise ValidationError(
                    _(
                        "The reporting period of baseline %(baseline)s must start after the "
                        "baseline period, which ends on %(end)s.",
                        baseline=baseline.name,
                        end=baseline.date_baseline_end,
                    )
                )
            if baseline.granularity == "monthly":
                baseline._check_month_bounds(start, end, _("reporting period"))

    @api.constrains("confidence_level")
    def _check_confidence_level(self):
        for baseline in self:
            if not 0.5 <= baseline.confidence_level < 1.0:
                raise ValidationError(
                    _("The confidence level is a fraction from 0.50 to 0.99, such as 0.90.")
                )

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------
    def _reporting_refusals(self, usage, temperature, start, end, min_days=MIN_REPORTING_DAYS):
        """The translated reasons why the reporting data cannot support savings (empty if none)."""
        self.ensure_one()
        check = mv.check_sufficiency(
            usage,
            temperature,
            mv.SufficiencyRules(
                min_days=1, min_observations=1, max_missing_fraction=MAX_MISSING_FRACTION
            ),
            window_start=start,
            window_end=end,
        )
        last = end - timedelta(days=1)
        refusals = [
            reason.translated(self.env._)
            for reason in check.reasons
            if reason.code == "temperature_coverage"
        ]
        if check.missing_days > MAX_MISSING_FRACTION * check.span_days:
            refusals.append(
                _(
                    "%(missing)d of the %(days)d days of the reporting period %(start)s to "
                    "%(end)s (%(percent).1f %%) have no usable consumption and temperature data; "
                    "at most %(max_percent).1f %% may be missing. Check the meters' gaps and the "
                    "weather data of the period.",
                    missing=check.missing_days,
                    days=check.span_days,
                    start=start,
                    end=last,
                    percent=100.0 * check.missing_days / check.span_days,
                    max_percent=100.0 * MAX_MISSING_FRACTION,
                )
            )
        if check.usable_days < min_days:
            refusals.append(
                _(
                    "The reporting period %(start)s to %(end)s has usable consumption and "
                    "temperature data on %(days)d days; savings need at least %(min_days)d.",
                    start=start,
                    end=last,
                    days=check.usable_days,
                    min_days=min_days,
                )
            )
        return refusals

    def _conversion_factors(self):
        self.ensure_one()
        company = self.company_id
        return mv.ConversionFactors(
            kgce_per_kwh=company.emc_tce_factor,
            tco2_per_mwh=company.emc_grid_emission_factor,
            price_per_kwh=self.site_id.electricity_price,
        )

    # ------------------------------------------------------------------
    # Savings
    # ------------------------------------------------------------------
    def action_compute_savings(self):
        """Compute the savings of the reporting period, one line per month (replacing the old).

        Refused, with the reasons, when the baseline is not approved, the
        reporting period is not set, or its data are insufficient (see the
        module docstring).
        """
        self._check_engineer()
        for baseline in self:
            if baseline.state != "approved":
                raise UserError(
                    _(
                        "Savings are measured against an approved baseline: approve baseline "
                        "%(baseline)s first.",
                        baseline=baseline.name,
                    )
                )
            if not (baseline.date_reporting_start and baseline.date_reporting_end):
                raise UserError(
                    _(
                        "Set the reporting period of baseline %(baseline)s.",
                        baseline=baseline.name,
                    )
                )
            baseline._compute_savings()
        return True

    def _savings_report(self, start, end, min_days=MIN_REPORTING_DAYS):
        """The :class:`mv.SavingsReport` of ``[start, end)`` (``end`` excluded), written nowhere.

        Refused with a UserError listing the reasons when the data of the
        period cannot support savings; ``min_days`` is the fewest usable days
        (a settlement of a partial first month asks for fewer). Only approved
        non-routine adjustments dated in the period count.
        """
        self.ensure_one()
        model = self._model()
        try:
            usage = self._usage_data(start, end)
            temperature = self.station_id._daily_temperature(start, end)
            refusals = self._reporting_refusals(usage, temperature, start, end, min_days)
            if refusals:
                raise UserError(
                    _(
                        "The savings of baseline %(baseline)s cannot be computed:\n%(reasons)s",
                        baseline=self.name,
                        reasons="\n".join(refusals),
                    )
                )
            adjustments = self.adjustment_ids.filtered(
                lambda a: a.state == "approved" and start <= a.date < end
            )
            return mv.compute_savings(
                model,
                usage,
                temperature,
                [
                    mv.NonRoutineAdjustment(
                        a.date, a.amount_kwh, a.reason, a.approver_id.id, ref=a.id
                    )
                    for a in adjustments
                ],
                confidence=self.confidence_level,
            )
        except mv.MVError as error:
            raise self._mv_error(error) from error

    def _compute_savings(self):
        self.ensure_one()
        start = self.date_reporting_start
        end = self.date_reporting_end + timedelta(days=1)
        model = self._model()
        report = self._savings_report(start, end)
        factors = self._conversion_factors()
        lines = [fields.Command.clear()]
        for period in report.periods:
            lines.append(fields.Command.create(self._savings_line_values(model, period, factors)))
        totals = mv.convert_energy(report.savings_kwh, factors)
        uncertainty = report.uncertainty
        self.write(
            {
                "savings_line_ids": lines,
                "date_savings": fields.Datetime.now(),
                "savings_result": {
                    key: value for key, value in report.to_dict().items() if key != "periods"
                },
                "adjusted_baseline_kwh": report.adjusted_baseline_kwh,
                "actual_kwh": report.reporting_kwh,
                "non_routine_kwh": report.non_routine_kwh,
                "savings_kwh": report.savings_kwh,
                "savings_tce": totals.tce,
                "savings_tco2": totals.tco2,
                "savings_amount": totals.cny,
                "savings_fraction": 100.0 * (report.savings_fraction or 0.0),
                "savings_uncertainty": 100.0 * uncertainty.fraction if uncertainty else 0.0,
                "savings_uncertainty_kwh": uncertainty.absolute(report.savings_kwh)
                if uncertainty
                else 0.0,
                "savings_complete": report.complete,
            }
        )

    def _savings_line_values(self, model, period, factors):
        """Values of the savings line of one :class:`mv.PeriodSavings`."""
        values = {
            "name": f"{period.start:%Y-%m}",
            "date_start": period.start,
            "date_end": period.end - timedelta(days=1),
            "days": period.days,
            "days_used": period.days_used,
            "has_figures": period.savings_kwh is not None,
            "complete": period.complete,
            "coverage": 100.0 * period.days_used / period.days if period.days else 0.0,
            "non_routine_kwh": period.non_routine_kwh,
            "price_per_kwh": factors.price_per_kwh,
            "reasons": [reason.to_dict() for reason in period.reasons],
        }
        if period.savings_kwh is None:
            return values
        energy = mv.convert_energy(period.savings_kwh, factors)
        values.update(
            adjusted_baseline_kwh=period.adjusted_baseline_kwh,
            actual_kwh=period.reporting_kwh,
            savings_kwh=period.savings_kwh,
            savings_tce=energy.tce,
            savings_tco2=energy.tco2,
            savings_amount=energy.cny,
        )
        monthly = model.granularity == mv.BILLING
        fraction = (
            period.savings_kwh / period.adjusted_baseline_kwh
            if period.adjusted_baseline_kwh
            else 0.0
        )
        try:
            uncertainty = mv.fractional_savings_uncertainty(
                model.cv_rmse,
                model.n,
                model.p,
                1 if monthly else period.days_used,
                fraction,
                confidence=self.confidence_level,
                rho=0.0 if monthly else model.autocorrelation,
                monthly=monthly,
            )
        except mv.MVError as error:
            values["reasons"].append(error.reason.to_dict())
        else:
            values.update(
                uncertainty=100.0 * uncertainty.fraction,
                uncertainty_kwh=uncertainty.absolute(period.savings_kwh),
            )
        return values

    # ------------------------------------------------------------------
    # Views
    # ------------------------------------------------------------------
    def action_view_savings(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "emc_metering.emc_mv_savings_line_action"
        )
        action["domain"] = [("baseline_id", "in", self.ids)]
        return action
