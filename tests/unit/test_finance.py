"""Unit tests of addons/emc_project/lib/finance.py, without Odoo or a database.

The module is loaded by file path so that importing it does not import the
``odoo.addons.emc_project`` package (whose __init__ needs the ORM).
"""

import importlib.util
import math
import sys
import unittest
from pathlib import Path
from typing import ClassVar

_ROOT = Path(__file__).resolve().parents[2]
_PATH = _ROOT / "addons" / "emc_project" / "lib" / "finance.py"
_NAME = "emc_project_lib_finance_under_test"
_spec = importlib.util.spec_from_file_location(_NAME, _PATH)
finance = importlib.util.module_from_spec(_spec)
sys.modules[_NAME] = finance  # dataclasses look the module up while building
_spec.loader.exec_module(finance)

FinanceError = finance.FinanceError


class TestNpv(unittest.TestCase):
    def test_epc_project_by_hand(self):
        # capex 1,000,000; savings 300,000 - O&M 20,000 = 280,000 a year, 5 years,
        # 8 %. 1.08**5 = 1.4693280768, annuity factor = (1 - 1/1.4693280768)/0.08
        # = 0.31941680297 / 0.08 = 3.99271003708.
        # NPV = -1,000,000 + 280,000 * 3.99271003708 = 117,958.81
        flows = [-1_000_000] + [300_000 - 20_000] * 5
        self.assertAlmostEqual(finance.npv(0.08, flows), 117_958.81, delta=0.01)

    def test_first_flow_not_discounted(self):
        # -100 + 110 / 1.1 = 0
        self.assertAlmostEqual(finance.npv(0.10, [-100, 110]), 0.0, places=10)
        self.assertEqual(finance.npv(0.5, [42]), 42.0)

    def test_zero_rate_is_plain_sum(self):
        self.assertAlmostEqual(finance.npv(0.0, [-100, 40, 40, 40]), 20.0, places=10)

    def test_bad_rate(self):
        for rate in (-1, -1.5, math.nan, math.inf):
            with self.assertRaises(FinanceError) as ctx:
                finance.npv(rate, [-100, 110])
            self.assertEqual(ctx.exception.code, "bad_rate")
        self.assertIsInstance(ctx.exception, ValueError)
        self.assertIn("-100%", str(ctx.exception))

    def test_empty_flows(self):
        with self.assertRaises(FinanceError) as ctx:
            finance.npv(0.1, [])
        self.assertEqual(ctx.exception.code, "no_flows")

    def test_non_finite_flows(self):
        with self.assertRaises(FinanceError) as ctx:
            finance.npv(0.1, [-100, math.nan])
        self.assertEqual(ctx.exception.code, "bad_flows")


