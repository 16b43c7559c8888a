from odoo.tests import tagged

from .lifecycle_common import LifecycleCase


@tagged("post_install", "-at_install")
class TestContractWorkorder(LifecycleCase):
    """Signing the contract of a work order at its contract stage archives it on the order."""

    def _order_at_contract(self):
        order = self.env["emc.workorder"].create(
            {
                "partner_id": self.client.id,
                "description": "空压机节能改造，需签订合同能源管理合同",
            }
        )
        order.sudo()._set_stage("contract")
        return order

    def test_signing_moves_the_work_order_on(self):
        order = self._order_at_contract()
        # A real PDF this time: the order's archive accepts documents only.
        contract = self.make_contract(workorder_id=order.id).with_context(
            force_report_rendering=True
        )
        self.approve(contract)
        self.assertTrue(contract.document_id.attachment_id.raw.startswith(b"%PDF"))
        self.assertEqual(order.state, "contract", "nothing moves before both signatures")
        self.sign_both(contract)
        self.assertEqual(contract.state, "active")
        self.assertEqual(order.state, "implementation")
        event = order.event_ids.filtered(lambda e: e.event_type == "contract_archived")
        self.assertEqual(len(event), 1)
        self.assertEqual(event.new_value, contract.signed_document_id.name)
        self.assertEqual(order.contract_filename, contract.signed_document_id.name)
        self.assertIn(
            contract.signed_document_id.name, order.dms_directory_id.file_ids.mapped("name")
        )

    def test_order_past_its_contract_stage_is_left_alone(self):
        order = self._order_at_contract()
        order.sudo()._set_stage("implementation")
        contract = self.active_contract(workorder_id=order.id)
        self.assertEqual(order.state, "implementation")
        self.assertEqual(contract.signed_document_id.kind, "signed")
        self.assertFalse(order.event_ids.filtered(lambda e: e.event_type == "contract_archived"))
