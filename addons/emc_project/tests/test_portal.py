from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestPortal(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        client = cls.env["res.partner"].create({"name": "门户测试客户", "is_company": True})
        contact = cls.env["res.partner"].create(
            {"name": "门户联系人", "parent_id": client.id, "email": "portal.emc@example.com"}
        )
        new_test_user(
            cls.env,
            login="emc_portal_http",
            password="emc_portal_http",
            groups="base.group_portal",
            partner_id=contact.id,
        )
        cls.own = cls.env["emc.project"].create({"name": "门户自有项目", "partner_id": client.id})
        other = cls.env["res.partner"].create({"name": "别家客户", "is_company": True})
        cls.other = cls.env["emc.project"].create({"name": "别家项目", "partner_id": other.id})

    def test_portal_pages(self):
        self.authenticate("emc_portal_http", "emc_portal_http")
        res = self.url_open("/my/emc_projects")
        self.assertEqual(res.status_code, 200)
        self.assertIn("门户自有项目", res.text)
        self.assertNotIn("别家项目", res.text)
        res = self.url_open(f"/my/emc_projects/{self.own.id}")
        self.assertEqual(res.status_code, 200)
        self.assertIn(self.own.code, res.text)
        res = self.url_open(f"/my/emc_projects/{self.other.id}", allow_redirects=False)
        self.assertIn(res.status_code, (302, 303))
        self.assertNotIn("别家项目", res.text)
