"""Unit tests of addons/emc_project/lib/portfolio.py: which schemes to fund.

Small cases are worked out by hand in the comments; random cases of up to 15
candidates are checked against a brute force over every subset, written
here from the module docstring and independent of the module's code.
"""

import itertools
import json
import math
import random
import time
import types
import unittest
from unittest import mock

import numpy as np
from _load import load

portfolio = load("emc_project", "lib.portfolio")
C = portfolio.Candidate
optimise = portfolio.optimise
PortfolioError = portfolio.PortfolioError


def reasons(result):
    return {d.id: d.reason for d in result.decisions}


def report(result, kind, key=None):
    (found,) = [c for c in result.constraints if c.kind == kind and c.key == key]
    return found


class TestHandCases(unittest.TestCase):
    def test_knapsack_where_the_ratio_ranking_is_suboptimal(self):
        # Budget 50. Ratios: A 6, B 5, C 4. Greedy takes A then B (capex 30,
        # NPV 160) and C no longer fits; the optimum is B + C (capex 50, NPV
        # 220). Without the budget all three: 280, so the budget binds by 60.
        cands = [C("A", 10, 60), C("B", 20, 100), C("C", 30, 120)]
        result = optimise(cands, 50)
        self.assertEqual(result.chosen, ("B", "C"))
        self.assertEqual(result.npv, 220)
        self.assertEqual(result.capex, 50)
        self.assertEqual(result.budget_left, 0)
        self.assertEqual(result.greedy.chosen, ("A", "B"))
        self.assertEqual(result.greedy.npv, 160)
        self.assertEqual(result.greedy.npv_gap, 60)
        self.assertEqual(result.greedy.only_in_optimum, ("C",))
        self.assertEqual(result.greedy.only_in_greedy, ("A",))
        budget = report(result, "budget")
        self.assertEqual((budget.usage, budget.slack), (50, 0))
        self.assertTrue(budget.binding)
        self.assertTrue(budget.tight)
        self.assertAlmostEqual(budget.npv_gain, 60)
        why = result.decision("A")
        self.assertEqual(why.reason, "does_not_fit")
        self.assertEqual(
            why.params["constraints"],
            [{"kind": "budget", "key": None, "requirement": 10, "slack": 0, "shortfall": 10}],
        )
        self.assertEqual(result.decision("B").reason, "selected")

    def test_client_cap_binds_while_the_budget_is_only_tight(self):
        # Budget 100, 50 per client. Without the cap: X1 + X2 (NPV 95). With
        # it only one "acme" scheme: X1 + Y = 80 (capex 80). Dropping the
        # budget changes nothing (acme still capped): tight, not binding.
        cands = [
            C("X1", 40, 50, client="acme"),
            C("X2", 40, 45, client="acme"),
            C("Y", 40, 30, client="beta"),
        ]
        result = optimise(cands, 100, client_cap=50)
        self.assertEqual(result.chosen, ("X1", "Y"))
        acme = report(result, "client", "acme")
        self.assertEqual((acme.usage, acme.slack), (40, 10))
        self.assertTrue(acme.binding)
        self.assertAlmostEqual(acme.npv_gain, 15)
        budget = report(result, "budget")
        self.assertTrue(budget.tight)
        self.assertFalse(budget.binding)
        self.assertEqual(budget.npv_gain, 0)
        beta = report(result, "client", "beta")
        self.assertFalse(beta.binding)
        self.assertFalse(beta.tight)
        why = result.decision("X2")
        self.assertEqual(why.reason, "does_not_fit")
        self.assertEqual(
            [(c["kind"], c["key"], c["shortfall"]) for c in why.params["constraints"]],
            [("budget", None, 20), ("client", "acme", 30)],
        )

    def test_industry_cap_per_key(self):
        # Steel capped at 60: only one of S1, S2. S1 + T = 60 beats S2 + T = 50.
        # Without the cap all three fit the budget: 90, a gain of 30.
        cands = [
            C("S1", 50, 40, industry="steel"),
            C("S2", 30, 30, industry="steel"),
            C("T", 40, 20, industry="textile"),
        ]
        result = optimise(cands, 120, industry_caps={"steel": 60})
        self.assertEqual(result.chosen, ("S1", "T"))
        steel = report(result, "industry", "steel")
        self.assertTrue(steel.binding)
        self.assertAlmostEqual(steel.npv_gain, 30)
        kinds = [(c.kind, c.key) for c in result.constraints]
        self.assertEqual(kinds, [("budget", None), ("industry", "steel")])

    def test_per_key_cap_overrides_the_uniform_one(self):
        # Every client is capped at 50 but "big" at 200 and "free" not at all.
        cands = [
            C("B1", 60, 60, client="big"),
            C("B2", 60, 60, client="big"),
            C("F1", 70, 50, client="free"),
            C("S1", 60, 70, client="small"),
        ]
        result = optimise(cands, None, client_cap=50, client_caps={"big": 200, "free": None})
        self.assertEqual(result.chosen, ("B1", "B2", "F1"))
        self.assertEqual(result.decision("S1").reason, "too_large")
        self.assertEqual(
            result.decision("S1").params["constraints"],
            [{"kind": "client", "key": "small", "requirement": 60, "limit": 50}],
        )
        self.assertIsNone(result.budget_left)
        self.assertEqual((result.constraints[0].kind, result.constraints[0].key), ("client", "big"))

    def test_engineer_months_bind(self):
        # 10 engineer-months. Greedy by ratio takes A (3.0, 8 months) and then
        # neither B nor C fits: NPV 30. The optimum is B + C (10 months, 78).
        # Without the month limit all three: 108, a gain of 30. The budget is
        # loose even if everything were funded: not binding without a re-solve.
        cands = [
            C("A", 10, 30, engineer_months=8),
            C("B", 20, 40, engineer_months=5),
            C("C", 20, 38, engineer_months=5),
        ]
        result = optimise(cands, 100, engineer_months=10)
        self.assertEqual(result.chosen, ("B", "C"))
        self.assertEqual(result.engineer_months, 10)
        self.assertEqual(result.greedy.chosen, ("A",))
        self.assertEqual(result.greedy.npv_gap, 48)
        months = report(result, "engineer_months")
        self.assertTrue(months.binding)
        self.assertAlmostEqual(months.npv_gain, 30)
        self.assertFalse(report(result, "budget").binding)
        self.assertEqual(
            result.decision("A").params["constraints"],
            [
                {
                    "kind": "engineer_months",
                    "key": None,
                    "requirement": 8,
                    "slack": 0,
                    "shortfall": 8,
                }
            ],
        )

    def test_alternatives_of_one_project(self):
        # P1 and P2 are schemes of one project. Budget 130: P2 + Q (capex 120,
        # NPV 170) beats P1 + Q (130). Greedy takes P1 (ratio 1.6) first, so
        # P2 is blocked: P1 + Q = 130.
        cands = [
            C("P1", 50, 80, group="P"),
            C("P2", 80, 120, group="P"),
            C("Q", 40, 50),
        ]
        result = optimise(cands, 130)
        self.assertEqual(result.chosen, ("P2", "Q"))
        why = result.decision("P1")
        self.assertEqual(why.reason, "alternative_chosen")
        self.assertEqual(why.params, {"group": "P", "chosen": "P2"})
        self.assertEqual(result.greedy.chosen, ("P1", "Q"))
        self.assertEqual(result.greedy.npv_gap, 40)
        # Without the group both fit (capex 130, NPV 200).
        free = optimise([C("P1", 50, 80), C("P2", 80, 120), C("Q", 40, 50)], 130)
        self.assertEqual(free.chosen, ("P1", "P2"))

    def test_must_fund_takes_its_share_first(self):
        # M (capex 60, NPV 10) is committed; 40 left: B fits, A (50) does not.
        cands = [C("M", 60, 10, must_fund=True), C("A", 50, 60), C("B", 40, 45)]
        result = optimise(cands, 100)
        self.assertEqual(result.chosen, ("M", "B"))
        self.assertEqual(result.npv, 55)
        self.assertEqual(reasons(result), {"M": "must_fund", "A": "does_not_fit", "B": "selected"})
        self.assertEqual(result.decision("M").params, {"below_min_irr": False})
        self.assertEqual(result.greedy.chosen, ("M", "B"))
        # A must-fund scheme is funded even with a negative NPV.
        loss = optimise([C("M", 10, -5, must_fund=True), C("A", 10, 3)], 100)
        self.assertEqual(loss.chosen, ("M", "A"))
        self.assertEqual(loss.npv, -2)

    def test_budget_per_year(self):
        # Year 0 budget 130. A spends 100 in year 0, B 20, C (no spread) 60:
        # A + B (120, NPV 90) is the best pair; all three would need 180.
        # Without the year limit all three fit the total of 300: gain 35.
        cands = [
            C("A", 100, 50, capex_by_year=[100, 0]),
            C("B", 100, 40, capex_by_year=[20, 80]),
            C("C", 60, 35),
        ]
        result = optimise(cands, 300, budget_by_year=[130, None])
        self.assertEqual(result.chosen, ("A", "B"))
        year0 = report(result, "budget_year", 0)
        self.assertEqual(year0.usage, 120)
        self.assertTrue(year0.binding)
        self.assertAlmostEqual(year0.npv_gain, 35)
        self.assertFalse(report(result, "budget").binding)
        self.assertEqual([(c.kind, c.key) for c in result.constraints][1], ("budget_year", 0))
        # Years after the list are not limited per year.
        late = optimise([C("L", 60, 10, capex_by_year=[0, 0, 60])], 100, budget_by_year=[5, 5])
        self.assertEqual(late.chosen, ("L",))

    def test_zero_limit(self):
        cands = [C("A", 10, 5, engineer_months=1), C("B", 10, 4)]
        result = optimise(cands, 100, engineer_months=0)
        self.assertEqual(result.chosen, ("B",))
        self.assertEqual(result.decision("A").reason, "too_large")

    def test_everything_screened_out(self):
        result = optimise([C("A", 10, 5, excluded=True), C("B", 10, -1)], 100)
        self.assertEqual(result.chosen, ())
        self.assertEqual(result.npv, 0)
        self.assertEqual(reasons(result), {"A": "excluded", "B": "non_positive_npv"})
        self.assertEqual(result.greedy.chosen, ())


