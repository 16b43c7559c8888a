from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import EmcProjectCase


@tagged("post_install", "-at_install")
class TestSecurity(EmcProjectCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "巴中乙方节能公司"})
        cls.user_b = new_test_user(
            cls.env,
            login="emc_pm_b",
            groups="base.group_user,emc_project.group_emc_manager",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.portal_partner = cls.env["res.partner"].create(
            {"name": "客户联系人", "parent_id": cls.client.id, "email": "client@example.com"}
        )
        cls.portal_user = new_test_user(
            cls.env,
            login="emc_portal_t",
            groups="base.group_portal",
            partner_id=cls.portal_partner.id,
        )
        other_client = cls.env["res.partner"].create({"name": "其他客户", "is_company": True})
        cls.other_project = cls.env["emc.project"].create(
            {"name": "其他客户项目", "partner_id": other_client.id}
        )

    def test_company_b_cannot_read_company_a(self):
        Project = self.env["emc.project"].with_user(self.user_b)
        self.assertFalse(Project.search([("id", "=", self.project.id)]))
        with self.assertRaises(AccessError):
            self.project.with_user(self.user_b).read(["name"])
        with self.assertRaises(AccessError):
            self.site.with_user(self.user_b).read(["name"])
        own = Project.create({"name": "乙方项目", "partner_id": self.client.id})
        self.assertEqual(own.company_id, self.company_b)
        self.assertNotIn(own, self.env["emc.project"].with_user(self.pm).search([]))

    def test_portal_user_sees_only_own_projects(self):
        Project = self.env["emc.project"].with_user(self.portal_user)
        visible = Project.search([])
        self.assertIn(self.project, visible)
        self.assertNotIn(self.other_project, visible)
        with self.assertRaises(AccessError):
            self.other_project.with_user(self.portal_user).read(["name"])
        with self.assertRaises(AccessError):
            self.project.with_user(self.portal_user).write({"name": "改名"})

    def test_every_model_has_access_for_emc_user(self):
        user = new_test_user(self.env, login="emc_user_t", groups="emc_project.group_emc_user")
        own = self.env["ir.model.data"].search(
            [("module", "=", "emc_project"), ("model", "=", "ir.model")]
        )
        models = self.env["ir.model"].browse(own.mapped("res_id")).mapped("model")
        # Abstract models (emc.stage.mixin) hold no records, hence no access rows.
        concrete = [m for m in models if m.startswith("emc.") and not self.env[m]._abstract]
        self.assertIn("emc.project", concrete)
        for model in concrete:
            with self.subTest(model=model):
                self.assertTrue(self.env[model].with_user(user).has_access("read"))
        self.assertFalse(self.env["emc.project"].with_user(user).has_access("write"))

    def test_engineer_edits_library_but_not_stages(self):
        tech = self.tech_led.with_user(self.engineer)
        tech.unit_cost = 160
        self.assertFalse(self.env["emc.technology"].with_user(self.engineer).has_access("unlink"))
        self.assertFalse(self.env["emc.project"].with_user(self.engineer).has_access("create"))
