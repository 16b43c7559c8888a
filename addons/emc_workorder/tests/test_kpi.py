import io
from datetime import datetime

import openpyxl
from freezegun import freeze_time

from odoo.tests import tagged

from .common import PDF_MIN, PNG_1PX, WorkorderCase


@tagged("post_install", "-at_install")
class TestKpi(WorkorderCase):
    """Four orders in February 2026 with hand-counted KPIs."""

    def _survey(self, order):
        self.env["emc.workorder.survey"].create(
            {"workorder_id": order.id, "latitude": 31.86, "longitude": 106.75, "findings": "ok"}
        ).action_submit()

    def _finish(self, order, accept_at, stars):
        self.env["emc.workorder.progress"].create(
            {"workorder_id": order.id, "progress": 100, "note": "完成"}
        )
        order.action_start_acceptance()
        order.check_ids.write({"done": True})
        with freeze_time(accept_at):
            order.action_accept()
            order.action_rate(stars)

    def test_kpis_against_hand_counts(self):
        # O1 access, staff_a: submitted Mon 02-02 09:00, first response (scheme) 11:00,
        # closed Tue 02-03 11:00 → handling 26 h, rated 4.
        with freeze_time("2026-02-02 09:00:00"):
            o1 = self._order()
            o1.action_submit()
        with freeze_time("2026-02-02 11:00:00"):
            o1.action_upload_scheme(PDF_MIN, "s.pdf")
            o1.action_push_scheme()
            o1.action_confirm_scheme(PNG_1PX, "王经理")
            self._survey(o1)
            o1.action_archive_contract(PDF_MIN, "c.pdf")
        with freeze_time("2026-02-03 09:00:00"):
            self._finish(o1, "2026-02-03 11:00:00", 4)
        # O3 access, staff_a: first response 4 h; scheme rejected once then confirmed;
        # left waiting for the survey.
        with freeze_time("2026-02-04 09:00:00"):
            o3 = self._order()
            o3.action_submit()
        with freeze_time("2026-02-04 13:00:00"):
            o3.action_upload_scheme(PDF_MIN, "s1.pdf")
            o3.action_push_scheme()
            o3.action_reject_scheme("太贵")
            o3.action_upload_scheme(PDF_MIN, "s2.pdf")
            o3.action_push_scheme()
            o3.action_confirm_scheme(PNG_1PX, "王经理")
        # O2 fault, staff_b (staff_a already carries O3): submitted Tue 02-03 09:00, survey 10:00 (first response 1 h),
        # closed 14:00 → handling 5 h, rated 5.
        with freeze_time("2026-02-03 09:00:00"):
            o2 = self._order("配电房开关跳闸故障")
            o2.action_submit()
        with freeze_time("2026-02-03 10:00:00"):
            self._survey(o2)
            self._finish(o2, "2026-02-03 14:00:00", 5)
        # O4 retrofit, staff_e: never answered.
        with freeze_time("2026-02-05 09:00:00"):
            o4 = self._order("空压机房节能改造")
            o4.action_submit()
        # Both open orders blow through level 3 by the 20th.
        self.env["emc.workorder"]._cron_sla_escalation(now=datetime(2026, 2, 20, 9, 0))

        self.assertEqual(
            (o1.user_id, o2.user_id, o3.user_id, o4.user_id),
            (self.staff_a, self.staff_b, self.staff_a, self.staff_e),
        )
        kpi = self.env["emc.workorder.kpi"]._compute(
            datetime(2026, 2, 1), datetime(2026, 3, 1), company_ids=(self.bureau | self.energy).ids
        )
        self.assertEqual(kpi["received"], 4)
        self.assertEqual(kpi["closed"], 2)
        self.assertEqual(kpi["completion_rate"], 50.0)
        self.assertEqual(kpi["mean_first_response_hours"], round((2 + 1 + 4) / 3, 2))
        self.assertEqual(kpi["mean_dispatch_hours"], 0.0)
        self.assertEqual(kpi["mean_handling_hours_per_person"], (26 + 5) / 2)
        # Open orders O3 (staff_a) and O4 (staff_e) against 3 handlers × 5.
        self.assertEqual(kpi["workload_saturation"], round(100 * 2 / 15, 2))
        self.assertEqual(kpi["sla_compliance_rate"], 100.0)
        self.assertEqual(kpi["overdue_count"], 2)
        self.assertEqual(kpi["escalations"], (0, 0, 2))
        self.assertEqual(kpi["satisfaction"], 4.5)
        self.assertEqual(kpi["reopen_rate"], 0.0)
        self.assertEqual(kpi["scheme_acceptance_rate"], round(100 * 2 / 3, 2))
        self.assertEqual(kpi["survey_to_contract_rate"], 50.0)

        # One person: staff_a's own figures.
        mine = self.env["emc.workorder.kpi"]._compute(
            datetime(2026, 2, 1), datetime(2026, 3, 1), user_ids=self.staff_a.ids
        )
        self.assertEqual(mine["received"], 2)
        self.assertEqual(mine["closed"], 1)
        self.assertEqual(mine["mean_handling_hours_per_person"], 26.0)

        # The wizard shows 14 lines and exports them to Excel.
        wizard = self.env["emc.workorder.kpi.wizard"].create(
            {
                "date_from": "2026-02-01",
                "date_to": "2026-02-28",
                "company_ids": [(6, 0, (self.bureau | self.energy).ids)],
            }
        )
        self.assertEqual(len(wizard.line_ids), 14)
        report = self.env.ref("emc_workorder.action_report_emc_workorder_kpi_xlsx")
        content, kind = report._render_xlsx(report.report_name, wizard.ids, {})
        self.assertEqual(kind, "xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        self.assertEqual(sheet.title, "KPIs")
        self.assertEqual(sheet["A1"].value, "Service desk KPIs")
        self.assertTrue(sheet["A2"].value.startswith("Period 2026-02-01 – 2026-02-28; "))
        self.assertIn("测试供电公司", sheet["A2"].value)
        self.assertTrue(sheet["A2"].value.endswith("; staff: all"))
        self.assertEqual([c.value for c in sheet[4]], ["KPI", "Value", "Unit"])
        rows = {row[0]: row[1:] for row in sheet.iter_rows(min_row=5, values_only=True)}
        self.assertEqual(len(rows), 14)
        expected = {
            "received": 4,
            "closed": 2,
            "completion_rate": 50,
            "mean_first_response_hours": 2.33,
            "mean_dispatch_hours": 0,
            "mean_handling_hours_per_person": 15.5,
            "workload_saturation": 13.33,
            "sla_compliance_rate": 100,
            "overdue_count": 2,
            "escalations": "0 / 0 / 2",
            "satisfaction": 4.5,
            "reopen_rate": 0,
            "scheme_acceptance_rate": 66.67,
            "survey_to_contract_rate": 50,
        }
        lines = {line.code: line for line in wizard.line_ids}
        self.assertEqual(set(lines), set(expected))
        for code, value in expected.items():
            with self.subTest(kpi=code):
                self.assertEqual(rows[lines[code].name], (value, lines[code].unit or None))
