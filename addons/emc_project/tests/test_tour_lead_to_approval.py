from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestTourLeadToApproval(HttpCase):
    """The project manager's way from an opportunity to the approval request, in a browser.

    The tour (static/tests/tours/emc_project_lead_tour.js) clicks through the
    back office in Chinese; this test builds the data it needs and checks
    the records it leaves.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["res.lang"]._activate_lang("zh_CN")
        cls.company = env.company
        cls.pm = new_test_user(
            env,
            login="emc_tour_pm",
            password="emc_tour_pm",
            name="周测试（项目经理）",
            groups="emc_project.group_emc_manager,sales_team.group_sale_salesman",
            lang="zh_CN",
            tz="Asia/Shanghai",
        )
        cls.reviewer = new_test_user(
            env,
            login="emc_tour_reviewer",
            name="审批测试人",
            groups="emc_project.group_emc_admin",
            lang="zh_CN",
        )
        cls.client = env["res.partner"].create(
            {
                "name": "巴中巡检测试酿造有限公司",
                "is_company": True,
                "emc_credit_rating": "AA",
                "street": "巴州区工业园路88号",
                "city": "巴中市",
                "country_id": env.ref("base.cn").id,
            }
        )
        cls.technology = env["emc.technology"].create(
            {
                "name": "巡检测试LED照明",
                "code": "T-TOUR-LED",
                "category": "lighting",
                "equipment_type": "lighting",
                "saving_rate_min": 50,
                "saving_rate_max": 70,
                "cost_basis": "unit",
                "unit_cost": 150,
                "lifetime_years": 8,
                "om_cost_rate": 1.0,
                "source": "test",
                "company_id": cls.company.id,
            }
        )
        cls.lead = env["crm.lead"].create(
            {
                "name": "酿造车间照明与水泵节能改造",
                "type": "opportunity",
                "partner_id": cls.client.id,
                "street": "巴州区工业园路88号",
                "city": "巴中市",
                "country_id": env.ref("base.cn").id,
                "expected_revenue": 300000,
                "user_id": cls.pm.id,
                "company_id": cls.company.id,
            }
        )

    def test_lead_to_approval(self):
        self.start_tour(
            f"/odoo/crm.lead/{self.lead.id}",
            "emc_project_lead_to_approval",
            login=self.pm.login,
        )
        project = self.lead.emc_project_ids
        self.assertEqual(len(project), 1)
        self.assertEqual(project.state, "approval")
        self.assertEqual(project.partner_id, self.client)
        self.assertEqual(project.user_id, self.pm)
        self.assertEqual(project.site_ids.street, "巴州区工业园路88号")

        scheme = project.selected_scheme_id
        self.assertEqual(scheme.name, "照明与水泵节能改造方案")
        self.assertEqual(scheme.line_ids.technology_id, self.technology)
        self.assertAlmostEqual(scheme.capex_total, 300000)
        self.assertAlmostEqual(scheme.payback_years, 2.0)
        self.assertAlmostEqual(project.investment, 300000)

        check = project.feasibility_id
        self.assertEqual(check.recommendation, "go")
        self.assertEqual(check.user_id, self.pm)

        # The approval gate is requested: one review for the EMC administrators.
        self.assertEqual(len(project.review_ids), 1)
        self.assertIn(project.review_ids.status, ("waiting", "pending"))
        self.assertIn(self.reviewer, project.review_ids.reviewer_ids)
        self.assertEqual(project.review_ids.requested_by, self.pm)

        # One tracked stage change per transition, written by the manager.
        moves = project.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "state"
        )
        self.assertEqual(
            [(t.old_value_char, t.new_value_char) for t in moves.sorted("id")],
            [("项目立项", "市场调研"), ("市场调研", "可行性分析"), ("可行性分析", "立项审批")],
        )
        self.assertEqual(moves.mail_message_id.author_id, self.pm.partner_id)
