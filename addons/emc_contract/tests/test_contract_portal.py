import hashlib
from urllib.parse import urlparse

from odoo.tests import HttpCase, tagged

from .lifecycle_common import PNG_1PX, LifecycleCase


@tagged("post_install", "-at_install")
class TestContractPortal(LifecycleCase, HttpCase):
    """The client's users see their enterprise's contracts only, download and sign them."""

    def _to_sign(self, partner=None):
        values = {"partner_id": partner.id} if partner else {}
        contract = self.make_contract(**values)
        self.approve(contract)
        self.assertEqual(contract.state, "signing")
        return contract

    def test_client_sees_only_own_contracts(self):
        own = self._to_sign()
        other = self._to_sign(self.other_client)
        draft = self.make_contract(title="草稿合同")
        self.authenticate(self.client_user.login, self.client_user.login)
        res = self.url_open("/my/contracts")
        self.assertEqual(res.status_code, 200)
        self.assertIn(own.name, res.text)
        self.assertNotIn(other.name, res.text)
        self.assertNotIn(draft.name, res.text)
        res = self.url_open("/my/contracts?filterby=to_sign")
        self.assertIn(own.name, res.text)
        res = self.url_open(f"/my/contracts/{own.id}")
        self.assertEqual(res.status_code, 200)
        self.assertIn("Sign the contract", res.text)
        self.assertIn(own.document_id.sha256, res.text)
        # Another enterprise's contract, its document, its signature: refused.
        for url in (f"/my/contracts/{other.id}", f"/my/contracts/{other.id}/document"):
            # Redirected to the portal home (under the user's language prefix).
            res = self.url_open(url)
            self.assertEqual(res.status_code, 200, url)
            self.assertIn(urlparse(res.url).path, ("/my", "/en/my"), url)
        result = self.make_jsonrpc_request(
            f"/my/contracts/{other.id}/sign", {"name": "王", "signature": PNG_1PX}
        )
        self.assertEqual(result, {"error": "Invalid contract."})
        self.assertFalse(other.signature_ids)
        res = self.url_open(f"/my/contracts/{draft.id}")
        self.assertIn(urlparse(res.url).path, ("/my", "/en/my"))

    def test_client_signs_and_downloads(self):
        contract = self._to_sign()
        contract.with_user(self.manager)._sign_esco(PNG_1PX, "项目经理 张")
        self.authenticate(self.client_user.login, self.client_user.login)
        url = f"/my/contracts/{contract.id}/sign"
        result = self.make_jsonrpc_request(url, {"name": "客户代表 王", "signature": ""})
        self.assertEqual(result, {"error": "The signature is missing."})
        result = self.make_jsonrpc_request(url, {"name": "客户代表 王", "signature": PNG_1PX})
        self.assertTrue(result.get("force_refresh"), result)
        contract.invalidate_recordset()
        self.assertEqual(contract.state, "active")
        signature = contract.signature_ids.filtered(lambda s: s.role == "client")
        self.assertEqual(signature.name, "客户代表 王")
        self.assertEqual(signature.user_id, self.client_user)
        self.assertEqual(signature.ip_address, "127.0.0.1")
        self.assertTrue(signature.user_agent)
        self.assertEqual(signature.document_sha256, contract.document_id.sha256)
        res = self.url_open(f"/my/contracts/{contract.id}/document")
        self.assertEqual(res.status_code, 200)
        self.assertEqual(
            hashlib.sha256(res.content).hexdigest(), contract.signed_document_id.sha256
        )
        res = self.url_open(f"/my/contracts/{contract.id}")
        self.assertNotIn("Sign the contract", res.text)
        res = self.url_open("/my/home")
        self.assertIn("/my/contracts", res.text)

    def test_back_office_forms_render(self):
        """The contract and amendment forms (reviews, signatures, documents) open without error."""
        contract = self.active_contract()
        action = contract.with_user(self.manager).action_amend()
        amendment = self.env["emc.contract.amendment"].browse(action["res_id"])
        self.admin.lang = "en_US"
        show_reviews = """
            [...document.querySelectorAll('.o_notebook .nav-link')]
                .find((tab) => tab.textContent.trim() === 'Approval').click();
            setTimeout(() => {
                if (document.querySelector('.o_field_widget[name=review_ids]')) {
                    console.log('test successful');
                } else {
                    console.error('the reviews of the approval are not shown');
                }
            }, 1000);
        """
        self.browser_js(
            f"/odoo/emc.contract/{contract.id}",
            show_reviews,
            ready="!!document.querySelector('.o_form_view .o_notebook')",
            login=self.admin.login,
            timeout=120,
        )
        self.browser_js(
            f"/odoo/emc.contract.amendment/{amendment.id}",
            "console.log('test successful')",
            ready="!!document.querySelector('.o_form_view .o_statusbar_status')",
            login=self.admin.login,
            timeout=120,
        )
