"""Guideline 14 statistics, acceptance, savings uncertainty, the t distribution and the reasons."""

import math
import re
import unittest

from mv_loader import daily_dataset, monthly_dataset, mv
from scipy import stats


class TestGoodnessOfFit(unittest.TestCase):
    def test_by_hand(self):
        # y = 10, 12, 14, 16; ŷ = 11, 11, 15, 15: e = -1, 1, -1, 1; n = 4, p = 2, ȳ = 13
        # RMSE = sqrt(4 / 2) = 1.41421356; CV = 100 · 1.41421356 / 13 = 10.878566 %; NMBE = 0
        fit = mv.goodness_of_fit([10, 12, 14, 16], [11, 11, 15, 15], 2)
        self.assertAlmostEqual(fit.rmse, math.sqrt(2.0), places=12)
        self.assertAlmostEqual(fit.cv_rmse, 100 * math.sqrt(2.0) / 13, places=10)
        self.assertEqual(fit.nmbe, 0.0)
        self.assertEqual((fit.n, fit.p, fit.mean), (4, 2, 13.0))

    def test_bias_uses_n_minus_p(self):
        # e = 1, 1, 1, 1 (under-prediction): NMBE = 100 · 4 / ((4 - 2) · 13) = 15.384615 %
        fit = mv.goodness_of_fit([10, 12, 14, 16], [9, 11, 13, 15], 2)
        self.assertAlmostEqual(fit.nmbe, 100 * 4 / (2 * 13), places=10)

    def test_too_few_observations(self):
        with self.assertRaises(mv.MVError) as caught:
            mv.goodness_of_fit([1, 2], [1, 2], 2)
        self.assertEqual(caught.exception.code, "too_few_observations")


class TestGuideline14Acceptance(unittest.TestCase):
    def test_thresholds_by_interval(self):
        cases = [
            ("billing", 15.0, 5.0),
            ("monthly", 15.0, 5.0),
            ("daily", 30.0, 10.0),
            ("hourly", 30.0, 10.0),
        ]
        for granularity, cv, nmbe in cases:
            with self.subTest(granularity=granularity):
                self.assertTrue(mv.guideline14_acceptance(cv, nmbe, granularity).passed)
                self.assertTrue(mv.guideline14_acceptance(cv, -nmbe, granularity).passed)
                failed = mv.guideline14_acceptance(cv + 0.01, nmbe + 0.01, granularity)
                self.assertFalse(failed.passed)
                self.assertEqual(
                    [r.code for r in failed.reasons], ["cv_rmse_exceeds", "nmbe_exceeds"]
                )
                self.assertEqual(
                    failed.reasons[0].params, {"cv_rmse": cv + 0.01, "max_cv_rmse": cv}
                )
                self.assertEqual(failed.reasons[1].params, {"nmbe": nmbe + 0.01, "max_nmbe": nmbe})

    def test_negative_bias_fails_on_its_magnitude(self):
        result = mv.guideline14_acceptance(10.0, -5.5, "billing")
        self.assertEqual([r.code for r in result.reasons], ["nmbe_exceeds"])
        self.assertIn("-5.50 %", result.reasons[0].message)

    def test_nan_fails(self):
        self.assertFalse(mv.guideline14_acceptance(float("nan"), 0.0, "daily").passed)

    def test_caller_thresholds_and_unknown_interval(self):
        self.assertFalse(mv.guideline14_acceptance(12.0, 0.0, "billing", max_cv_rmse=10).passed)
        self.assertTrue(mv.guideline14_acceptance(12.0, 7.0, "billing", max_nmbe=8).passed)
        with self.assertRaises(mv.MVError):
            mv.guideline14_acceptance(1.0, 0.0, "weekly")


