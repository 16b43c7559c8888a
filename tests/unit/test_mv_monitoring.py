"""Prediction bands and out-of-band flags, the intervals checked against statsmodels."""

import unittest

import numpy as np
from mv_loader import billing_design, daily_dataset, design, monthly_dataset, mv
from statsmodels.regression.linear_model import OLS, WLS

D = np.datetime64


class TestDailyBand(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows, cls.temperature = daily_dataset()
        cls.dates = cls.rows["date"].astype("datetime64[D]")
        cls.usage = mv.UsageData.daily(cls.dates, cls.rows["usage_kwh"])
        cls.model = mv.fit_baseline(cls.usage, cls.temperature).model

    def test_interval_equals_the_statsmodels_observation_interval(self):
        temps = self.rows["temperature_c"].astype(float)
        x = design(self.model, temps)
        ref = OLS(self.rows["usage_kwh"].astype(float), x).fit()
        expected = ref.get_prediction(x).conf_int(obs=True, alpha=0.05)
        band = mv.prediction_band(self.model, self.usage, self.temperature, confidence=0.95)
        np.testing.assert_allclose(band.lower, expected[:, 0], rtol=1e-6)
        np.testing.assert_allclose(band.upper, expected[:, 1], rtol=1e-6)

    def test_about_95_percent_of_the_baseline_days_inside(self):
        result = mv.monitor(self.model, self.usage, self.temperature)
        inside = (result.flags == mv.monitoring.WITHIN).mean()
        self.assertGreater(inside, 0.93)
        self.assertLess(inside, 0.97)

    def test_sigma_band(self):
        band = mv.prediction_band(self.model, self.usage, self.temperature, method="sigma", z=3.0)
        np.testing.assert_allclose(band.upper - band.predicted, 3.0 * self.model.sigma)
        np.testing.assert_allclose(band.predicted - band.lower, 3.0 * self.model.sigma)

    def test_anomalies_flagged_and_missing_days_unknown(self):
        kwh = self.model.predict(self.usage, self.temperature).kwh.copy()
        kwh[10] += 800.0  # a compressor left running
        kwh[20] -= 800.0  # a production stop
        kwh[30] = np.nan  # no reading
        usage = mv.UsageData.daily(self.dates, kwh)
        result = mv.monitor(self.model, usage, self.temperature)
        np.testing.assert_array_equal(result.outside, [10, 20])
        self.assertEqual((result.flags[10], result.flags[20], result.flags[30]), (1, -1, 0))
        self.assertFalse(result.known[30])
        self.assertEqual(result.known.sum(), self.dates.size - 1)

    def test_day_without_temperature_has_no_band(self):
        temps = self.rows["temperature_c"].astype(float).copy()
        temps[5] = np.nan
        temperature = mv.DailyTemperature.from_days(self.dates, temps)
        band = mv.prediction_band(self.model, self.usage, temperature)
        self.assertTrue(np.isnan(band.lower[5]) and np.isnan(band.upper[5]))
        flags, known = mv.flag_outside_band(self.usage.usage, band.lower, band.upper)
        self.assertFalse(known[5])
        self.assertEqual(flags[5], 0)

    def test_invalid_band_options(self):
        for options in ({"method": "bollinger"}, {"confidence": 1.2}, {"method": "sigma", "z": 0}):
            with self.subTest(options=options), self.assertRaises(mv.MVError):
                mv.prediction_band(self.model, self.usage, self.temperature, **options)


class TestBillingBand(unittest.TestCase):
    def test_period_total_interval_is_days_times_the_wls_interval_per_day(self):
        months = monthly_dataset()
        _rows, temperature = daily_dataset()
        usage = mv.UsageData.billing(months["start"], months["end"], months["usage_kwh"])
        model = mv.fit_baseline(usage, temperature).model
        days = usage.days.astype(float)
        x = billing_design(model, months["start"], months["end"], temperature)
        ref = WLS(months["usage_kwh"] / days, x, weights=days).fit()
        per_day = ref.get_prediction(x, weights=days).conf_int(obs=True, alpha=0.1)
        band = mv.prediction_band(model, usage, temperature, confidence=0.9)
        np.testing.assert_allclose(band.lower, per_day[:, 0] * days, rtol=1e-6)
        np.testing.assert_allclose(band.upper, per_day[:, 1] * days, rtol=1e-6)


class TestFlags(unittest.TestCase):
    def test_flags_by_hand(self):
        flags, known = mv.flag_outside_band(
            [5.0, 11.0, 9.0, np.nan, 10.0], [6, 6, 6, 6, np.nan], [10, 10, 10, 10, 12]
        )
        np.testing.assert_array_equal(flags, [-1, 1, 0, 0, 0])
        np.testing.assert_array_equal(known, [True, True, True, False, False])


if __name__ == "__main__":
    unittest.main()
