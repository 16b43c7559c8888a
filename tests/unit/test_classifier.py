"""Unit tests of addons/emc_workorder/lib/classifier.py, without Odoo or a database.

The module is loaded by file path so that importing it does not import the
``odoo.addons.emc_workorder`` package (whose __init__ needs the ORM).
"""

import importlib.util
import math
import sys
import unittest
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]
_PATH = _ROOT / "addons" / "emc_workorder" / "lib" / "classifier.py"
_NAME = "emc_workorder_lib_classifier_under_test"
_spec = importlib.util.spec_from_file_location(_NAME, _PATH)
classifier = importlib.util.module_from_spec(_spec)
sys.modules[_NAME] = classifier  # dataclasses look the module up while building
_spec.loader.exec_module(classifier)

KeywordRule = classifier.KeywordRule
Candidate = classifier.Candidate
classify = classifier.classify


def rules_from(table):
    return [
        KeywordRule(type_key, keyword, weight)
        for type_key, pairs in table.items()
        for keyword, weight in pairs
    ]


# A realistic rule set of the service desk.
RULES = rules_from(
    {
        "power_access": [
            ("报装", 3.0),
            ("电力接入", 3.0),
            ("新装", 2.0),
            ("送电", 1.5),
            ("10kV", 1.0),
        ],
        "capacity_expansion": [
            ("增容", 3.0),
            ("扩容", 3.0),
            ("变压器", 1.5),
            ("容量", 1.5),
            ("kVA", 1.0),
        ],
        "energy_retrofit": [
            ("节能改造", 3.0),
            ("节能", 1.5),
            ("改造", 1.0),
            ("空压机", 2.0),
            ("照明", 1.5),
            ("变频", 2.0),
        ],
        "energy_audit": [
            ("能源审计", 3.0),
            ("能耗诊断", 3.0),
        ],
    }
)