class TestMinIrr(unittest.TestCase):
    def test_screen_with_reasons(self):
        cands = [
            C("A", 10, 50, irr=0.05),
            C("B", 10, 50, irr=None),
            C("C", 10, 20, irr=0.12),
            C("D", 10, 5, irr=0.04, must_fund=True),
            C("E", 10, 90, irr=0.30, excluded=True),
            C("F", 10, 30, irr=0.08),
        ]
        result = optimise(cands, 100, min_irr=0.08)
        self.assertEqual(result.chosen, ("C", "D", "F"))
        self.assertEqual(result.decision("A").reason, "below_min_irr")
        self.assertEqual(result.decision("A").params, {"irr": 0.05, "min_irr": 0.08})
        self.assertEqual(result.decision("B").reason, "no_irr")
        self.assertEqual(result.decision("B").params, {"min_irr": 0.08})
        self.assertEqual(result.decision("D").reason, "must_fund")
        self.assertEqual(result.decision("D").params, {"below_min_irr": True})
        self.assertEqual(result.decision("E").reason, "excluded")
        self.assertEqual(result.decision("F").reason, "selected")  # equal to the minimum
        # The greedy ranking sees the same screen.
        self.assertEqual(set(result.greedy.chosen), {"C", "D", "F"})

    def test_without_min_irr_an_unknown_irr_is_fine(self):
        result = optimise([C("B", 10, 50, irr=None)], 100)
        self.assertEqual(result.chosen, ("B",))


