"""Degree days, daily temperatures from hourly readings, usage series and data sufficiency."""

import datetime as dt
import math
import unittest

import numpy as np
from mv_loader import daily_dataset, monthly_dataset, mv

D = np.datetime64


class TestDegreeDays(unittest.TestCase):
    def test_values_and_missing_days(self):
        temps = [10.0, 18.0, 25.5, float("nan")]
        np.testing.assert_array_equal(mv.heating_degree_days(temps, 18.0), [8.0, 0.0, 0.0, np.nan])
        np.testing.assert_array_equal(mv.cooling_degree_days(temps, 18.0), [0.0, 0.0, 7.5, np.nan])

    def test_grid_gives_one_row_per_base(self):
        grid = mv.heating_degree_days([10.0, 20.0], [15.0, 25.0])
        np.testing.assert_array_equal(grid, [[5.0, 0.0], [15.0, 5.0]])

    def test_period_means_over_days_with_temperature(self):
        # 1-5 January: 10, 12, NaN, 20, 24 °C; base 18 HDD: 8, 6, -, 0, 0 -> mean 14 / 4 = 3.5
        temperature = mv.DailyTemperature.from_days(
            ["2024-01-01", "2024-01-02", "2024-01-04", "2024-01-05"], [10, 12, 20, 24]
        )
        result = mv.period_degree_days(
            temperature,
            [D("2024-01-01"), D("2024-01-04")],
            [D("2024-01-06"), D("2024-01-08")],
            [18.0],
            [18.0],
        )
        np.testing.assert_array_equal(result.temperature_days, [4, 2])  # 6-7 January unknown
        np.testing.assert_allclose(result.hdd[0], [3.5, 0.0])
        np.testing.assert_allclose(result.cdd[0], [(2 + 6) / 4, (2 + 6) / 2])

    def test_period_means_equal_a_plain_loop(self):
        _rows, temperature = daily_dataset()
        months = monthly_dataset()
        bases = [12.0, 16.5]
        result = mv.period_degree_days(temperature, months["start"], months["end"], bases, bases)
        for i, (start, end) in enumerate(zip(months["start"], months["end"], strict=True)):
            temps = temperature.window(D(start), D(end))
            for k, base in enumerate(bases):
                self.assertAlmostEqual(
                    result.hdd[k, i], np.maximum(base - temps, 0).mean(), places=10
                )
                self.assertAlmostEqual(
                    result.cdd[k, i], np.maximum(temps - base, 0).mean(), places=10
                )


