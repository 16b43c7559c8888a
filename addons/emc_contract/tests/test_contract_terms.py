from datetime import date
from decimal import Decimal

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from ..lib import settlement
from .common import ContractCase


@tagged("post_install", "-at_install")
class TestContractTerms(ContractCase):
    def test_number_from_the_sequence(self):
        first = self.make_contract()
        second = self.make_contract()
        self.assertTrue(first.name.startswith("HT"), first.name)
        self.assertNotEqual(first.name, second.name)
        self.assertEqual(first.term_years, 5)
        self.assertEqual(first.display_name, f"{first.name} 一号厂区空调与照明节能改造合同")

    def test_complete_contracts_of_every_type_miss_nothing(self):
        for contract_type in (
            "shared_savings",
            "guaranteed_savings",
            "energy_trusteeship",
            "financing_lease",
            "hybrid",
        ):
            with self.subTest(contract_type=contract_type):
                contract = self.make_contract(contract_type)
                self.assertEqual(contract._missing_terms(), [])
                contract._check_submittable()

    def test_missing_terms_are_named(self):
        contract = self.Contract.create(
            {"title": "空白合同", "partner_id": self.client.id, "contract_type": "hybrid"}
        )
        self.assertEqual(
            contract._missing_terms(),
            [
                "the start date",
                "the end date",
                "the M&V baseline",
                "the IPMVP option",
                "the energy prices",
                "the sharing tiers",
                "the guaranteed savings",
            ],
        )
        with self.assertRaisesRegex(
            UserError, "cannot be submitted: the start date.*still missing"
        ):
            contract._check_submittable()
        lease = self.Contract.create(
            {"title": "租赁", "partner_id": self.client.id, "contract_type": "financing_lease"}
        )
        self.assertEqual(
            lease._missing_terms(),
            [
                "the start date",
                "the end date",
                "the financed amount",
                "the number of instalments",
            ],
        )

    def test_tier_gap_is_refused_before_submission(self):
        contract = self.make_contract(
            tier_ids=[
                (0, 0, {"year_from": 1, "year_to": 2, "esco_share": 0.9}),
                (0, 0, {"year_from": 4, "year_to": 5, "esco_share": 0.7}),
            ]
        )
        with self.assertRaisesRegex(ValidationError, "No sharing tier covers contract year 3"):
            contract._check_submittable()

    def test_settlement_contract_carries_the_terms(self):
        contract = self.make_contract(
            "hybrid",
            price_ids=[
                (
                    0,
                    0,
                    {
                        "carrier": "electricity",
                        "pricing": "tou",
                        "tou_line_ids": [
                            (0, 0, {"period": "peak", "price": 1.0, "hours": "08:00-22:00"}),
                            (0, 0, {"period": "valley", "price": 0.3, "hours": "22:00-08:00"}),
                        ],
                    },
                )
            ],
        )
        terms = contract._settlement_contract()
        self.assertEqual(terms.contract_type, "hybrid")
        self.assertEqual(terms.date_start, date(2025, 1, 1))
        # The settlement's spans exclude their end: the day after the last day.
        self.assertEqual(terms.date_end, date(2030, 1, 1))
        self.assertEqual(
            [(t.year_from, t.year_to, t.share) for t in terms.tiers], [(1, 2, 0.9), (3, 5, 0.7)]
        )
        tou = terms.prices["electricity"]
        self.assertIsInstance(tou, settlement.TimeOfUse)
        self.assertEqual(set(tou.hours), {("peak", "08:00", "22:00"), ("valley", "22:00", "08:00")})
        self.assertEqual(terms.guarantee.kwh, {"electricity": 60_000.0})
        self.assertIsNone(terms.guarantee.excess_share)
        settlement.validate_contract(terms)
        # The pure settlement accepts these terms for a month of savings.
        statement = settlement.settle(
            terms,
            date(2025, 3, 1),
            date(2025, 4, 1),
            [settlement.CarrierSavings("electricity", tou_kwh={"peak": 4000, "valley": 1000})],
        )
        self.assertEqual(statement.total_client_to_esco, Decimal("3870.00"))

    def test_tou_hours_must_be_ranges(self):
        with self.assertRaisesRegex(ValidationError, "must be ranges such as 08:00-11:00"):
            self.make_contract(
                price_ids=[
                    (
                        0,
                        0,
                        {
                            "carrier": "electricity",
                            "pricing": "tou",
                            "tou_line_ids": [
                                (0, 0, {"period": "peak", "price": 1.0, "hours": "早上"})
                            ],
                        },
                    )
                ]
            )

    def test_baseline_of_another_site_is_refused(self):
        other = self.env["emc.site"].create({"name": "二号厂区", "partner_id": self.client.id})
        with self.assertRaisesRegex(ValidationError, "which contract .* does not cover"):
            self.make_contract(site_ids=[(6, 0, other.ids)])

    def test_baseline_option_must_match(self):
        with self.assertRaisesRegex(ValidationError, "follows IPMVP option C"):
            self.make_contract(mv_option="B")

    def test_snapshot_is_flat_and_typed(self):
        contract = self.make_contract("guaranteed_savings", excess_rule="shared", excess_share=0.5)
        snapshot = contract._terms_snapshot()
        self.assertEqual(snapshot["price_electricity"], 0.65)
        self.assertEqual(snapshot["guarantee_electricity_kwh"], 60_000.0)
        self.assertEqual(snapshot["excess_share"], 0.5)
        self.assertNotIn("tier_1_share", snapshot)
        self.assertTrue(all(not isinstance(v, (dict, list, tuple)) for v in snapshot.values()))

    def test_form_fills_client_and_sites_from_the_project(self):
        form = Form(self.Contract)
        form.title = "表单合同"
        form.project_id = self.project
        self.assertEqual(form.partner_id, self.client)
        self.assertEqual(form.site_ids[:], self.site)
        contract = form.save()
        self.assertEqual(contract.state, "draft")
