from odoo import models

# Evidence events internal to the service desk: not in the customer's timeline.
INTERNAL_EVENTS = ("knowledge_pushed", "sla_level_1", "sla_level_2", "sla_level_3")
# Events whose new value means nothing to a reader (a revision counter, a record id).
EVENTS_WITHOUT_VALUE = ("scheme_pushed", "survey_submitted")


class EmcWorkorder(models.Model):
    """The order's history as people read it: the portal timeline and the PDF."""

    _inherit = "emc.workorder"

    def _timeline(self, customer=False):
        """The events of this order, oldest first, with their labels in the reader's language.

        Each item is ``{"event", "label", "value"}``: the event type's label,
        and the new value with stage and type codes replaced by their names.
        ``customer`` leaves out the service desk's internal events. Read with
        sudo: the caller has checked access to the order (the portal's
        ``_document_check_access``, or the report's own access).
        """
        self.ensure_one()
        domain = [("workorder_id", "=", self.id)]
        if customer:
            domain.append(("event_type", "not in", INTERNAL_EVENTS))
        events = self.env["emc.workorder.event"].sudo().search(domain, order="id")
        labels = dict(events._fields["event_type"]._description_selection(self.env))
        names = dict(self._fields["state"]._description_selection(self.env))
        codes = set(events.filtered(lambda e: e.event_type == "classified").mapped("new_value"))
        if codes:
            types = self.env["emc.workorder.type"].sudo().with_context(active_test=False)
            names.update({t.code: t.name for t in types.search([("code", "in", list(codes))])})
        return [
            {
                "event": event,
                "label": labels.get(event.event_type, event.event_type),
                "value": ""
                if event.event_type in EVENTS_WITHOUT_VALUE
                else names.get(event.new_value, event.new_value or ""),
            }
            for event in events
        ]

    def action_download_evidence_package(self):
        """Button: the order's evidence package (see emc.evidence.chain._write_order_package)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/my/workorders/{self.id}/evidence",
            "target": "self",
        }
