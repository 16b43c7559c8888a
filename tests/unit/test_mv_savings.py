"""Savings per reporting period with non-routine adjustments, the uncertainty and the equivalents.

The reporting year 2025 reuses the temperatures of 2024 (shifted by a year)
and its consumption is 90 % of what the baseline model predicts, so every
period's savings are known exactly: 10 % of its adjusted baseline plus its
adjustments. Expected baselines are recomputed here day by day.
"""

import json
import math
import unittest

import numpy as np
from mv_loader import daily_dataset, monthly_dataset, mv

D = np.datetime64
YEAR_2025 = np.arange(D("2025-01-01"), D("2026-01-01"))


def day_prediction(model, temps):
    """The model's kWh for days of these temperatures (intercept, HDD and CDD terms only)."""
    y = np.full(temps.size, model.coefficient("intercept").value)
    if model.coefficient("hdd"):
        y += model.coefficient("hdd").value * np.maximum(model.heating_balance_point - temps, 0)
    if model.coefficient("cdd"):
        y += model.coefficient("cdd").value * np.maximum(temps - model.cooling_balance_point, 0)
    return y


class SavingsFixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rows, baseline_temperature = daily_dataset()
        cls.baseline_temperature = baseline_temperature
        cls.model = mv.fit_baseline(
            mv.UsageData.daily(rows["date"], rows["usage_kwh"]), baseline_temperature
        ).model
        cls.temps_2025 = rows["temperature_c"][365:730].astype(float)
        cls.temperature = mv.DailyTemperature.from_days(
            np.concatenate((rows["date"].astype("datetime64[D]"), YEAR_2025)),
            np.concatenate((rows["temperature_c"].astype(float), cls.temps_2025)),
        )
        cls.expected_daily = day_prediction(cls.model, cls.temps_2025)

    def month_baseline(self, month, days_mask=None):
        inside = YEAR_2025.astype("datetime64[M]") == D(month, "M")
        if days_mask is not None:
            inside &= days_mask
        return self.expected_daily[inside].sum()