class TestTies(unittest.TestCase):
    def test_identical_schemes_the_earlier_is_funded(self):
        twins = [C("D1", 50, 60, client="k"), C("D2", 50, 60, client="k")]
        self.assertEqual(optimise(twins, 50).chosen, ("D1",))
        self.assertEqual(optimise(twins[::-1], 50).chosen, ("D2",))
        self.assertEqual(optimise(twins, 100).chosen, ("D1", "D2"))
        # Twins in one group: the earlier one.
        grouped = [C("G1", 50, 60, group=1), C("G2", 50, 60, group=1)]
        self.assertEqual(optimise(grouped, 500).chosen, ("G1",))
        self.assertEqual(optimise(grouped[::-1], 500).chosen, ("G2",))
        self.assertEqual(optimise(grouped, 500).decision("G2").reason, "alternative_chosen")

    def test_three_twins_in_order(self):
        triplets = [C(f"T{i}", 30, 40) for i in range(3)] + [C("X", 10, 1)]
        self.assertEqual(optimise(triplets, 70).chosen, ("T0", "T1", "X"))

    def test_zero_npv_is_not_funded(self):
        result = optimise([C("Z", 0, 0), C("N", 0, -1), C("A", 10, 5)], 100)
        self.assertEqual(result.chosen, ("A",))
        self.assertEqual(result.decision("Z").reason, "non_positive_npv")
        self.assertEqual(result.decision("Z").params, {"npv": 0})

    def test_same_input_same_portfolio(self):
        # {A, B} and {C} both give NPV 100 with capex 50: a genuine tie.
        cands = [C("A", 25, 50), C("B", 25, 50), C("C", 50, 100), C("D", 40, 10)]
        first = optimise(cands, 50)
        self.assertEqual(first.npv, 100)
        for _ in range(5):
            again = optimise(cands, 50)
            self.assertEqual(again.chosen, first.chosen)
            self.assertEqual(again.decisions, first.decisions)

    def test_greedy_ties_by_npv_then_order(self):
        # Same ratio 2: the larger NPV first (B), then input order (C before D).
        cands = [C("A", 10, 20), C("B", 20, 40), C("C", 10, 20), C("D", 10, 20)]
        result = optimise(cands, 40)
        self.assertEqual(result.greedy.chosen, ("B", "A", "C"))


class TestInfeasible(unittest.TestCase):
    def test_must_fund_over_the_budget(self):
        cands = [C("M1", 60, 5, must_fund=True), C("M2", 50, 5, must_fund=True), C("A", 1, 9)]
        with self.assertRaises(PortfolioError) as ctx:
            optimise(cands, 100)
        error = ctx.exception
        self.assertEqual(error.code, "infeasible")
        self.assertEqual(error.params["kind"], "budget")
        self.assertEqual(error.params["limit"], 100)
        self.assertEqual(error.params["usage"], 110)
        self.assertEqual(error.params["candidates"], ["M1", "M2"])
        self.assertEqual(len(error.params["violations"]), 1)
        self.assertIn("budget", str(error))
        self.assertIsInstance(error, ValueError)

    def test_every_violation_is_listed(self):
        cands = [
            C("M1", 60, 5, client="c", engineer_months=4, group="P", must_fund=True),
            C("M2", 50, 5, client="c", engineer_months=4, group="P", must_fund=True),
        ]
        with self.assertRaises(PortfolioError) as ctx:
            optimise(cands, 200, client_cap=100, engineer_months=6)
        violations = ctx.exception.params["violations"]
        self.assertEqual(
            [(v["kind"], v["key"], v["usage"], v["limit"]) for v in violations],
            [("client", "c", 110, 100), ("engineer_months", None, 8, 6), ("group", "P", 2, 1)],
        )
        self.assertEqual(ctx.exception.params["kind"], "client")

    def test_year_budget(self):
        cands = [C("M", 100, 5, capex_by_year=[30, 70], must_fund=True)]
        with self.assertRaises(PortfolioError) as ctx:
            optimise(cands, None, budget_by_year=[50, 50])
        self.assertEqual(ctx.exception.params["kind"], "budget_year")
        self.assertEqual(ctx.exception.params["key"], 1)

    def test_must_fund_alone_too_large(self):
        with self.assertRaises(PortfolioError) as ctx:
            optimise([C("M", 120, 5, must_fund=True)], 100)
        self.assertEqual(ctx.exception.code, "infeasible")
        self.assertEqual(ctx.exception.params["candidates"], ["M"])