class TestFractionalSavingsUncertainty(unittest.TestCase):
    def test_monthly_by_hand(self):
        # CV 10 %, n = 24 months, p = 3, m = 12, F = 15 %, 90 % confidence, ρ = 0 so n' = 24.
        # t(0.95, 21) = 1.7207429028 (t table); sqrt((24/24)(1 + 2/24)(1/12)) = sqrt(0.0902778)
        # = 0.3004626063; ΔE/E = 1.26 · 1.7207429028 · 0.10 · 0.3004626063 / 0.15 = 0.4342958738
        u = mv.fractional_savings_uncertainty(10.0, 24, 3, 12, 0.15, confidence=0.9, monthly=True)
        self.assertAlmostEqual(u.fraction, 0.4342958738, places=9)
        self.assertAlmostEqual(u.t, 1.7207429028, places=9)
        self.assertEqual(
            (u.n, u.n_prime, u.m, u.p, u.correction, u.rho), (24, 24.0, 12, 3, 1.26, 0.0)
        )
        self.assertAlmostEqual(u.absolute(10_000.0), 4342.958738, places=5)

    def test_daily_with_autocorrelation_by_hand(self):
        # CV 20 %, n = m = 365 days, p = 3, F = 10 %, ρ = 0.3, no 1.26 factor:
        # n' = 365 · 0.7 / 1.3 = 196.5384615; sqrt((365/196.5384615)(1 + 2/196.5384615)/365)
        # = 0.0716926732; t(0.95, 362) = 1.6490737923;
        # ΔE/E = 1.6490737923 · 0.20 · 0.0716926732 / 0.10 = 0.2364530168
        u = mv.fractional_savings_uncertainty(20.0, 365, 3, 365, 0.10, rho=0.3)
        self.assertAlmostEqual(u.n_prime, 196.5384615385, places=9)
        self.assertAlmostEqual(u.fraction, 0.2364530168, places=9)
        self.assertEqual(u.correction, 1.0)

    def test_negative_autocorrelation_counts_as_zero(self):
        a = mv.fractional_savings_uncertainty(20.0, 365, 3, 30, 0.1, rho=-0.2)
        b = mv.fractional_savings_uncertainty(20.0, 365, 3, 30, 0.1, rho=0.0)
        self.assertEqual(a.fraction, b.fraction)
        self.assertEqual(a.rho, 0.0)

    def test_refusals(self):
        with self.assertRaises(mv.MVError) as caught:
            mv.fractional_savings_uncertainty(10.0, 24, 3, 12, 0.0)
        self.assertEqual(caught.exception.code, "no_savings")
        self.assertEqual(caught.exception.reason.params, {"savings_fraction": 0.0})
        for bad in ({"m": 0}, {"rho": 1.0}, {"confidence": 1.0}):
            args = {"m": 12, "rho": 0.0, "confidence": 0.9} | bad
            with self.subTest(bad=bad), self.assertRaises(mv.MVError):
                mv.fractional_savings_uncertainty(
                    10.0, 24, 3, args["m"], 0.1, rho=args["rho"], confidence=args["confidence"]
                )


class TestAutocorrelation(unittest.TestCase):
    def test_by_hand(self):
        # e = 1, 2, -1, -2 (mean 0): Σ e_i e_(i+1) = 2 - 2 + 2 = 2; Σ e² = 10; ρ = 0.2
        self.assertAlmostEqual(mv.lag1_autocorrelation([1, 2, -1, -2]), 0.2)
        # the pair across a gap (2, -1) is left out: (2 + 2) / 10
        self.assertAlmostEqual(mv.lag1_autocorrelation([1, 2, -1, -2], [True, False, True]), 0.4)

    def test_degenerate(self):
        self.assertEqual(mv.lag1_autocorrelation([5.0]), 0.0)
        self.assertEqual(mv.lag1_autocorrelation([3.0, 3.0, 3.0]), 0.0)


