from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models

from .emc_workorder_type import OPEN_STAGES, SLA_STAGES

# The clock of a stage the SLA does not measure.
NO_CLOCK = {"date_sla_warn": False, "date_deadline": False, "date_sla_escalate": False}
# Orders named in one escalation notice; the rest are counted.
NOTICE_MAX_ORDERS = 30


class EmcWorkorder(models.Model):
    """The SLA of work orders: deadlines on working calendars, three-level escalation.

    Each stage of ``SLA_STAGES`` has an allowance in working hours (per type,
    ``emc.workorder.sla``). Entering a stage sets three indexed dates: level 1
    (the assignee is alerted) at a share of the allowance, level 2 (department
    admins) at the deadline, level 3 (super admin) a margin of working hours
    past it. One cron raises the levels of every order that crossed a date.
    """

    _inherit = "emc.workorder"

    @api.model
    def _sla_calendar(self, work_type, company):
        return (
            work_type.calendar_id
            or company.resource_calendar_id
            or self.env.ref("resource.resource_calendar_std")
        )

    @api.model
    def _sla_deadlines(self, calendar, start, hours, share, margin):
        """Level 1, deadline and level 3 dates of ``hours`` working hours from ``start``."""
        deadline = calendar.plan_hours(hours, start, compute_leaves=True)
        warn = calendar.plan_hours(hours * share, start, compute_leaves=True)
        escalate = (
            calendar.plan_hours(margin, deadline, compute_leaves=True) if margin else deadline
        )

        def naive(moment):
            return fields.Datetime.to_datetime(moment).replace(tzinfo=None)

        return {
            "date_sla_warn": naive(warn),
            "date_deadline": naive(deadline),
            # Strictly after the deadline, so that level 2 is raised first.
            "date_sla_escalate": naive(escalate) + timedelta(seconds=1),
        }

    def _sla_clock_values(self, stage, start, values=None, hours=None):
        """The SLA dates of ``stage`` started at ``start``: {order id: field values}.

        ``values`` holds the fields the same write changes, by order id (a new
        type or organisation decides the allowance and the calendar);
        ``hours`` replaces the type's allowance (an exception's resolution
        time). Orders sharing a calendar, an allowance and thresholds share
        one computation.
        """
        values = values or {}
        Type, Company = self.env["emc.workorder.type"], self.env["res.company"]
        plans = {}
        result = {}
        for order in self:
            own = values.get(order.id, {})
            work_type = Type.browse(own["type_id"]) if "type_id" in own else order.type_id
            company = Company.browse(own["company_id"]) if "company_id" in own else order.company_id
            exception_open = own.get("exception_open", order.exception_open)
            allowed = hours if hours is not None else work_type._sla_hours(stage)
            if (stage not in SLA_STAGES and not exception_open) or not allowed:
                result[order.id] = {**NO_CLOCK, "sla_level": 0}
                continue
            calendar = self._sla_calendar(work_type, company)
            share = (company.emc_wo_warn_share or 75.0) / 100.0
            margin = company.emc_wo_escalate_margin or 0.0
            key = (calendar.id, allowed, share, margin)
            if key not in plans:
                plans[key] = self._sla_deadlines(calendar, start, allowed, share, margin)
            result[order.id] = {**plans[key], "sla_level": 0}
        return result

    # ------------------------------------------------------------------
    # Escalation
    # ------------------------------------------------------------------
    @api.model
    def _cron_sla_escalation(self, now=None, batch_size=5000):
        """Raise the escalation level of every open order that crossed a threshold.

        One pass per level, each a single indexed query; levels and overdue
        flags are written in bulk, events appended in one statement, and each
        recipient gets one notification listing their orders.
        """
        now = now or fields.Datetime.now()
        # The queries below read the table directly: pending ORM writes first.
        self.env.flush_all()
        cr = self.env.cr
        open_states = tuple(OPEN_STAGES)
        total = 0
        recipients = {}
        for level, column in ((3, "date_sla_escalate"), (2, "date_deadline"), (1, "date_sla_warn")):
            cr.execute(
                f"""
                SELECT id, name, company_id, user_id FROM emc_workorder
                 WHERE state IN %s AND active AND COALESCE(sla_level, 0) < %s
                   AND {column} IS NOT NULL AND {column} <= %s
                 ORDER BY id
                """,
                (open_states, level, now),
            )
            rows = cr.fetchall()
            if not rows:
                continue
            ids = [r[0] for r in rows]
            for start in range(0, len(ids), batch_size):
                chunk = ids[start : start + batch_size]
                cr.execute(
                    """UPDATE emc_workorder
                          SET sla_level = %s,
                              sla_max_level = GREATEST(COALESCE(sla_max_level, 0), %s),
                              is_overdue = COALESCE(is_overdue, false) OR %s,
                              write_date = now() at time zone 'UTC'
                        WHERE id = ANY(%s)""",
                    (level, level, level >= 2, chunk),
                )
            self.env["emc.workorder.event"]._append_sql(
                [
                    {
                        "workorder_id": order_id,
                        "workorder_name": name,
                        "company_id": company_id,
                        "event_type": f"sla_level_{level}",
                        "user_id": None,
                        "date": fields.Datetime.to_string(now),
                        "new_value": str(level),
                    }
                    for order_id, name, company_id, _user in rows
                ]
            )
            self._collect_escalation_recipients(rows, level, recipients)
            total += len(rows)
        self.invalidate_model(["sla_level", "sla_max_level", "is_overdue"])
        self._send_escalation_notifications(recipients)
        return total

    @api.model
    def _collect_escalation_recipients(self, rows, level, recipients):
        """Level 1 → assignee, level 2 → department admins, level 3 → super admin."""
        if level == 1:
            for _id, name, _company, user_id in rows:
                if user_id:
                    recipients.setdefault((user_id, level), []).append(name)
            return
        companies = self.env["res.company"].sudo().browse({r[2] for r in rows})
        if level == 2:
            group = self.env.ref("emc_workorder.group_wo_dept_admin")
            admins_by_company = {
                c.id: group.users.filtered(lambda u, c=c: c in u.company_ids).ids for c in companies
            }
        else:
            group = self.env.ref("emc_workorder.group_wo_super_admin")
            admins_by_company = {
                c.id: (c.emc_wo_super_admin_id.ids or group.users.ids) for c in companies
            }
        for _id, name, company_id, _user in rows:
            for user_id in admins_by_company.get(company_id, []):
                recipients.setdefault((user_id, level), []).append(name)

    @api.model
    def _send_escalation_notifications(self, recipients):
        """One notice per level, list of orders and language, to all who share them.

        ``recipients`` maps (user id, level) to the names of that user's orders.
        Department admins of one organisation share their list: the notice is
        rendered once for each language among them and sent to all at once.
        """
        users = self.env["res.users"].sudo().browse({uid for uid, _level in recipients}).exists()
        by_id = {user.id: user for user in users}
        groups = defaultdict(list)
        for (uid, level), names in recipients.items():
            user = by_id.get(uid)
            if user:
                groups[(level, tuple(names), user.lang or "en_US")].append(user)
        template = self.env.ref("emc_workorder.mail_template_sla_escalation").sudo()
        for (level, names, lang), group in groups.items():
            context = {
                "level": level,
                "count": len(names),
                "orders": list(names[:NOTICE_MAX_ORDERS]),
                "more": max(0, len(names) - NOTICE_MAX_ORDERS),
            }
            # The body names no recipient: rendered on the first, sent to all.
            res_id = group[0].id
            subject = template._render_field(
                "subject", [res_id], set_lang=lang, add_context=context
            )
            body = template._render_field("body_html", [res_id], set_lang=lang, add_context=context)
            self.env["mail.thread"].sudo().message_notify(
                partner_ids=[user.partner_id.id for user in group],
                subject=subject[res_id],
                body=body[res_id],
                model=False,
                res_id=False,
            )