class TestBadInput(unittest.TestCase):
    def assertCode(self, code, *args, **kwargs):
        with self.assertRaises(PortfolioError) as ctx:
            optimise(*args, **kwargs)
        self.assertEqual(ctx.exception.code, code)
        return ctx.exception.params

    def test_candidates(self):
        self.assertCode("no_candidates", [], 100)
        params = self.assertCode("bad_capex", [C("A", -1, 5)], 100)
        self.assertEqual(params, {"candidate": "A", "value": -1})
        self.assertCode("bad_capex", [C("A", math.nan, 5)], 100)
        self.assertCode("bad_capex", [C("A", "ten", 5)], 100)
        self.assertCode("bad_npv", [C("A", 1, math.inf)], 100)
        self.assertCode("bad_irr", [C("A", 1, 5, irr=-1.0)], 100)
        self.assertCode("bad_engineer_months", [C("A", 1, 5, engineer_months=-2)], 100)
        self.assertCode("duplicate_id", [C("A", 1, 5), C("A", 2, 5)], 100)
        self.assertCode("conflicting_flags", [C("A", 1, 5, must_fund=True, excluded=True)], 100)
        self.assertCode("bad_candidate", [C(None, 1, 5)], 100)
        params = self.assertCode("bad_candidate", [{"id": 1, "capex": 1, "npv": 1, "cost": 3}], 100)
        self.assertEqual(params, {"position": 0, "keys": ["cost"]})
        params = self.assertCode("bad_candidate", [C("A", 1, 1), {"id": 1, "capex": 1}], 100)
        self.assertEqual(params, {"position": 1, "keys": ["npv"]})
        self.assertCode("bad_candidate", [("A", 1, 1)], 100)

    def test_capex_by_year(self):
        params = self.assertCode("bad_capex_by_year", [C("A", 100, 5, capex_by_year=[50, 40])], 1)
        self.assertEqual(params["total"], 90)
        self.assertCode("bad_capex_by_year", [C("A", 100, 5, capex_by_year=[120, -20])], 1)
        self.assertCode("bad_capex_by_year", [C("A", 0, 5, capex_by_year=[])], 1)
        self.assertCode("bad_capex_by_year", [C("A", 1, 5, capex_by_year=3)], 1)
        # Yearly amounts rounded to the cent add up to within a millionth.
        rounded = [C("A", 1_000_000, 5, capex_by_year=[333_333.33] * 3)]
        self.assertEqual(optimise(rounded, None).chosen, ("A",))
        self.assertCode("bad_capex_by_year", [C("A", 1_000_000, 5, capex_by_year=[333_330] * 3)], 1)

    def test_limits(self):
        cands = [C("A", 1, 5)]
        self.assertEqual(self.assertCode("bad_budget", cands, -1), {"value": -1})
        self.assertCode("bad_budget", cands, math.nan)
        params = self.assertCode("bad_budget_by_year", cands, 10, budget_by_year=[5, -1])
        self.assertEqual(params, {"year": 1, "value": -1})
        self.assertCode("bad_min_irr", cands, 10, min_irr=-1.5)
        self.assertCode("bad_min_irr", cands, 10, min_irr="high")
        params = self.assertCode("bad_cap", cands, 10, client_caps={"acme": -5})
        self.assertEqual(params, {"kind": "client", "key": "acme", "value": -5})
        params = self.assertCode("bad_cap", cands, 10, industry_cap=math.inf)
        self.assertEqual(params["kind"], "industry")
        self.assertCode("bad_engineer_capacity", cands, 10, engineer_months=-1)
        self.assertCode("bad_time_limit", cands, 10, time_limit=0)


