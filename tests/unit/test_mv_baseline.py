"""Baseline fits of addons/emc_metering/mv against statsmodels, and the model selection.

Reference values come from statsmodels OLS/WLS on the same design matrix at
the balance points the search selected, built here independently of the
package (degree days averaged over each period with a plain loop).
statsmodels is imported from ``statsmodels.regression.linear_model``:
``statsmodels.api`` does not import with pandas 3.1 in this venv.
"""

import json
import unittest

import numpy as np
from mv_loader import billing_design, cdd, daily_dataset, design, hdd, monthly_dataset, mv
from statsmodels.regression.linear_model import OLS, WLS

RTOL = 1e-6
TRUE_DAILY = {"heating": 14.3, "cooling": 22.6}  # scripts/gen_mv_test_data.py
TRUE_MONTHLY = {"heating": 15.2, "cooling": 21.8}
GRID_STEP = 1.0


def guideline14(actual, residuals, p):
    """CV(RMSE) and NMBE in % with the n - p denominators of Guideline 14."""
    n = actual.size
    mean = actual.mean()
    cv = 100 * np.sqrt((residuals**2).sum() / (n - p)) / mean
    nmbe = 100 * residuals.sum() / ((n - p) * mean)
    return cv, nmbe


class StatsmodelsComparison:
    """Shared assertions: the package's model equals the statsmodels fit ``ref``."""

    def assert_matches(self, model, ref, actual_totals, residual_totals):
        self.assertEqual(model.n, ref.nobs)
        np.testing.assert_allclose([c.value for c in model.coefficients], ref.params, rtol=RTOL)
        np.testing.assert_allclose([c.std_error for c in model.coefficients], ref.bse, rtol=RTOL)
        np.testing.assert_allclose([c.t_stat for c in model.coefficients], ref.tvalues, rtol=RTOL)
        for ours, theirs in zip([c.p_value for c in model.coefficients], ref.pvalues, strict=True):
            if theirs > 1e-250:
                self.assertAlmostEqual(ours / theirs, 1.0, delta=RTOL)
            else:
                self.assertLess(ours, 1e-250)
        np.testing.assert_allclose(model.r_squared, ref.rsquared, rtol=RTOL)
        np.testing.assert_allclose(model.adj_r_squared, ref.rsquared_adj, rtol=RTOL)
        np.testing.assert_allclose(model.sigma, np.sqrt(ref.scale), rtol=RTOL)
        np.testing.assert_allclose(np.array(model.covariance), ref.cov_params(), rtol=RTOL)
        cv, nmbe = guideline14(actual_totals, residual_totals, len(ref.params))
        np.testing.assert_allclose(model.cv_rmse, cv, rtol=RTOL)
        np.testing.assert_allclose(model.nmbe, nmbe, rtol=RTOL, atol=1e-6)


