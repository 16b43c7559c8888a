import base64

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user

SCHEME_PDF = base64.b64encode(b"%PDF-1.4\n% EMC test scheme\n%%EOF\n")


class WorkorderTourCase(HttpCase):
    """A small service desk of its own for the browser tours.

    One power bureau (first in the desk order, so that portal requests land
    there), one service area, its own pre-check rules and two types; every
    other type, rule and area of the database is switched off for the test,
    so that classification, routing and dispatch do not depend on demo data.
    The users read the desk and the portal in Chinese.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["res.lang"]._activate_lang("zh_CN")
        env["emc.workorder.type"].search([]).active = False
        env["emc.workorder.precheck.rule"].search([]).active = False
        env["emc.service.area"].search([]).active = False
        env["emc.knowledge.article"].search([]).active = False
        cls.bureau = env["res.company"].create(
            {
                "name": "巡检测试供电公司",
                "emc_wo_role": "power_bureau",
                "sequence": -100,
            }
        )
        env["emc.service.area"].create({"name": "巡检测试区域", "keywords": "巴州区"})
        rules = env["emc.workorder.precheck.rule"].create(
            [
                {
                    "name": "巡检测试：联系人",
                    "rule_type": "required_field",
                    "field_name": "contact_name",
                    "message": "请填写联系人",
                },
                {
                    "name": "巡检测试：手机",
                    "rule_type": "valid_phone",
                    "message": "请填写有效的手机号码",
                },
                {
                    "name": "巡检测试：区域",
                    "rule_type": "service_area",
                    "message": "地址不在服务区域内",
                },
            ]
        )
        sla = [
            Command.create({"stage": stage, "hours": hours})
            for stage, hours in (
                ("precheck", 4),
                ("dispatch", 4),
                ("scheme", 24),
                ("implementation", 40),
                ("acceptance", 16),
            )
        ]
        common = {
            "org_role": "power_bureau",
            "scheme_level": "preliminary",
            "precheck_rule_ids": [Command.set(rules.ids)],
            "sla_ids": sla,
        }
        Type = env["emc.workorder.type"]
        cls.type_access = Type.create(
            {
                **common,
                "name": "巡检测试电力接入",
                "code": "T_TOUR_ACCESS",
                "use_survey": False,
                "use_contract": False,
                "keyword_ids": [
                    Command.create({"keyword": "接电", "weight": 5}),
                    Command.create({"keyword": "报装", "weight": 4}),
                ],
            }
        )
        cls.type_fault = Type.create(
            {
                **common,
                "name": "巡检测试运维故障",
                "code": "T_TOUR_FAULT",
                "use_scheme": False,
                "use_survey": False,
                "use_contract": False,
                "check_template": "故障已排除\n客户确认",
                "keyword_ids": [Command.create({"keyword": "故障", "weight": 5})],
            }
        )
        for work_type in cls.type_access | cls.type_fault:
            env["emc.workorder.route"].create(
                {"type_id": work_type.id, "company_id": cls.bureau.id, "sequence": 1}
            )
        cls.desk_user = cls._staff_user(
            "emc_tour_desk", "罗测试（部门管理员）", "emc_workorder.group_wo_dept_admin"
        )
        cls.handler = cls._staff_user(
            "emc_tour_handler", "马测试（客户经理）", "emc_workorder.group_wo_staff"
        )
        env["emc.workorder.staff"].create(
            {
                "user_id": cls.handler.id,
                "company_id": cls.bureau.id,
                "role": "handler",
                "capacity": 20,
            }
        )
        cls.enterprise = env["res.partner"].create(
            {
                "name": "巴中巡检测试食品有限公司",
                "is_company": True,
                "street": "巴州区工业园路8号",
                "city": "巴中市",
            }
        )
        cls.contact = env["res.partner"].create(
            {
                "name": "王测试",
                "parent_id": cls.enterprise.id,
                "mobile": "13881680001",
                "email": "wang.tour@example.com",
            }
        )

    @classmethod
    def _staff_user(cls, login, name, group):
        return new_test_user(
            cls.env,
            login=login,
            password=login,
            name=name,
            groups=group,
            company_id=cls.bureau.id,
            company_ids=[Command.set(cls.bureau.ids)],
            lang="zh_CN",
            tz="Asia/Shanghai",
        )

    def _events(self, order):
        """(event type, actor) of the order's evidence, oldest first."""
        events = self.env["emc.workorder.event"].search(
            [("workorder_id", "=", order.id)], order="id"
        )
        return [(event.event_type, event.user_id) for event in events]