class TestInputShapes(unittest.TestCase):
    def test_mappings_as_odoo_reads_them(self):
        # Empty Many2one fields read as False; the label defaults to the id.
        rows = [
            {"id": 7, "capex": 10.0, "npv": 5.0, "client": False, "group": False, "irr": 0.1},
            {"id": 8, "label": "节能改造 B", "capex": 10.0, "npv": 6.0, "client": 3, "group": 2},
        ]
        result = optimise(rows, 10, client_cap=5)
        self.assertEqual(result.chosen, (7,))
        self.assertEqual(result.decision(8).label, "节能改造 B")
        self.assertEqual(result.decision(7).label, "7")
        self.assertEqual(result.decision(8).reason, "too_large")

    def test_as_dict_is_json(self):
        cands = [C("A", 10, 60, client=1, group="P"), C("B", 20, 100, group="P"), C("C", 30, 120)]
        result = optimise(cands, 50, client_cap=40, engineer_months=5)
        data = json.loads(json.dumps(result.as_dict()))
        self.assertEqual(data["chosen"], ["B", "C"])
        self.assertEqual(data["decisions"][0]["reason"], "alternative_chosen")
        self.assertEqual(data["greedy"]["npv_gap"], result.greedy.npv_gap)
        with self.assertRaises(KeyError):
            result.decision("nope")


class TestBindingAnalysis(unittest.TestCase):
    def test_limits_that_only_bind_together(self):
        # Budget 100 and 10 months both allow exactly two schemes: removing
        # either leaves the other, so neither binds alone; both are tight.
        cands = [
            C("A", 50, 60, engineer_months=5),
            C("B", 50, 50, engineer_months=5),
            C("C", 50, 40, engineer_months=5),
        ]
        result = optimise(cands, 100, engineer_months=10)
        self.assertEqual(result.chosen, ("A", "B"))
        for kind in ("budget", "engineer_months"):
            item = report(result, kind)
            self.assertFalse(item.binding)
            self.assertTrue(item.tight)
            self.assertEqual(item.npv_gain, 0)

    def test_a_blocked_alternative_does_not_make_room(self):
        # P2 (80) is funded, 20 left. P1 would fit but is P2's alternative;
        # Q (60) does not fit: the budget is tight.
        cands = [C("P1", 10, 5, group="P"), C("P2", 80, 100, group="P"), C("Q", 60, 50)]
        result = optimise(cands, 100)
        self.assertEqual(result.chosen, ("P2",))
        self.assertTrue(report(result, "budget").tight)

    def test_loose_caps_are_cleared_in_one_solve(self):
        # Budget 90: the best scheme of each client (a2, b2, c2). Each client
        # would exceed its cap of 70 if all its schemes were funded, so every
        # cap needs a look, but removing them all at once gains nothing:
        # 1 optimum + 1 budget + 1 family of caps = 3 solves.
        cands = [
            C(f"{k}{i}", 30, 40 + 3 * i + j, client=k)
            for j, k in enumerate("abc")
            for i in range(3)
        ]
        calls = []
        real = portfolio.milp

        def counting(*args, **kwargs):
            calls.append(1)
            return real(*args, **kwargs)

        with mock.patch.object(portfolio, "milp", counting):
            result = optimise(cands, 90, client_cap=70)
        self.assertEqual(result.chosen, ("a2", "b2", "c2"))
        self.assertEqual(len(calls), 3)
        self.assertTrue(report(result, "budget").binding)
        self.assertFalse(any(c.binding for c in result.constraints if c.kind == "client"))

    def test_explain_binding_off(self):
        cands = [C("A", 10, 60), C("B", 20, 100), C("C", 30, 120)]
        result = optimise(cands, 50, engineer_months=100, explain_binding=False)
        self.assertIsNone(report(result, "budget").binding)
        self.assertIsNone(report(result, "budget").npv_gain)
        # Provably loose limits are still reported as such.
        self.assertFalse(report(result, "engineer_months").binding)


def fake_result(status, x=None, message="fake"):
    return types.SimpleNamespace(
        status=status, x=None if x is None else np.array(x), message=message
    )


