"""Unit tests of addons/emc_project/lib/feasibility.py, without Odoo or a database.

The module is loaded by file path so that importing it does not import the
``odoo.addons.emc_project`` package (whose __init__ needs the ORM).
"""

import importlib.util
import sys
import unittest
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
_PATH = _ROOT / "addons" / "emc_project" / "lib" / "feasibility.py"
_NAME = "emc_project_lib_feasibility_under_test"
_spec = importlib.util.spec_from_file_location(_NAME, _PATH)
feasibility = importlib.util.module_from_spec(_spec)
sys.modules[_NAME] = feasibility  # dataclasses look the module up while building
_spec.loader.exec_module(feasibility)

ALL = set(feasibility.COMPLETENESS_ITEMS)


def assess(**kwargs):
    values = {
        "present": ALL,
        "payback_years": 2.0,
        "term_years": 8,
        "credit_rating": "AA",
        "open_risk_scores": [],
    }
    values.update(kwargs)
    return feasibility.assess(**values)


def codes(result):
    return [reason.code for reason in result.reasons]


class TestConstants(unittest.TestCase):
    def test_weights_sum_to_one(self):
        self.assertAlmostEqual(sum(feasibility.WEIGHTS.values()), 1.0, places=12)

    def test_bands_tighten_in_order(self):
        limits = [limit for limit, _score in feasibility.PAYBACK_BANDS]
        scores = [score for _limit, score in feasibility.PAYBACK_BANDS]
        self.assertEqual(limits, sorted(limits))
        self.assertEqual(scores, sorted(scores, reverse=True))

    def test_worst_risk_scores_zero(self):
        self.assertEqual(feasibility.risk_score([feasibility.RISK_SCORE_MAX]), 0.0)


class TestCompleteness(unittest.TestCase):
    def test_everything_present(self):
        self.assertEqual(feasibility.completeness(ALL), (100.0, ()))

    def test_nothing_present_reaches_zero(self):
        score, missing = feasibility.completeness(set())
        self.assertEqual(score, 0.0)
        self.assertEqual(missing, feasibility.COMPLETENESS_ITEMS)

    def test_count_follows_the_item_list(self):
        # 5 of 7 present: 100 × 5 / 7
        score, missing = feasibility.completeness(ALL - {"engineer", "site_energy"})
        self.assertAlmostEqual(score, 100.0 * 5 / 7)
        self.assertEqual(missing, ("site_energy", "engineer"), "reported in data order")

    def test_unknown_item_is_refused(self):
        with self.assertRaisesRegex(ValueError, "unknown completeness items: \\['budget'\\]"):
            feasibility.completeness({"site", "budget"})


class TestPayback(unittest.TestCase):
    def test_bands(self):
        # term 10: 5 y = 50 % → 100; 5.1 y → 70; 8 y = 80 % → 70; 10 y → 40; 10.1 y → 0
        for payback, expected in ((1, 100.0), (5, 100.0), (5.1, 70.0), (8, 70.0), (8.01, 40.0)):
            with self.subTest(payback=payback):
                self.assertEqual(feasibility.payback_score(payback, 10)[0], expected)
        self.assertEqual(feasibility.payback_score(10, 10), (40.0, 1.0))
        self.assertEqual(feasibility.payback_score(10.1, 10)[0], 0.0)

    def test_no_payback(self):
        self.assertEqual(feasibility.payback_score(None, 8), (0.0, None))
        self.assertEqual(feasibility.payback_score(0.0, 8), (0.0, None))

    def test_bad_values(self):
        for term in (0, -1, 2.5, True, None):
            with self.subTest(term=term), self.assertRaisesRegex(ValueError, "term"):
                feasibility.payback_score(2, term)
        with self.assertRaisesRegex(ValueError, "negative payback: -1"):
            feasibility.payback_score(-1, 8)


class TestCreditAndRisk(unittest.TestCase):
    def test_ratings(self):
        self.assertEqual(feasibility.credit_score("AAA"), 100.0)
        self.assertEqual(feasibility.credit_score("C"), 0.0)
        self.assertEqual(feasibility.credit_score(None), feasibility.UNKNOWN_CREDIT_SCORE)
        self.assertEqual(feasibility.credit_score(""), 30.0)
        with self.assertRaisesRegex(ValueError, "unknown credit rating: 'D'"):
            feasibility.credit_score("D")

    def test_worst_open_risk_decides(self):
        self.assertEqual(feasibility.risk_score([]), 100.0)
        # 100 - 4 × 12
        self.assertEqual(feasibility.risk_score([3, 12, 6]), 52.0)
        for bad in (-1, 26):
            with self.subTest(score=bad), self.assertRaisesRegex(ValueError, "outside 0..25"):
                feasibility.risk_score([bad])


