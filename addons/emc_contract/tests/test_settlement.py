from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from unittest.mock import patch

from psycopg2.errors import UniqueViolation

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .settlement_common import SettlementCase, report


def fen(value):
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


TOU_PRICE = {
    "carrier": "electricity",
    "pricing": "tou",
    "tou_line_ids": [
        (0, 0, {"period": "peak", "price": 1.0, "hours": "08:00-12:00, 17:00-21:00"}),
        (0, 0, {"period": "flat", "price": 0.6, "hours": "12:00-17:00, 21:00-24:00"}),
        (0, 0, {"period": "valley", "price": 0.3, "hours": "00:00-08:00"}),
    ],
}


@tagged("post_install", "-at_install")
class TestSettlementArithmetic(SettlementCase):
    def lines(self, settlement):
        return [
            (line.code, line.direction, line.kwh, line.share, line.gross, line.amount)
            for line in settlement.line_ids.sorted("sequence")
        ]

    def test_shared_savings_from_the_measured_data(self):
        """January 2025 of the M&V dataset, valued and shared by hand from its report."""
        contract = self.make_contract()
        expected = self.approved_baseline._savings_report(date(2025, 1, 1), date(2025, 2, 1))
        settlement = self.settle(contract, *self.jan())
        savings = Decimal(str(round(expected.savings_kwh, 3)))
        gross = fen(savings * Decimal("0.65"))
        amount = fen(Decimal(str(gross)) * Decimal("0.9"))
        self.assertGreater(savings, 0)
        self.assertEqual(settlement.state, "to_confirm")
        self.assertEqual(
            self.lines(settlement),
            [("savings_share", "client_to_esco", float(savings), 0.9, gross, amount)],
        )
        self.assertEqual(settlement.amount_due_esco, amount)
        self.assertEqual(settlement.contract_days, 31)
        self.assertIn("ESCO share 90 %", settlement.line_ids.description)
        self.assertIn("adjusted baseline", settlement.inputs_text)

    def test_tier_boundary_inside_the_period(self):
        contract = self.make_contract(date_start=date(2024, 3, 16), date_end=date(2029, 3, 15))
        with self.savings(report(31_000.0)):
            settlement = self.settle(contract, date(2026, 3, 1), date(2026, 3, 31))
        # 15 days at 90 % (year 2 ends on 15 March), 16 days at 70 %
        self.assertEqual(
            self.lines(settlement),
            [
                ("savings_share", "client_to_esco", 15_000.0, 0.9, 9_750.0, 8_775.0),
                ("savings_share", "client_to_esco", 16_000.0, 0.7, 10_400.0, 7_280.0),
            ],
        )
        self.assertEqual(settlement.amount_due_esco, 16_055.0)

    def test_partial_first_period(self):
        contract = self.make_contract(date_start=date(2025, 1, 10))
        with self.savings(report(2_200.0)) as calls:
            settlement = self.settle(contract, *self.jan())
        # the savings are measured on the contract's 22 days only
        self.assertEqual(calls, [(date(2025, 1, 10), date(2025, 2, 1), 22)])
        self.assertEqual(settlement.contract_days, 22)
        self.assertEqual(
            self.lines(settlement),
            [("savings_share", "client_to_esco", 2_200.0, 0.9, 1_430.0, 1_287.0)],
        )

    def test_rounding_to_the_fen_half_up(self):
        contract = self.make_contract(
            price_ids=[(0, 0, {"carrier": "electricity", "pricing": "fixed", "price": 0.5})]
        )
        with self.savings(report(1_300.1004)):
            settlement = self.settle(contract, *self.jan())
        # 1,300.100 kWh (to the Wh) x 0.5 = 650.05; x 90 % = 585.045 -> 585.05 (half up)
        self.assertEqual(
            self.lines(settlement),
            [("savings_share", "client_to_esco", 1_300.1, 0.9, 650.05, 585.05)],
        )

    def test_time_of_use_split_by_the_hourly_profile(self):
        contract = self.make_contract(price_ids=[(0, 0, TOU_PRICE)])
        hours = [5.0] * 8 + [10.0] * 16  # valley 40, peak 80, flat 80 kWh
        with (
            self.savings(report(10_000.0)),
            patch.object(type(self.Settlement), "_hourly_profile", lambda *a: hours),
        ):
            settlement = self.settle(contract, *self.jan())
        self.assertEqual(
            [(line.tou_period, line.kwh, line.price, line.amount) for line in settlement.line_ids],
            [
                ("peak", 4_000.0, 1.0, 3_600.0),
                ("flat", 4_000.0, 0.6, 2_160.0),
                ("valley", 2_000.0, 0.3, 540.0),
            ],
        )
        self.assertEqual(settlement.amount_due_esco, 6_300.0)

    def test_time_of_use_from_the_rollups(self):
        """The dataset spreads each day evenly over its hours: thirds of 8 hours each."""
        contract = self.make_contract(price_ids=[(0, 0, TOU_PRICE)])
        settlement = self.settle(contract, *self.jan())
        lines = settlement.line_ids
        total = sum(lines.mapped("kwh"))
        self.assertAlmostEqual(total, settlement.savings_kwh, places=3)
        for line in lines:
            self.assertAlmostEqual(line.kwh / total, 1 / 3, places=3)
            self.assertEqual(line.gross, fen(Decimal(str(line.kwh)) * Decimal(str(line.price))))
            self.assertEqual(line.amount, fen(Decimal(str(line.gross)) * Decimal("0.9")))

    def test_zero_and_negative_savings_give_no_invoice(self):
        for savings, amount in ((0.0, 0.0), (-5_000.0, -2_925.0)):
            with self.subTest(savings=savings):
                contract = self.make_contract()
                with self.savings(report(savings)):
                    settlement = self.settle(contract, *self.jan())
                self.assertEqual(settlement.line_ids.amount, amount)
                self.assertEqual(settlement.amount_due_esco, 0.0)
                self.assertEqual(settlement.amount_waived, -amount)
                self.assertFalse(settlement.version_id.statement["invoices"])
                settlement.action_confirm()
                settlement.action_invoice()
                self.assertFalse(settlement.move_ids)
                self.assertEqual(settlement.state, "done")

    def test_negative_balance_carried_forward(self):
        contract = self.make_contract(negative_balance="carry_forward")
        with self.savings(report(-5_000.0), report(10_000.0)):
            january = self.settle(contract, *self.jan())
            february = self.settle(contract, date(2025, 2, 1), date(2025, 2, 28))
        self.assertEqual(january.carry_out, -2_925.0)
        self.assertEqual(february.carry_in, -2_925.0)
        # 10,000 kWh x 0.65 x 90 % = 5,850.00, less the 2,925.00 carried
        self.assertEqual(february.amount_due_esco, 2_925.0)
        self.assertEqual(
            [line.code for line in february.line_ids], ["carried_forward", "savings_share"]
        )

    def test_guaranteed_savings_shortfall(self):
        contract = self.make_contract(
            "guaranteed_savings",
            guarantee_per="period",
            guarantee_line_ids=[(0, 0, {"carrier": "electricity", "kwh": 12_000.0})],
        )
        with self.savings(report(10_000.0)):
            settlement = self.settle(contract, *self.jan())
        self.assertEqual(
            self.lines(settlement),
            [("guarantee_shortfall", "esco_to_client", 2_000.0, 1.0, 1_300.0, 1_300.0)],
        )
        self.assertEqual(settlement.amount_due_client, 1_300.0)
        self.assertEqual(settlement.version_id.statement["invoices"][0]["move_type"], "out_refund")

    def test_hybrid_nets_share_and_shortfall(self):
        contract = self.make_contract(
            "hybrid",
            guarantee_per="period",
            guarantee_line_ids=[(0, 0, {"carrier": "electricity", "kwh": 12_000.0})],
        )
        with self.savings(report(10_000.0)):
            settlement = self.settle(contract, *self.jan())
        self.assertEqual(
            self.lines(settlement),
            [
                ("savings_share", "client_to_esco", 10_000.0, 0.9, 6_500.0, 5_850.0),
                ("guarantee_shortfall", "esco_to_client", 2_000.0, 1.0, 1_300.0, 1_300.0),
            ],
        )
        self.assertEqual(settlement.amount_due_esco, 4_550.0)

    def test_trusteeship_fee_and_saving_below_cap(self):
        contract = self.make_contract("energy_trusteeship")
        with patch.object(type(self.Settlement), "_consumption", lambda *a: 30_000.0):
            settlement = self.settle(contract, *self.jan())
        # cost 30,000 kWh x 0.65 = 19,500.00 under the 25,000.00 cap: 5,500.00 x 50 %
        self.assertEqual(
            [(line.code, line.gross, line.amount) for line in settlement.line_ids],
            [("trusteeship_fee", 20_000.0, 20_000.0), ("saving_below_cap", 5_500.0, 2_750.0)],
        )
        self.assertEqual(settlement.amount_due_esco, 22_750.0)

    def test_financing_lease_instalment(self):
        contract = self.make_contract("financing_lease")
        settlement = self.settle(contract, *self.jan())
        # 600,000 at 4.35 % over 60 months: payment 11,144.93, interest 2,175.00
        self.assertEqual(
            [(line.code, line.amount) for line in settlement.line_ids],
            [("lease_interest", 2_175.0), ("lease_principal", 8_969.93)],
        )
        self.assertEqual(settlement.amount_due_esco, 11_144.93)

    def test_missing_data_is_a_clear_error(self):
        draft = self.approved_baseline.copy({"name": "未批准基准"})
        contract = self.make_contract(baseline_ids=[(6, 0, draft.ids)])
        with self.assertRaisesRegex(UserError, "no approved M&V baseline"):
            self.settle(contract, *self.jan())
        self.assertFalse(contract.settlement_ids)