class TestDailyTemperature(unittest.TestCase):
    def test_from_days_fills_absent_dates_with_missing(self):
        t = mv.DailyTemperature.from_days([dt.date(2024, 3, 3), "2024-03-01"], [7.5, 5.0])
        self.assertEqual(t.start, D("2024-03-01"))
        np.testing.assert_array_equal(t.values, [5.0, np.nan, 7.5])
        np.testing.assert_array_equal(
            t.on(np.array(["2024-02-29", "2024-03-03", "2024-03-04"], dtype="datetime64[D]")),
            [np.nan, 7.5, np.nan],
        )

    def test_from_days_errors(self):
        with self.assertRaises(mv.MVError) as caught:
            mv.DailyTemperature.from_days(["2024-03-01", "2024-03-01"], [1, 2])
        self.assertEqual(caught.exception.code, "duplicate_date")
        with self.assertRaises(mv.MVError) as caught:
            mv.DailyTemperature.from_days(["2024-03-01", "2024-03-02"], [1.0, math.inf])
        self.assertEqual(caught.exception.code, "non_finite_value")
        self.assertEqual(caught.exception.reason.params, {"name": "temperatures", "position": 2})
        with self.assertRaises(mv.MVError) as caught:
            mv.DailyTemperature.from_days(["2024-03-01", "2024-03-02"], [1.0])
        self.assertEqual(caught.exception.code, "length_mismatch")
        with self.assertRaises(mv.MVError) as caught:
            mv.DailyTemperature.from_days(["2024-13-01"], [1.0])
        self.assertEqual(caught.exception.code, "non_finite_value")

    def hourly(self, values):
        start = dt.datetime(2024, 7, 1)
        stamps = [start + dt.timedelta(hours=h) for h in range(len(values))]
        return mv.DailyTemperature.from_hourly(stamps, values)

    def test_complete_day_is_the_mean_of_its_hours(self):
        values = [20.0 + h for h in range(24)] + [30.0] * 24
        t = self.hourly(values)
        np.testing.assert_allclose(t.values, [31.5, 30.0])

    def test_gap_of_six_hours_interpolated(self):
        # hours 8-13 missing between 10 °C at 7:00 and 17 °C at 14:00: filled 11..16 °C
        values = [10.0] * 8 + [None] * 6 + [17.0] * 10
        t = self.hourly(values)
        expected = (8 * 10 + sum(range(11, 17)) + 10 * 17) / 24
        self.assertAlmostEqual(t.values[0], expected, places=12)

    def test_longer_gap_stays_missing_and_day_needs_half_its_hours(self):
        # 13 hours missing (not interpolated): 11 present hours < 12 -> missing day
        day = [10.0] * 5 + [None] * 13 + [10.0] * 6
        self.assertTrue(math.isnan(self.hourly(day).values[0]))
        # 7 missing hours at the end of the series (no following value): not interpolated,
        # 17 present hours >= 12 -> the mean of those
        day = [12.0] * 17 + [None] * 7
        self.assertEqual(self.hourly(day).values[0], 12.0)

    def test_sub_hourly_readings_averaged_per_hour(self):
        start = dt.datetime(2024, 1, 1)
        stamps, values = [], []
        for h in range(24):
            for minute, value in ((0, 4.0), (30, 6.0)):
                stamps.append(start + dt.timedelta(hours=h, minutes=minute))
                values.append(value)
        t = mv.DailyTemperature.from_hourly(stamps, values)
        self.assertEqual(t.values[0], 5.0)

    def test_from_hourly_errors(self):
        with self.assertRaises(mv.MVError):
            mv.DailyTemperature.from_hourly([], [])
        with self.assertRaises(mv.MVError):
            mv.DailyTemperature.from_hourly([dt.datetime(2024, 1, 1)], [1.0], min_hours=25)


class TestUsageData(unittest.TestCase):
    def test_daily_rows_sorted_with_one_day_each(self):
        usage = mv.UsageData.daily(["2024-01-02", "2024-01-01"], [20.0, None])
        np.testing.assert_array_equal(
            usage.starts, np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]")
        )
        np.testing.assert_array_equal(usage.days, [1, 1])
        np.testing.assert_array_equal(usage.usage, [np.nan, 20.0])
        self.assertEqual(usage.span_end, D("2024-01-03"))

    def test_input_errors(self):
        cases = [
            ("duplicate_date", lambda: mv.UsageData.daily(["2024-01-01"] * 2, [1, 2])),
            ("empty_series", lambda: mv.UsageData.daily([], [])),
            ("length_mismatch", lambda: mv.UsageData.daily(["2024-01-01"], [1, 2])),
            ("non_finite_value", lambda: mv.UsageData.daily(["2024-01-01"], ["many"])),
            ("empty_period", lambda: mv.UsageData.billing(["2024-01-05"], ["2024-01-05"], [1])),
            (
                "periods_overlap",
                lambda: mv.UsageData.billing(
                    ["2024-01-01", "2024-01-20"], ["2024-02-01", "2024-03-01"], [1, 2]
                ),
            ),
            ("length_mismatch", lambda: mv.UsageData.billing(["2024-01-01"], [], [1])),
        ]
        for code, build in cases:
            with self.subTest(code=code), self.assertRaises(mv.MVError) as caught:
                build()
            self.assertEqual(caught.exception.code, code)

    def test_overlap_message_names_both_periods(self):
        with self.assertRaises(mv.MVError) as caught:
            mv.UsageData.billing(["2024-01-01", "2024-01-20"], ["2024-02-01", "2024-03-01"], [1, 2])
        self.assertEqual(
            str(caught.exception),
            "The period 2024-01-01 to 2024-02-01 overlaps the period that starts 2024-01-20.",
        )


