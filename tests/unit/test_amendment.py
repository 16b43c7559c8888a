"""Unit tests of addons/emc_contract/lib/amendment.py, without Odoo or a database."""

import datetime
import json
import unittest
from decimal import Decimal

from _load import load

amendment = load("emc_contract", "lib.amendment")
diff_terms = amendment.diff_terms
TermChange = amendment.TermChange


class TestDiffTerms(unittest.TestCase):
    def test_added_removed_changed(self):
        old = {
            "esco_share_1": Decimal("0.9"),
            "price_gas": "3.2",
            "date_end": datetime.date(2029, 1, 1),
        }
        new = {
            "esco_share_1": Decimal("0.85"),
            "date_end": datetime.date(2030, 1, 1),
            "cap": 200000,
        }
        self.assertEqual(
            diff_terms(old, new),
            (
                TermChange("cap", "added", None, 200000),
                TermChange(
                    "date_end", "changed", datetime.date(2029, 1, 1), datetime.date(2030, 1, 1)
                ),
                TermChange("esco_share_1", "changed", Decimal("0.9"), Decimal("0.85")),
                TermChange("price_gas", "removed", "3.2", None),
            ),
        )

    def test_equal_terms_give_nothing(self):
        terms = {"a": 1, "b": "x", "c": None}
        self.assertEqual(diff_terms(terms, dict(terms)), ())

    def test_numbers_by_value(self):
        old = {"a": 1, "b": 0.9, "c": Decimal("0.60"), "d": 0.1 + 0.2}
        new = {
            "a": Decimal("1.00"),
            "b": Decimal("0.9"),
            "c": 0.6,
            "d": Decimal("0.30000000000000004"),
        }
        self.assertEqual(diff_terms(old, new), ())
        self.assertEqual(len(diff_terms({"a": 1}, {"a": Decimal("1.01")})), 1)

    def test_empty_values_and_bools(self):
        # Odoo reads an empty field as False: None and False are the same "empty"
        self.assertEqual(diff_terms({"note": None}, {"note": False}), ())
        # but True is not the number 1, and a bool change is a change
        self.assertEqual(diff_terms({"netting": True}, {"netting": 1})[0].kind, "changed")
        self.assertEqual(diff_terms({"netting": True}, {"netting": False})[0].kind, "changed")
        # a field becoming empty is a change, not a removal
        self.assertEqual(diff_terms({"note": "x"}, {"note": False})[0].kind, "changed")

    def test_date_is_not_a_datetime(self):
        day = datetime.date(2024, 1, 1)
        moment = datetime.datetime(2024, 1, 1)
        self.assertEqual(diff_terms({"d": day}, {"d": moment})[0].kind, "changed")

    def test_stable_order(self):
        old = {"z": 1, "a": 1, "m": 1}
        new = {"m": 2, "z": 2, "a": 2}
        self.assertEqual([c.field for c in diff_terms(old, new)], ["a", "m", "z"])
        self.assertEqual([c.field for c in diff_terms(new, old)], ["a", "m", "z"])
        # fields named in ``order`` first (a repeated name counts once), then the rest by name
        self.assertEqual(
            [c.field for c in diff_terms(old, new, order=("z", "y", "z"))], ["z", "a", "m"]
        )

    def test_json(self):
        change = diff_terms({"p": Decimal("0.60")}, {"p": Decimal("0.65")})[0]
        self.assertEqual(
            json.loads(json.dumps(change.to_dict())),
            {"field": "p", "kind": "changed", "old": "0.60", "new": "0.65"},
        )
        change = diff_terms({}, {"d": datetime.date(2024, 3, 1)})[0]
        self.assertEqual(change.to_dict()["new"], "2024-03-01")

    def test_not_flat(self):
        for value in ({"a": 1}, [1, 2], (7, "Client"), object()):
            with self.subTest(value=value), self.assertRaises(TypeError):
                diff_terms({"x": value}, {})
        with self.assertRaises(TypeError):
            diff_terms({1: "a"}, {})
        with self.assertRaises(ValueError):
            diff_terms({}, {"x": float("nan")})
        with self.assertRaises(ValueError):
            diff_terms({}, {"x": Decimal("Infinity")})


if __name__ == "__main__":
    unittest.main()
