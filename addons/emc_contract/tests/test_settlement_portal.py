import re

from odoo.tests import HttpCase, tagged

from .settlement_common import SettlementCase, report


@tagged("post_install", "-at_install")
class TestSettlementPortal(HttpCase, SettlementCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        contact = cls.env["res.partner"].create(
            {"name": "王会计", "parent_id": cls.client.id, "email": "wang@example.com"}
        )
        cls.portal_user = cls.env["res.users"].create(
            {
                "name": "王会计",
                "login": "client-portal",
                "password": "client-portal-pw",
                "partner_id": contact.id,
                "groups_id": [(6, 0, [cls.env.ref("base.group_portal").id])],
            }
        )
        other = cls.env["res.partner"].create({"name": "巴中市另一家公司", "is_company": True})
        with cls.savings_patch(report(10_000.0)):
            cls.own = cls.make_contract()._settle_period(*cls.jan())
            cls.other = cls.make_contract(partner_id=other.id)._settle_period(*cls.jan())
            draft_contract = cls.make_contract()
            cls.draft = cls.env["emc.settlement"].create(
                {
                    "contract_id": draft_contract.id,
                    "date_from": cls.jan()[0],
                    "date_to": cls.jan()[1],
                }
            )
            cls.draft._compute_version("Computed")

    def csrf(self, url):
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def test_client_sees_only_its_sent_settlements(self):
        self.authenticate("client-portal", "client-portal-pw")
        listing = self.url_open("/my/settlements")
        self.assertEqual(listing.status_code, 200)
        self.assertIn(self.own.name, listing.text)
        self.assertNotIn(self.other.name, listing.text)
        self.assertNotIn(self.draft.name, listing.text)
        page = self.url_open(f"/my/settlements/{self.own.id}")
        self.assertIn("5,850.00", page.text)
        for hidden in (self.other, self.draft):
            self.assertEqual(self.url_open(f"/my/settlements/{hidden.id}").status_code, 404)
        statement = self.url_open(f"/my/settlements/{self.own.id}?report_type=pdf&download=true")
        self.assertEqual(statement.status_code, 200)
        home = self.url_open("/my/home")
        self.assertIn("/my/settlements", home.text)

    def test_client_confirms(self):
        self.authenticate("client-portal", "client-portal-pw")
        token = self.csrf(f"/my/settlements/{self.own.id}")
        response = self.url_open(
            f"/my/settlements/{self.own.id}/confirm", data={"csrf_token": token}
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.own.state, "confirmed")
        self.assertEqual(self.own.confirmed_by_id, self.portal_user)
        # another client's settlement cannot be confirmed
        response = self.url_open(
            f"/my/settlements/{self.other.id}/confirm", data={"csrf_token": token}
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.other.state, "to_confirm")

    def test_client_disputes_with_a_reason(self):
        self.authenticate("client-portal", "client-portal-pw")
        url = f"/my/settlements/{self.own.id}"
        token = self.csrf(url)
        response = self.url_open(f"{url}/dispute", data={"csrf_token": token, "reason": " "})
        self.assertIn("error=reason", response.url)
        self.assertEqual(self.own.state, "to_confirm")
        self.url_open(f"{url}/dispute", data={"csrf_token": token, "reason": "节能量偏低，请复核"})
        self.assertEqual(self.own.state, "disputed")
        self.assertEqual(self.own.dispute_reason, "节能量偏低，请复核")
        self.assertEqual(self.own.disputed_by_id, self.portal_user)