class TestSufficiency(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows, cls.temperature = daily_dataset()
        cls.dates = cls.rows["date"].astype("datetime64[D]")
        cls.kwh = cls.rows["usage_kwh"].astype(float)

    def codes(self, result):
        return [r.code for r in result.reasons]

    def test_full_dataset_is_sufficient(self):
        result = mv.check_sufficiency(mv.UsageData.daily(self.dates, self.kwh), self.temperature)
        self.assertTrue(result.sufficient)
        self.assertEqual((result.span_days, result.usable_days, result.missing_days), (731, 731, 0))

    def test_too_few_days_refused(self):
        usage = mv.UsageData.daily(self.dates[:300], self.kwh[:300])
        result = mv.fit_baseline(usage, self.temperature)
        self.assertEqual(result.status, mv.INSUFFICIENT_DATA)
        self.assertIsNone(result.model)
        self.assertEqual(self.codes(result), ["baseline_too_short"])
        self.assertEqual(result.reasons[0].params, {"days": 300, "min_days": 365})

    def test_too_many_missing_days_refused(self):
        # 40 of the 365 days without usage: 11.0 % > 10 %
        kwh = self.kwh[:365].copy()
        kwh[100:140] = np.nan
        result = mv.check_sufficiency(mv.UsageData.daily(self.dates[:365], kwh), self.temperature)
        self.assertEqual(self.codes(result), ["too_many_missing_days"])
        params = result.reasons[0].params
        self.assertEqual((params["missing_days"], params["days"]), (40, 365))
        self.assertAlmostEqual(params["missing_percent"], 100 * 40 / 365)
        self.assertEqual(params["max_missing_percent"], 10.0)
        # 36 missing days (9.9 %) pass, as CalTRACK's 37-day allowance
        kwh[136:140] = self.kwh[136:140]
        self.assertTrue(
            mv.check_sufficiency(
                mv.UsageData.daily(self.dates[:365], kwh), self.temperature
            ).sufficient
        )

    def test_days_outside_the_data_count_in_the_window(self):
        usage = mv.UsageData.daily(self.dates[:365], self.kwh[:365])
        result = mv.check_sufficiency(
            usage, self.temperature, window_start="2022-11-01", window_end="2024-01-01"
        )
        self.assertEqual(result.span_days, 426)
        self.assertEqual(result.missing_days, 61)
        self.assertIn("too_many_missing_days", self.codes(result))

    def test_temperature_coverage_refused_with_the_dates(self):
        # 80 metered days without temperature: 10.9 % of the metered days (and of the span)
        temps = self.rows["temperature_c"].astype(float).copy()
        temps[200:280] = np.nan
        temperature = mv.DailyTemperature.from_days(self.dates, temps)
        result = mv.check_sufficiency(mv.UsageData.daily(self.dates, self.kwh), temperature)
        self.assertEqual(self.codes(result), ["temperature_coverage", "too_many_missing_days"])
        params = result.reasons[0].params
        self.assertEqual((params["days_without_temperature"], params["days_with_usage"]), (80, 731))
        self.assertEqual((params["first_date"], params["last_date"]), ("2023-07-20", "2023-10-07"))
        self.assertEqual(result.temperature_missing_days, 80)
        # 60 such days (8.2 %) are within the allowance
        temps[260:280] = self.rows["temperature_c"][260:280]
        temperature = mv.DailyTemperature.from_days(self.dates, temps)
        result = mv.check_sufficiency(mv.UsageData.daily(self.dates, self.kwh), temperature)
        self.assertTrue(result.sufficient)
        self.assertEqual(result.missing_days, 60)

    def test_temperature_series_that_stops_early(self):
        temperature = mv.DailyTemperature.from_days(
            self.dates[:500], self.rows["temperature_c"][:500]
        )
        result = mv.check_sufficiency(mv.UsageData.daily(self.dates, self.kwh), temperature)
        self.assertEqual(self.codes(result), ["temperature_coverage", "too_many_missing_days"])
        self.assertEqual(result.reasons[0].params["first_date"], "2024-05-15")

    def test_no_usable_data(self):
        usage = mv.UsageData.daily(self.dates, np.full(self.dates.size, np.nan))
        self.assertEqual(
            self.codes(mv.check_sufficiency(usage, self.temperature)), ["no_usable_data"]
        )

    def test_negative_and_zero_readings(self):
        kwh = self.kwh.copy()
        kwh[:3] = -5.0
        kwh[3:5] = 0.0
        usage = mv.UsageData.daily(self.dates, kwh)
        result = mv.check_sufficiency(usage, self.temperature)
        self.assertEqual([w.code for w in result.warnings], ["negative_usage"])
        self.assertEqual(result.usable_days, 728)
        strict = mv.SufficiencyRules(zero_is_missing=True)
        result = mv.check_sufficiency(usage, self.temperature, strict)
        self.assertEqual([w.code for w in result.warnings], ["negative_usage", "zero_usage"])
        self.assertEqual(result.usable_days, 726)

    def test_billing_off_cycle_periods_dropped(self):
        months = monthly_dataset()
        starts = months["start"].astype("datetime64[D]")
        ends = months["end"].astype("datetime64[D]")
        # split March 2023 into a 10-day and a 21-day read: both off-cycle
        starts = np.insert(starts, 3, D("2023-03-11"))
        ends = np.insert(ends, 2, D("2023-03-11"))
        kwh = np.insert(months["usage_kwh"].astype(float), 3, 0.0)
        kwh[2], kwh[3] = 11_000.0, 24_000.0
        result = mv.check_sufficiency(mv.UsageData.billing(starts, ends, kwh), self.temperature)
        self.assertEqual([w.code for w in result.warnings], ["periods_dropped_length"])
        self.assertEqual(result.warnings[0].params, {"count": 2, "min_days": 25, "max_days": 35})
        self.assertEqual(result.observations, 23)
        self.assertEqual(result.missing_days, 31)
        self.assertTrue(result.sufficient)

    def test_billing_needs_temperature_on_90_percent_of_a_period(self):
        months = monthly_dataset()
        temps = self.rows["temperature_c"].astype(float).copy()
        temps[31:35] = np.nan  # 4 of February 2023's 28 days: 85.7 % covered
        temperature = mv.DailyTemperature.from_days(self.dates, temps)
        usage = mv.UsageData.billing(months["start"], months["end"], months["usage_kwh"])
        result = mv.check_sufficiency(usage, temperature)
        self.assertFalse(result.usable[1])
        self.assertEqual(result.temperature_days[1], 24)
        self.assertEqual(result.observations, 23)

    def test_too_few_observations(self):
        months = monthly_dataset()
        usage = mv.UsageData.billing(
            months["start"][:13], months["end"][:13], months["usage_kwh"][:13]
        )
        rules = mv.SufficiencyRules(min_observations=14)
        result = mv.check_sufficiency(usage, self.temperature, rules)
        self.assertEqual(self.codes(result), ["too_few_observations"])
        self.assertEqual(result.reasons[0].params, {"observations": 13, "min_observations": 14})

    def test_rules_validated(self):
        with self.assertRaises(mv.MVError):
            mv.SufficiencyRules(max_missing_fraction=1.5)
        with self.assertRaises(mv.MVError):
            mv.SufficiencyRules(billing_min_days=40, billing_max_days=35)

    def test_summary_is_json_compatible(self):
        result = mv.check_sufficiency(
            mv.UsageData.daily(self.dates[:300], self.kwh[:300]), self.temperature
        )
        data = result.to_dict()
        self.assertEqual(data["span_start"], "2023-01-01")
        self.assertEqual(
            data["reasons"],
            [{"code": "baseline_too_short", "params": {"days": 300, "min_days": 365}}],
        )


if __name__ == "__main__":
    unittest.main()
