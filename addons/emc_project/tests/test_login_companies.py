from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestLoginCompanies(HttpCase):
    """The companies selected at login reach the web client through its ``cids`` cookie."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.env["res.company"]
        cls.home = Company.create({"name": "登录测试节能公司"})
        cls.bureau = Company.create({"name": "登录测试供电公司", "sequence": 1})
        cls.energy = Company.create({"name": "登录测试能源公司", "sequence": 2})
        everything = [Command.set((cls.home | cls.bureau | cls.energy).ids)]
        cls.user = new_test_user(
            cls.env,
            login="emc_login_cids",
            password="emc_login_cids",
            groups="base.group_user,base.group_multi_company",
            company_id=cls.home.id,
            company_ids=everything,
            emc_login_company_ids=[Command.set((cls.energy | cls.bureau).ids)],
        )
        cls.plain = new_test_user(
            cls.env,
            login="emc_login_plain",
            password="emc_login_plain",
            groups="base.group_user,base.group_multi_company",
            company_id=cls.home.id,
            company_ids=everything,
        )

    def _open_web_client(self, login):
        self.authenticate(login, login)
        self.opener.cookies.pop("cids", None)
        response = self.url_open("/odoo")
        self.assertEqual(response.status_code, 200)
        return response

    def test_first_screen_selects_the_login_companies(self):
        response = self._open_web_client(self.user.login)
        expected = f"{self.home.id}-{self.bureau.id}-{self.energy.id}"
        self.assertEqual(response.cookies.get("cids"), expected)

    def test_own_selection_is_kept(self):
        self.authenticate(self.user.login, self.user.login)
        self.opener.cookies.set("cids", str(self.bureau.id))
        response = self.url_open("/odoo")
        self.assertNotIn("cids", response.cookies)

    def test_without_login_companies_odoo_decides(self):
        response = self._open_web_client(self.plain.login)
        self.assertNotIn("cids", response.cookies)

    def test_only_allowed_companies(self):
        self.user.company_ids = [Command.set((self.home | self.bureau).ids)]
        response = self._open_web_client(self.user.login)
        self.assertEqual(response.cookies.get("cids"), f"{self.home.id}-{self.bureau.id}")