class TestMonthlySavings(SavingsFixture):
    def test_savings_per_month_with_adjustments(self):
        usage = mv.UsageData.daily(YEAR_2025, 0.9 * self.expected_daily)
        adjustments = [
            mv.NonRoutineAdjustment("2025-03-05", 500.0, "Second compressor installed", 7, ref=41),
            mv.NonRoutineAdjustment(D("2025-03-20"), -200.0, "Warehouse wing closed", 7, ref=42),
            mv.NonRoutineAdjustment("2025-07-01", 1000.0, "Night shift added", 9, ref=43),
        ]
        report = mv.compute_savings(self.model, usage, self.temperature, adjustments)
        self.assertEqual(len(report.periods), 12)
        self.assertTrue(report.complete)
        extra = {"2025-03": 300.0, "2025-07": 1000.0}
        for period in report.periods:
            month = period.start.isoformat()[:7]
            with self.subTest(month=month):
                baseline = self.month_baseline(month)
                self.assertEqual(period.days, period.days_used)
                self.assertAlmostEqual(period.adjusted_baseline_kwh, baseline, places=6)
                self.assertAlmostEqual(period.reporting_kwh, 0.9 * baseline, places=6)
                self.assertEqual(period.non_routine_kwh, extra.get(month, 0.0))
                self.assertAlmostEqual(
                    period.savings_kwh, 0.1 * baseline + extra.get(month, 0.0), places=6
                )
                self.assertEqual(period.reasons, ())
        numpy_id = mv.NonRoutineAdjustment(
            "2025-05-02", 10.0, "Sub-meter reconciliation", np.int64(12)
        )
        self.assertEqual(
            mv.compute_savings(self.model, usage, self.temperature, [numpy_id])
            .periods[4]
            .non_routine_kwh,
            10.0,
        )
        march = report.periods[2]
        self.assertEqual([a.ref for a in march.adjustments], [41, 42])
        self.assertEqual(
            (march.start.isoformat(), march.end.isoformat()), ("2025-03-01", "2025-04-01")
        )
        total = self.expected_daily.sum()
        self.assertAlmostEqual(report.adjusted_baseline_kwh, total, places=5)
        self.assertAlmostEqual(report.non_routine_kwh, 1300.0)
        self.assertAlmostEqual(report.savings_kwh, 0.1 * total + 1300.0, places=5)
        self.assertAlmostEqual(report.savings_fraction, (0.1 * total + 1300.0) / total, places=12)

    def test_missing_days_masked_on_both_sides(self):
        kwh = 0.9 * self.expected_daily
        april = YEAR_2025.astype("datetime64[M]") == D("2025-04")
        kwh[np.flatnonzero(april)[:5]] = np.nan  # 5 April days without usage
        temps = self.temps_2025.copy()
        june = np.flatnonzero(YEAR_2025.astype("datetime64[M]") == D("2025-06"))
        temps[june[:10]] = np.nan  # 10 June days without temperature
        rows, _ = daily_dataset()
        temperature = mv.DailyTemperature.from_days(
            np.concatenate((rows["date"].astype("datetime64[D]"), YEAR_2025)),
            np.concatenate((rows["temperature_c"].astype(float), temps)),
        )
        report = mv.compute_savings(self.model, mv.UsageData.daily(YEAR_2025, kwh), temperature)
        april_row, june_row = report.periods[3], report.periods[5]
        used = ~np.isnan(kwh)
        self.assertEqual((april_row.days, april_row.days_used), (30, 25))
        self.assertAlmostEqual(
            april_row.adjusted_baseline_kwh, self.month_baseline("2025-04", used), places=6
        )
        self.assertFalse(april_row.complete)
        self.assertEqual(april_row.reasons[0].code, "period_coverage")
        self.assertEqual(
            april_row.reasons[0].params,
            {
                "days_used": 25,
                "days": 30,
                "start": "2025-04-01",
                "coverage_percent": 100 * 25 / 30,
                "min_coverage_percent": 90.0,
            },
        )
        self.assertEqual(june_row.days_used, 20)
        june_used = np.ones(YEAR_2025.size, dtype=bool)
        june_used[june[:10]] = False
        self.assertAlmostEqual(
            june_row.reporting_kwh, 0.9 * self.month_baseline("2025-06", june_used), places=6
        )
        self.assertFalse(report.complete)
        # totals add what each period could measure
        self.assertAlmostEqual(
            report.savings_kwh, sum(p.savings_kwh for p in report.periods), places=6
        )

    def test_month_without_data_has_no_figures(self):
        kwh = 0.9 * self.expected_daily
        kwh[YEAR_2025.astype("datetime64[M]") == D("2025-02")] = np.nan
        report = mv.compute_savings(
            self.model, mv.UsageData.daily(YEAR_2025, kwh), self.temperature
        )
        february = report.periods[1]
        self.assertEqual(february.days_used, 0)
        self.assertIsNone(february.adjusted_baseline_kwh)
        self.assertIsNone(february.savings_kwh)
        self.assertEqual(february.reasons[0].code, "period_coverage")
        self.assertEqual(len(report.periods), 12)

    def test_first_and_last_months_clipped_to_the_data(self):
        dates = np.arange(D("2025-01-15"), D("2025-03-11"))
        kwh = 0.9 * self.expected_daily[14 : 14 + dates.size]
        report = mv.compute_savings(self.model, mv.UsageData.daily(dates, kwh), self.temperature)
        bounds = [(p.start.isoformat(), p.end.isoformat(), p.days) for p in report.periods]
        self.assertEqual(
            bounds,
            [
                ("2025-01-15", "2025-02-01", 17),
                ("2025-02-01", "2025-03-01", 28),
                ("2025-03-01", "2025-03-11", 10),
            ],
        )
        self.assertTrue(report.complete)

    def test_uncertainty_is_guideline14_of_the_report(self):
        report = mv.compute_savings(
            self.model, mv.UsageData.daily(YEAR_2025, 0.9 * self.expected_daily), self.temperature
        )
        expected = mv.fractional_savings_uncertainty(
            self.model.cv_rmse,
            self.model.n,
            self.model.p,
            365,
            report.savings_fraction,
            confidence=0.9,
            rho=self.model.autocorrelation,
        )
        self.assertEqual(report.uncertainty, expected)
        self.assertEqual(report.uncertainty.correction, 1.0)
        self.assertIsNone(report.uncertainty_reason)
        data = json.loads(json.dumps(report.to_dict()))
        self.assertAlmostEqual(
            data["uncertainty"]["savings_kwh"], expected.fraction * report.savings_kwh
        )

    def test_increase_in_consumption_has_no_uncertainty_fraction(self):
        report = mv.compute_savings(
            self.model, mv.UsageData.daily(YEAR_2025, 1.05 * self.expected_daily), self.temperature
        )
        self.assertLess(report.savings_kwh, 0)
        self.assertIsNone(report.uncertainty)
        self.assertEqual(report.uncertainty_reason.code, "no_savings")

    def test_adjustment_errors(self):
        usage = mv.UsageData.daily(YEAR_2025, 0.9 * self.expected_daily)
        cases = [
            ("adjustment_without_reason", mv.NonRoutineAdjustment("2025-03-01", 5.0, "  ", 3)),
            ("adjustment_without_approver", mv.NonRoutineAdjustment("2025-03-01", 5.0, "r", None)),
            ("adjustment_without_approver", mv.NonRoutineAdjustment("2025-03-01", 5.0, "r", 0)),
            ("adjustment_without_approver", mv.NonRoutineAdjustment("2025-03-01", 5.0, "r", True)),
            ("adjustment_amount_invalid", mv.NonRoutineAdjustment("2025-03-01", math.nan, "r", 3)),
            ("adjustment_amount_invalid", mv.NonRoutineAdjustment("2025-03-01", "lots", "r", 3)),
            ("adjustment_outside_periods", mv.NonRoutineAdjustment("2026-01-01", 5.0, "r", 3)),
        ]
        for code, adjustment in cases:
            with self.subTest(code=code), self.assertRaises(mv.MVError) as caught:
                mv.compute_savings(self.model, usage, self.temperature, [adjustment])
            self.assertEqual(caught.exception.code, code)
        self.assertEqual(caught.exception.reason.params, {"date": "2026-01-01"})