class TestAssess(unittest.TestCase):
    def test_go_with_every_reason(self):
        # 0.2 × 100 + 0.35 × 100 + 0.25 × 90 + 0.2 × 100 = 97.5
        result = assess()
        self.assertEqual(result.total_score, 97.5)
        self.assertEqual(result.recommendation, "go")
        self.assertEqual(result.missing, ())
        self.assertEqual(codes(result), ["complete", "payback", "credit", "no_risk", "verdict_go"])
        self.assertEqual(
            result.reasons[1].params, {"payback": 2.0, "term": 8, "pct": 25.0}, "share × 100"
        )
        self.assertEqual(result.reasons[2].params, {"rating": "AA"})
        self.assertEqual(result.reasons[-1].params, {"score": 97.5, "threshold": 75.0})

    def test_conditional_between_the_thresholds(self):
        # payback 6/8 = 75 % → 70; BB → 40; risk 5 → 80;
        # 20 + 0.35 × 70 + 0.25 × 40 + 0.2 × 80 = 20 + 24.5 + 10 + 16 = 70.5: conditional.
        result = assess(payback_years=6, credit_rating="BB", open_risk_scores=[5])
        self.assertEqual(result.total_score, 70.5)
        self.assertEqual(result.recommendation, "conditional")
        self.assertEqual(
            result.reasons[-1],
            feasibility.Reason("verdict_conditional", {"score": 70.5, "low": 55.0, "high": 75.0}),
        )
        self.assertEqual(result.reasons[3].params, {"count": 1, "score": 5, "max": 25})
        # A rating better: 20 + 24.5 + 0.25 × 60 + 16 = 75.5 → go.
        self.assertEqual(
            assess(payback_years=6, credit_rating="BBB", open_risk_scores=[5]).recommendation, "go"
        )

    def test_no_go_below_the_lower_threshold(self):
        # nothing but the payback: 0 + 0.35 × 40 + 0.25 × 30 + 0.2 × 0 = 21.5
        result = assess(present=set(), payback_years=8, credit_rating=None, open_risk_scores=[25])
        self.assertEqual(result.completeness_score, 0.0)
        self.assertEqual(result.total_score, 21.5)
        self.assertEqual(result.recommendation, "no_go")
        self.assertEqual(
            codes(result), ["missing_data", "payback", "credit_unknown", "risks", "verdict_no_go"]
        )
        self.assertEqual(result.reasons[0].params, {"items": feasibility.COMPLETENESS_ITEMS})
        self.assertEqual(result.reasons[-1].params, {"score": 21.5, "threshold": 55.0})

    def test_no_payback_is_no_go_whatever_the_rest(self):
        result = assess(payback_years=None, credit_rating="AAA")
        # 20 + 0 + 25 + 20 = 65 would be "conditional"; no payback overrules it.
        self.assertEqual(result.total_score, 65.0)
        self.assertEqual(result.recommendation, "no_go")
        self.assertEqual(codes(result)[1], "no_payback")
        self.assertEqual(codes(result)[-1], "verdict_no_payback")

    def test_payback_beyond_term_is_no_go(self):
        result = assess(payback_years=9, term_years=8)
        self.assertEqual(result.payback_score, 0.0)
        self.assertEqual(result.recommendation, "no_go")
        self.assertEqual(codes(result)[1], "payback")
        self.assertEqual(codes(result)[-1], "verdict_no_payback")

    def test_total_is_rounded_to_a_tenth(self):
        # 5 of 7: 0.2 × 71.428… = 14.2857…; + 35 + 22.5 + 20 = 91.79 → 91.8
        result = assess(present=ALL - {"engineer", "credit_rating"})
        self.assertEqual(result.total_score, 91.8)

    def test_inputs_are_checked(self):
        with self.assertRaises(ValueError):
            assess(present={"nonsense"})
        with self.assertRaises(ValueError):
            assess(term_years=0)
        with self.assertRaises(ValueError):
            assess(credit_rating="Z")
        with self.assertRaises(ValueError):
            assess(open_risk_scores=[30])


if __name__ == "__main__":
    unittest.main()
