"""Unit tests of addons/emc_contract/lib/cash_flow.py, without Odoo or a database."""

import datetime
import unittest
from decimal import Decimal

from _load import load

cash_flow = load("emc_contract", "lib.cash_flow")
D = Decimal
d = datetime.date


class TestSpread(unittest.TestCase):
    def test_parts_add_up_to_the_fen(self):
        parts = cash_flow.spread(100, [1, 1, 1])
        self.assertEqual(parts, [D("33.34"), D("33.33"), D("33.33")])
        self.assertEqual(sum(parts), D("100.00"))

    def test_by_days_and_negative(self):
        parts = cash_flow.spread(-310, [31, 0, 279])
        self.assertEqual(parts, [D("-31.00"), D("0.00"), D("-279.00")])

    def test_bad_weights(self):
        with self.assertRaises(cash_flow.CashFlowError) as caught:
            cash_flow.spread(10, [0, 0])
        self.assertEqual(caught.exception.code, "bad_weights")


class TestPosition(unittest.TestCase):
    def test_months_and_days(self):
        self.assertEqual(
            cash_flow.months(d(2025, 11, 15), d(2026, 2, 1)),
            [d(2025, 11, 1), d(2025, 12, 1), d(2026, 1, 1), d(2026, 2, 1)],
        )
        self.assertEqual(cash_flow.days_in_span(d(2025, 2, 1), d(2025, 2, 10), d(2025, 12, 31)), 19)

    def test_cumulate_and_payback(self):
        series = [
            (d(2025, m, 1), v) for m, v in zip(range(1, 6), [-100, 30, 30, 40, 10], strict=True)
        ]
        self.assertEqual(cash_flow.cumulate(v for _m, v in series), [-100, -70, -40, 0, 10])
        self.assertEqual(cash_flow.payback_month(series), d(2025, 4, 1))

    def test_no_payback(self):
        self.assertIsNone(cash_flow.payback_month([(d(2025, 1, 1), 10), (d(2025, 2, 1), 5)]))
        self.assertIsNone(cash_flow.payback_month([(d(2025, 1, 1), -10), (d(2025, 2, 1), 5)]))


class TestRevenueForecast(unittest.TestCase):
    def test_shared_savings_tiers_and_partial_month(self):
        terms = cash_flow.RevenueTerms(
            "shared_savings",
            d(2025, 1, 16),
            d(2027, 1, 15),
            price="0.65",
            tiers=[(1, 1, "0.9"), (2, None, "0.7")],
        )
        rows = dict(cash_flow.revenue_forecast(terms, dict.fromkeys(range(1, 13), 3100)))
        # January 2025: 16 of 31 days -> 1600 kWh x 0.65 x 0.9
        self.assertEqual(rows[d(2025, 1, 1)], D("936.00"))
        self.assertEqual(rows[d(2025, 6, 1)], D("1813.50"))
        # February 2026 starts in contract year 2 (from 2026-01-16): 0.7
        self.assertEqual(rows[d(2026, 2, 1)], D("1410.50"))
        self.assertEqual(len(rows), 25)

    def test_guaranteed_shortfall_and_excess(self):
        terms = cash_flow.RevenueTerms(
            "guaranteed_savings",
            d(2025, 1, 1),
            d(2025, 12, 31),
            price=1,
            guarantee_kwh=36500,
            excess_share="0.5",
            shortfall_price=2,
        )
        rows = dict(cash_flow.revenue_forecast(terms, {1: 4100, 2: 2000}))
        # January: G = 36500 x 31 / 365 = 3100; excess 1000 x 1 x 0.5
        self.assertEqual(rows[d(2025, 1, 1)], D("500.00"))
        # February: G = 2800; shortfall 800 x 2
        self.assertEqual(rows[d(2025, 2, 1)], D("-1600.00"))

    def test_trusteeship_and_lease(self):
        fee = cash_flow.RevenueTerms(
            "energy_trusteeship", d(2025, 1, 1), d(2025, 3, 31), fee=30000, period_months=3
        )
        self.assertEqual(
            [amount for _m, amount in cash_flow.revenue_forecast(fee, {})],
            [D("10000.00")] * 3,
        )
        lease = cash_flow.RevenueTerms(
            "financing_lease",
            d(2025, 1, 1),
            d(2025, 3, 31),
            lease=[(d(2025, 2, 1), "100.5"), (d(2025, 3, 1), "100.5")],
        )
        self.assertEqual(
            [amount for _m, amount in cash_flow.revenue_forecast(lease, {})],
            [D("0.00"), D("100.50"), D("100.50")],
        )


if __name__ == "__main__":
    unittest.main()