class TestIrr(unittest.TestCase):
    def assertNpvZero(self, rate, flows):
        self.assertAlmostEqual(finance.npv(rate, flows), 0.0, places=6)

    def test_simple(self):
        # -100 + 110/(1+r) = 0  <=>  r = 0.10
        result = finance.irr([-100, 110])
        self.assertEqual(result.status, "ok")
        self.assertTrue(result.ok)
        self.assertEqual(result.sign_changes, 1)
        self.assertAlmostEqual(result.rate, 0.10, places=10)
        self.assertEqual(len(result.roots), 1)
        self.assertEqual(result.roots[0], result.rate)

    def test_conventional_project(self):
        # Bisection by hand on NPV(r) = -1000 + 300/(1+r) + 400/(1+r)^2
        #   + 500/(1+r)^3 + 200/(1+r)^4:
        # NPV(0) = 400, NPV(0.5) = -434.57, NPV(0.15) = 6.436, NPV(0.16) = -13.327,
        # NPV(0.155) = -3.525, ... converges to r = 0.15322137877.
        flows = [-1000, 300, 400, 500, 200]
        result = finance.irr(flows)
        self.assertEqual(result.status, "ok")
        self.assertAlmostEqual(result.rate, 0.15322137877, places=9)
        self.assertNpvZero(result.rate, flows)

    def test_epc_project_irr_matches_npv(self):
        flows = [-1_000_000] + [280_000] * 5
        result = finance.irr(flows)
        self.assertEqual(result.status, "ok")
        # 117,958.81 > 0 at 8 %, so the IRR is above 8 %; NPV(IRR) = 0.
        self.assertGreater(result.rate, 0.08)
        self.assertAlmostEqual(finance.npv(result.rate, flows), 0.0, places=4)

    def test_break_even_is_exactly_zero(self):
        result = finance.irr([-100, 50, 50])
        self.assertEqual(result.status, "ok")
        self.assertEqual(result.rate, 0.0)

    def test_negative_irr(self):
        # -100 + 90/(1+r) = 0  <=>  r = -0.10
        result = finance.irr([-100, 90])
        self.assertEqual(result.status, "ok")
        self.assertAlmostEqual(result.rate, -0.10, places=10)

    def test_no_savings(self):
        # Capex and nothing back: every flow <= 0.
        result = finance.irr([-1000, 0, 0, 0])
        self.assertEqual(result.status, "no_sign_change")
        self.assertIsNone(result.rate)
        self.assertFalse(result.ok)
        self.assertEqual(result.roots, ())
        self.assertEqual(result.sign_changes, 0)

    def test_all_negative(self):
        result = finance.irr([-1000, -20, -20, -20])
        self.assertEqual(result.status, "no_sign_change")
        self.assertIsNone(result.rate)

    def test_all_positive(self):
        result = finance.irr([10, 20, 30])
        self.assertEqual(result.status, "no_sign_change")
        self.assertIsNone(result.rate)

    def test_all_zero(self):
        result = finance.irr([0, 0, 0])
        self.assertEqual(result.status, "no_sign_change")
        self.assertIsNone(result.rate)

    def test_single_flow(self):
        self.assertEqual(finance.irr([-5]).status, "no_sign_change")

    def test_sign_changes_but_no_root(self):
        # NPV = -100 + 50 d - 100 d^2 with d = 1/(1+r): discriminant
        # 50^2 - 4*100*100 = -37,500 < 0, so NPV < 0 for every rate.
        result = finance.irr([-100, 50, -100])
        self.assertEqual(result.status, "no_root")
        self.assertEqual(result.sign_changes, 2)
        self.assertIsNone(result.rate)
        self.assertEqual(result.roots, ())

    def test_two_roots(self):
        # -100 + 230 d - 132 d^2 = 0  <=>  132 d^2 - 230 d + 100 = 0
        # d = (230 +/- sqrt(52,900 - 52,800)) / 264 = 240/264 or 220/264
        # r = 1/d - 1 = 0.10 or 0.20
        flows = [-100, 230, -132]
        result = finance.irr(flows)
        self.assertEqual(result.status, "multiple")
        self.assertEqual(result.sign_changes, 2)
        self.assertEqual(len(result.roots), 2)
        self.assertAlmostEqual(result.roots[0], 0.10, places=9)
        self.assertAlmostEqual(result.roots[1], 0.20, places=9)
        self.assertAlmostEqual(result.rate, 0.10, places=9)  # smallest root >= 0
        self.assertTrue(result.ok)

    def test_multiple_all_negative_picks_largest(self):
        # Roots where 1/(1+r) = 2 and 2.5, i.e. r = -0.5 and -0.6:
        # (d - 2)(d - 2.5) = d^2 - 4.5 d + 5 -> flows [5, -4.5, 1]
        result = finance.irr([5, -4.5, 1])
        self.assertEqual(result.status, "multiple")
        self.assertAlmostEqual(result.roots[0], -0.6, places=9)
        self.assertAlmostEqual(result.roots[1], -0.5, places=9)
        self.assertAlmostEqual(result.rate, -0.5, places=9)

    def test_double_root_is_found(self):
        # -100 + 200 d - 100 d^2 = -100 (1 - d)^2: NPV touches 0 at r = 0 only.
        result = finance.irr([-100, 200, -100])
        self.assertEqual(result.status, "ok")
        self.assertAlmostEqual(result.rate, 0.0, places=6)

    def test_tangent_root_off_grid(self):
        # -(1 - d/d0)^2 with d0 = 1/1.0712345 (r0 = 7.12345 %):
        # flows [-1, 2/d0, -1/d0^2], NPV <= 0 touching 0 at r0 only.
        d0 = 1 / 1.0712345
        result = finance.irr([-1, 2 / d0, -1 / d0**2])
        self.assertEqual(result.status, "ok")
        self.assertAlmostEqual(result.rate, 0.0712345, places=6)

    def test_long_series_near_minus_99_percent_does_not_crash(self):
        flows = [-1000] + [10] * 400
        result = finance.irr(flows)
        self.assertEqual(result.status, "ok")
        self.assertNpvZero(result.rate, flows)

    def test_custom_interval(self):
        # The 10 % and 20 % roots of [-100, 230, -132]; only 20 % is in [0.15, 1].
        result = finance.irr([-100, 230, -132], low=0.15, high=1.0)
        self.assertEqual(result.status, "ok")
        self.assertAlmostEqual(result.rate, 0.20, places=9)

    def test_empty_flows(self):
        with self.assertRaises(FinanceError) as ctx:
            finance.irr([])
        self.assertEqual(ctx.exception.code, "no_flows")

    def test_bad_interval(self):
        for low, high in ((-1.0, 1.0), (0.5, 0.1)):
            with self.assertRaises(FinanceError) as ctx:
                finance.irr([-100, 110], low=low, high=high)
            self.assertEqual(ctx.exception.code, "bad_interval")

    def test_result_is_frozen(self):
        result = finance.irr([-100, 110])
        with self.assertRaises(AttributeError):
            result.rate = 0.5


