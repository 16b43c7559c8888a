from collections import defaultdict

from odoo import _, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tools.translate import LazyTranslate

from .emc_workorder import hours_between
from .emc_workorder_type import OPEN_STAGES

_lt = LazyTranslate(__name__)


class EmcWorkorder(models.Model):
    """Dispatch of work orders: organisation, assignee, surveyor and knowledge.

    The choices are made by ``emc.workorder.route._find_for_orders`` and
    ``emc.workorder.staff._pick_for_orders`` for a whole batch, and every
    reason is recorded. Routing crosses organisations (the desk that received
    a request may not be the one that handles it): the rules decide, not the
    caller's company, so routes, staff and knowledge are read with sudo.
    """

    _inherit = "emc.workorder"

    def action_dispatch(self):
        """Dispatch → scheme or survey: organisation and assignee chosen by the rules."""
        self._check_stage(["dispatch"], _("Dispatch"))
        for order in self:
            if not order.type_id or order.needs_classification:
                raise UserError(
                    _(
                        "Work order %(order)s has no confirmed type: classify it first.",
                        order=order.name,
                    )
                )
        return self._auto_dispatch()

    def _auto_dispatch(self):
        """Route each order to an organisation, then to a person, and move it on."""
        if not self:
            return True
        orders = self.sudo()
        routes = self.env["emc.workorder.route"].sudo()._find_for_orders(orders)
        picks = (
            self.env["emc.workorder.staff"]
            .sudo()
            ._pick_for_orders(orders, "handler", {oid: route[0] for oid, route in routes.items()})
        )
        knowledge = orders._new_knowledge()
        now = fields.Datetime.now()
        events, values = [], {}
        for order in orders:
            company, route_reason = routes[order.id]
            user, staff_reasons = picks[order.id]
            vals = {
                "company_id": company.id,
                "user_id": user.id,
                "dispatch_reason": "\n".join([route_reason, *staff_reasons]),
                "date_dispatched": now,
            }
            if order.date_submitted:
                vals["dispatch_hours"] = hours_between(order.date_submitted, now)
            events.append(
                order._event_values(
                    "dispatched",
                    old=order.company_id.name,
                    new=company.name,
                    note=route_reason,
                    data={"company_id": company.id, "scheme_level": order.type_id.scheme_level},
                )
            )
            if user:
                events.append(
                    order._event_values("assigned", new=user.name, note="\n".join(staff_reasons))
                )
                events += order._knowledge_values(knowledge.get(order.id), vals)
            values[order.id] = vals
        orders._enter_next_stage("dispatch", values, events)
        orders.filtered("user_id")._follow_assignees()
        orders.filtered("user_id")._announce_knowledge(knowledge)
        return True

    def action_reassign(self, user, reason):
        """A department admin hands the order to someone else, with a reason."""
        if not (
            self.env.user.has_group("emc_workorder.group_wo_dept_admin")
            or self.env.user.has_group("emc_workorder.group_wo_super_admin")
        ):
            raise AccessError(_("Only a department admin can reassign work orders."))
        if not reason:
            raise UserError(_("Give the reason of the reassignment."))
        for order in self:
            if order.state not in OPEN_STAGES:
                raise UserError(_("Work order %(order)s is not open.", order=order.name))
        knowledge = self._new_knowledge() if user else {}
        now = fields.Datetime.now()
        events = []
        for order in self:
            vals = {"user_id": user.id, **order._first_response_values(now)}
            events.append(
                order._event_values(
                    "reassigned", old=order.user_id.name, new=user.name, note=reason
                )
            )
            events += order._knowledge_values(knowledge.get(order.id), vals)
            order.write(vals)
        self._append_events(events)
        self._announce_knowledge(knowledge)
        return True

    def _follow_assignees(self):
        """The assignees follow their orders (one subscription per person)."""
        by_partner = defaultdict(list)
        for order in self:
            by_partner[order.user_id.partner_id.id].append(order.id)
        for partner_id, ids in by_partner.items():
            self.browse(ids).message_subscribe(partner_ids=[partner_id])

    # ------------------------------------------------------------------
    # Site survey
    # ------------------------------------------------------------------
    def _surveyor_values(self, values):
        """Orders entering the site survey: a surveyor of their organisation.

        Adds ``surveyor_id`` to ``values`` ({order id: field values}, which may
        already move the order to another organisation or assignee) and
        returns the events. Without a free surveyor, the assignee surveys.
        """
        if not self:
            return []
        Company = self.env["res.company"]
        pending = {order.id: values.setdefault(order.id, {}) for order in self}
        companies = {
            oid: Company.browse(vals["company_id"])
            for oid, vals in pending.items()
            if "company_id" in vals
        }
        picks = self.env["emc.workorder.staff"].sudo()._pick_for_orders(self, "surveyor", companies)
        events = []
        for order in self:
            user, reasons = picks[order.id]
            vals = pending[order.id]
            user = user or self.env["res.users"].browse(vals.get("user_id", order.user_id.id))
            vals["surveyor_id"] = user.id
            events.append(
                order._event_values("survey_assigned", new=user.name, note="\n".join(reasons))
            )
        return events

    def _schedule_survey(self):
        """The surveyor's to-do for each order entering the survey."""
        for order in self.filtered("surveyor_id"):
            order._schedule_todo(
                order.surveyor_id, (_lt("Site survey for %(order)s"), {"order": order.name})
            )

    # ------------------------------------------------------------------
    # Knowledge
    # ------------------------------------------------------------------
    def _new_knowledge(self):
        """{order id: matching articles the order does not carry yet}; articles read once."""
        if not self:
            return {}
        articles = self.env["emc.knowledge.article"].sudo().search([])
        result = {}
        for order in self:
            new = articles.filtered(lambda a, o=order: a._matches(o)) - order.knowledge_article_ids
            if new:
                result[order.id] = new
        return result

    def _knowledge_values(self, articles, vals):
        """Link ``articles`` to the order in ``vals``; the event of the push, if any."""
        self.ensure_one()
        if not articles:
            return []
        vals["knowledge_article_ids"] = [Command.link(a.id) for a in articles]
        return [self._event_values("knowledge_pushed", new="、".join(articles.mapped("name")))]

    def _announce_knowledge(self, knowledge):
        """Tell each assignee which articles were pushed ({order id: articles})."""
        for order in self:
            articles = knowledge.get(order.id)
            if articles and order.user_id:
                order._notify_staff(
                    "emc_workorder.mail_template_knowledge",
                    order.user_id,
                    post=False,
                    add_context={"articles": articles.mapped("name")},
                )
