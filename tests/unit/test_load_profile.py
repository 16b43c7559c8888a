"""Synthetic temperatures and load profiles (emc_metering/lib/load_profile.py)."""

import unittest
from datetime import date

import numpy as np
from _load import load

lp = load("emc_metering", "lib.load_profile")
FIRST = date(2025, 1, 1)  # a Wednesday


class TestLoadProfile(unittest.TestCase):
    def test_deterministic_for_a_seed(self):
        a = lp.daily_temperatures(FIRST, 365)
        np.testing.assert_array_equal(a, lp.daily_temperatures(FIRST, 365))
        self.assertFalse(np.array_equal(a, lp.daily_temperatures(FIRST, 365, seed=2)))
        e1 = lp.interval_consumption(FIRST, a, 1e6, seed=7)
        np.testing.assert_array_equal(e1, lp.interval_consumption(FIRST, a, 1e6, seed=7))

    def test_temperatures_follow_the_seasons(self):
        temps = lp.daily_temperatures(FIRST, 365)
        self.assertAlmostEqual(temps.mean(), 16.5, delta=1.0)
        self.assertLess(temps[:31].mean(), 9.0)  # January
        self.assertGreater(temps[181:212].mean(), 24.0)  # July

    def test_annual_energy_shape_and_weekends(self):
        temps = lp.daily_temperatures(FIRST, 364)
        energy = lp.interval_consumption(FIRST, temps, 3_640_000.0, kind="office", noise=0.05)
        self.assertEqual(energy.shape, (364 * 96,))
        self.assertTrue((energy >= 0).all())
        self.assertAlmostEqual(energy.sum() / 3_640_000.0 * 365 / 364, 1.0, delta=0.01)
        by_day = energy.reshape(364, 96)
        weekday = (np.arange(364) + FIRST.weekday()) % 7
        self.assertLess(by_day[weekday >= 5].sum(1).mean(), 0.6 * by_day[weekday < 5].sum(1).mean())
        # office hours above the night
        self.assertGreater(by_day[:, 40].mean(), 3 * by_day[:, 8].mean())

    def test_weather_and_retrofit_step(self):
        temps = np.array([5.0] * 10 + [18.0] * 10 + [30.0] * 10)
        energy = lp.interval_consumption(FIRST, temps, 1e6, kind="industry", noise=0.0)
        daily = energy.reshape(30, 96).sum(1)
        weekday = (np.arange(30) + FIRST.weekday()) % 7 < 5
        cold, mild, hot = (
            daily[s][weekday[s]].mean() for s in (slice(0, 10), slice(10, 20), slice(20, 30))
        )
        self.assertGreater(cold, mild)
        self.assertGreater(hot, mild)
        saved = (
            lp.interval_consumption(
                FIRST,
                temps,
                1e6,
                kind="industry",
                noise=0.0,
                saving=0.2,
                saving_from=date(2025, 1, 16),
            )
            .reshape(30, 96)
            .sum(1)
        )
        np.testing.assert_allclose(saved[:15], daily[:15])
        np.testing.assert_allclose(saved[15:], daily[15:] * 0.8)

    def test_register_never_goes_down(self):
        energy = lp.interval_consumption(
            FIRST, lp.daily_temperatures(FIRST, 30), 5e5, kind="school"
        )
        register = lp.cumulative_register(energy, start_value=12345.678)
        self.assertTrue((np.diff(register) >= 0).all())
        np.testing.assert_allclose(register, np.round(register, 2))
        self.assertAlmostEqual(register[-1] - 12345.68, energy.sum(), delta=0.02)

    def test_bad_arguments(self):
        with self.assertRaises(ValueError):
            lp.interval_consumption(FIRST, [10.0], 1.0, kind="spaceport")
        with self.assertRaises(ValueError):
            lp.interval_consumption(FIRST, [10.0], 1.0, interval_minutes=7)