class TestSolverAnswers(unittest.TestCase):
    cands = (C("A", 10, 60), C("B", 20, 100), C("C", 30, 120))

    def test_time_limit(self):
        with mock.patch.object(portfolio, "milp", return_value=fake_result(1)):
            with self.assertRaises(PortfolioError) as ctx:
                optimise(self.cands, 50, time_limit=2.5)
        self.assertEqual(ctx.exception.code, "time_limit")
        self.assertEqual(ctx.exception.params, {"seconds": 2.5})

    def test_time_limit_during_the_binding_analysis(self):
        real = portfolio.milp
        answers = iter([None, fake_result(1)])

        def first_real(*args, **kwargs):
            answer = next(answers)
            return real(*args, **kwargs) if answer is None else answer

        with mock.patch.object(portfolio, "milp", first_real):
            result = optimise(self.cands, 50)
        self.assertEqual(result.chosen, ("B", "C"))
        self.assertIsNone(report(result, "budget").binding)

    def test_failures(self):
        for answer in (fake_result(4, message="numerical trouble"), fake_result(0, None)):
            with mock.patch.object(portfolio, "milp", return_value=answer):
                with self.assertRaises(PortfolioError) as ctx:
                    optimise(self.cands, 50)
            self.assertEqual(ctx.exception.code, "solver_failed")
        self.assertEqual(ctx.exception.params["status"], 0)
        with mock.patch.object(portfolio, "milp", return_value=fake_result(0, [0.5, 0.5, 0])):
            with self.assertRaises(PortfolioError) as ctx:
                optimise(self.cands, 50)
        self.assertEqual(ctx.exception.params["message"], "fractional solution")

    def test_a_hair_over_the_limit_is_solved_again(self):
        # HiGHS may accept a row within its own feasibility tolerance: B + C
        # is 50.00001 > 50. The module re-solves with less room, which leaves
        # A + C (40.00001, NPV 180) as the best portfolio within the budget.
        cands = [C("A", 10, 60), C("B", 20, 100), C("C", 30.00001, 120)]
        real = portfolio.milp
        calls = []

        def sloppy(*args, **kwargs):
            calls.append(kwargs["constraints"].ub.copy())
            if len(calls) == 1:
                return fake_result(0, [0, 1, 1])
            return real(*args, **kwargs)

        with mock.patch.object(portfolio, "milp", sloppy):
            result = optimise(cands, 50, explain_binding=False)
        self.assertEqual(result.chosen, ("A", "C"))
        self.assertLessEqual(result.capex, 50)
        self.assertEqual(len(calls), 2)
        self.assertLess(calls[1][0], calls[0][0])
        # A solver that keeps doing it, or is clearly over, has failed.
        for answer in ([0, 1, 1], [1, 1, 1]):
            with mock.patch.object(portfolio, "milp", return_value=fake_result(0, answer)):
                with self.assertRaises(PortfolioError) as ctx:
                    optimise(cands, 50)
            self.assertEqual(ctx.exception.code, "solver_failed")
        self.assertEqual(ctx.exception.params["message"], "limit exceeded")

    def test_negligible_npv_left_out_is_not_worth(self):
        # NPV 0.5 is below the tolerance (1e-6 * 1e6 = 1): HiGHS may stop
        # without it, and then the reason says it was not worth funding.
        cands = [C("Big", 100, 1e6), C("Tiny", 0, 0.5)]
        real = portfolio.milp

        def without_tiny(*args, **kwargs):
            answer = real(*args, **kwargs)
            return fake_result(answer.status, [answer.x[0], 0.0])

        with mock.patch.object(portfolio, "milp", without_tiny):
            result = optimise(cands, 100)
        self.assertEqual(result.tolerance, 1.0)
        self.assertEqual(result.chosen, ("Big",))
        self.assertEqual(result.decision("Tiny").reason, "not_worth")
        self.assertEqual(result.greedy.npv_gap, 0)  # the greedy took Tiny: within the tolerance


class TestCostOfFunding(unittest.TestCase):
    cands = (C("A", 10, 60), C("B", 20, 100), C("C", 30, 120), C("X", 80, 500))

    def test_loss_and_swap(self):
        # Optimum B + C = 220. With A forced: A + C = 180 (A + B only 160).
        cost = portfolio.cost_of_funding(self.cands, "A", 50)
        self.assertEqual(cost.npv_loss, 40)
        self.assertEqual(cost.portfolio.chosen, ("A", "C"))
        self.assertEqual(cost.dropped, ("B",))
        self.assertEqual(cost.added, ("A",))
        self.assertEqual(cost.portfolio.decision("A").reason, "must_fund")
        self.assertIsNone(report(cost.portfolio, "budget").binding)

    def test_already_funded(self):
        cost = portfolio.cost_of_funding(self.cands, "B", 50)
        self.assertEqual((cost.npv_loss, cost.dropped, cost.added), (0, (), ()))

    def test_errors(self):
        with self.assertRaises(PortfolioError) as ctx:
            portfolio.cost_of_funding(self.cands, "nope", 50)
        self.assertEqual(ctx.exception.code, "bad_candidate")
        with self.assertRaises(PortfolioError) as ctx:
            portfolio.cost_of_funding(self.cands, "X", 50)
        self.assertEqual(ctx.exception.code, "infeasible")
        self.assertEqual(ctx.exception.params["candidates"], ["X"])

    def test_lifts_the_screens(self):
        cands = [C("A", 10, 5, irr=0.01), C("B", 10, 5, excluded=True), C("C", 10, 9, irr=0.2)]
        cost = portfolio.cost_of_funding(cands, "A", 10, min_irr=0.1)
        self.assertEqual(cost.portfolio.chosen, ("A",))
        self.assertEqual(cost.npv_loss, 4)
        self.assertEqual(portfolio.cost_of_funding(cands, "B", 20, min_irr=0.1).npv_loss, 0)


# --------------------------------------------------------------------------
# Brute force over all subsets
# --------------------------------------------------------------------------