class TestDailyDataset(StatsmodelsComparison, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows, cls.temperature = daily_dataset()
        cls.usage = mv.UsageData.daily(cls.rows["date"], cls.rows["usage_kwh"])
        cls.result = mv.fit_baseline(cls.usage, cls.temperature)
        cls.model = cls.result.model

    def test_fit_is_accepted_combined_model(self):
        self.assertEqual(self.result.status, mv.FIT)
        self.assertEqual(self.result.reasons, ())
        self.assertEqual(self.model.model_type, mv.HEATING_COOLING)
        self.assertEqual(self.model.granularity, "daily")
        self.assertEqual(self.model.terms, ("intercept", "hdd", "cdd"))
        self.assertEqual(self.model.n, 731)

    def test_balance_points_within_one_grid_step(self):
        self.assertLessEqual(
            abs(self.model.heating_balance_point - TRUE_DAILY["heating"]), GRID_STEP
        )
        self.assertLessEqual(
            abs(self.model.cooling_balance_point - TRUE_DAILY["cooling"]), GRID_STEP
        )

    def test_matches_statsmodels_ols(self):
        temps = self.rows["temperature_c"].astype(float)
        y = self.rows["usage_kwh"].astype(float)
        ref = OLS(y, design(self.model, temps)).fit()
        self.assert_matches(self.model, ref, y, ref.resid)

    def test_coefficients_near_the_generating_ones(self):
        # 1200 + 40 HDD(14.3) + 60 CDD(22.6): the grid's balance points shift them a little
        values = {c.name: c.value for c in self.model.coefficients}
        self.assertAlmostEqual(values["intercept"], 1200, delta=40)
        self.assertAlmostEqual(values["hdd"], 40, delta=4)
        self.assertAlmostEqual(values["cdd"], 60, delta=6)

    def test_search_selects_the_best_qualified_candidate(self):
        """Brute force with statsmodels over the whole grid gives the same choice."""
        temps = self.rows["temperature_c"].astype(float)
        y = self.rows["usage_kwh"].astype(float)
        years = y.size / 365.0
        grid = np.array(mv.DEFAULT_BALANCE_POINTS)

        def enough(dd):
            return (dd > 0).sum() >= 10 * years and dd.sum() >= 20 / 1.8 * years

        critical = mv.t_critical(0.9, y.size - 3)
        best = (-np.inf, None)
        for h in grid:
            for c in grid[grid >= h]:
                x_h, x_c = hdd(temps, h), cdd(temps, c)
                if not (enough(x_h) and enough(x_c)):
                    continue
                fit = OLS(y, np.column_stack([np.ones(y.size), x_h, x_c])).fit()
                ok = fit.params[0] > 0 and all(
                    fit.params[j] > 0 and fit.tvalues[j] > critical for j in (1, 2)
                )
                if ok and fit.rsquared_adj > best[0]:
                    best = (fit.rsquared_adj, (h, c))
        summary = {s.model_type: s for s in self.result.candidates}[mv.HEATING_COOLING]
        self.assertEqual((summary.heating_balance_point, summary.cooling_balance_point), best[1])
        self.assertAlmostEqual(summary.best_adj_r_squared, best[0], places=9)

    def test_result_round_trips_through_json(self):
        data = json.loads(json.dumps(self.result.to_dict()))
        self.assertEqual(data["status"], "fit")
        again = mv.BaselineModel.from_dict(data["model"])
        self.assertEqual(again, self.model)
        days = self.usage.starts[:40]
        p1 = self.model.predict_periods(days, days + 1, self.temperature)
        p2 = again.predict_periods(days, days + 1, self.temperature)
        np.testing.assert_array_equal(p1.kwh, p2.kwh)


class TestProductionVariable(StatsmodelsComparison, unittest.TestCase):
    def test_production_term_matches_statsmodels(self):
        rows, temperature = daily_dataset()
        production = rows["production"].astype(float)
        y = rows["usage_production_kwh"].astype(float)
        usage = mv.UsageData.daily(rows["date"], y, production)
        result = mv.fit_baseline(usage, temperature)
        model = result.model
        self.assertEqual(result.status, mv.FIT)
        self.assertEqual(model.terms, ("intercept", "production", "hdd", "cdd"))
        self.assertAlmostEqual(model.coefficient("production").value, 1.0, delta=0.1)
        ref = OLS(y, design(model, rows["temperature_c"].astype(float), production)).fit()
        self.assert_matches(model, ref, y, ref.resid)

    def test_units_of_the_production_do_not_matter(self):
        # the same production in kg instead of tonnes: same model, coefficient / 1000
        rows, temperature = daily_dataset()
        models = [
            mv.fit_baseline(
                mv.UsageData.daily(
                    rows["date"], rows["usage_production_kwh"], rows["production"] * scale
                ),
                temperature,
            ).model
            for scale in (1.0, 1000.0, 1e5)
        ]
        for model, scale in zip(models[1:], (1000.0, 1e5), strict=True):
            self.assertEqual(model.terms, models[0].terms)
            self.assertEqual(model.heating_balance_point, models[0].heating_balance_point)
            self.assertEqual(model.cooling_balance_point, models[0].cooling_balance_point)
            self.assertAlmostEqual(
                model.coefficient("production").value * scale,
                models[0].coefficient("production").value,
                places=9,
            )

    def test_constant_production_is_singular(self):
        rows, temperature = daily_dataset()
        constant = np.full(rows.size, 500.0)
        result = mv.fit_baseline(
            mv.UsageData.daily(rows["date"], rows["usage_kwh"], constant), temperature
        )
        self.assertEqual(result.status, mv.UNFIT)
        self.assertEqual({s.rejection.code for s in result.candidates}, {"singular_design"})


class TestMonthlyDataset(StatsmodelsComparison, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rows = monthly_dataset()
        _daily, cls.temperature = daily_dataset()
        cls.usage = mv.UsageData.billing(cls.rows["start"], cls.rows["end"], cls.rows["usage_kwh"])
        cls.result = mv.fit_baseline(cls.usage, cls.temperature)
        cls.model = cls.result.model

    def test_fit(self):
        self.assertEqual(self.result.status, mv.FIT)
        self.assertEqual(self.model.granularity, "billing")
        self.assertEqual(self.model.model_type, mv.HEATING_COOLING)
        self.assertEqual(self.model.n, 24)
        self.assertLessEqual(
            abs(self.model.heating_balance_point - TRUE_MONTHLY["heating"]), GRID_STEP
        )
        self.assertLessEqual(
            abs(self.model.cooling_balance_point - TRUE_MONTHLY["cooling"]), GRID_STEP
        )

    def test_matches_statsmodels_wls_on_usage_per_day(self):
        days = ((self.usage.ends - self.usage.starts) / np.timedelta64(1, "D")).astype(float)
        totals = self.rows["usage_kwh"].astype(float)
        x = billing_design(self.model, self.rows["start"], self.rows["end"], self.temperature)
        ref = WLS(totals / days, x, weights=days).fit()
        # Guideline 14 statistics on the period totals: residual per day times days
        self.assert_matches(self.model, ref, totals, ref.resid * days)


def orthogonal_noise(temps, sigma, seed, keep=()):
    """Noise with standard deviation ``sigma`` orthogonal to 1 and every grid degree-day column.

    With such noise no candidate can explain any of it, so the search must
    find exactly the generating model (its SSE is the noise's, the minimum).
    """
    grid = np.array(mv.DEFAULT_BALANCE_POINTS)
    span = np.column_stack(
        [np.ones(temps.size)]
        + [hdd(temps, b) for b in grid]
        + [cdd(temps, b) for b in grid]
        + list(keep)
    )
    noise = np.random.default_rng(seed).normal(0, sigma, temps.size)
    coefficients = np.linalg.lstsq(span, noise, rcond=None)[0]
    return noise - span @ coefficients


class TestModelSelection(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        rows, cls.temperature = daily_dataset()
        cls.dates = rows["date"]
        cls.temps = rows["temperature_c"].astype(float)

    def fit(self, y, options=None, production=None):
        usage = mv.UsageData.daily(self.dates, y, production)
        return mv.fit_baseline(usage, self.temperature, options)

    def test_each_type_chosen_on_its_own_data(self):
        noise = orthogonal_noise(self.temps, 80.0, seed=7)
        cases = {
            mv.INTERCEPT_ONLY: (1500 + noise, None, None),
            mv.HEATING: (1000 + 50 * hdd(self.temps, 16.0) + noise, 16.0, None),
            mv.COOLING: (900 + 70 * cdd(self.temps, 21.0) + noise, None, 21.0),
            mv.HEATING_COOLING: (
                1100 + 45 * hdd(self.temps, 13.0) + 65 * cdd(self.temps, 23.0) + noise,
                13.0,
                23.0,
            ),
        }
        for model_type, (y, heating, cooling) in cases.items():
            with self.subTest(model_type=model_type):
                result = self.fit(y)
                self.assertIn(result.status, (mv.FIT, mv.UNFIT))
                model = result.model
                self.assertEqual(model.model_type, model_type)
                self.assertEqual(model.heating_balance_point, heating)
                self.assertEqual(model.cooling_balance_point, cooling)
                self.assertTrue(all(c.value > 0 for c in model.coefficients))

    def test_negative_slope_rejected(self):
        # consumption that falls when it gets colder: no heating model may be kept
        y = 2000 - 25 * hdd(self.temps, 14.0) + orthogonal_noise(self.temps, 50.0, seed=11)
        options = mv.BaselineOptions(model_types=(mv.INTERCEPT_ONLY, mv.HEATING))
        result = self.fit(y, options)
        heating = {s.model_type: s for s in result.candidates}[mv.HEATING]
        self.assertGreater(heating.evaluated, 0)
        self.assertEqual(heating.qualified, 0)
        self.assertEqual(heating.rejection.code, "slope_not_positive")
        self.assertEqual(heating.rejection.params["term"], "hdd")
        self.assertLess(heating.rejection.params["value"], 0)
        self.assertEqual(result.model.model_type, mv.INTERCEPT_ONLY)

    def test_insignificant_slope_rejected_at_p_01_kept_without_the_rule(self):
        # y = 1000 + s HDD(14) + e, e orthogonal to [1, HDD(14)] and scaled so that t(s) = 1.3
        # exactly: p = 0.195 > 0.1, yet adjusted R² > 0 (|t| > 1)
        x = np.column_stack([np.ones(self.temps.size), hdd(self.temps, 14.0)])
        raw = np.random.default_rng(3).normal(0, 1, self.temps.size)
        e = raw - x @ np.linalg.lstsq(x, raw, rcond=None)[0]
        sigma = 60.0
        e *= sigma * np.sqrt(self.temps.size - 2) / np.linalg.norm(e)
        c11 = np.linalg.inv(x.T @ x)[1, 1]
        slope = 1.3 * sigma * np.sqrt(c11)
        y = 1000 + slope * x[:, 1] + e
        ref = OLS(y, x).fit()
        self.assertAlmostEqual(ref.tvalues[1], 1.3, places=9)

        options = mv.BaselineOptions(
            heating_balance_points=(14.0,), model_types=(mv.INTERCEPT_ONLY, mv.HEATING)
        )
        result = self.fit(y, options)
        heating = {s.model_type: s for s in result.candidates}[mv.HEATING]
        self.assertEqual(heating.qualified, 0)
        self.assertEqual(heating.rejection.code, "slope_not_significant")
        self.assertAlmostEqual(heating.rejection.params["p_value"], ref.pvalues[1], places=9)
        self.assertEqual(heating.rejection.params["max_p_value"], 0.1)
        self.assertEqual(result.model.model_type, mv.INTERCEPT_ONLY)

        lenient = mv.BaselineOptions(
            heating_balance_points=(14.0,),
            model_types=(mv.INTERCEPT_ONLY, mv.HEATING),
            max_p_value=1.0,
        )
        self.assertEqual(self.fit(y, lenient).model.model_type, mv.HEATING)

    def test_negative_intercept_rejected(self):
        # usage 10 + 30 HDD(10) > 0, modelled with HDD(22): the hockey stick seen from a balance
        # point 12 °C too high is a line with a negative intercept
        y = 10 + 30 * hdd(self.temps, 10.0) + orthogonal_noise(self.temps, 1.0, seed=5)
        self.assertGreater(y.min(), 0)
        ref = OLS(y, np.column_stack([np.ones(y.size), hdd(self.temps, 22.0)])).fit()
        self.assertLess(ref.params[0], 0)
        self.assertGreater(ref.params[1], 0)
        options = mv.BaselineOptions(
            heating_balance_points=(22.0,), model_types=(mv.INTERCEPT_ONLY, mv.HEATING)
        )
        result = self.fit(y, options)
        heating = {s.model_type: s for s in result.candidates}[mv.HEATING]
        self.assertEqual(heating.rejection.code, "intercept_not_positive")
        self.assertAlmostEqual(heating.rejection.params["value"], ref.params[0], places=6)
        self.assertEqual(result.model.model_type, mv.INTERCEPT_ONLY)

    def test_no_qualified_model(self):
        # a production variable unrelated to the usage: every candidate carries it, none qualifies
        y = 1500 + orthogonal_noise(self.temps, 80.0, seed=9)
        production = 500 + orthogonal_noise(self.temps, 100.0, seed=10, keep=[y])
        result = self.fit(y, production=production)
        self.assertEqual(result.status, mv.UNFIT)
        self.assertEqual([r.code for r in result.reasons], ["no_qualified_model"])
        self.assertIsNone(result.model)
        self.assertTrue(all(s.qualified == 0 for s in result.candidates))

    def test_gas_meter_without_cooling_candidates(self):
        y = 900 + 70 * cdd(self.temps, 21.0) + orthogonal_noise(self.temps, 80.0, seed=7)
        options = mv.BaselineOptions(model_types=(mv.INTERCEPT_ONLY, mv.HEATING))
        result = self.fit(y, options)
        self.assertEqual([s.model_type for s in result.candidates], [mv.INTERCEPT_ONLY, mv.HEATING])
        self.assertNotEqual(result.model.model_type, mv.COOLING)

    def test_degree_days_insufficient_on_a_grid_without_cold(self):
        # balance points below every temperature of the data: no HDD at all
        y = 1500 + orthogonal_noise(self.temps, 80.0, seed=2)
        options = mv.BaselineOptions(
            heating_balance_points=(-5.0, -4.0), model_types=(mv.INTERCEPT_ONLY, mv.HEATING)
        )
        heating = {s.model_type: s for s in self.fit(y, options).candidates}[mv.HEATING]
        self.assertEqual(heating.evaluated, 0)
        self.assertEqual(heating.rejection.code, "degree_days_insufficient")
        self.assertEqual(heating.rejection.params["min_days"], 21)  # ceil(10 · 731/365)

    def test_candidates_without_degrees_of_freedom_rejected(self):
        # three monthly bills, the minimum lowered: the combined model would have n - p = 0
        months = monthly_dataset()
        usage = mv.UsageData.billing(
            months["start"][:3], months["end"][:3], months["usage_kwh"][:3]
        )
        rules = mv.SufficiencyRules(min_days=28, min_observations=3)
        options = mv.BaselineOptions(
            heating_balance_points=(20.0,),
            cooling_balance_points=(20.0,),
            min_degree_days_per_year=0,
            sufficiency=rules,
        )
        result = mv.fit_baseline(usage, self.temperature, options)
        combined = {s.model_type: s for s in result.candidates}[mv.HEATING_COOLING]
        self.assertEqual(combined.rejection.code, "too_few_observations")
        self.assertEqual(combined.rejection.params, {"observations": 3, "min_observations": 4})

    def test_invalid_options(self):
        with self.assertRaises(mv.MVError) as caught:
            mv.BaselineOptions(model_types=("quadratic",))
        self.assertEqual(caught.exception.code, "invalid_option")
        with self.assertRaises(mv.MVError):
            mv.BaselineOptions(max_p_value=0)


class TestGuideline14Unfit(unittest.TestCase):
    def test_noisy_daily_data_unfit_with_cv_reason(self):
        rows, temperature = daily_dataset()
        temps = rows["temperature_c"].astype(float)
        noise = np.random.default_rng(21).normal(0, 500, temps.size)
        y = 1200 + 40 * hdd(temps, 14.0) + noise
        result = mv.fit_baseline(mv.UsageData.daily(rows["date"], y), temperature)
        self.assertEqual(result.status, mv.UNFIT)
        self.assertIsNotNone(result.model)
        self.assertEqual([r.code for r in result.reasons], ["cv_rmse_exceeds"])
        params = result.reasons[0].params
        self.assertEqual(params["max_cv_rmse"], 30.0)
        self.assertAlmostEqual(params["cv_rmse"], result.model.cv_rmse)
        self.assertGreater(params["cv_rmse"], 30.0)
        self.assertIn("ASHRAE Guideline 14", result.reasons[0].message)

    def test_noisy_monthly_data_unfit_against_15_percent(self):
        rows = monthly_dataset()
        _daily, temperature = daily_dataset()
        noisy = rows["usage_kwh"] + np.random.default_rng(4).normal(0, 8000, rows.size)
        result = mv.fit_baseline(
            mv.UsageData.billing(rows["start"], rows["end"], noisy), temperature
        )
        self.assertEqual(result.status, mv.UNFIT)
        self.assertIn("cv_rmse_exceeds", [r.code for r in result.reasons])
        self.assertEqual(result.reasons[0].params["max_cv_rmse"], 15.0)

    def test_caller_thresholds(self):
        rows, temperature = daily_dataset()
        usage = mv.UsageData.daily(rows["date"], rows["usage_kwh"])
        result = mv.fit_baseline(usage, temperature, mv.BaselineOptions(max_cv_rmse=2.0))
        self.assertEqual(result.status, mv.UNFIT)
        self.assertEqual(result.reasons[0].params["max_cv_rmse"], 2.0)


if __name__ == "__main__":
    unittest.main()
