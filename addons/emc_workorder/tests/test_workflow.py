import base64
import re
from datetime import datetime
from urllib.parse import unquote_plus

from freezegun import freeze_time
from werkzeug.urls import url_quote_plus

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import INTAKE_EVENTS, PDF_MIN, PNG_1PX, WorkorderCase

DESCRIPTIONS = {
    "T_ACCESS": "新建厂房申请接电报装，需要10kV专变供电",
    "T_EXPAND": "车间负荷增加，变压器需要扩容增容到1250kVA",
    "T_RETRO": "空压机房想做节能改造，降低电费支出",
    "T_COMP": "屋顶准备建设光伏并配置储能，需要综合方案",
    "T_AUDIT": "年度能源审计，需要出具审计报告",
    "T_FAULT": "配电房开关频繁跳闸故障，需要抢修",
}


@tagged("post_install", "-at_install")
class TestWorkflow(WorkorderCase):
    def _drive_to_close(self, order):
        """Submitted Mon 2026-03-02 09:00, accepted Wed 2026-03-04 15:30 (54.5 hours later)."""
        with freeze_time("2026-03-02 09:00:00") as frozen:
            return self._drive(order, frozen)

    def _drive(self, order, frozen):
        stages = [order.state]
        order.action_submit()
        stages.append(order.state)
        if order.state == "scheme":
            order.action_upload_scheme(PDF_MIN, "方案.pdf")
            order.action_push_scheme()
            stages.append(order.state)
            order.action_confirm_scheme(PNG_1PX, "王经理")
            stages.append(order.state)
        if order.state == "survey":
            self.assertEqual(order.surveyor_id, self.surveyor)
            survey = self.env["emc.workorder.survey"].create(
                {
                    "workorder_id": order.id,
                    "latitude": 31.86,
                    "longitude": 106.75,
                    "findings": "配电房位置满足要求",
                    "equipment": "SCB13-1250kVA 变压器 1台",
                }
            )
            survey.action_submit()
            stages.append(order.state)
        if order.state == "contract":
            order.action_archive_contract(PDF_MIN, "合同.pdf")
            stages.append(order.state)
        self.assertEqual(order.state, "implementation")
        self.env["emc.workorder.progress"].create(
            {"workorder_id": order.id, "kind": "progress", "progress": 100, "note": "施工完成"}
        )
        order.action_start_acceptance()
        stages.append(order.state)
        order.check_ids.write({"done": True})
        frozen.move_to("2026-03-04 15:30:00")
        order.action_accept()
        stages.append(order.state)
        order.action_rate(5, "服务很好")
        return stages

    def test_full_path_of_every_type(self):
        # Stages seen by the customer: intake, then the type's flow after dispatch.
        full = "intake scheme confirm survey contract implementation acceptance closed".split()
        expected = {
            "T_ACCESS": full,
            "T_EXPAND": full,
            "T_RETRO": full,
            "T_COMP": full,
            "T_AUDIT": [s for s in full if s != "contract"],
            "T_FAULT": ["intake", "survey", "implementation", "acceptance", "closed"],
        }
        for work_type in self.all_types:
            with self.subTest(type=work_type.code):
                order = self._order(DESCRIPTIONS[work_type.code])
                stages = self._drive_to_close(order)
                self.assertEqual(order.type_id, work_type)
                self.assertEqual(stages, expected[work_type.code])
                self.assertEqual(order.date_submitted, datetime(2026, 3, 2, 9, 0))
                self.assertEqual(order.date_closed, datetime(2026, 3, 4, 15, 30))
                self.assertEqual(order.handling_hours, 54.5)
                self.assertFalse(order.date_deadline, "a closed order has no SLA clock")
                self.assertEqual(order.rating_last_value, 5)
                events = self._events(order)
                self.assertEqual(events[:6], INTAKE_EVENTS)
                self.assertEqual(events[-4:], ["progress_reported", "accepted", "closed", "rated"])
                self.assertEqual("contract_archived" in events, work_type.use_contract)
                self.assertEqual("signature_captured" in events, work_type.use_scheme)
                self.assertEqual("survey_submitted" in events, work_type.use_survey)
                if work_type.use_contract:
                    files = order.dms_directory_id.sudo().file_ids
                    self.assertEqual(files.mapped("name"), ["合同.pdf"])
                if work_type.use_scheme:
                    self.assertEqual(order.signed_by, "王经理")

    def test_routing_between_organisations(self):
        access = self._order(DESCRIPTIONS["T_ACCESS"])
        access.action_submit()
        self.assertEqual(access.company_id, self.bureau)
        self.assertEqual(access.scheme_level, "preliminary")
        retrofit = self._order(DESCRIPTIONS["T_RETRO"])
        retrofit.action_submit()
        self.assertEqual(retrofit.company_id, self.energy)
        self.assertEqual(retrofit.user_id, self.staff_e)
        self.assertEqual(retrofit.scheme_level, "detailed")

    def test_scheme_rejection_and_revision(self):
        order = self._order()
        order.action_submit()
        order.action_upload_scheme(PDF_MIN, "方案v1.pdf")
        order.action_push_scheme()
        with self.assertRaisesRegex(UserError, "^Tell us why the scheme is rejected.$"):
            order.action_reject_scheme("  ")
        self.assertEqual(order.state, "confirm")
        order.action_reject_scheme("报价偏高，请调整")
        self.assertEqual(order.state, "scheme")
        self.assertEqual(order.scheme_revision, 1)
        self.assertEqual(order.rejection_reason, "报价偏高，请调整")
        self.assertIn("rejected", self._events(order))

    def test_wrong_moves_are_refused(self):
        order = self._order()
        for method, args, action, allowed in (
            ("action_push_scheme", (), "Push scheme to the customer", "scheme"),
            ("action_confirm_scheme", (PNG_1PX, "x"), "Confirm scheme", "confirm"),
            ("action_archive_contract", (), "Archive contract", "contract"),
            ("action_start_acceptance", (), "Request acceptance", "implementation"),
            ("action_accept", (), "Accept", "acceptance"),
            ("action_rate", (5,), "Rate", "closed"),
            ("action_reopen", (), "Reopen", "closed"),
            ("action_resubmit", (), "Resubmit", "returned"),
            ("action_dispatch", (), "Dispatch", "dispatch"),
        ):
            with self.subTest(method=method):
                with self.assertRaisesRegex(UserError, self._stage_error(order, action, allowed)):
                    getattr(order, method)(*args)
        self.assertEqual(order.state, "intake")
        self.assertEqual(self._events(order), ["created"])
        # "Cancel" is refused on any closed stage, which lists every open one.
        order.action_submit()
        order.state = "closed"
        with self.assertRaisesRegex(
            UserError, "“Cancel” is only possible at “Intake”, “Pre-check”"
        ):
            order.action_cancel()

    def test_wrong_move_in_chinese(self):
        order = self._order().with_context(lang="zh_CN")
        with self.assertRaisesRegex(
            UserError,
            re.escape(
                f"工单 {order.name} 处于“需求录入”阶段：只有在“方案确认”阶段才能执行“确认方案”。"
            ),
        ):
            order.action_confirm_scheme(PNG_1PX, "x")

    def test_stage_columns_leave_out_cancelled(self):
        columns = self.env["emc.workorder"]._group_expand_stages(None, [])
        self.assertEqual(columns[0], "intake")
        self.assertEqual(columns[-1], "closed")
        self.assertNotIn("cancelled", columns)
        self.assertEqual(len(columns), 11)

    def test_exception_alerts_and_blocks_acceptance(self):
        order = self._order(DESCRIPTIONS["T_FAULT"])
        order.action_submit()
        survey = self.env["emc.workorder.survey"].create(
            {
                "workorder_id": order.id,
                "latitude": 31.86,
                "longitude": 106.75,
                "findings": "开关老化",
            }
        )
        survey.action_submit()
        self.env["emc.workorder.progress"].create(
            {"workorder_id": order.id, "kind": "exception", "severity": "high", "note": "备件缺货"}
        )
        self.assertTrue(order.exception_open)
        self.assertTrue(order.date_deadline)
        admin_activities = order.activity_ids.filtered(lambda a: a.user_id == self.dept_bureau)
        self.assertTrue(admin_activities, "the department admin is alerted at once")
        with self.assertRaisesRegex(
            UserError, f"^Work order {order.name} has an open exception: resolve it first.$"
        ):
            order.action_start_acceptance()
        order.action_resolve_exception("备件已到货")
        self.assertFalse(order.exception_open)
        order.action_start_acceptance()
        self.assertIn("exception_raised", self._events(order))
        self.assertIn("exception_resolved", self._events(order))

    def test_closed_archive_is_read_only_and_reopen(self):
        order = self._order(DESCRIPTIONS["T_ACCESS"])
        self._drive_to_close(order)
        directory = order.dms_directory_id.sudo()
        readonly = self.env.ref("emc_workorder.dms_access_group_archive_read")
        self.assertEqual(directory.group_ids, readonly)
        self.assertFalse(directory.inherit_group_ids)
        order.action_reopen("问题复发")
        self.assertEqual(order.state, "implementation")
        self.assertEqual(order.reopen_count, 1)
        self.assertTrue(directory.inherit_group_ids)

    def test_acceptance_checklist_required_and_rework(self):
        order = self._order(DESCRIPTIONS["T_FAULT"])
        order.action_submit()
        self.env["emc.workorder.survey"].create(
            {"workorder_id": order.id, "latitude": 31.86, "longitude": 106.75, "findings": "ok"}
        ).action_submit()
        order.action_start_acceptance()
        self.assertEqual(order.check_ids.mapped("name"), ["设备安装完成", "客户签字"])
        with self.assertRaisesRegex(
            UserError,
            f"^Work order {order.name}: checklist items not done: 设备安装完成 and 客户签字$",
        ):
            order.action_accept()
        order.check_ids[0].done = True
        with self.assertRaisesRegex(UserError, "checklist items not done: 客户签字$"):
            order.action_accept()
        with self.assertRaisesRegex(UserError, "^Give the reason of the rejection.$"):
            order.action_reject_acceptance(" ")
        order.action_reject_acceptance("接线不规范")
        self.assertEqual(order.state, "implementation")
        self.assertEqual(order.rework_count, 1)

    def test_contract_must_be_word_or_pdf(self):
        order = self._order(DESCRIPTIONS["T_ACCESS"])
        order.action_submit()
        order.action_upload_scheme(PDF_MIN, "方案.pdf")
        order.action_push_scheme()
        order.action_confirm_scheme(PNG_1PX, "王经理")
        self.env["emc.workorder.survey"].create(
            {"workorder_id": order.id, "latitude": 31.86, "longitude": 106.75, "findings": "ok"}
        ).action_submit()
        # A PDF named like a program is refused by its name...
        with self.assertRaisesRegex(
            UserError, "^“合同.exe” is a PDF document, but its name ends in “.exe”"
        ):
            order.action_archive_contract(PDF_MIN, "合同.exe")
        # ...and a photo named like a contract by what it is.
        with self.assertRaisesRegex(
            UserError,
            "^“合同.pdf” was refused: its content is plain text, not one of the "
            "documents \\(PDF or Word\\) accepted here.$",
        ):
            order.action_archive_contract(base64.b64encode("这是合同".encode()), "合同.pdf")
        with self.assertRaisesRegex(UserError, "^“合同.pdf” is a PNG image: only documents"):
            order.action_archive_contract(PNG_1PX, "合同.pdf")
        self.assertEqual(order.state, "contract")
        with self.assertRaisesRegex(
            UserError, f"^Work order {order.name}: upload the signed contract \\(Word or PDF\\).$"
        ):
            order.action_archive_contract()
        self.assertFalse(order.dms_directory_id.sudo().file_ids)

    def test_knowledge_pushed_on_assignment(self):
        article = self.env["emc.knowledge.article"].create(
            {"name": "报装资料清单", "type_ids": [(6, 0, self.t_access.ids)], "keywords": "报装"}
        )
        other = self.env["emc.knowledge.article"].create(
            {"name": "扩容指南", "type_ids": [(6, 0, self.t_expand.ids)]}
        )
        order = self._order(DESCRIPTIONS["T_ACCESS"])
        order.action_submit()
        self.assertIn(article, order.knowledge_article_ids)
        self.assertNotIn(other, order.knowledge_article_ids)
        self.assertIn("knowledge_pushed", self._events(order))

    def test_phone_normalised(self):
        order = self._order(phone="138 8168 0001")
        self.assertEqual(order.phone_normalised, "+8613881680001")
        order.phone = "12345"
        self.assertFalse(order.phone_normalised)

    def test_qr_code_in_report_html(self):
        order = self._order()
        order.action_submit()
        report = self.env.ref("emc_workorder.action_report_emc_workorder")
        html = report._render_qweb_html(report.report_name, order.ids)[0].decode()
        # the quote_plus of the report's rendering context is werkzeug's
        page = url_quote_plus(order.get_base_url() + order.get_portal_url())
        self.assertIn(
            f'src="/report/barcode/?barcode_type=QR&amp;value={page}&amp;width=180&amp;height=180"',
            html,
        )
        self.assertIn("access_token", unquote_plus(page), "the QR opens the page without a login")
        self.assertIn(order.name, html)
