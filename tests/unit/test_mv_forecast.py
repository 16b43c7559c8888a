"""Normal-year degree days, the 12-month forecast and the expected savings."""

import unittest
from collections import defaultdict

import numpy as np
from mv_loader import daily_dataset, mv

D = np.datetime64


def normals_by_loop(dates, temps, base, kind):
    """Mean degree days per (month, day) over the years, by a plain loop."""
    groups = defaultdict(list)
    for date, temp in zip(dates.astype(object), temps, strict=True):
        if np.isnan(temp):
            continue
        value = max(base - temp, 0.0) if kind == "hdd" else max(temp - base, 0.0)
        groups[(date.month, date.day)].append(value)
    return {key: float(np.mean(values)) for key, values in groups.items()}


class ForecastFixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows, cls.temperature = daily_dataset()
        cls.dates = cls.rows["date"].astype("datetime64[D]")
        cls.temps = cls.rows["temperature_c"].astype(float)
        cls.model = mv.fit_baseline(
            mv.UsageData.daily(cls.dates, cls.rows["usage_kwh"]), cls.temperature
        ).model


class TestNormalYear(ForecastFixture):
    def test_mean_degree_days_of_each_calendar_day(self):
        normal = mv.normal_degree_days(14.0, 23.0, temperature_history=self.temperature)
        self.assertEqual(normal.source, "history")
        hdd = normals_by_loop(self.dates, self.temps, 14.0, "hdd")
        cdd = normals_by_loop(self.dates, self.temps, 23.0, "cdd")
        leap_days = np.arange(D("2024-01-01"), D("2025-01-01"))
        for i, day in enumerate(leap_days.astype(object)):
            key = (day.month, day.day)
            self.assertAlmostEqual(normal.hdd[i], hdd[key], places=12)
            self.assertAlmostEqual(normal.cdd[i], cdd[key], places=12)
        # 29 February was seen once (2024): its own value
        self.assertAlmostEqual(normal.hdd[59], max(14.0 - self.temps[365 + 59], 0.0), places=12)

    def test_leap_day_and_short_gaps_filled(self):
        temps = self.temps[:365].copy()  # 2023 only: no 29 February
        temps[189:194] = np.nan  # 9-13 July 2023: a 5-day gap
        history = mv.DailyTemperature.from_days(self.dates[:365], temps)
        normal = mv.normal_degree_days(30.0, None, temperature_history=history)
        hdd = np.maximum(30.0 - self.temps[:365], 0)
        self.assertAlmostEqual(normal.hdd[59], (hdd[58] + hdd[59]) / 2, places=12)
        # leap-year index of 8 July is 189; the gap is interpolated between 8 and 14 July
        before, after = hdd[188], hdd[194]
        for k in range(1, 6):
            self.assertAlmostEqual(
                normal.hdd[189 + k], before + (after - before) * k / 6, places=12
            )
        np.testing.assert_array_equal(normal.cdd, np.zeros(366))

    def test_long_gap_refused(self):
        temps = self.temps[:365].copy()
        temps[100:108] = np.nan
        history = mv.DailyTemperature.from_days(self.dates[:365], temps)
        with self.assertRaises(mv.MVError) as caught:
            mv.normal_degree_days(14.0, 23.0, temperature_history=history)
        self.assertEqual(caught.exception.code, "normals_incomplete")
        self.assertEqual(
            caught.exception.reason.params, {"missing_days": 8, "longest_gap": 8, "max_gap": 7}
        )

    def test_supplied_normals(self):
        common_year = np.linspace(5.0, 28.0, 365)
        normal = mv.normal_degree_days(None, 20.0, normal_temperatures=common_year)
        self.assertEqual(normal.source, "normals")
        leap_temps = np.insert(common_year, 59, (common_year[58] + common_year[59]) / 2)
        np.testing.assert_allclose(normal.cdd, np.maximum(leap_temps - 20.0, 0))
        np.testing.assert_array_equal(normal.hdd, np.zeros(366))
        with self.assertRaises(mv.MVError) as caught:
            mv.normal_degree_days(14.0, None, normal_temperatures=np.zeros(360))
        self.assertEqual(caught.exception.code, "normals_length")
        with self.assertRaises(mv.MVError):
            mv.normal_degree_days(14.0, None, normal_temperatures=[np.nan] * 366)
        with self.assertRaises(mv.MVError):
            mv.normal_degree_days(14.0, None)


