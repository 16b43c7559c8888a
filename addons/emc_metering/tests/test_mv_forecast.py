"""The 12-month forecast in a normal year beside the target, and the prediction-band breaches."""

from collections import defaultdict
from datetime import date, timedelta

import numpy as np
from dateutil.relativedelta import relativedelta
from statsmodels.regression.linear_model import OLS

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .mv_common import BASELINE_END, BASELINE_START, DATA_END, REPORTING_START, MVCase

FORECAST_START = date(2025, 7, 1)


@tagged("post_install", "-at_install")
class TestForecast(MVCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fitted = cls.baseline(name="预测基准")
        cls.fitted.action_fit()

    def normal_sums(self, baseline, start, end):
        """ΣHDD, ΣCDD of ``[start, end)`` from the mean of each calendar day over the history."""
        by_day = defaultdict(list)
        for day, t in zip(self.days, self.temps, strict=True):
            if day < FORECAST_START:
                by_day[(day.month, day.day)].append(t)
        hdd = cdd = 0.0
        day = start
        while day < end:
            temps = np.array(by_day[(day.month, day.day)])
            hdd += np.maximum(baseline.heating_balance_point - temps, 0).mean()
            cdd += np.maximum(temps - baseline.cooling_balance_point, 0).mean()
            day += timedelta(days=1)
        return hdd, cdd

    def test_twelve_months_in_a_normal_year(self):
        baseline = self.fitted
        baseline._compute_forecast(FORECAST_START)
        lines = baseline.forecast_line_ids.sorted("date_start")
        self.assertEqual(len(lines), 12)
        self.assertEqual(
            lines.mapped("name"),
            [f"{FORECAST_START + relativedelta(months=i):%Y-%m}" for i in range(12)],
        )
        values = dict(
            zip(
                baseline.coefficient_ids.mapped("term"),
                baseline.coefficient_ids.mapped("value"),
                strict=True,
            )
        )
        total = 0.0
        for line in lines:
            end = line.date_start + relativedelta(months=1)
            hdd, cdd = self.normal_sums(baseline, line.date_start, end)
            kwh = line.days * values["intercept"] + values["hdd"] * hdd + values["cdd"] * cdd
            total += kwh
            self.assertEqual(line.days, (end - line.date_start).days)
            self.assertAlmostEqual(line.hdd, hdd, delta=0.051)
            self.assertAlmostEqual(line.cdd, cdd, delta=0.051)
            self.assertAlmostEqual(line.baseline_kwh, kwh, delta=0.5)
            self.assertGreater(line.std_error_kwh, 0)
            # no savings measured yet: the forecast shows the consumption without the measures
            self.assertEqual(line.expected_kwh, line.baseline_kwh)
            self.assertEqual(line.savings_kwh, 0.0)
            # the annual target spread over the 365 days of the 12 months
            self.assertAlmostEqual(line.target_kwh, 100_000 * line.days / 365, delta=0.5)
        self.assertEqual(baseline.forecast_basis, "none")
        self.assertAlmostEqual(baseline.forecast_baseline_kwh, total, delta=0.5)
        self.assertAlmostEqual(sum(lines.mapped("target_kwh")), 100_000, delta=6)

    def test_savings_forecast_from_the_measured_fraction(self):
        baseline = self.fitted
        baseline.action_approve()
        baseline.write({"date_reporting_start": REPORTING_START, "date_reporting_end": DATA_END})
        baseline.action_compute_savings()
        fraction = baseline.savings_fraction / 100
        self.assertAlmostEqual(fraction, 0.15, delta=0.02)
        baseline._compute_forecast(FORECAST_START)
        self.assertEqual(baseline.forecast_basis, "measured")
        for line in baseline.forecast_line_ids:
            self.assertAlmostEqual(line.expected_kwh, line.baseline_kwh * (1 - fraction), delta=1.0)
            self.assertAlmostEqual(line.savings_kwh, line.baseline_kwh * fraction, delta=1.0)
        self.assertAlmostEqual(
            baseline.forecast_savings_kwh, baseline.forecast_baseline_kwh * fraction, delta=1.0
        )
        # on the project, beside its annual target
        self.assertAlmostEqual(
            self.project.mv_forecast_savings_kwh,
            sum(baseline.forecast_line_ids.mapped("savings_kwh")),
            delta=0.5,
        )
        self.assertEqual(self.project.mv_forecast_line_ids, baseline.forecast_line_ids)
        # the forecast savings as bars against the target's line, on the baseline and the project
        for chart in (str(baseline.forecast_chart), str(self.project.mv_forecast_chart)):
            self.assertEqual(chart.count('class="actual"'), 12)
            self.assertEqual(chart.count('class="baseline"'), 1)
            self.assertIn("Savings target", chart)
        action = self.project.action_view_mv_forecast()
        self.assertEqual(
            self.env["emc.mv.forecast.line"].search(action["domain"]), baseline.forecast_line_ids
        )

    def test_action_starts_next_month(self):
        self.fitted.action_forecast()
        today = fields.Date.context_today(self.fitted)
        self.assertEqual(
            self.fitted.date_forecast_start, today.replace(day=1) + relativedelta(months=1)
        )
        self.assertEqual(len(self.fitted.forecast_line_ids), 12)

    def test_no_history_refused(self):
        # fitted on a station whose history is then withdrawn
        own = self.env["emc.weather.station"].create({"name": "新站", "code": "NEW1"})
        temperatures = self.env["emc.weather.temperature"].create(
            [
                {"station_id": own.id, "date": day, "temperature": float(t)}
                for day, t in zip(self.days, self.temps, strict=True)
            ]
        )
        baseline = self.baseline(name="新站基准", station_id=own.id)
        baseline.action_fit()
        temperatures.unlink()
        with self.assertRaises(UserError) as refused:
            baseline._compute_forecast(FORECAST_START)
        self.assertEqual(
            str(refused.exception),
            "Weather station 新站 has no temperature before 2025-07-01: import its history to "
            "build a normal year.",
        )
        # a quarter of history cannot make a normal year: 366 calendar days less the 90
        # known and 29 February (interpolated between 28 February and 1 March)
        self.env["emc.weather.temperature"].create(
            [
                {
                    "station_id": own.id,
                    "date": date(2025, 1, 1) + timedelta(days=i),
                    "temperature": 8.0,
                }
                for i in range(90)
            ]
        )
        with self.assertRaises(UserError) as refused:
            baseline._compute_forecast(FORECAST_START)
        self.assertEqual(
            str(refused.exception),
            "The temperature history lacks 275 calendar days (the longest gap is 275 days, at "
            "most 7 can be interpolated); a normal year cannot be built.",
        )


@tagged("post_install", "-at_install")
class TestBandBreaches(MVCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.daily = cls.baseline(name="监测基准")
        cls.daily.action_fit()

    def reference(self, baseline, start, end, confidence=0.95):
        """Days of ``start``..``end`` outside statsmodels' prediction interval, as dicts."""
        inside = self.mask(BASELINE_START, BASELINE_END)

        def design(temps):
            return np.column_stack(
                [
                    np.ones(temps.size),
                    np.maximum(baseline.heating_balance_point - temps, 0),
                    np.maximum(temps - baseline.cooling_balance_point, 0),
                ]
            )

        fit = OLS(self.kwh[inside], design(self.temps[inside])).fit()
        window = self.mask(start, end)
        frame = fit.get_prediction(design(self.temps[window])).summary_frame(alpha=1 - confidence)
        days = [d for d in self.days if start <= d <= end]
        out = []
        for i, day in enumerate(days):
            actual = self.kwh[window][i]
            lower, upper = frame["obs_ci_lower"].iloc[i], frame["obs_ci_upper"].iloc[i]
            if actual < lower or actual > upper:
                out.append(
                    (
                        day,
                        actual,
                        frame["mean"].iloc[i],
                        lower,
                        upper,
                        "above" if actual > upper else "below",
                    )
                )
        return out

    def assert_breaches(self, breaches, expected):
        self.assertEqual([b["date"] for b in breaches], [e[0] for e in expected])
        for breach, (day, actual, mean, lower, upper, direction) in zip(
            breaches, expected, strict=True
        ):
            self.assertEqual(breach["baseline_id"], self.daily.id)
            self.assertEqual(breach["meter_ids"], self.meter.ids)
            self.assertEqual(breach["date_to"], day)
            self.assertEqual(breach["direction"], direction)
            np.testing.assert_allclose(
                [breach["actual"], breach["expected"], breach["lower"], breach["upper"]],
                [actual, mean, lower, upper],
                rtol=1e-6,
            )

    def test_reporting_days_below_the_band(self):
        """15 % saved: most days of January 2025 fall below the band of the baseline model."""
        expected = self.reference(self.daily, date(2025, 1, 1), date(2025, 1, 31))
        self.assertGreater(len(expected), 20)
        self.assertEqual({e[5] for e in expected}, {"below"})
        breaches = self.daily._band_breaches(date(2025, 1, 1), date(2025, 1, 31))
        self.assert_breaches(breaches, expected)

    def test_baseline_period_days(self):
        expected = self.reference(self.daily, date(2024, 7, 1), date(2024, 9, 30))
        breaches = self.daily._band_breaches(date(2024, 7, 1), date(2024, 9, 30))
        self.assert_breaches(breaches, expected)
        # a 95 % band leaves about 5 % of the fitted days outside
        self.assertLess(len(breaches), 15)

    def test_monthly_baseline_judges_whole_months(self):
        monthly = self.baseline(name="月度监测", granularity="monthly")
        monthly.action_fit()
        breaches = monthly._band_breaches(date(2025, 1, 5), date(2025, 3, 31))
        self.assertEqual([b["date"] for b in breaches], [date(2025, 2, 1), date(2025, 3, 1)])
        self.assertEqual([b["date_to"] for b in breaches], [date(2025, 2, 28), date(2025, 3, 31)])
        self.assertEqual({b["direction"] for b in breaches}, {"below"})
        for breach in breaches:
            days = self.mask(breach["date"], breach["date_to"])
            self.assertAlmostEqual(breach["actual"], self.kwh[days].sum(), places=6)
            self.assertLess(breach["actual"], breach["lower"])
            self.assertLess(breach["lower"], breach["expected"])

    def test_unfit_or_missing_data_judged_never(self):
        draft = self.baseline(name="未拟合")
        self.assertEqual(draft._band_breaches(date(2025, 1, 1), date(2025, 1, 31)), [])
        # a fitted baseline whose period changed is a draft again: its model is stale
        stale = self.baseline(name="改期")
        stale.action_fit()
        self.assertEqual(
            len(stale._band_breaches(date(2025, 1, 1), date(2025, 1, 31))),
            len(self.daily._band_breaches(date(2025, 1, 1), date(2025, 1, 31))),
        )
        stale.date_baseline_start = date(2023, 2, 1)
        self.assertEqual(stale.state, "draft")
        self.assertEqual(stale._band_breaches(date(2025, 1, 1), date(2025, 1, 31)), [])
        # after the readings end nothing is judged
        self.assertEqual(self.daily._band_breaches(date(2025, 7, 1), date(2025, 7, 31)), [])