class TestPayback(unittest.TestCase):
    def test_simple_payback(self):
        # 1,000,000 / 280,000 = 3.5714...
        self.assertAlmostEqual(finance.simple_payback(1_000_000, 280_000), 3.571428571, places=8)

    def test_simple_payback_never(self):
        self.assertIsNone(finance.simple_payback(1000, 0))
        self.assertIsNone(finance.simple_payback(1000, -50))

    def test_simple_payback_no_capex(self):
        self.assertEqual(finance.simple_payback(0, 100), 0.0)
        self.assertEqual(finance.simple_payback(0, 0), 0.0)

    def test_simple_payback_bad_capex(self):
        with self.assertRaises(FinanceError) as ctx:
            finance.simple_payback(-1, 100)
        self.assertEqual(ctx.exception.code, "bad_capex")

    def test_interpolation(self):
        # Cumulative: -100, -60, -20, +20 -> 2 + 20/40 = 2.5 years
        self.assertAlmostEqual(finance.payback_period([-100, 40, 40, 40]), 2.5)

    def test_exact_end_of_year(self):
        # Cumulative: -100, -50, 0 -> exactly 2 years
        self.assertAlmostEqual(finance.payback_period([-100, 50, 50]), 2.0)
        # 0.1 is not exact in binary; still exactly 3 years, not "never".
        self.assertAlmostEqual(finance.payback_period([-0.3, 0.1, 0.1, 0.1]), 3.0)

    def test_discounted(self):
        # At 10 %: discounted inflows 60/1.1 = 54.5454..., 60/1.21 = 49.5868...
        # Cumulative: -100, -45.4545, +4.1322 -> 1 + 45.4545/49.5868 = 1.916667
        # (exactly 1 + (100 - 600/11) / (6000/121) = 1 + 5500/6000 = 1.9166...)
        self.assertAlmostEqual(
            finance.payback_period([-100, 60, 60], rate=0.10), 1 + 11 / 12, places=10
        )

    def test_never(self):
        self.assertIsNone(finance.payback_period([-100, 30, 30, 30]))
        self.assertIsNone(finance.payback_period([-100, 0, 0]))
        # Pays back undiscounted (2.5 years) but not at 20 %.
        self.assertIsNone(finance.payback_period([-100, 40, 40, 40], rate=0.20))

    def test_nothing_to_recover(self):
        self.assertEqual(finance.payback_period([0, 10, 10]), 0.0)
        self.assertEqual(finance.payback_period([5]), 0.0)
        self.assertEqual(finance.payback_period([0, 0]), 0.0)

    def test_late_investment(self):
        # Cumulative: 0, -100, +100 -> 1 + 100/200 = 1.5
        self.assertAlmostEqual(finance.payback_period([0, -100, 200]), 1.5)

    def test_first_recovery_is_reported(self):
        # Cumulative: -100, +50, -50, +150 -> first recovery 0 + 100/150
        self.assertAlmostEqual(finance.payback_period([-100, 150, -100, 200]), 100 / 150)

    def test_errors(self):
        with self.assertRaises(FinanceError) as ctx:
            finance.payback_period([])
        self.assertEqual(ctx.exception.code, "no_flows")
        with self.assertRaises(FinanceError) as ctx:
            finance.payback_period([-100, 110], rate=-1)
        self.assertEqual(ctx.exception.code, "bad_rate")