class TestStudentT(unittest.TestCase):
    def test_against_scipy(self):
        for df in (1, 2, 5, 12, 21, 100, 729, 10_000):
            for t in (0.0, 0.3, 1.0, 1.6449, 2.5, 6.0):
                with self.subTest(df=df, t=t):
                    expected = 2 * stats.t.sf(t, df)
                    self.assertAlmostEqual(mv.t_two_sided_p(t, df) / expected, 1.0, delta=1e-9)
                    self.assertAlmostEqual(mv.t_cdf(-t, df) / stats.t.cdf(-t, df), 1.0, delta=1e-9)
            for q in (0.6, 0.9, 0.95, 0.975, 0.995):
                with self.subTest(df=df, q=q):
                    self.assertAlmostEqual(mv.t_ppf(q, df) / stats.t.ppf(q, df), 1.0, delta=1e-9)

    def test_cauchy_closed_form(self):
        # df = 1 is the Cauchy distribution: ppf(q) = tan(π (q - 1/2))
        for q in (0.1, 0.75, 0.9, 0.999):
            self.assertAlmostEqual(mv.t_ppf(q, 1), math.tan(math.pi * (q - 0.5)), places=9)

    def test_critical_value_and_errors(self):
        self.assertAlmostEqual(mv.t_critical(0.95, 10), 2.2281388520, places=9)
        for call in (
            lambda: mv.t_ppf(1.0, 5),
            lambda: mv.t_cdf(1.0, 0),
            lambda: mv.t_critical(0, 5),
        ):
            with self.assertRaises(ValueError):
                call()


class TestReasons(unittest.TestCase):
    def test_every_template_formats_with_its_placeholders(self):
        placeholder = re.compile(r"%\((\w+)\)([-+ #0]*\d*(?:\.\d+)?)([a-z])")
        for code, template in mv.TEMPLATES.items():
            with self.subTest(code=code):
                params = {}
                for name, _flags, kind in placeholder.findall(template):
                    params[name] = "x" if kind == "s" else 1
                self.assertIsInstance(mv.Reason(code, params).message, str)
                self.assertNotIn("%(", template.replace("%%", "") % params)

    def test_unknown_code_and_round_trip(self):
        with self.assertRaises(KeyError):
            mv.Reason("no_such_code")
        reason = mv.Reason("baseline_too_short", {"days": 200, "min_days": 365})
        self.assertEqual(mv.Reason.from_dict(reason.to_dict()), reason)
        self.assertEqual(
            reason.message, "The baseline covers 200 days; at least 365 days are required."
        )

    def test_translated_with_a_gettext_and_term_labels(self):
        catalogue = {
            mv.TEMPLATES["slope_not_positive"]: "%(term)s的系数 %(value).6g 不是正数。",
            mv.TERM_LABELS["hdd"]: "采暖度日",
        }
        reason = mv.Reason("slope_not_positive", {"term": "hdd", "value": -25.0})
        self.assertEqual(
            reason.translated(lambda text: catalogue.get(text, text)),
            "采暖度日的系数 -25 不是正数。",
        )
        self.assertEqual(
            reason.message, "The coefficient of heating degree days, -25, is not positive."
        )
        self.assertEqual(reason.params["term"], "hdd")  # the stored code is untouched

    def test_error_carries_its_reason(self):
        error = mv.MVError("empty_series", name="usage")
        self.assertIsInstance(error, ValueError)
        self.assertEqual(error.code, "empty_series")
        self.assertEqual(str(error), "usage holds no values.")


class TestGoodnessOfFitOfModels(unittest.TestCase):
    def test_model_statistics_are_guideline14_of_its_totals(self):
        # a model's own CV(RMSE)/NMBE equal goodness_of_fit on its baseline predictions
        rows = monthly_dataset()
        _daily, temperature = daily_dataset()
        usage = mv.UsageData.billing(rows["start"], rows["end"], rows["usage_kwh"])
        model = mv.fit_baseline(usage, temperature).model
        prediction = model.predict(usage, temperature)
        fit = mv.goodness_of_fit(usage.usage, prediction.kwh, model.p)
        self.assertAlmostEqual(fit.cv_rmse, model.cv_rmse, places=9)
        self.assertAlmostEqual(fit.nmbe, model.nmbe, places=9)
        self.assertAlmostEqual(fit.rmse, model.rmse, places=6)


if __name__ == "__main__":
    unittest.main()
