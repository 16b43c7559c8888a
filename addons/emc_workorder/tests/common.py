import base64
import re

from odoo.tests import TransactionCase, new_test_user

PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
# Events of an order from its creation to its dispatch, in order.
INTAKE_EVENTS = ["created", "submitted", "precheck_passed", "classified", "dispatched", "assigned"]
PDF_MIN = base64.b64encode(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF").decode()


class WorkorderCase(TransactionCase):
    """Two organisations with staff, a working calendar, types and routes.

    Built from scratch (no demo data), so the tests hold on any database.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # English messages whatever the database's language (translations are
        # tested with an explicit language).
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, lang="en_US"))
        cls.env["res.lang"]._activate_lang("en_US")
        cls.calendar = cls.env["resource.calendar"].create(
            {
                "name": "工作日 9-17",
                "tz": "UTC",
                "attendance_ids": [
                    (
                        0,
                        0,
                        {
                            "name": f"d{d}{p}",
                            "dayofweek": str(d),
                            "hour_from": h0,
                            "hour_to": h1,
                            "day_period": p,
                        },
                    )
                    for d in range(5)
                    for h0, h1, p in ((9, 12, "morning"), (13, 17, "afternoon"))
                ],
            }
        )
        cls.bureau = cls.env["res.company"].create(
            {
                "name": "测试供电公司",
                "emc_wo_role": "power_bureau",
                "resource_calendar_id": cls.calendar.id,
                "emc_wo_warn_share": 50.0,
                "emc_wo_escalate_margin": 4.0,
            }
        )
        cls.energy = cls.env["res.company"].create(
            {
                "name": "测试公用能源公司",
                "emc_wo_role": "public_energy",
                "resource_calendar_id": cls.calendar.id,
            }
        )
        both = cls.bureau | cls.energy
        cls.super_admin = cls._user("wo_super_t", "group_wo_super_admin", cls.bureau, both)
        cls.dept_bureau = cls._user("wo_dept_t", "group_wo_dept_admin", cls.bureau)
        cls.staff_a = cls._user("wo_staff_a", "group_wo_staff", cls.bureau)
        cls.staff_b = cls._user("wo_staff_b", "group_wo_staff", cls.bureau)
        cls.staff_e = cls._user("wo_staff_e", "group_wo_staff", cls.energy)
        cls.surveyor = cls._user("wo_surveyor_t", "group_wo_staff", cls.bureau, both)
        cls.area = cls.env["emc.service.area"].create(
            {
                "name": "测试区",
                "keywords": "巴州区,恩阳区",
                "lat_min": 31.5,
                "lat_max": 32.2,
                "lon_min": 106.4,
                "lon_max": 107.0,
            }
        )
        Type = cls.env["emc.workorder.type"]
        # Only the types below take part in classification and routing.
        Type.search([]).active = False
        cls.env["emc.workorder.precheck.rule"].search([]).active = False
        cls.env["emc.service.area"].search([("id", "!=", cls.area.id)]).active = False
        cls.env["emc.knowledge.article"].search([]).active = False
        rules = cls.env["emc.workorder.precheck.rule"].create(
            [
                {
                    "name": "联系人",
                    "rule_type": "required_field",
                    "field_name": "contact_name",
                    "message": "缺联系人",
                },
                {"name": "手机", "rule_type": "valid_phone", "message": "手机号无效"},
                {"name": "区域", "rule_type": "service_area", "message": "不在服务区域"},
                {
                    "name": "照片",
                    "rule_type": "min_attachments",
                    "min_count": 1,
                    "message": "缺现场照片",
                },
            ]
        )
        sla = {
            "precheck": 2,
            "dispatch": 2,
            "scheme": 8,
            "survey": 8,
            "contract": 8,
            "implementation": 16,
            "acceptance": 4,
        }

        def make_type(code, name, role, keywords, **flags):
            return Type.create(
                {
                    "name": name,
                    "code": code,
                    "org_role": role,
                    "scheme_level": "preliminary" if role == "power_bureau" else "detailed",
                    "precheck_rule_ids": [(6, 0, rules.ids)],
                    "check_template": "设备安装完成\n客户签字",
                    "sla_ids": [(0, 0, {"stage": s, "hours": h}) for s, h in sla.items()],
                    "keyword_ids": [(0, 0, {"keyword": k, "weight": w}) for k, w in keywords],
                    **flags,
                }
            )

        cls.t_access = make_type("T_ACCESS", "电力接入", "power_bureau", [("接电", 5), ("报装", 4)])
        cls.t_expand = make_type("T_EXPAND", "扩容", "power_bureau", [("扩容", 5), ("增容", 5)])
        cls.t_retrofit = make_type(
            "T_RETRO", "能源改造", "public_energy", [("节能改造", 5), ("空压机", 3)]
        )
        cls.t_comprehensive = make_type(
            "T_COMP", "综合能源服务", "public_energy", [("光伏", 4), ("储能", 4)]
        )
        cls.t_audit = make_type(
            "T_AUDIT", "能源审计", "public_energy", [("能源审计", 5)], use_contract=False
        )
        cls.t_fault = make_type(
            "T_FAULT",
            "运维故障",
            "power_bureau",
            [("故障", 5), ("跳闸", 5)],
            use_scheme=False,
            use_contract=False,
        )
        cls.all_types = (
            cls.t_access
            | cls.t_expand
            | cls.t_retrofit
            | cls.t_comprehensive
            | cls.t_audit
            | cls.t_fault
        )
        Staff = cls.env["emc.workorder.staff"]
        Staff.create(
            [
                {
                    "user_id": cls.staff_a.id,
                    "company_id": cls.bureau.id,
                    "capacity": 5,
                    "role": "handler",
                },
                {
                    "user_id": cls.staff_b.id,
                    "company_id": cls.bureau.id,
                    "capacity": 5,
                    "role": "handler",
                    "type_ids": [(6, 0, cls.t_fault.ids)],
                },
                {
                    "user_id": cls.staff_e.id,
                    "company_id": cls.energy.id,
                    "capacity": 5,
                    "role": "handler",
                },
                {
                    "user_id": cls.surveyor.id,
                    "company_id": cls.bureau.id,
                    "capacity": 5,
                    "role": "surveyor",
                },
                {
                    "user_id": cls.surveyor.id,
                    "company_id": cls.energy.id,
                    "capacity": 5,
                    "role": "surveyor",
                },
            ]
        )
        Route = cls.env["emc.workorder.route"]
        for work_type in cls.t_access | cls.t_expand | cls.t_fault:
            Route.create({"type_id": work_type.id, "company_id": cls.bureau.id})
        for work_type in cls.t_retrofit | cls.t_comprehensive | cls.t_audit:
            Route.create({"type_id": work_type.id, "company_id": cls.energy.id})
        cls.customer = cls.env["res.partner"].create(
            {"name": "巴中测试食品有限公司", "is_company": True, "lang": "en_US"}
        )
        cls.customer_contact = cls.env["res.partner"].create(
            {"name": "王经理", "parent_id": cls.customer.id, "email": "wang@example.com"}
        )
        cls.photo = cls.env["ir.attachment"].create(
            {"name": "xianchang.png", "datas": PNG_1PX, "mimetype": "image/png"}
        )

    @classmethod
    def _user(cls, login, group, company, companies=None, **vals):
        """A service-desk user of ``group`` (an emc_workorder group) in ``company``."""
        return new_test_user(
            cls.env,
            login=login,
            groups=f"emc_workorder.{group}",
            company_id=company.id,
            company_ids=[(6, 0, (companies or company).ids)],
            **vals,
        )

    @classmethod
    def _order_values(cls, description="新厂房申请接电报装，需要10kV专变", **vals):
        return {
            "partner_id": cls.customer.id,
            "contact_name": "王经理",
            "phone": "13881680001",
            "street": "巴州区工业园路8号",
            "city": "巴中市",
            "description": description,
            "channel": "miniprogram",
            "company_id": cls.bureau.id,
            "attachment_ids": [(6, 0, cls.photo.ids)],
            **vals,
        }

    @classmethod
    def _order(cls, description="新厂房申请接电报装，需要10kV专变", **vals):
        return cls.env["emc.workorder"].create(cls._order_values(description, **vals))

    @staticmethod
    def _stage_error(order, action, *allowed):
        """The exact text (as a regex) of the error of a move refused at the order's stage."""
        labels = dict(order._fields["state"]._description_selection(order.env))
        stages = [f"“{labels[s]}”" for s in allowed]
        allowed_text = (
            stages[0] if len(stages) == 1 else ", ".join(stages[:-1]) + " or " + stages[-1]
        )
        return re.escape(
            f"Work order {order.name} is at stage “{labels[order.state]}”: “{action}” is only "
            f"possible at {allowed_text}."
        )

    def _events(self, order):
        return order.event_ids.sorted("id").mapped("event_type")
