from datetime import date

from odoo.tests import tagged

from .settlement_common import SettlementCase, report


@tagged("post_install", "-at_install")
class TestSettlementAccounting(SettlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.vat6 = cls.env.ref(f"account.{cls.esco.id}_l10n_cn_sales_excluded_6")
        cls.vat6_purchase = cls.env.ref(f"account.{cls.esco.id}_l10n_cn_purchase_excluded_6")
        cls.receivable = cls.env.ref(f"account.{cls.esco.id}_l10n_cn_common_account_1122")
        cls.income = cls.env.ref(f"account.{cls.esco.id}_l10n_cn_account_5001")
        cls.expense = cls.env.ref(f"account.{cls.esco.id}_l10n_cn_account_5401")
        cls.vat_account = cls.env.ref(f"account.{cls.esco.id}_l10n_cn_common_account_2221")
        cls.payable = cls.env.ref(f"account.{cls.esco.id}_l10n_cn_common_account_2202")

    def post(self, contract, savings):
        with self.savings(report(savings)):
            settlement = self.settle(contract, *self.jan())
        settlement.action_confirm()
        settlement.action_invoice()
        return settlement

    def balances(self, move):
        return sorted(
            (line.account_id.with_company(self.esco).code, line.debit, line.credit)
            for line in move.line_ids
        )

    def test_codes_of_the_chinese_chart(self):
        self.assertEqual(
            tuple(
                account.with_company(self.esco).code
                for account in (self.receivable, self.income, self.vat_account)
            ),
            ("112200", "500100", "222100"),
        )

    def test_customer_invoice_of_the_esco_share(self):
        analytic_plan = self.env["account.analytic.plan"].create({"name": "EMC"})
        account = self.env["account.analytic.account"].create(
            {"name": "一号厂区项目", "plan_id": analytic_plan.id, "company_id": False}
        )
        self.project.analytic_account_id = account
        term = self.env.ref("account.account_payment_term_30days")
        contract = self.make_contract(payment_term_id=term.id)
        settlement = self.post(contract, 10_000.0)
        move = settlement.move_ids
        self.assertEqual(settlement.state, "invoiced")
        self.assertEqual(settlement.payment_state, "not_paid")
        self.assertEqual((move.move_type, move.state), ("out_invoice", "posted"))
        self.assertEqual(move.partner_id, self.client)
        self.assertEqual(move.invoice_payment_term_id, term)
        # 5,850.00 + 6 % VAT 351.00
        self.assertEqual(
            (move.amount_untaxed, move.amount_tax, move.amount_total), (5_850.0, 351.0, 6_201.0)
        )
        self.assertEqual(
            self.balances(move),
            [("112200", 6_201.0, 0.0), ("222100", 0.0, 351.0), ("500100", 0.0, 5_850.0)],
        )
        product_line = move.invoice_line_ids
        self.assertEqual(product_line.tax_ids, self.vat6)
        self.assertEqual(product_line.analytic_distribution, {str(account.id): 100.0})
        self.assertEqual(product_line.emc_settlement_line_id, settlement.line_ids)
        self.assertEqual(self.esco.emc_settlement_sale_tax_id, self.vat6)

    def test_credit_note_for_a_shortfall(self):
        contract = self.make_contract(
            "guaranteed_savings",
            guarantee_per="period",
            guarantee_line_ids=[(0, 0, {"carrier": "electricity", "kwh": 12_000.0})],
        )
        move = self.post(contract, 10_000.0).move_ids
        self.assertEqual(move.move_type, "out_refund")
        self.assertEqual(move.amount_total, 1_378.0)
        self.assertEqual(
            self.balances(move),
            [("112200", 0.0, 1_378.0), ("222100", 78.0, 0.0), ("500100", 1_300.0, 0.0)],
        )

    def test_vendor_bill_when_the_client_invoices(self):
        contract = self.make_contract(
            "guaranteed_savings",
            guarantee_per="period",
            esco_payment_move="in_invoice",
            guarantee_line_ids=[(0, 0, {"carrier": "electricity", "kwh": 12_000.0})],
        )
        move = self.post(contract, 10_000.0).move_ids
        self.assertEqual(move.move_type, "in_invoice")
        self.assertEqual(move.invoice_line_ids.tax_ids, self.vat6_purchase)
        self.assertEqual(move.invoice_line_ids.account_id, self.expense)
        debit = sum(move.line_ids.mapped("debit"))
        self.assertEqual(debit, sum(move.line_ids.mapped("credit")))
        self.assertEqual(debit, 1_378.0)

    def test_netted_hybrid_invoice_has_a_negative_line_but_a_positive_total(self):
        contract = self.make_contract(
            "hybrid",
            guarantee_per="period",
            guarantee_line_ids=[(0, 0, {"carrier": "electricity", "kwh": 12_000.0})],
        )
        move = self.post(contract, 10_000.0).move_ids
        self.assertEqual(move.move_type, "out_invoice")
        self.assertEqual(
            sorted(move.invoice_line_ids.mapped("price_subtotal")), [-1_300.0, 5_850.0]
        )
        self.assertEqual(move.amount_untaxed, 4_550.0)

    def test_paid_invoices_finish_the_settlement(self):
        # a one-month contract: once paid, nothing keeps it from closing
        settlement = self.post(self.make_contract(date_end=date(2025, 1, 31)), 10_000.0)
        move = settlement.move_ids
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({"payment_date": move.invoice_date}).action_create_payments()
        self.assertIn(move.payment_state, ("paid", "in_payment"))
        self.assertEqual(settlement.state, "done")
        self.assertEqual(settlement.payment_state, "paid")
        self.assertEqual(settlement.contract_id._closing_blockers(), [])

    def test_statement_pdf_xlsx_and_fapiao_export(self):
        settlement = self.post(self.make_contract(), 10_000.0)
        Report = self.env["ir.actions.report"]
        html = Report._render_qweb_html("emc_contract.report_emc_settlement", settlement.ids)[
            0
        ].decode()
        self.assertIn(settlement.name, html)
        self.assertIn("5,850.00", html)
        content, kind = Report._render_xlsx(
            "emc_contract.report_emc_settlement_xlsx", settlement.ids, {}
        )
        self.assertEqual(kind, "xlsx")
        self.assertTrue(content.startswith(b"PK"))
        rows = self.env["report.emc_contract.report_emc_settlement_fapiao_xlsx"]._rows(settlement)
        self.assertEqual(
            [
                (
                    r["buyer"],
                    r["vat"],
                    r["product"],
                    r["tax_code"],
                    r["amount"],
                    r["rate"],
                    r["tax"],
                )
                for r in rows
            ],
            [
                (
                    "巴中市测试食品有限公司",
                    "91511900MA62000001",
                    "Energy-saving service",
                    "3040102000000000000",
                    5_850.0,
                    0.06,
                    351.0,
                )
            ],
        )
        content, _kind = Report._render_xlsx(
            "emc_contract.report_emc_settlement_fapiao_xlsx", settlement.ids, {}
        )
        self.assertTrue(content.startswith(b"PK"))