class TestForecast(ForecastFixture):
    def test_twelve_months_shape_and_values(self):
        forecast = mv.forecast_consumption(
            self.model, "2025-01-01", temperature_history=self.temperature
        )
        self.assertEqual(len(forecast.months), 12)
        self.assertEqual([m.start.month for m in forecast.months], list(range(1, 13)))
        self.assertEqual(
            [m.days for m in forecast.months], [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        )
        bh, bc = self.model.heating_balance_point, self.model.cooling_balance_point
        hdd = normals_by_loop(self.dates, self.temps, bh, "hdd")
        cdd = normals_by_loop(self.dates, self.temps, bc, "cdd")
        beta = {c.name: c.value for c in self.model.coefficients}
        for month in forecast.months:
            days = np.arange(D(month.start), D(month.end)).astype(object)
            sum_hdd = sum(hdd[(d.month, d.day)] for d in days)
            sum_cdd = sum(cdd[(d.month, d.day)] for d in days)
            expected = len(days) * beta["intercept"] + beta["hdd"] * sum_hdd + beta["cdd"] * sum_cdd
            with self.subTest(month=month.start):
                self.assertAlmostEqual(month.hdd, sum_hdd, places=9)
                self.assertAlmostEqual(month.cdd, sum_cdd, places=9)
                self.assertAlmostEqual(month.kwh, expected, places=6)
                self.assertGreater(month.std_error_kwh, 0)
        self.assertAlmostEqual(forecast.total_kwh, sum(m.kwh for m in forecast.months), places=6)
        self.assertLess(forecast.total_std_error_kwh, sum(m.std_error_kwh for m in forecast.months))

    def test_forecast_close_to_the_synthetic_years(self):
        # the normal year of this climate should predict about the mean metered year
        forecast = mv.forecast_consumption(
            self.model, "2025-01-01", temperature_history=self.temperature
        )
        usage = self.rows["usage_kwh"].astype(float)
        mean_year = (usage[:365].sum() + usage[365:].sum() * 365 / 366) / 2
        self.assertAlmostEqual(forecast.total_kwh / mean_year, 1.0, delta=0.01)

    def test_leap_year_and_start_mid_year(self):
        forecast = mv.forecast_consumption(
            self.model, "2027-07-01", temperature_history=self.temperature
        )
        self.assertEqual(forecast.months[0].start.isoformat(), "2027-07-01")
        self.assertEqual(forecast.months[-1].end.isoformat(), "2028-07-01")
        self.assertEqual(forecast.months[7].days, 29)  # February 2028
        self.assertEqual(sum(m.days for m in forecast.months), 366)

    def test_production_by_month(self):
        usage = mv.UsageData.daily(
            self.dates, self.rows["usage_production_kwh"], self.rows["production"]
        )
        model = mv.fit_baseline(usage, self.temperature).model
        production = [15_000.0] * 12
        with_production = mv.forecast_consumption(
            model,
            "2025-01-01",
            temperature_history=self.temperature,
            production_by_month=production,
        )
        zero = mv.forecast_consumption(
            model,
            "2025-01-01",
            temperature_history=self.temperature,
            production_by_month=[0.0] * 12,
        )
        beta = model.coefficient("production").value
        for a, b in zip(with_production.months, zero.months, strict=True):
            self.assertAlmostEqual(a.kwh - b.kwh, beta * 15_000.0, places=6)
        with self.assertRaises(mv.MVError) as caught:
            mv.forecast_consumption(model, "2025-01-01", temperature_history=self.temperature)
        self.assertEqual(caught.exception.code, "production_required")
        with self.assertRaises(mv.MVError) as caught:
            mv.forecast_consumption(
                self.model,
                "2025-01-01",
                temperature_history=self.temperature,
                production_by_month=production,
            )
        self.assertEqual(caught.exception.code, "production_not_used")

    def test_intercept_only_model_needs_no_weather(self):
        flat = np.full(self.dates.size, 1500.0) + np.random.default_rng(1).normal(
            0, 1, self.dates.size
        )
        options = mv.BaselineOptions(model_types=(mv.INTERCEPT_ONLY,))
        model = mv.fit_baseline(
            mv.UsageData.daily(self.dates, flat), self.temperature, options
        ).model
        forecast = mv.forecast_consumption(model, "2025-01-01")
        self.assertEqual(forecast.source, "none")
        self.assertAlmostEqual(
            forecast.total_kwh, 365 * model.coefficient("intercept").value, places=6
        )

    def test_start_must_be_a_first_of_month(self):
        with self.assertRaises(mv.MVError) as caught:
            mv.forecast_consumption(self.model, "2025-01-15", temperature_history=self.temperature)
        self.assertEqual(caught.exception.code, "forecast_start")
        self.assertEqual(caught.exception.reason.params, {"date": "2025-01-15"})


class TestExpectedSavings(ForecastFixture):
    def test_with_a_savings_fraction(self):
        result = mv.forecast_savings(
            self.model, "2025-01-01", savings_fraction=0.12, temperature_history=self.temperature
        )
        baseline = mv.forecast_consumption(
            self.model, "2025-01-01", temperature_history=self.temperature
        )
        self.assertEqual(result.basis, "savings_fraction")
        for month, base in zip(result.months, baseline.months, strict=True):
            self.assertAlmostEqual(month.baseline_kwh, base.kwh, places=9)
            self.assertAlmostEqual(month.savings_kwh, 0.12 * base.kwh, places=9)
            self.assertAlmostEqual(month.expected_kwh, 0.88 * base.kwh, places=9)
        self.assertAlmostEqual(result.savings_kwh, 0.12 * baseline.total_kwh, places=6)

    def test_with_a_reporting_period_model(self):
        # a year after the retrofit using 90 % of the baseline's prediction, plus noise
        reporting_days = np.arange(D("2025-01-01"), D("2026-01-01"))
        reporting_temps = self.temps[365:730]
        temperature = mv.DailyTemperature.from_days(
            np.concatenate((self.dates, reporting_days)),
            np.concatenate((self.temps, reporting_temps)),
        )
        predicted = self.model.predict_periods(reporting_days, reporting_days + 1, temperature).kwh
        noise = np.random.default_rng(5).normal(0, 30, reporting_days.size)
        reporting_model = mv.fit_baseline(
            mv.UsageData.daily(reporting_days, 0.9 * predicted + noise), temperature
        ).model
        result = mv.forecast_savings(
            self.model,
            "2026-01-01",
            reporting_model=reporting_model,
            temperature_history=self.temperature,
        )
        self.assertEqual(result.basis, "reporting_model")
        self.assertAlmostEqual(result.savings_kwh / result.baseline_kwh, 0.10, delta=0.01)
        self.assertAlmostEqual(
            result.baseline_kwh - result.expected_kwh, result.savings_kwh, places=6
        )

    def test_basis_required_once(self):
        for kwargs in ({}, {"savings_fraction": 0.1, "reporting_model": self.model}):
            with self.subTest(kwargs=kwargs), self.assertRaises(mv.MVError) as caught:
                mv.forecast_savings(
                    self.model, "2025-01-01", temperature_history=self.temperature, **kwargs
                )
            self.assertEqual(caught.exception.code, "forecast_basis")
        with self.assertRaises(mv.MVError) as caught:
            mv.forecast_savings(
                self.model, "2025-01-01", savings_fraction=1.5, temperature_history=self.temperature
            )
        self.assertEqual(caught.exception.code, "invalid_option")


if __name__ == "__main__":
    unittest.main()