@tagged("post_install", "-at_install")
class TestSettlementFlow(SettlementCase):
    def test_dispute_then_recompute_keeps_every_version(self):
        contract = self.make_contract()
        with self.savings(report(10_000.0)):
            settlement = self.settle(contract, *self.jan())
        first = settlement.version_id
        with self.assertRaisesRegex(UserError, "Say why"):
            settlement.action_dispute(" ")
        settlement.action_dispute("一月抄表数据有误")
        self.assertEqual(settlement.state, "disputed")
        with self.savings(report(9_000.0, non_routine_kwh=-1_000.0)):
            settlement.action_recompute()
        second = settlement.version_id
        self.assertEqual(settlement.state, "to_confirm")
        self.assertEqual(settlement.version_ids, first | second)
        self.assertEqual((first.number, second.number), (1, 2))
        self.assertFalse(first.is_current)
        self.assertEqual(second.reason, "一月抄表数据有误")
        self.assertEqual(first.line_ids.amount, 5_850.0)
        self.assertEqual(second.line_ids.amount, 5_265.0)
        self.assertEqual(settlement.non_routine_kwh, -1_000.0)
        self.assertEqual(settlement.amount_due_esco, 5_265.0)

    def test_one_live_settlement_per_period(self):
        contract = self.make_contract()
        with self.savings(report(10_000.0)):
            self.settle(contract, *self.jan())
            with (
                self.assertRaises(UniqueViolation),
                self.cr.savepoint(),
                mute_logger("odoo.sql_db"),
            ):
                self.settle(contract, *self.jan())

    def test_termination_settles_the_partial_last_period(self):
        contract = self.make_contract(date_end=date(2025, 3, 20))
        contract._set_stage("terminated")
        with self.savings(report(31_000.0), report(28_000.0), report(2_000.0)) as calls:
            contract._on_terminated()
        settlements = contract.settlement_ids.sorted("date_from")
        self.assertEqual(len(settlements), 3)
        last = settlements[-1]
        self.assertEqual(
            (last.date_from, last.date_to, last.contract_days),
            (date(2025, 3, 1), date(2025, 3, 31), 20),
        )
        self.assertTrue(last.final)
        self.assertEqual(calls[-1], (date(2025, 3, 1), date(2025, 3, 21), 20))
        self.assertEqual(last.amount_due_esco, 1_170.0)
        blockers = contract._closing_blockers()
        self.assertEqual(len(blockers), 1)
        self.assertIn("not paid yet", blockers[0])


@tagged("post_install", "-at_install")
class TestSettlementViews(SettlementCase):
    def test_views_load(self):
        views = self.Settlement.get_views(
            [
                (False, "list"),
                (False, "form"),
                (False, "search"),
                (False, "pivot"),
                (False, "graph"),
            ]
        )
        self.assertIn("line_ids", views["views"]["form"]["arch"])
        form = self.Contract.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("action_view_settlements", form)
        contract = self.make_contract()
        with self.savings(report(10_000.0)):
            settlement = self.settle(contract, *self.jan())
        self.assertEqual(contract.settlement_count, 1)
        action = contract.action_view_settlements()
        self.assertEqual(self.Settlement.search(action["domain"]), settlement)
        wizard = (
            self.env["emc.settlement.reason"]
            .with_context(active_model="emc.settlement", active_id=settlement.id)
            .create({"mode": "dispute", "reason": "数据异常"})
        )
        wizard.action_apply()
        self.assertEqual(settlement.state, "disputed")
