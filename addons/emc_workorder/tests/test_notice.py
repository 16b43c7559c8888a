from datetime import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import PDF_MIN, WorkorderCase


@tagged("post_install", "-at_install")
class TestNotice(WorkorderCase):
    """Notices come from mail templates, in each recipient's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["res.lang"]._activate_lang("en_US")
        cls.customer_zh = cls.env["res.partner"].create(
            {"name": "巴中中文企业", "is_company": True, "lang": "zh_CN"}
        )
        cls.customer_en = cls.env["res.partner"].create(
            {"name": "Bazhong English Ltd", "is_company": True, "lang": "en_US"}
        )
        cls.staff_a.lang = "zh_CN"
        cls.dept_bureau.lang = "en_US"

    def _customer_notice(self, order):
        return order.message_ids.filtered(lambda m: order.partner_id in m.partner_ids)

    def test_customer_notice_in_the_customer_language(self):
        zh = self._order(partner_id=self.customer_zh.id, contact_name=False)
        en = self._order(partner_id=self.customer_en.id, contact_name=False)
        (zh | en).action_submit()
        self.assertEqual((zh | en).mapped("state"), ["returned", "returned"])
        notice = self._customer_notice(zh)
        self.assertEqual(notice.subject, f"您的需求 {zh.name} 需要补充信息")
        self.assertIn(f"请补充您的需求 {zh.name} 的以下信息：", notice.body)
        self.assertIn("<li>缺联系人</li>", notice.body)
        self.assertIn("补充后请在您的账户中重新提交。", notice.body)
        notice = self._customer_notice(en)
        self.assertEqual(notice.subject, f"Your request {en.name} needs more information")
        self.assertIn(f"Please complete your request {en.name}:", notice.body)
        self.assertIn("<li>缺联系人</li>", notice.body)
        self.assertIn("Then send it again from your account.", notice.body)
        self.assertEqual(notice.subtype_id, self.env.ref("mail.mt_comment"))

    def test_scheme_and_completion_notices(self):
        order = self._order(partner_id=self.customer_zh.id)
        order.action_submit()
        order.action_upload_scheme(PDF_MIN, "方案.pdf")
        order.action_push_scheme()
        notice = self._customer_notice(order)
        self.assertEqual(notice.subject, f"{order.name} 的方案已就绪，请您确认")
        self.assertIn("请在您的账户中查看方案，并签名确认。", notice.body)

    def test_knowledge_notice_in_the_assignee_language(self):
        self.env["emc.knowledge.article"].create(
            {"name": "报装资料清单", "type_ids": [(6, 0, self.t_access.ids)], "keywords": "报装"}
        )
        order = self._order()
        order.action_submit()
        self.assertEqual(order.user_id, self.staff_a)
        notice = (
            self.env["mail.message"]
            .search([("model", "=", "emc.workorder"), ("res_id", "=", order.id)])
            .filtered(lambda m: self.staff_a.partner_id in m.partner_ids)
        )
        self.assertEqual(notice.subject, f"{order.name} 的知识推送")
        self.assertIn("以下文章可能对处理此工单有帮助：", notice.body)
        self.assertIn("<li>报装资料清单</li>", notice.body)
        self.assertNotIn(notice, order.message_ids, "a push is not posted in the chatter")

    def test_exception_notice_per_language_and_activity(self):
        order = self._order("配电房开关跳闸故障")
        order.action_submit()
        self.env["emc.workorder.survey"].create(
            {"workorder_id": order.id, "latitude": 31.86, "longitude": 106.75, "findings": "x"}
        ).action_submit()
        assignee = order.user_id
        assignee.lang = "zh_CN"
        self.env["emc.workorder.progress"].create(
            {"workorder_id": order.id, "kind": "exception", "note": "备件缺货"}
        )
        notices = order.message_ids.filtered(lambda m: m.subject and "备件缺货" in m.body)
        by_partner = {p: m for m in notices for p in m.partner_ids}
        self.assertEqual(len(notices), 2, "one notice per language")
        self.assertEqual(
            by_partner[self.dept_bureau.partner_id].subject, f"Exception on {order.name}"
        )
        self.assertIn("Exception reported: 备件缺货", by_partner[self.dept_bureau.partner_id].body)
        self.assertEqual(by_partner[assignee.partner_id].subject, f"{order.name} 出现异常")
        self.assertIn("异常上报：备件缺货", by_partner[assignee.partner_id].body)
        activity = order.activity_ids.filtered(lambda a: a.user_id == self.dept_bureau)
        self.assertEqual(activity.summary, f"Exception to handle on {order.name}")

    def test_escalation_grouped_by_language(self):
        second_zh, third_zh = (
            self._user(login, "group_wo_dept_admin", self.bureau, lang="zh_CN")
            for login in ("wo_dept_zh", "wo_dept_zh2")
        )
        with freeze_time("2026-01-09 15:00:00"):
            first, second = self._order(), self._order()
            (first | second).action_submit()
        Workorder, Message = self.env["emc.workorder"], self.env["mail.message"]
        before = Message.search([], order="id desc", limit=1).id
        # Level 1 (Mon 11:00) goes to the assignee, level 2 (Mon 16:00) to the department admins.
        Workorder._cron_sla_escalation(now=datetime(2026, 1, 12, 11, 30))
        level_1 = Message.search([("id", ">", before)])
        self.assertEqual(level_1.partner_ids, self.staff_a.partner_id)
        self.assertEqual(level_1.subject, "工单逾期预警（1 级）")
        Workorder._cron_sla_escalation(now=datetime(2026, 1, 12, 16, 30))
        level_2 = Message.search([("id", ">", level_1.id)])
        self.assertEqual(len(level_2), 2, "one notice per language, to everyone who shares it")
        zh = level_2.filtered(lambda m: second_zh.partner_id in m.partner_ids)
        en = level_2 - zh
        self.assertEqual(set(zh.partner_ids.mapped("lang")), {"zh_CN"})
        self.assertEqual(set(en.partner_ids.mapped("lang")), {"en_US"})
        self.assertLessEqual(second_zh.partner_id | third_zh.partner_id, zh.partner_ids)
        self.assertEqual(zh.subject, "工单逾期预警（2 级）")
        self.assertIn("SLA 2 级预警：2 张工单需要关注：", zh.body)
        self.assertIn(self.dept_bureau.partner_id, en.partner_ids)
        self.assertEqual(en.subject, "Work order escalation (level 2)")
        self.assertIn("SLA level 2: 2 work order(s) need attention:", en.body)
        for body in (zh.body, en.body):
            self.assertIn(f"<li>{first.name}</li>", body)
            self.assertIn(f"<li>{second.name}</li>", body)