class TestClassify(unittest.TestCase):
    def test_power_access(self):
        result = classify("新建厂房需要10kV电力接入，申请报装", RULES)
        self.assertEqual(result.type_key, "power_access")
        self.assertEqual(result.reason, "keywords")
        self.assertEqual(result.confidence, 1.0)
        self.assertEqual(
            result.candidates, (Candidate("power_access", 7.0, ("报装", "电力接入", "10kV")),)
        )

    def test_capacity_expansion(self):
        result = classify("变压器容量不够，申请增容扩容到1250kVA", RULES)
        self.assertEqual(result.type_key, "capacity_expansion")
        self.assertEqual(result.reason, "keywords")
        top = result.candidates[0]
        self.assertEqual(top.score, 10.0)
        self.assertEqual(top.matched, ("增容", "扩容", "变压器", "容量", "kVA"))

    def test_energy_retrofit(self):
        result = classify("空压机和照明想做节能改造", RULES)
        self.assertEqual(result.type_key, "energy_retrofit")
        self.assertEqual(result.reason, "keywords")
        # 节能改造 3 + 节能 1.5 + 改造 1 + 空压机 2 + 照明 1.5: overlapping keywords all count.
        self.assertEqual(result.candidates[0].score, 9.0)
        self.assertEqual(len(result.candidates), 1)

    def test_ambiguous_goes_to_a_human(self):
        # energy_retrofit: 照明 1.5 + 空压机 2 = 3.5; capacity_expansion: 变压器 1.5
        # + 容量 1.5 = 3. Confidence 3.5 / 6.5 = 0.538 < 0.6.
        result = classify("车间照明和空压机耗电高，变压器容量也偏紧", RULES)
        self.assertIsNone(result.type_key)
        self.assertEqual(result.reason, "low_confidence")
        self.assertAlmostEqual(result.confidence, 3.5 / 6.5, places=9)
        self.assertEqual(
            [(c.type_key, c.score) for c in result.candidates],
            [("energy_retrofit", 3.5), ("capacity_expansion", 3.0)],
        )
        # A lower threshold lets the top type through.
        lenient = classify("车间照明和空压机耗电高，变压器容量也偏紧", RULES, threshold=0.5)
        self.assertEqual(lenient.type_key, "energy_retrofit")
        self.assertEqual(lenient.reason, "keywords")

    def test_tie_is_a_conflict(self):
        result = classify("照明和变压器都有问题", RULES)
        self.assertIsNone(result.type_key)
        self.assertEqual(result.reason, "conflict")
        self.assertEqual(result.confidence, 0.5)
        # Equal scores are listed by type key.
        self.assertEqual(
            [c.type_key for c in result.candidates], ["capacity_expansion", "energy_retrofit"]
        )

    def test_float_noise_does_not_break_a_tie(self):
        rules = [
            KeywordRule("a", "x", 0.1),
            KeywordRule("a", "y", 0.2),
            KeywordRule("b", "z", 0.3),
        ]
        result = classify("xyz", rules, threshold=0.0)
        self.assertEqual(result.reason, "conflict")
        self.assertEqual(result.candidates[0].score, result.candidates[1].score)

    def test_chosen_category_agrees(self):
        result = classify("新厂区申请报装", RULES, chosen_category="power_access")
        self.assertEqual(result.type_key, "power_access")
        self.assertEqual(result.reason, "category")
        self.assertEqual(result.candidates, (Candidate("power_access", 6.0, ("报装",)),))

    def test_chosen_category_with_weak_contrary_keyword(self):
        # category 3 vs 变压器 1.5: confidence 3 / 4.5 = 0.667, the category stands.
        result = classify("变压器旁边的灯", RULES, chosen_category="energy_retrofit")
        self.assertEqual(result.type_key, "energy_retrofit")
        self.assertEqual(result.reason, "category")
        self.assertAlmostEqual(result.confidence, 2 / 3, places=9)

    def test_chosen_category_overridden_by_keywords(self):
        result = classify(
            "变压器容量不够，申请增容扩容到1250kVA", RULES, chosen_category="power_access"
        )
        # capacity_expansion 10 vs power_access 3 (category only): 10 / 13 = 0.769.
        self.assertEqual(result.type_key, "capacity_expansion")
        self.assertEqual(result.reason, "keywords")
        self.assertEqual(
            [(c.type_key, c.score, c.matched) for c in result.candidates][1],
            ("power_access", 3.0, ()),
        )

    def test_empty_description_with_category(self):
        for description in ("", None, "   "):
            result = classify(description, RULES, chosen_category="energy_audit")
            self.assertEqual(result.type_key, "energy_audit")
            self.assertEqual(result.reason, "category")
            self.assertEqual(result.confidence, 1.0)

    def test_category_without_rules(self):
        result = classify("请尽快联系", RULES, chosen_category="other")
        self.assertEqual(result.type_key, "other")
        self.assertEqual(result.reason, "category")

    def test_no_match(self):
        for description in ("你好，请回电话", "", None):
            result = classify(description, RULES)
            self.assertIsNone(result.type_key)
            self.assertEqual(result.reason, "no_match")
            self.assertEqual(result.confidence, 0.0)
            self.assertEqual(result.candidates, ())
        self.assertEqual(classify("增容", []).reason, "no_match")
        self.assertEqual(classify("", RULES, chosen_category="").reason, "no_match")

    def test_full_width_and_case(self):
        result = classify("申请１０ＫＶ电力接入", RULES)
        self.assertEqual(result.candidates[0].matched, ("电力接入", "10kV"))
        rules = [KeywordRule("abc", "ＡＢＣ", 1.0)]
        self.assertEqual(classify("abc 系统", rules).type_key, "abc")
        self.assertEqual(classify("ａｂｃ", [KeywordRule("abc", "ABC", 1.0)]).type_key, "abc")
        # White space is collapsed on both sides (full-width space included).
        rules = [KeywordRule("audit", "energy  audit", 1.0)]
        self.assertEqual(classify("Energy\u3000Audit please", rules).type_key, "audit")

    def test_repeated_keyword_counted_once(self):
        result = classify("报装报装报装，报装！", RULES)
        self.assertEqual(result.candidates, (Candidate("power_access", 3.0, ("报装",)),))
        # A keyword listed twice for one type also counts once (first rule wins).
        rules = [*RULES, KeywordRule("power_access", "报装", 5.0)]
        result = classify("申请报装", rules)
        self.assertEqual(result.candidates, (Candidate("power_access", 3.0, ("报装",)),))
        # Keywords that differ only by case or width are the same keyword.
        rules = [
            KeywordRule("capacity_expansion", "kVA", 1.0),
            KeywordRule("capacity_expansion", "ＫＶＡ", 4.0),
        ]
        result = classify("扩到1250KVA", rules)
        self.assertEqual(result.candidates, (Candidate("capacity_expansion", 1.0, ("kVA",)),))

    def test_same_keyword_for_two_types(self):
        rules = [KeywordRule("a", "电表", 1.0), KeywordRule("b", "电表", 2.0)]
        result = classify("电表坏了", rules, threshold=0.6)
        self.assertEqual(
            [(c.type_key, c.score) for c in result.candidates], [("b", 2.0), ("a", 1.0)]
        )
        self.assertEqual(result.type_key, "b")

    def test_negative_weight(self):
        description = "只做照明节能改造，不需要增容"
        result = classify(description, RULES)
        self.assertIn("capacity_expansion", [c.type_key for c in result.candidates])
        penalised = classify(
            description, [*RULES, KeywordRule("capacity_expansion", "不需要增容", -4.0)]
        )
        # capacity_expansion: 增容 3 - 4 = -1, no longer a candidate.
        self.assertEqual([c.type_key for c in penalised.candidates], ["energy_retrofit"])
        self.assertEqual(penalised.type_key, "energy_retrofit")
        self.assertEqual(penalised.confidence, 1.0)
        # A penalty can also lower a chosen category below zero.
        result = classify(
            "不需要增容",
            [KeywordRule("capacity_expansion", "不需要增容", -4.0)],
            chosen_category="capacity_expansion",
        )
        self.assertEqual(result.reason, "no_match")

    def test_rules_iterable_read_once(self):
        result = classify("申请报装", iter(RULES))
        self.assertEqual(result.type_key, "power_access")

    def test_validation(self):
        for args in (("", "报装", 1.0), ("t", "  ", 1.0), ("t", "x", math.nan), ("t", "x", "1")):
            with self.assertRaises(ValueError):
                KeywordRule(*args)
        with self.assertRaises(ValueError):
            classify("x", RULES, threshold=1.5)
        with self.assertRaises(ValueError):
            classify("x", RULES, category_weight=-1)
        with self.assertRaises(ValueError):
            classify("x", RULES, category_weight=math.inf)

    def test_normalize_text(self):
        self.assertEqual(classifier.normalize_text(" ＡＢＣ\u3000１０ｋＶ  节能 "), "abc 10kv 节能")
        self.assertEqual(classifier.normalize_text(None), "")


if __name__ == "__main__":
    unittest.main()