def brute_force(
    cands,
    budget=None,
    budget_by_year=None,
    min_irr=None,
    client_cap=None,
    client_caps=None,
    industry_cap=None,
    industry_caps=None,
    engineer_months=None,
):
    """Every feasible subset's NPV, the limits as (kind, key, limit, coef), and masks."""
    n = len(cands)
    masks = ((np.arange(2**n)[:, None] >> np.arange(n)) & 1).astype(bool)
    ok = np.ones(len(masks), dtype=bool)
    for i, c in enumerate(cands):
        screened = c.excluded or (
            min_irr is not None and (c.irr is None or c.irr < min_irr) and not c.must_fund
        )
        if screened:
            ok &= ~masks[:, i]
        if c.must_fund:
            ok &= masks[:, i]
    limits = []
    if budget is not None:
        limits.append(("budget", None, budget, [c.capex for c in cands]))
    for year, limit in enumerate(budget_by_year or ()):
        if limit is not None:
            coef = [
                (c.capex if year == 0 else 0)
                if c.capex_by_year is None
                else (c.capex_by_year[year] if year < len(c.capex_by_year) else 0)
                for c in cands
            ]
            limits.append(("budget_year", year, limit, coef))
    for kind, uniform, per_key in (
        ("client", client_cap, client_caps or {}),
        ("industry", industry_cap, industry_caps or {}),
    ):
        for key in dict.fromkeys(getattr(c, kind) for c in cands):
            limit = per_key.get(key, uniform)
            if key is not None and limit is not None:
                coef = [c.capex if getattr(c, kind) == key else 0 for c in cands]
                limits.append((kind, key, limit, coef))
    if engineer_months is not None:
        limits.append(
            ("engineer_months", None, engineer_months, [c.engineer_months for c in cands])
        )
    for group in {c.group for c in cands} - {None}:
        members = [i for i, c in enumerate(cands) if c.group == group]
        ok &= masks[:, members].sum(axis=1) <= 1
    fits = []
    for _kind, _key, limit, coef in limits:
        fits.append(masks @ np.array(coef, dtype=float) <= limit + 1e-9 * max(1, limit))
    npv = masks @ np.array([c.npv for c in cands], dtype=float)
    return masks, ok, fits, npv, limits


def best_without(ok, fits, npv, skip=None):
    allowed = ok.copy()
    for r, f in enumerate(fits):
        if r != skip:
            allowed &= f
    return npv[allowed].max() if allowed.any() else None, allowed


def random_case(rng, n):
    clients = ["c1", "c2", "c3", None]
    industries = ["steel", "paper", None]
    groups = ["P1", "P2", "P3", "P4"] + [None] * 5
    cands = []
    for i in range(n):
        capex = rng.randint(0, 30)
        spread = None
        if rng.random() < 0.3 and capex:
            first = rng.randint(0, capex)
            spread = [first, capex - first]
        must = rng.random() < 0.07
        cands.append(
            C(
                id=i,
                capex=capex,
                npv=rng.randint(-5, 40),
                irr=None if rng.random() < 0.1 else rng.choice([0.02, 0.06, 0.1, 0.15]),
                client=rng.choice(clients),
                industry=rng.choice(industries),
                group=rng.choice(groups),
                engineer_months=rng.randint(0, 6),
                capex_by_year=spread,
                must_fund=must,
                excluded=not must and rng.random() < 0.07,
            )
        )
    if rng.random() < 0.15:  # identical twins, to exercise the tie rule
        j = rng.randrange(n)
        cands[rng.randrange(n)] = C(**{**cands[j].__dict__, "id": "twin"})
    total = sum(c.capex for c in cands)
    limits = {"budget": rng.choice([None, round(total * rng.uniform(0.2, 0.7))])}
    if rng.random() < 0.4:
        limits["budget_by_year"] = [round(total * rng.uniform(0.1, 0.5)), rng.choice([None, 20])]
    if rng.random() < 0.4:
        limits["min_irr"] = rng.choice([0.05, 0.1])
    if rng.random() < 0.4:
        limits["client_cap"] = rng.randint(10, 60)
    if rng.random() < 0.3:
        limits["industry_caps"] = {"steel": rng.randint(10, 60), "paper": None}
    if rng.random() < 0.5:
        limits["engineer_months"] = rng.randint(3, 25)
    return cands, limits