class TestAnnuity(unittest.TestCase):
    def test_lease_payment(self):
        # 1.05**3 = 1.157625, 1/1.157625 = 0.86383760, 1 - 0.86383760 = 0.13616240
        # L = 100 * 0.05 / 0.13616240 = 36.720856
        self.assertAlmostEqual(finance.annuity_payment(0.05, 3, 100), 36.720856, places=6)

    def test_zero_rate(self):
        self.assertEqual(finance.annuity_payment(0.0, 4, 1000), 250.0)

    def test_tiny_rate_tends_to_zero_rate(self):
        self.assertAlmostEqual(finance.annuity_payment(1e-12, 4, 1000), 250.0, places=6)

    def test_payments_repay_the_loan(self):
        payment = finance.annuity_payment(0.08, 10, 500_000)
        self.assertAlmostEqual(finance.npv(0.08, [-500_000] + [payment] * 10), 0.0, places=6)

    def test_bad_term(self):
        for years in (0, -3, 2.5):
            with self.assertRaises(FinanceError) as ctx:
                finance.annuity_payment(0.05, years, 100)
            self.assertEqual(ctx.exception.code, "bad_term")

    def test_bad_rate(self):
        with self.assertRaises(FinanceError) as ctx:
            finance.annuity_payment(-1, 3, 100)
        self.assertEqual(ctx.exception.code, "bad_rate")


