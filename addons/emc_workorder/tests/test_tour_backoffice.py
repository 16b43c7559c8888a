import base64

from odoo.tests import tagged

from .tour_common import WorkorderTourCase


@tagged("post_install", "-at_install")
class TestTourBackoffice(WorkorderTourCase):
    """A phone request through intake, dispatch and scheme upload, clicked in the back office."""

    def test_intake_to_scheme(self):
        self.start_tour(
            "/odoo/action-emc_workorder.emc_workorder_action",
            "emc_workorder_backoffice",
            login=self.desk_user.login,
        )
        order = self.env["emc.workorder"].search([("partner_id", "=", self.enterprise.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "confirm")
        self.assertEqual(order.channel, "backoffice")
        self.assertEqual(order.type_id, self.type_access)
        self.assertFalse(order.needs_classification)
        self.assertEqual(order.company_id, self.bureau)
        self.assertEqual(order.user_id, self.handler)
        self.assertIn(self.handler.name, order.dispatch_reason)
        self.assertEqual(order.scheme_filename, "巡检测试供电方案.pdf")
        self.assertEqual(
            base64.b64decode(order.scheme_file),
            b"%PDF-1.4\n% EMC tour scheme\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
        )
        self.assertTrue(order.date_scheme_pushed)
        # Every step is in the evidence chain, in order, in the desk user's name.
        desk = self.desk_user
        self.assertEqual(
            self._events(order),
            [
                ("created", desk),
                ("submitted", desk),
                ("precheck_passed", desk),
                ("classification_manual", desk),
                ("classified", desk),
                ("dispatched", desk),
                ("assigned", desk),
                ("scheme_uploaded", desk),
                ("scheme_pushed", desk),
            ],
        )
        uploaded = order.event_ids.filtered(lambda e: e.event_type == "scheme_uploaded")
        self.assertIn("巡检测试供电方案.pdf", uploaded.payload)