class TestBillingSavings(unittest.TestCase):
    def test_each_bill_is_a_period(self):
        months = monthly_dataset()
        _rows, temperature = daily_dataset()
        usage = mv.UsageData.billing(months["start"], months["end"], months["usage_kwh"])
        model = mv.fit_baseline(usage, temperature).model
        # bills read on the 10th, in 2024
        starts = np.array(["2024-01-10", "2024-02-10", "2024-03-10"], dtype="datetime64[D]")
        ends = np.array(["2024-02-10", "2024-03-10", "2024-04-10"], dtype="datetime64[D]")
        expected = []
        for start, end in zip(starts, ends, strict=True):
            expected.append(day_prediction(model, temperature.window(start, end)).sum())
        expected = np.array(expected)
        bills = mv.UsageData.billing(starts, ends, 0.8 * expected)
        report = mv.compute_savings(
            model,
            bills,
            temperature,
            [mv.NonRoutineAdjustment("2024-03-09", 250.0, "Meter swap estimate", 2)],
        )
        self.assertEqual([p.days for p in report.periods], [31, 29, 31])
        np.testing.assert_allclose(
            [p.adjusted_baseline_kwh for p in report.periods], expected, rtol=1e-12
        )
        np.testing.assert_allclose(
            [p.savings_kwh for p in report.periods], 0.2 * expected + [0, 250.0, 0], rtol=1e-12
        )
        # monthly model: m counts periods, with the 1.26 correction and ρ = 0
        self.assertEqual(
            (report.uncertainty.m, report.uncertainty.correction, report.uncertainty.rho),
            (3, 1.26, 0.0),
        )

    def test_bill_below_the_temperature_coverage_reports_its_days(self):
        months = monthly_dataset()
        rows, temperature = daily_dataset()
        usage = mv.UsageData.billing(months["start"], months["end"], months["usage_kwh"])
        model = mv.fit_baseline(usage, temperature).model
        temps = rows["temperature_c"].astype(float).copy()
        temps[374:379] = np.nan  # 10-14 January 2024: 26 of the bill's 31 days remain
        gappy = mv.DailyTemperature.from_days(rows["date"], temps)
        bills = mv.UsageData.billing(["2024-01-10"], ["2024-02-10"], [40_000.0])
        period = mv.compute_savings(model, bills, gappy).periods[0]
        self.assertEqual((period.days, period.days_used), (31, 26))
        self.assertIsNone(period.savings_kwh)
        self.assertFalse(period.complete)
        self.assertEqual(period.reasons[0].params["days_used"], 26)
        # 28 of 31 days (90.3 %) are enough: the bill is predicted from them
        temps[377:379] = rows["temperature_c"][377:379]
        period = mv.compute_savings(
            model, bills, mv.DailyTemperature.from_days(rows["date"], temps)
        ).periods[0]
        self.assertEqual(period.days_used, 28)
        self.assertTrue(period.complete)
        self.assertIsNotNone(period.savings_kwh)