class TestContractCashFlows(unittest.TestCase):
    # capex 100, S 40, O&M 5, term 3, ESCO share 0.6 (lease rate 5 %)
    ARGS: ClassVar[dict[str, float]] = {
        "capex": 100,
        "annual_saving": 40,
        "annual_om": 5,
        "term_years": 3,
        "esco_share": 0.6,
        "rate": 0.05,
    }
    # L = 100 * 0.05 / (1 - 1.05**-3) = 36.720856 (see TestAnnuity)
    LEASE = 36.720856463

    def flows(self, contract_type, **overrides):
        return finance.contract_cash_flows(contract_type, **{**self.ARGS, **overrides})

    def assertFlows(self, actual, expected, places=6):
        self.assertEqual(len(actual), len(expected))
        for a, e in zip(actual, expected, strict=True):
            self.assertAlmostEqual(a, e, places=places)

    def test_contract_types_constant(self):
        self.assertEqual(
            finance.CONTRACT_TYPES,
            (
                "shared_savings",
                "guaranteed_savings",
                "energy_trusteeship",
                "financing_lease",
                "hybrid",
            ),
        )

    def test_project_flows_same_for_all_types(self):
        # -capex, then S - O&M = 40 - 5 = 35
        for contract_type in finance.CONTRACT_TYPES:
            with self.subTest(contract_type=contract_type):
                result = self.flows(contract_type)
                self.assertIsInstance(result.project, tuple)
                self.assertFlows(result.project, [-100, 35, 35, 35])

    def test_shared_savings(self):
        # ESCO: -100, then 0.6*40 - 5 = 19. Client: 0, then 0.4*40 = 16.
        result = self.flows("shared_savings")
        self.assertFlows(result.esco, [-100, 19, 19, 19])
        self.assertFlows(result.client, [0, 16, 16, 16])

    def test_guaranteed_savings(self):
        # ESCO fee 0.6*40 = 24. Client: -100, then 40 - 5 - 24 = 11.
        result = self.flows("guaranteed_savings")
        self.assertFlows(result.esco, [0, 24, 24, 24])
        self.assertFlows(result.client, [-100, 11, 11, 11])

    def test_energy_trusteeship(self):
        # Same shape as shared savings: ESCO 0.6*40 - 5 = 19, client 0.4*40 = 16.
        result = self.flows("energy_trusteeship")
        self.assertFlows(result.esco, [-100, 19, 19, 19])
        self.assertFlows(result.client, [0, 16, 16, 16])

    def test_financing_lease(self):
        # ESCO: -100, then L - 5 = 31.720856. Client: 0, then 40 - L = 3.279144.
        result = self.flows("financing_lease")
        lease_esco = self.LEASE - 5
        lease_client = 40 - self.LEASE
        self.assertFlows(result.esco, [-100, lease_esco, lease_esco, lease_esco])
        self.assertFlows(result.client, [0, lease_client, lease_client, lease_client])
        # The share is not used by the lease model.
        self.assertEqual(self.flows("financing_lease", esco_share=0.1), result)

    def test_financing_lease_zero_rate(self):
        # L = 100 / 3 = 33.3333
        result = self.flows("financing_lease", rate=0.0)
        self.assertAlmostEqual(result.esco[1], 100 / 3 - 5)
        self.assertAlmostEqual(result.client[1], 40 - 100 / 3)

    def test_hybrid(self):
        # ESCO: -0.6*100 = -60, then 0.6*35 = 21. Client: -40, then 0.4*35 = 14.
        result = self.flows("hybrid")
        self.assertFlows(result.esco, [-60, 21, 21, 21])
        self.assertFlows(result.client, [-40, 14, 14, 14])

    def test_parties_add_up_to_project(self):
        # Also holds for the lease: (L - O&M) + (S - L) = S - O&M.
        for contract_type in finance.CONTRACT_TYPES:
            for share in (0.0, 0.37, 1.0):
                with self.subTest(contract_type=contract_type, share=share):
                    result = self.flows(contract_type, esco_share=share)
                    self.assertEqual(len(result.esco), 4)
                    self.assertEqual(len(result.client), 4)
                    total = [e + c for e, c in zip(result.esco, result.client, strict=True)]
                    self.assertFlows(total, result.project, places=9)

    def test_no_negative_zero(self):
        result = self.flows("hybrid", esco_share=0.0)
        self.assertEqual(math.copysign(1.0, result.esco[0]), 1.0)

    def test_losses_are_shown(self):
        # S = -10: project -100, then -10 - 5 = -15; ESCO 0.6*(-10) - 5 = -11.
        result = self.flows("shared_savings", annual_saving=-10)
        self.assertFlows(result.project, [-100, -15, -15, -15])
        self.assertFlows(result.esco, [-100, -11, -11, -11])
        self.assertFlows(result.client, [0, -4, -4, -4])

    def test_no_savings_edge_case(self):
        result = self.flows("shared_savings", annual_saving=0, annual_om=0)
        self.assertIsNone(finance.payback_period(result.project))
        self.assertEqual(finance.irr(result.project).status, "no_sign_change")
        self.assertIsNone(finance.simple_payback(100, 0))

    def test_chained_with_irr_and_payback(self):
        result = self.flows("shared_savings")
        # ESCO: -100 then 19 a year for 3 years: never pays back, IRR < 0.
        self.assertIsNone(finance.payback_period(result.esco))
        self.assertLess(finance.irr(result.esco).rate, 0)
        # Client: nothing invested, 16 a year: no IRR, immediate payback.
        self.assertEqual(finance.irr(result.client).status, "no_sign_change")
        self.assertEqual(finance.payback_period(result.client), 0.0)

    def test_validation(self):
        cases = [
            ({"contract_type": "bogus"}, "bad_contract_type"),
            ({"term_years": 0}, "bad_term"),
            ({"term_years": -1}, "bad_term"),
            ({"esco_share": -0.01}, "bad_share"),
            ({"esco_share": 1.01}, "bad_share"),
            ({"esco_share": math.nan}, "bad_share"),
            ({"capex": -1}, "bad_capex"),
            ({"annual_om": -1}, "bad_om"),
            ({"rate": -1}, "bad_rate"),
        ]
        for overrides, code in cases:
            with self.subTest(overrides=overrides):
                args = {"contract_type": "shared_savings", **self.ARGS, **overrides}
                with self.assertRaises(FinanceError) as ctx:
                    finance.contract_cash_flows(**args)
                self.assertEqual(ctx.exception.code, code)


if __name__ == "__main__":
    unittest.main()
