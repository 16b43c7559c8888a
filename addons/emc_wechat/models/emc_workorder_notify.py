from odoo import models

# The work-order notices (emc_workorder's mail templates) and their routing events.
NOTICE_EVENTS = {
    "emc_workorder.mail_template_precheck_failed": "precheck_failed",
    "emc_workorder.mail_template_scheme_ready": "scheme_ready",
    "emc_workorder.mail_template_completed": "acceptance",
}


class EmcWorkorder(models.Model):
    """Work-order notices routed to WeChat and SMS as well as the chatter.

    emc_workorder posts each customer notice in the order's chatter (the
    customer's mail and portal timeline); here the same notice also goes to
    the customer's preferred push channel through ``emc.notification``,
    logged there with the chatter post as its mail delivery.
    """

    _inherit = "emc.workorder"

    def _notify_customer(self, template_xmlid):
        result = super()._notify_customer(template_xmlid)
        event = NOTICE_EVENTS.get(template_xmlid)
        orders = self.filtered("partner_id")
        if event and orders:
            orders._emc_route(event)
        return result

    def _emc_route(self, event, urgent=False):
        """Route ``event`` of these orders to their enterprises' contacts."""
        key = {
            "scheme_ready": lambda o: f"rev{o.scheme_revision}",
        }.get(event, lambda o: str(self.env.cr.now()))
        for order in self:
            self.env["emc.notification"]._notify(
                event,
                order,
                order.partner_id,
                order._emc_notify_values(),
                urgent=urgent,
                key=key(order),
                mail_sent=event in NOTICE_EVENTS.values(),
            )

    def _emc_notify_values(self):
        """Values of this order for the message templates."""
        self.ensure_one()
        return {
            "order": self.name,
            "stage": dict(self._fields["state"]._description_selection(self.env)).get(
                self.state, ""
            ),
            "surveyor": self.surveyor_id.name or "",
            "revision": self.scheme_revision,
        }

    def _schedule_survey(self):
        result = super()._schedule_survey()
        self.filtered("partner_id")._emc_route("survey_scheduled")
        return result

    def _send_escalation_notifications(self, recipients):
        """SLA escalations also reach the staff's push channel (urgent: no quiet hours)."""
        result = super()._send_escalation_notifications(recipients)
        users = self.env["res.users"].sudo().browse({uid for uid, _level in recipients}).exists()
        by_id = {user.id: user for user in users}
        today = self.env.cr.now().date().isoformat()
        for (uid, level), names in recipients.items():
            user = by_id.get(uid)
            order = self.sudo().search([("name", "in", list(names))], limit=1, order="id")
            if not (user and order):
                continue
            self.env["emc.notification"]._notify(
                "sla_escalation",
                order,
                user.partner_id,
                {"level": level, "count": len(names), "orders": ", ".join(names[:5])},
                urgent=True,
                key=f"L{level}:{today}",
                mail_sent=True,
            )
        return result