class TestProductionInReporting(unittest.TestCase):
    def test_production_required_and_refused(self):
        rows, temperature = daily_dataset()
        with_production = mv.fit_baseline(
            mv.UsageData.daily(rows["date"], rows["usage_production_kwh"], rows["production"]),
            temperature,
        ).model
        plain = mv.fit_baseline(
            mv.UsageData.daily(rows["date"], rows["usage_kwh"]), temperature
        ).model
        dates = rows["date"][:31]
        with self.assertRaises(mv.MVError) as caught:
            mv.compute_savings(
                with_production, mv.UsageData.daily(dates, rows["usage_kwh"][:31]), temperature
            )
        self.assertEqual(caught.exception.code, "production_required")
        with self.assertRaises(mv.MVError) as caught:
            mv.compute_savings(
                plain,
                mv.UsageData.daily(dates, rows["usage_kwh"][:31], rows["production"][:31]),
                temperature,
            )
        self.assertEqual(caught.exception.code, "production_not_used")
        # with production: the baseline follows the production of each day
        usage = mv.UsageData.daily(
            dates, rows["usage_production_kwh"][:31], rows["production"][:31]
        )
        report = mv.compute_savings(with_production, usage, temperature)
        temps = rows["temperature_c"][:31].astype(float)
        beta = {c.name: c.value for c in with_production.coefficients}
        expected = (
            beta["intercept"]
            + beta["production"] * rows["production"][:31]
            + beta["hdd"] * np.maximum(with_production.heating_balance_point - temps, 0)
            + beta["cdd"] * np.maximum(temps - with_production.cooling_balance_point, 0)
        ).sum()
        self.assertAlmostEqual(report.periods[0].adjusted_baseline_kwh, expected, places=6)


class TestConversion(unittest.TestCase):
    def test_company_factors(self):
        # 10 000 kWh · 0.1229 kgce/kWh = 1229 kgce = 1.229 tce; 10 MWh · 0.5366 = 5.366 tCO2
        factors = mv.ConversionFactors(kgce_per_kwh=0.1229, tco2_per_mwh=0.5366, price_per_kwh=0.65)
        result = mv.convert_energy(10_000.0, factors)
        self.assertAlmostEqual(result.tce, 1.229, places=12)
        self.assertAlmostEqual(result.tco2, 5.366, places=12)
        self.assertAlmostEqual(result.cny, 6500.0, places=9)
        self.assertEqual(result.kwh, 10_000.0)
        self.assertAlmostEqual(mv.convert_energy(-500.0, factors).cny, -325.0)

    def test_invalid_factors(self):
        for bad in ({"kgce_per_kwh": -1}, {"tco2_per_mwh": math.nan}, {"price_per_kwh": "0.6"}):
            values = {"kgce_per_kwh": 0.1229, "tco2_per_mwh": 0.5366, "price_per_kwh": 0.6} | bad
            with self.subTest(bad=bad), self.assertRaises(mv.MVError):
                mv.ConversionFactors(**values)
        with self.assertRaises(mv.MVError):
            mv.convert_energy(math.inf, mv.ConversionFactors(0.1, 0.5, 0.6))


if __name__ == "__main__":
    unittest.main()