class TestBruteForce(unittest.TestCase):
    def check(self, cands, limits):
        _masks, ok, fits, npv, rows = brute_force(cands, **limits)
        best, allowed = best_without(ok, fits, npv)
        if best is None:
            with self.assertRaises(PortfolioError) as ctx:
                optimise(cands, **limits)
            self.assertEqual(ctx.exception.code, "infeasible")
            return
        result = optimise(cands, **limits)
        position = {c.id: i for i, c in enumerate(cands)}
        mask = np.zeros(len(cands), dtype=bool)
        mask[[position[i] for i in result.chosen]] = True
        row = int(mask @ (1 << np.arange(len(cands))))
        self.assertTrue(allowed[row], "the portfolio breaks a limit")
        self.assertAlmostEqual(result.npv, best, places=6)
        # Tie rules 1 and 2: nothing with NPV <= 0 unless committed, and a
        # twin only after its elder.
        for i, c in enumerate(cands):
            if mask[i] and not c.must_fund:
                self.assertGreater(c.npv, 0)
        for i, k in itertools.combinations(range(len(cands)), 2):
            a, b = cands[i].__dict__.copy(), cands[k].__dict__.copy()
            del a["id"], b["id"]
            if a == b and not cands[i].must_fund and mask[k]:
                self.assertTrue(mask[i], f"{cands[k].id} funded before its identical {cands[i].id}")
        # Binding: brute force without each limit.
        for r, (kind, key, _limit, _coef) in enumerate(rows):
            item = report(result, kind, key)
            relaxed, _ = best_without(ok, fits, npv, skip=r)
            self.assertEqual(item.binding, relaxed > best + result.tolerance, (kind, key))
            self.assertAlmostEqual(item.npv_gain, max(0, relaxed - best) if item.binding else 0)
            self.assertAlmostEqual(item.usage, float(mask @ np.array(_coef, dtype=float)))
        self.assertEqual(len(result.constraints), len(rows))
        # Tight: some worthwhile unfunded scheme, not blocked by a funded
        # alternative, needs this limit, and none fits in its slack.
        chosen_groups = {c.group for i, c in enumerate(cands) if mask[i]} - {None}
        addable = [
            i
            for i, c in enumerate(cands)
            if not mask[i]
            and c.npv > 0
            and not c.excluded
            and (
                limits.get("min_irr") is None or (c.irr is not None and c.irr >= limits["min_irr"])
            )
            and c.group not in chosen_groups
        ]
        for kind, key, limit, coef in rows:
            needs = [coef[i] for i in addable if coef[i] > 0]
            usage = sum(coef[i] for i in range(len(cands)) if mask[i])
            expected = bool(needs) and usage + min(needs) > limit + 1e-9 * max(1, limit)
            self.assertEqual(report(result, kind, key).tight, expected, (kind, key))
        # Greedy: feasible and never better.
        greedy = np.zeros(len(cands), dtype=bool)
        greedy[[position[i] for i in result.greedy.chosen]] = True
        self.assertTrue(allowed[int(greedy @ (1 << np.arange(len(cands))))])
        self.assertAlmostEqual(
            result.greedy.npv, float(npv[int(greedy @ (1 << np.arange(len(cands))))])
        )
        self.assertGreaterEqual(result.greedy.npv_gap, 0)
        self.assertAlmostEqual(result.greedy.npv_gap, result.npv - result.greedy.npv)
        # Decisions: one per candidate, chosen flags match, reasons coherent.
        self.assertEqual([d.id for d in result.decisions], [c.id for c in cands])
        for d, c in zip(result.decisions, cands, strict=True):
            self.assertEqual(d.chosen, bool(mask[position[c.id]]))
            self.assertIn(d.reason, portfolio.REASONS)
            if d.reason == "does_not_fit":
                for broken in d.params["constraints"]:
                    self.assertGreater(broken["shortfall"], 0)
            if d.reason == "alternative_chosen":
                self.assertIn(d.params["chosen"], result.chosen)
            if d.reason == "not_worth":
                self.fail("a scheme with NPV >= 1 left out although it fits")

    def test_random_integer_cases(self):
        rng = random.Random(20240611)
        for case in range(160):
            n = rng.randint(1, 13) if case < 130 else 15
            cands, limits = random_case(rng, n)
            with self.subTest(case=case, n=n):
                self.check(cands, limits)

    def test_random_real_valued_cases(self):
        # Amounts in yuan with cents: no exact ties, NPVs compared to the cent.
        rng = random.Random(7)
        for case in range(40):
            n = rng.randint(5, 12)
            cands = [
                C(
                    i,
                    round(rng.uniform(1e5, 3e6), 2),
                    round(rng.uniform(-2e5, 9e5), 2),
                    client=rng.choice("ab"),
                    engineer_months=round(rng.uniform(0.5, 8), 1),
                )
                for i in range(n)
            ]
            total = sum(c.capex for c in cands)
            limits = {
                "budget": round(total * 0.4, 2),
                "client_cap": round(total * 0.3, 2),
                "engineer_months": 15.0,
            }
            with self.subTest(case=case):
                self.check(cands, limits)


class TestScale(unittest.TestCase):
    def test_three_hundred_candidates(self):
        # Not a benchmark (the machine is shared): the answer must be a valid
        # portfolio at least as good as the greedy one and no better than the
        # LP relaxation allows.
        rng = np.random.default_rng(3)
        n = 300
        cands = []
        for i in range(n):
            capex = round(float(rng.lognormal(np.log(1.5e6), 0.8)), 2)
            cands.append(
                C(
                    i,
                    capex,
                    round(capex * float(rng.normal(0.25, 0.2)), 2),
                    irr=float(rng.uniform(0, 0.3)),
                    client=int(rng.integers(60)),
                    group=int(rng.integers(200)),
                    engineer_months=round(capex / 4e5, 1),
                )
            )
        total = sum(c.capex for c in cands)
        started = time.perf_counter()
        result = optimise(
            cands, 0.25 * total, min_irr=0.06, engineer_months=150, explain_binding=False
        )
        self.assertLess(time.perf_counter() - started, 60)
        chosen = [cands[i] for i in result.chosen]
        self.assertLessEqual(sum(c.capex for c in chosen), 0.25 * total * (1 + 1e-9))
        self.assertLessEqual(sum(c.engineer_months for c in chosen), 150 + 1e-9)
        self.assertEqual(len({c.group for c in chosen}), len(chosen))
        self.assertGreaterEqual(result.npv, result.greedy.npv - result.tolerance)
        self.assertTrue(all(c.irr >= 0.06 for c in chosen))
        self.assertGreater(result.greedy.npv_gap, 0)


if __name__ == "__main__":
    unittest.main()
