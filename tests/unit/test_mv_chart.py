"""The SVG chart of the M&V report (addons/emc_metering/mv/chart.py), without Odoo."""

import math
import unittest
import xml.etree.ElementTree as ET

from _load import load

chart = load("emc_metering", "mv.chart")

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    root = ET.fromstring(svg)
    return root, {
        "actual": root.findall(f"{SVG}rect[@class='actual']"),
        "baseline": root.findall(f"{SVG}polyline[@class='baseline']"),
        "dots": root.findall(f"{SVG}circle[@class='baseline']"),
        "periods": root.findall(f"{SVG}text[@class='period']"),
        "ticks": root.findall(f"{SVG}text[@class='tick']"),
        "reporting": root.findall(f"{SVG}line[@class='reporting']"),
    }


class TestNiceTicks(unittest.TestCase):
    def test_steps_of_one_two_five(self):
        self.assertEqual(chart.nice_ticks(1234), [0, 500, 1000, 1500])
        self.assertEqual(chart.nice_ticks(100), [0, 50, 100])
        self.assertEqual(chart.nice_ticks(0.9), [0, 0.5, 1.0])
        self.assertEqual(chart.nice_ticks(38_000), [0, 10_000, 20_000, 30_000, 40_000])

    def test_no_data(self):
        self.assertEqual(chart.nice_ticks(0), [0.0, 1.0])
        self.assertEqual(chart.nice_ticks(float("nan")), [0.0, 1.0])


class TestBaselineChart(unittest.TestCase):
    def test_geometry_of_bars_and_line(self):
        # plot area 720 - 64 - 16 = 640 wide, 300 - 36 - 56 = 208 high; y axis 0..1500
        svg = chart.baseline_chart_svg(
            ["2025-01", "2025-02", "2025-03", "2025-04"],
            [1000, 1500, None, 750],
            [1200, 1200, 1200, 1200],
            reporting_start=2,
        )
        root, parts = parse(svg)
        self.assertEqual(root.get("width"), "720")
        self.assertEqual(len(parts["actual"]), 3)  # the missing month draws no bar
        first = parts["actual"][0]
        # x_0 = 64 + 0.5 * 160 = 144; bar width 0.6 * 160 = 96
        self.assertEqual(first.get("x"), "96.00")
        self.assertEqual(first.get("width"), "96.00")
        # y(1000) = 36 + 208 * (1 - 1000/1500)
        self.assertEqual(first.get("y"), f"{36 + 208 * (1 - 1000 / 1500):.2f}")
        self.assertEqual(first.get("height"), f"{208 * 1000 / 1500:.2f}")
        self.assertEqual(parts["actual"][1].get("y"), "36.00")  # 1500 is the top tick
        (line,) = parts["baseline"]
        y = f"{36 + 208 * (1 - 1200 / 1500):.2f}"
        self.assertEqual(line.get("points"), f"144.00,{y} 304.00,{y} 464.00,{y} 624.00,{y}")
        self.assertEqual(
            [t.text for t in parts["periods"]], ["2025-01", "2025-02", "2025-03", "2025-04"]
        )
        self.assertEqual([t.text for t in parts["ticks"]], ["0", "500", "1000", "1500"])
        (rule,) = parts["reporting"]
        self.assertEqual(rule.get("x1"), "384.00")  # 64 + 2 * 160

    def test_missing_values_break_the_line(self):
        svg = chart.baseline_chart_svg(
            ["a", "b", "c", "d", "e"], [None] * 5, [10, 20, math.nan, 30, None]
        )
        _root, parts = parse(svg)
        self.assertEqual(len(parts["baseline"]), 1)
        self.assertEqual(len(parts["baseline"][0].get("points").split()), 2)
        self.assertEqual(len(parts["dots"]), 1)  # the lone point after the gap
        self.assertEqual(parts["actual"], [])
        self.assertEqual(parts["reporting"], [])

    def test_texts_are_escaped_and_kept(self):
        labels = chart.ChartLabels(
            title="基准能耗 <与> 实际能耗 & 节能量",
            unit="千瓦时",
            actual="实际",
            baseline="调整后基准",
            reporting="报告期",
        )
        svg = chart.baseline_chart_svg(["2025-01"], [1.0], [2.0], labels, reporting_start=0)
        root, _parts = parse(svg)
        texts = [t.text for t in root.iter(f"{SVG}text")]
        for text in ("基准能耗 <与> 实际能耗 & 节能量", "千瓦时", "实际", "调整后基准", "报告期"):
            self.assertIn(text, texts)
        self.assertIn("&lt;与&gt;", svg)

    def test_many_periods_thin_the_labels(self):
        periods = [f"P{i}" for i in range(36)]
        svg = chart.baseline_chart_svg(periods, [1.0] * 36, [1.0] * 36)
        _root, parts = parse(svg)
        self.assertEqual([t.text for t in parts["periods"]], [f"P{i}" for i in range(0, 36, 3)])

    def test_lengths_must_match(self):
        with self.assertRaises(ValueError):
            chart.baseline_chart_svg(["a", "b"], [1.0], [1.0, 2.0])
