import io
from datetime import date
from decimal import Decimal

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from ..lib import settlement
from .common import ContractCase


@tagged("post_install", "-at_install")
class TestFundsCashFlow(ContractCase):
    """Cash flow of a shared-savings project, figures computed by hand.

    Construction October–December 2024 with an equipment budget of 90,000
    (30,000 a month) and O&M of 12,000 in 2025 (1,000 a month). The contract
    runs 2025-2029 at 0.65 CNY/kWh, the ESCO taking 90 % in years 1-2 and
    70 % in years 3-5; the M&V forecast saves 10,000 kWh every month, so the
    ESCO earns 5,850 a month in 2025-2026 and 4,550 in 2027-2029.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, lang="en_US", tracking_disable=True))
        cls.env["res.lang"]._activate_lang("en_US")
        baseline = cls.approved_baseline.with_env(cls.env)
        baseline.forecast_line_ids.unlink()
        cls.env["emc.mv.forecast.line"].create(
            [
                {
                    "baseline_id": baseline.id,
                    "name": f"2026-{month:02d}",
                    "date_start": date(2026, month, 1),
                    "savings_kwh": 10_000.0,
                    "baseline_kwh": 60_000.0,
                }
                for month in range(1, 13)
            ]
        )
        cls.project = cls.project.with_env(cls.env)
        cls.project.write({"date_start": date(2024, 10, 1), "date_end": date(2024, 12, 31)})
        cls.project._ensure_analytic_account()
        cls.contract = cls.make_contract("shared_savings")
        cls.env["emc.budget.line"].create(
            [
                {"project_id": cls.project.id, "category": "equipment", "planned_amount": 90_000},
                {
                    "project_id": cls.project.id,
                    "category": "om",
                    "year": 2025,
                    "planned_amount": 12_000,
                },
            ]
        )
        account = cls.project.analytic_account_id
        column = account.root_plan_id._column_name()
        cls.env["account.analytic.line"].create(
            [
                {
                    "name": "水泵变频器",
                    column: account.id,
                    "amount": -45_000,
                    "date": date(2024, 11, 15),
                    "emc_budget_category": "equipment",
                },
                {
                    "name": "2025年1月节能效益",
                    column: account.id,
                    "amount": 5_000,
                    "date": date(2025, 1, 31),
                },
            ]
        )
        cls.Flow = cls.env["emc.cash.flow"]
        cls.Flow.search([]).unlink()

    def rows(self, kind, scope="project", project=None):
        domain = [("scope", "=", scope), ("kind", "=", kind)]
        if scope == "project":
            domain.append(("project_id", "=", (project or self.project).id))
        else:
            domain.append(("company_id", "=", self.project.company_id.id))
        return {row.month: row for row in self.Flow.search(domain)}

    def test_planned_and_actual_project_cash_flow(self):
        self.Flow._refresh(self.project)
        planned = self.rows("planned")
        self.assertEqual(len(planned), 63, "October 2024 to December 2029")
        october = planned[date(2024, 10, 1)]
        self.assertEqual((october.inflow, october.outflow_capex, october.net), (0, 30_000, -30_000))
        january = planned[date(2025, 1, 1)]
        self.assertEqual((january.inflow, january.outflow_om, january.net), (5_850, 1_000, 4_850))
        self.assertEqual(january.cumulative, -85_150)
        self.assertEqual(planned[date(2025, 12, 1)].cumulative, -31_800)
        self.assertEqual(planned[date(2026, 5, 1)].cumulative, -2_550)
        june = planned[date(2026, 6, 1)]
        self.assertEqual((june.inflow, june.outflow, june.cumulative), (5_850, 0, 3_300))
        self.assertEqual(
            [month for month, row in planned.items() if row.is_payback], [date(2026, 6, 1)]
        )
        # Contract year 3: the ESCO's share falls to 70 %.
        self.assertEqual(planned[date(2027, 1, 1)].inflow, 4_550)
        self.assertEqual(planned[date(2029, 12, 1)].cumulative, 202_200)

        actual = self.rows("actual")
        self.assertEqual(sorted(actual), [date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1)])
        self.assertEqual(actual[date(2024, 11, 1)].outflow_capex, 45_000)
        self.assertEqual(actual[date(2024, 12, 1)].net, 0)
        self.assertEqual(actual[date(2025, 1, 1)].inflow, 5_000)
        self.assertEqual(actual[date(2025, 1, 1)].cumulative, -40_000)
        self.assertFalse(any(row.is_payback for row in actual.values()))

        self.project.invalidate_recordset()
        self.assertEqual(self.project.cash_flow_payback_month, date(2026, 6, 1))
        self.assertEqual(self.project.cash_flow_actual_position, -40_000)

        # Refreshing again rebuilds, never duplicates.
        self.Flow._refresh(self.project)
        self.assertEqual(len(self.rows("planned")), 63)

    def test_refresh_access(self):
        user = new_test_user(self.env, login="emc_cf_user", groups="emc_project.group_emc_user")
        with self.assertRaises(AccessError):
            self.Flow.with_user(user).action_refresh()
        manager = new_test_user(self.env, login="emc_cf_pm", groups="emc_project.group_emc_manager")
        self.Flow.with_user(manager).action_refresh()
        rows = self.Flow.with_user(manager).search([("project_id", "=", self.project.id)])
        self.assertEqual(len(rows), 63 + 3)

    def test_contract_revenue_forecast(self):
        with freeze_time("2026-12-07"):
            self.contract.invalidate_recordset(["forecast_revenue_12m"])
            # December 2026 at 90 %, then January-November 2027 at 70 %.
            self.assertEqual(self.contract.forecast_revenue_12m, 5_850 + 11 * 4_550)
        action = self.contract.action_view_cash_flow()
        self.assertEqual(action["res_model"], "emc.cash.flow")
        self.assertIn(("project_id", "=", self.project.id), action["domain"])
        self.assertEqual(len(self.rows("planned")), 63, "opening the cash flow refreshes it")

    def test_portfolio_adds_up_the_projects(self):
        other = self.env["emc.project"].create(
            {"name": "二号厂区照明改造", "partner_id": self.client.id}
        )
        self.env["emc.budget.line"].create(
            {
                "project_id": other.id,
                "category": "equipment",
                "year": 2025,
                "planned_amount": 10_000,
            }
        )
        self.Flow._refresh(self.project | other)
        spread = self.rows("planned", project=other)
        self.assertEqual(
            [spread[date(2025, m, 1)].outflow_capex for m in (1, 4, 5, 12)],
            [833.34, 833.34, 833.33, 833.33],
        )
        portfolio = self.rows("planned", scope="portfolio")
        self.assertEqual(len(portfolio), 63)
        self.assertEqual(portfolio[date(2025, 1, 1)].outflow, 1_833.34)
        self.assertAlmostEqual(portfolio[date(2025, 1, 1)].net, 4_016.66, places=2)
        self.assertAlmostEqual(portfolio[date(2025, 1, 1)].cumulative, -85_983.34, places=2)
        # 2026-06 was the project's payback; the other project's 10,000 delays it by two months.
        self.assertEqual(
            [month for month, row in portfolio.items() if row.is_payback], [date(2026, 8, 1)]
        )
        self.assertEqual(
            self.rows("actual", scope="portfolio")[date(2025, 1, 1)].cumulative, -40_000
        )

    def test_lease_revenue_from_the_schedule(self):
        lease = self.make_contract("financing_lease", project_id=self.project.id)
        self.contract.state = "cancelled"
        self.Flow._refresh(self.project)
        planned = self.rows("planned")
        schedule = settlement.lease_schedule(lease._settlement_contract().lease, lease.date_start)
        self.assertEqual(schedule[0].due, date(2025, 2, 1))
        self.assertEqual(planned[date(2025, 1, 1)].inflow, 0)
        self.assertEqual(Decimal(str(planned[date(2025, 2, 1)].inflow)), schedule[0].payment)
        self.assertEqual(
            Decimal(str(round(sum(row.inflow for row in planned.values()), 2))),
            # The 60th instalment falls due on 2030-01-01, after the contract's last day.
            sum(item.payment for item in schedule[:59]),
        )
        self.assertEqual(schedule[59].due, date(2030, 1, 1))

    def test_xlsx_export(self):
        self.Flow._refresh(self.project)
        rows = self.Flow.search([("scope", "=", "project"), ("project_id", "=", self.project.id)])
        content, kind = self.env["ir.actions.report"]._render_xlsx(
            "emc_contract.cash_flow_xlsx", rows.ids, {}
        )
        self.assertEqual(kind, "xlsx")
        book = openpyxl.load_workbook(io.BytesIO(content))
        self.assertEqual(book.sheetnames, ["Cash flow", "Summary"])
        sheet = book["Cash flow"]
        table = list(sheet.iter_rows(values_only=True))
        self.assertEqual(
            table[0],
            (
                "Scope",
                "Project",
                "Kind",
                "Month",
                "Inflows",
                "Capex",
                "O&M",
                "Financing costs",
                "Other costs",
                "Outflows",
                "Net",
                "Cumulative position",
                "Payback month",
            ),
        )
        self.assertEqual(len(table), 1 + 3 + 63)
        name = self.project.display_name
        self.assertEqual(
            table[1],
            (
                "Project",
                name,
                "Actual",
                "2024-11",
                0,
                45_000,
                0,
                0,
                0,
                45_000,
                -45_000,
                -45_000,
                None,
            ),
        )
        june = next(row for row in table if row[2] == "Planned" and row[3] == "2026-06")
        self.assertEqual(
            june, ("Project", name, "Planned", "2026-06", 5_850, 0, 0, 0, 0, 0, 5_850, 3_300, "Yes")
        )
        summary = list(book["Summary"].iter_rows(values_only=True))
        self.assertEqual(
            summary[1:],
            [
                ("Project", name, "Actual", "2024-11", "2025-01", 5_000, 45_000, -40_000, None),
                (
                    "Project",
                    name,
                    "Planned",
                    "2024-10",
                    "2029-12",
                    304_200,
                    102_000,
                    202_200,
                    "2026-06",
                ),
            ],
        )
