from odoo.exceptions import UserError
from odoo.tests import tagged

from .lifecycle_common import LifecycleCase

TYPES = ("shared_savings", "guaranteed_savings", "energy_trusteeship", "financing_lease", "hybrid")


@tagged("post_install", "-at_install")
class TestContractClauses(LifecycleCase):
    def test_clauses_of_each_type_are_filled(self):
        for contract_type in TYPES:
            contract = self.make_contract(contract_type)
            templates = contract.clause_ids.template_id
            self.assertTrue(templates, contract_type)
            self.assertTrue(all(t.contract_type in (False, contract_type) for t in templates))
            self.assertEqual(
                len(templates.filtered("contract_type")), 1, f"one clause proper to {contract_type}"
            )
            text = "\n".join(contract.clause_ids.mapped("body"))
            self.assertIn(self.client.name, text)
            self.assertIn(contract.name, text)
            self.assertNotIn("{{", text)
            contract.clause_ids._check_renderable()

    def test_clauses_follow_the_contract_and_can_be_reloaded(self):
        contract = self.make_contract("financing_lease")
        clause = contract.clause_ids.filtered(lambda c: c.template_id.contract_type)
        self.assertIn("60", clause.body)
        contract.lease_instalments = 48
        clause.invalidate_recordset()
        self.assertIn("48", clause.body)
        contract.clause_ids = [
            (0, 0, {"name": "补充条款", "body_source": "由 {{ object.company_id.name }} 负责"})
        ]
        added = contract.clause_ids.filtered(lambda c: c.name == "补充条款")
        self.assertIn(self.env.company.name, added.body)
        count = len(contract.clause_ids)
        contract.action_load_clauses()
        self.assertEqual(len(contract.clause_ids), count - 1)
        contract.clause_ids = [
            (0, 0, {"name": "坏条款", "body_source": "{{ object.name.upper() }}"})
        ]
        with self.assertRaisesRegex(UserError, "坏条款"):
            contract.with_user(self.manager).action_submit()

    def test_contract_document_shows_terms_and_clauses(self):
        contract = self.make_contract("shared_savings")
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("emc_contract.report_contract", contract.ids)[0]
            .decode()
        )
        self.assertIn(contract.name, html)
        self.assertIn(self.client.name, html)
        self.assertIn("90.00 %", html)
        for clause in contract.clause_ids:
            self.assertIn(clause.name, html)
