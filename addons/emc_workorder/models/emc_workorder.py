import base64
import hashlib
import io
from datetime import timedelta

import phonenumbers

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.phone_validation.tools import phone_validation

from ..lib import classifier
from .emc_workorder_type import OPEN_STAGES, SLA_STAGES, STAGES

CHANNELS = [
    ("miniprogram", "WeChat mini-program"),
    ("portal", "Portal"),
    ("phone", "Phone"),
    ("backoffice", "Back office"),
]
SECONDS_PER_HOUR = 3600.0


class EmcWorkorder(models.Model):
    _name = "emc.workorder"
    _description = "Service desk work order"
    _inherit = [
        "portal.mixin",
        "rating.mixin",
        "mail.activity.mixin",
    ]
    _order = "priority desc, id desc"
    _rec_names_search = ["name", "contact_name", "phone"]

    name = fields.Char(string="Number", readonly=True, copy=False, default="/", index=True)
    active = fields.Boolean(default=True)
    state = fields.Selection(
        STAGES,
        string="Stage",
        default="intake",
        required=True,
        tracking=True,
        index=True,
        copy=False,
        group_expand="_group_expand_state",
    )
    type_id = fields.Many2one("emc.workorder.type", string="Type", tracking=True, index=True)
    requested_type_id = fields.Many2one(
        "emc.workorder.type",
        string="Category chosen by the customer",
    )
    channel = fields.Selection(CHANNELS, required=True, default="backoffice")
    priority = fields.Selection(
        [("0", "Normal"), ("1", "High"), ("2", "Urgent")], default="0", index=True
    )
    company_id = fields.Many2one(
        "res.company",
        string="Organisation",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    partner_id = fields.Many2one("res.partner", string="Enterprise", tracking=True, index=True)
    contact_name = fields.Char(string="Contact")
    phone = fields.Char()
    phone_normalised = fields.Char(string="Phone (E.164)", readonly=True, index=True)
    email = fields.Char()
    street = fields.Char(string="Address")
    city = fields.Char()
    latitude = fields.Float(digits=(10, 7))
    longitude = fields.Float(digits=(10, 7))
    area_id = fields.Many2one("emc.service.area", string="Service area", readonly=True)
    description = fields.Text(required=True)
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "emc_workorder_attachment_rel",
        "workorder_id",
        "attachment_id",
        string="Photos and videos",
    )
    site_id = fields.Many2one("emc.site", string="EMC site")
    project_id = fields.Many2one("emc.project", string="EMC project")

    # Pre-check and classification
    missing_items = fields.Text(string="Missing information", readonly=True)
    classification_confidence = fields.Float(readonly=True, digits=(16, 2))
    classification_note = fields.Text(readonly=True)
    needs_classification = fields.Boolean(
        string="Needs manual classification", readonly=True, index=True
    )

    # Dispatch
    user_id = fields.Many2one("res.users", string="Assignee", tracking=True, index=True)
    dispatch_reason = fields.Text(readonly=True)
    scheme_level = fields.Selection(related="type_id.scheme_level")
    knowledge_article_ids = fields.Many2many("emc.knowledge.article", string="Knowledge")

    # Scheme and confirmation
    scheme_file = fields.Binary(string="Scheme document", attachment=True, copy=False)
    scheme_filename = fields.Char()
    scheme_id = fields.Many2one("emc.scheme", string="EMC scheme")
    scheme_revision = fields.Integer(readonly=True, copy=False, default=0)
    date_scheme_pushed = fields.Datetime(readonly=True, copy=False)
    signature = fields.Image(max_width=1024, max_height=1024, copy=False, readonly=True)
    signed_by = fields.Char(readonly=True, copy=False)
    date_signed = fields.Datetime(readonly=True, copy=False)
    rejection_reason = fields.Text(readonly=True, copy=False)

    # Survey, contract, implementation, acceptance
    surveyor_id = fields.Many2one("res.users", string="Surveyor", tracking=True, index=True)
    survey_ids = fields.One2many("emc.workorder.survey", "workorder_id", string="Surveys")
    contract_file = fields.Binary(string="Contract", attachment=True, copy=False)
    contract_filename = fields.Char()
    dms_directory_id = fields.Many2one("dms.directory", string="Archive folder", readonly=True)
    dms_file_count = fields.Integer(compute="_compute_dms_file_count")
    progress_ids = fields.One2many("emc.workorder.progress", "workorder_id", string="Reports")
    progress = fields.Float(string="Progress (%)", readonly=True)
    exception_open = fields.Boolean(string="Open exception", readonly=True, index=True)
    check_ids = fields.One2many("emc.workorder.check", "workorder_id", string="Checklist")
    acceptance_note = fields.Text()

    # Dates and durations (hours) the KPIs read
    date_submitted = fields.Datetime(readonly=True, index=True, copy=False)
    date_first_response = fields.Datetime(readonly=True, copy=False)
    date_dispatched = fields.Datetime(readonly=True, copy=False)
    date_closed = fields.Datetime(readonly=True, index=True, copy=False)
    date_stage = fields.Datetime(string="In stage since", readonly=True, copy=False)
    first_response_hours = fields.Float(readonly=True, aggregator="avg", copy=False)
    dispatch_hours = fields.Float(readonly=True, aggregator="avg", copy=False)
    handling_hours = fields.Float(readonly=True, aggregator="avg", copy=False)
    reopen_count = fields.Integer(readonly=True, copy=False, default=0)
    rework_count = fields.Integer(readonly=True, copy=False, default=0)

    # SLA
    date_sla_warn = fields.Datetime(string="Level 1 at", readonly=True, index=True, copy=False)
    date_deadline = fields.Datetime(string="Deadline", readonly=True, index=True, copy=False)
    date_sla_escalate = fields.Datetime(string="Level 3 at", readonly=True, index=True, copy=False)
    sla_level = fields.Integer(
        string="Escalation level", readonly=True, index=True, copy=False, default=0
    )
    sla_max_level = fields.Integer(
        string="Highest escalation", readonly=True, copy=False, default=0
    )
    is_overdue = fields.Boolean(
        string="Overdue", readonly=True, index=True, copy=False, default=False
    )

    event_ids = fields.One2many("emc.workorder.event", "workorder_id", string="Evidence")
    event_count = fields.Integer(compute="_compute_event_count")

    # ------------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("emc.workorder") or "/"
            if vals.get("phone"):
                vals["phone_normalised"] = self._normalise_phone(vals["phone"]) or False
        orders = super().create(vals_list)
        for order in orders:
            order._event("created", new=order.state, data={"channel": order.channel})
        return orders

    def write(self, vals):
        if "phone" in vals:
            vals["phone_normalised"] = self._normalise_phone(vals["phone"]) or False
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_evidence(self):
        if self.event_ids:
            raise UserError(
                _("Work orders with evidence events cannot be deleted; archive or cancel them.")
            )

    @api.model
    def _group_expand_state(self, states, domain):
        return [s for s, _label in STAGES if s != "cancelled"]

    def _compute_access_url(self):
        super()._compute_access_url()
        for order in self:
            order.access_url = f"/my/workorders/{order.id}"

    def _compute_event_count(self):
        groups = self.env["emc.workorder.event"]._read_group(
            [("workorder_id", "in", self.ids)], ["workorder_id"], ["__count"]
        )
        counts = {order.id: count for order, count in groups}
        for order in self:
            order.event_count = counts.get(order.id, 0)

    def _compute_dms_file_count(self):
        for order in self:
            order.dms_file_count = (
                len(order.sudo().dms_directory_id.file_ids) if order.dms_directory_id else 0
            )

    # ------------------------------------------------------------------
    # Evidence
    # ------------------------------------------------------------------
    def _attachment_hashes(self, attachments):
        return [
            {"name": a.name, "sha256": hashlib.sha256(a.sudo().raw or b"").hexdigest()}
            for a in attachments
        ]

    def _event(self, event_type, old=None, new=None, note=None, attachments=None, data=None):
        """Append one evidence event for this work order."""
        self.ensure_one()
        return self.env["emc.workorder.event"]._append(
            [
                {
                    "workorder_id": self.id,
                    "workorder_name": self.name,
                    "company_id": self.company_id.id,
                    "event_type": event_type,
                    "user_id": self.env.uid,
                    "old_value": old,
                    "new_value": new,
                    "note": note,
                    "attachments": self._attachment_hashes(attachments or []),
                    "data": data or {},
                }
            ]
        )

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    @api.model
    def _normalise_phone(self, number):
        """E.164 form of a valid Chinese mobile number, else False.

        Parsing goes through Odoo's phone_validation (its metadata patches
        included); a landline or an impossible number is not accepted, since
        the customer is reached by SMS and the mini-program.
        """
        if not number:
            return False
        try:
            parsed = phone_validation.phone_parse(number, "CN")
        except (UserError, AttributeError):
            return False
        if phonenumbers.number_type(parsed) not in (
            phonenumbers.PhoneNumberType.MOBILE,
            phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            return False
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

    def _find_service_area(self):
        self.ensure_one()
        address = " ".join(filter(None, [self.city, self.street]))
        return self.env["emc.service.area"].sudo()._find_for(address, self.latitude, self.longitude)

    def _stage_label(self, stage):
        return dict(self._fields["state"]._description_selection(self.env)).get(stage, stage)

    def _check_state(self, allowed, action_label):
        for order in self:
            if order.state not in allowed:
                raise UserError(
                    _(
                        "Work order %(order)s is at stage “%(stage)s”: “%(action)s” is only "
                        "possible at %(allowed)s.",
                        order=order.name,
                        stage=order._stage_label(order.state),
                        action=action_label,
                        allowed="、".join(f"“{order._stage_label(s)}”" for s in allowed),
                    )
                )

    def _set_state(self, new_state):
        """Move to a stage: dates, SLA clock, and the stage hook."""
        now = fields.Datetime.now()
        for order in self:
            old_state = order.state
            vals = {"state": new_state, "date_stage": now}
            if new_state == "closed":
                vals["date_closed"] = now
                if order.date_submitted:
                    vals["handling_hours"] = (
                        now - order.date_submitted
                    ).total_seconds() / SECONDS_PER_HOUR
            order.write(vals)
            order._start_sla_clock(now)
            order._on_stage_changed(old_state, new_state)

    def _on_stage_changed(self, old_state, new_state):
        """Hook: emc_wechat pushes notifications, emc_contract reacts to contracts."""
        return True

    def _notify_customer(self, subject, body):
        """Tell the customer; emc_wechat overrides this to use the mini-program."""
        self.ensure_one()
        if self.partner_id:
            self.message_post(
                subject=subject,
                body=body,
                partner_ids=self.partner_id.ids,
                message_type="notification",
                subtype_xmlid="mail.mt_comment",
            )

    def _mark_first_response(self):
        now = fields.Datetime.now()
        for order in self.filtered(lambda o: not o.date_first_response and o.date_submitted):
            order.write(
                {
                    "date_first_response": now,
                    "first_response_hours": (now - order.date_submitted).total_seconds()
                    / SECONDS_PER_HOUR,
                }
            )

    # ------------------------------------------------------------------
    # SLA
    # ------------------------------------------------------------------
    def _calendar(self):
        self.ensure_one()
        return (
            self.type_id.calendar_id
            or self.company_id.resource_calendar_id
            or self.env.ref("resource.resource_calendar_std")
        )

    def _start_sla_clock(self, start, hours=None):
        """Deadlines of the current stage on the working calendar, indexed."""
        for order in self:
            if order.state not in SLA_STAGES and not order.exception_open:
                order.write(
                    {
                        "date_sla_warn": False,
                        "date_deadline": False,
                        "date_sla_escalate": False,
                        "sla_level": 0,
                    }
                )
                continue
            allowed = hours if hours is not None else order.type_id._sla_hours(order.state)
            if not allowed:
                order.write(
                    {
                        "date_sla_warn": False,
                        "date_deadline": False,
                        "date_sla_escalate": False,
                        "sla_level": 0,
                    }
                )
                continue
            calendar = order._calendar()
            share = (order.company_id.emc_wo_warn_share or 75.0) / 100.0
            margin = order.company_id.emc_wo_escalate_margin or 0.0
            deadline = calendar.plan_hours(allowed, start, compute_leaves=True)
            warn = calendar.plan_hours(allowed * share, start, compute_leaves=True)
            escalate = (
                calendar.plan_hours(margin, deadline, compute_leaves=True) if margin else deadline
            )
            order.write(
                {
                    "date_sla_warn": fields.Datetime.to_datetime(warn).replace(tzinfo=None),
                    "date_deadline": fields.Datetime.to_datetime(deadline).replace(tzinfo=None),
                    "date_sla_escalate": fields.Datetime.to_datetime(escalate).replace(tzinfo=None)
                    + timedelta(seconds=1),
                    "sla_level": 0,
                }
            )

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
        users = self.env["res.users"].sudo().browse({uid for uid, _level in recipients})
        by_id = {u.id: u for u in users}
        for (uid, level), names in recipients.items():
            user = by_id.get(uid)
            if not user:
                continue
            shown = "、".join(names[:30])
            more = len(names) - 30
            body = _(
                "SLA level %(level)s: %(count)s work order(s) need attention: %(orders)s",
                level=level,
                count=len(names),
                orders=shown + (_(" and %(more)s more", more=more) if more > 0 else ""),
            )
            self.env["mail.thread"].sudo().message_notify(
                partner_ids=user.partner_id.ids,
                subject=_("Work order escalation (level %(level)s)", level=level),
                body=body,
                model=False,
                res_id=False,
            )

    # ------------------------------------------------------------------
    # Transitions
    # ------------------------------------------------------------------
    def action_submit(self):
        """Intake → pre-check, which runs at once."""
        self._check_state(["intake"], _("Submit"))
        now = fields.Datetime.now()
        for order in self:
            order.write({"date_submitted": order.date_submitted or now})
            order._event("submitted", old="intake", new="precheck")
            order._set_state("precheck")
        return self._run_precheck()

    def action_resubmit(self):
        """Returned → pre-check again, once the customer completed the request."""
        self._check_state(["returned"], _("Resubmit"))
        for order in self:
            order._event("resubmitted", old="returned", new="precheck")
            order._set_state("precheck")
        return self._run_precheck()

    def _precheck_rules(self):
        self.ensure_one()
        rules = self.env["emc.workorder.precheck.rule"].sudo().search([])
        typed = (self.type_id or self.requested_type_id).precheck_rule_ids
        if typed:
            rules = typed.filtered("active")
        return rules

    def _run_precheck(self):
        """Apply the pre-check rules; a failure goes back to the customer."""
        for order in self:
            order.area_id = order._find_service_area()
            missing = [m for m in (r._evaluate(order) for r in order._precheck_rules()) if m]
            if missing:
                order.missing_items = "\n".join(missing)
                order._event(
                    "precheck_failed",
                    old="precheck",
                    new="returned",
                    note=order.missing_items,
                    data={"missing": missing},
                )
                order._set_state("returned")
                order._notify_customer(
                    _("Your request %(name)s needs more information", name=order.name),
                    _(
                        "Please complete your request: %(items)s",
                        items="；".join(missing),
                    ),
                )
            else:
                order.missing_items = False
                order._event(
                    "precheck_passed",
                    old="precheck",
                    new="dispatch",
                    attachments=order.attachment_ids,
                )
                order._set_state("dispatch")
                order._classify()
                if order.type_id and not order.needs_classification:
                    order._auto_dispatch()
        return True

    def _classify(self):
        """Match the type from the chosen category and the keyword rules."""
        self.ensure_one()
        types = self.env["emc.workorder.type"].sudo().search([])
        rules = [
            classifier.KeywordRule(type_key=str(k.type_id.id), keyword=k.keyword, weight=k.weight)
            for k in types.keyword_ids
        ]
        result = classifier.classify(
            self.description or "",
            rules,
            chosen_category=str(self.requested_type_id.id) if self.requested_type_id else None,
        )
        by_id = {str(t.id): t for t in types}
        chosen_label = self.env._("chosen category")
        lines = [
            self.env._(
                "%(type)s: score %(score).1f (%(words)s)",
                type=by_id[c.type_key].name,
                score=c.score,
                words="、".join(c.matched) or chosen_label,
            )
            for c in result.candidates
            if c.type_key in by_id
        ]
        note = "\n".join(lines) or _("No keyword matched and no category was chosen.")
        if result.type_key:
            chosen = by_id[result.type_key]
            self.write(
                {
                    "type_id": chosen.id,
                    "classification_confidence": result.confidence,
                    "classification_note": note,
                    "needs_classification": False,
                }
            )
            self._event(
                "classified",
                new=chosen.code,
                note=note,
                data={"confidence": round(result.confidence, 4), "reason": result.reason},
            )
        else:
            self.write(
                {
                    "classification_confidence": result.confidence,
                    "classification_note": note,
                    "needs_classification": True,
                }
            )
            self._event(
                "classification_manual",
                note=note,
                data={"confidence": round(result.confidence, 4), "reason": result.reason},
            )
        return result

    def action_set_type(self, type_id):
        """A person settles the type of a low-confidence request, then dispatch runs."""
        self._check_state(["dispatch"], _("Set type"))
        work_type = self.env["emc.workorder.type"].browse(type_id).exists()
        if not work_type:
            raise UserError(_("Choose a work order type."))
        for order in self:
            old = order.type_id.code
            order.write({"type_id": work_type.id, "needs_classification": False})
            order._event("classified", old=old, new=work_type.code, data={"reason": "manual"})
            order._auto_dispatch()
        return True

    def action_dispatch(self):
        """Dispatch → scheme or survey: organisation and assignee chosen by the rules."""
        self._check_state(["dispatch"], _("Dispatch"))
        for order in self:
            if not order.type_id or order.needs_classification:
                raise UserError(
                    _(
                        "Work order %(order)s has no confirmed type: classify it first.",
                        order=order.name,
                    )
                )
            order._auto_dispatch()
        return True

    def _route(self):
        """The organisation for this order, and why."""
        self.ensure_one()
        routes = self.env["emc.workorder.route"].sudo().search([("type_id", "=", self.type_id.id)])
        for route in routes:
            if not route.area_id or route.area_id == self.area_id:
                return route.company_id, _(
                    "Route %(route)s%(area)s.",
                    route=route.display_name,
                    area=_(" (area %(area)s)", area=route.area_id.name) if route.area_id else "",
                )
        company = (
            self.env["res.company"]
            .sudo()
            .search([("emc_wo_role", "=", self.type_id.org_role)], limit=1)
        )
        if company:
            return company, _(
                "No route for %(type)s: the organisation with the role “%(role)s”.",
                type=self.type_id.name,
                role=dict(self.type_id._fields["org_role"]._description_selection(self.env))[
                    self.type_id.org_role
                ],
            )
        return self.company_id, _("No route and no organisation with that role: kept here.")

    def _pick_staff(self, company, role="handler"):
        """The least loaded qualified person, with the reasoning for each candidate."""
        self.ensure_one()
        profiles = (
            self.env["emc.workorder.staff"]
            .sudo()
            .search([("company_id", "=", company.id), ("role", "=", role)])
        )
        loads = profiles._loads()
        reasons = []
        eligible = []
        for profile in profiles:
            load = loads.get((profile.user_id.id, role), 0)
            label = _(
                "%(name)s (load %(load)s/%(capacity)s)",
                name=profile.user_id.name,
                load=load,
                capacity=profile.capacity,
            )
            if profile.type_ids and self.type_id not in profile.type_ids:
                reasons.append(
                    _("%(who)s: lacks the skill %(type)s", who=label, type=self.type_id.name)
                )
            elif profile.area_ids and self.area_id not in profile.area_ids:
                reasons.append(_("%(who)s: does not cover this area", who=label))
            elif load >= profile.capacity:
                reasons.append(_("%(who)s: at full capacity", who=label))
            else:
                eligible.append((load / profile.capacity, load, profile.id, profile, label))
        if not eligible:
            return self.env["res.users"], reasons
        eligible.sort(key=lambda e: e[:3])
        chosen = eligible[0]
        reasons.insert(
            0,
            _(
                "%(who)s chosen: lowest load ratio among %(count)s qualified.",
                who=chosen[4],
                count=len(eligible),
            ),
        )
        for other in eligible[1:]:
            reasons.append(_("%(who)s: qualified, higher load", who=other[4]))
        return chosen[3].user_id, reasons

    def _auto_dispatch(self):
        """Route to the organisation, then to a person; record every reason."""
        self.ensure_one()
        # Routing crosses organisations (the desk that received the request
        # may not be the one that handles it): the rules, not the caller's
        # company, decide, so they read routes and staff with sudo.
        company, route_reason = self._route()
        user, staff_reasons = self._pick_staff(company)
        reason = "\n".join([route_reason, *staff_reasons])
        now = fields.Datetime.now()
        old_company = self.company_id
        vals = {
            "company_id": company.id,
            "user_id": user.id,
            "dispatch_reason": reason,
            "date_dispatched": now,
        }
        if self.date_submitted:
            vals["dispatch_hours"] = (now - self.date_submitted).total_seconds() / SECONDS_PER_HOUR
        self.sudo().write(vals)
        self._event(
            "dispatched",
            old=old_company.name,
            new=company.name,
            note=route_reason,
            data={"company_id": company.id, "scheme_level": self.type_id.scheme_level},
        )
        if user:
            self._event("assigned", new=user.name, note="\n".join(staff_reasons))
            self.sudo()._push_knowledge()
            self.sudo().message_subscribe(partner_ids=user.partner_id.ids)
        next_stage = self.type_id._next_stage("dispatch")
        self.sudo()._set_state(next_stage)
        if next_stage == "survey":
            self.sudo()._assign_surveyor()
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
            old = order.user_id
            order.write({"user_id": user.id})
            order._event("reassigned", old=old.name, new=user.name, note=reason)
            order._push_knowledge()
            order._mark_first_response()
        return True

    def _push_knowledge(self):
        """Attach the matching articles and tell the assignee."""
        orders = self.filtered("user_id")
        all_articles = self.env["emc.knowledge.article"].sudo().search([]) if orders else None
        for order in orders:
            articles = all_articles.filtered(lambda a, o=order: a._matches(o))
            new = articles - order.knowledge_article_ids
            if not new:
                continue
            order.knowledge_article_ids = [(4, a.id) for a in new]
            order._event("knowledge_pushed", new="、".join(new.mapped("name")))
            order.message_notify(
                partner_ids=order.user_id.partner_id.ids,
                subject=_("Knowledge for %(order)s", order=order.name),
                body=_(
                    "Articles that may help with this work order: %(titles)s",
                    titles="、".join(new.mapped("name")),
                ),
            )

    def action_upload_scheme(self, file_content=None, filename=None, scheme=None):
        """Record the scheme document (or link an EMC scheme) for the order."""
        self._check_state(["scheme"], _("Upload scheme"))
        for order in self:
            vals = {}
            if file_content:
                vals.update(scheme_file=file_content, scheme_filename=filename or "scheme.pdf")
            if scheme:
                vals["scheme_id"] = scheme.id
            if vals:
                order.write(vals)
            if not (order.scheme_file or order.scheme_id):
                raise UserError(
                    _("Work order %(order)s: upload a scheme document first.", order=order.name)
                )
            attachment = self.env["ir.attachment"].search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "=", order.id),
                    ("res_field", "=", "scheme_file"),
                ],
                limit=1,
            )
            order._event(
                "scheme_uploaded",
                new=order.scheme_filename or order.scheme_id.name,
                attachments=attachment,
                data={"revision": order.scheme_revision, "level": order.type_id.scheme_level},
            )
            order._mark_first_response()
        return True

    def action_push_scheme(self):
        """Scheme → customer confirmation: the customer is notified."""
        self._check_state(["scheme"], _("Push scheme to the customer"))
        for order in self:
            if not (order.scheme_file or order.scheme_id):
                raise UserError(
                    _("Work order %(order)s: upload a scheme document first.", order=order.name)
                )
            order.date_scheme_pushed = fields.Datetime.now()
            order._event("scheme_pushed", new=str(order.scheme_revision))
            order._set_state("confirm")
            order._notify_customer(
                _("Scheme for %(name)s ready for your confirmation", name=order.name),
                _("Please review the scheme and confirm it with your signature in your account."),
            )
        return True

    def action_confirm_scheme(self, signature, signed_by):
        """Customer confirmation → next stage, with a handwritten signature."""
        self._check_state(["confirm"], _("Confirm scheme"))
        if not signature or not signed_by:
            raise UserError(_("A signature and the signer's name are required."))
        now = fields.Datetime.now()
        for order in self:
            order.sudo().write({"signature": signature, "signed_by": signed_by, "date_signed": now})
            digest = hashlib.sha256(
                signature if isinstance(signature, bytes) else signature.encode()
            ).hexdigest()
            order._event(
                "signature_captured",
                new=signed_by,
                data={"signature_sha256": digest, "signed_at": fields.Datetime.to_string(now)},
            )
            order._event("confirmed", old="confirm", new=order.type_id._next_stage("confirm"))
            next_stage = order.type_id._next_stage("confirm")
            order.sudo()._set_state(next_stage)
            if next_stage == "survey":
                order.sudo()._assign_surveyor()
        return True

    def action_reject_scheme(self, reason):
        """Customer confirmation → scheme revision, with the customer's reason."""
        self._check_state(["confirm"], _("Reject scheme"))
        if not (reason or "").strip():
            raise UserError(_("Tell us why the scheme is rejected."))
        for order in self:
            order.sudo().write(
                {"rejection_reason": reason, "scheme_revision": order.scheme_revision + 1}
            )
            order._event("rejected", old="confirm", new="scheme", note=reason)
            order.sudo()._set_state("scheme")
            if order.user_id:
                order.sudo().activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=order.user_id.id,
                    summary=_("Revise the scheme"),
                    note=reason,
                )
        return True

    def _assign_surveyor(self):
        """Survey stage: pick a surveyor of the organisation."""
        for order in self:
            user, reasons = order._pick_staff(order.company_id, role="surveyor")
            user = user or order.user_id
            order.surveyor_id = user
            order._event("survey_assigned", new=user.name, note="\n".join(reasons))
            if user:
                order.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=user.id,
                    summary=_("Site survey for %(order)s", order=order.name),
                )

    def _after_survey(self, survey):
        """Survey submitted → contract or implementation."""
        self.ensure_one()
        self._check_state(["survey"], _("Submit survey"))
        self._event(
            "survey_submitted",
            new=str(survey.id),
            attachments=survey.attachment_ids,
            data={"lat": survey.latitude, "lon": survey.longitude},
        )
        self._mark_first_response()
        self._set_state(self.type_id._next_stage("survey"))

    def _ensure_dms_directory(self):
        """The order's own folder in the archive (one directory per order)."""
        self.ensure_one()
        if self.dms_directory_id:
            return self.dms_directory_id
        root = self.env.ref("emc_workorder.dms_directory_workorders")
        # The archive is maintained by the operations of the order itself,
        # which already checked the user's rights on the order.
        directory = (
            self.env["dms.directory"].sudo().create({"name": self.name, "parent_id": root.id})
        )
        self.sudo().dms_directory_id = directory
        return directory

    def action_archive_contract(self, file_content=None, filename=None):
        """Contract → implementation: the uploaded contract goes to the archive."""
        self._check_state(["contract"], _("Archive contract"))
        for order in self:
            if file_content:
                order.write({"contract_file": file_content, "contract_filename": filename})
            if not order.contract_file:
                raise UserError(
                    _(
                        "Work order %(order)s: upload the signed contract (Word or PDF).",
                        order=order.name,
                    )
                )
            name = order.contract_filename or f"{order.name}-contract.pdf"
            if not name.lower().endswith((".pdf", ".doc", ".docx")):
                raise UserError(_("The contract must be a Word or PDF file."))
            directory = order._ensure_dms_directory()
            dms_file = (
                self.env["dms.file"]
                .sudo()
                .create(
                    {"name": name, "directory_id": directory.id, "content": order.contract_file}
                )
            )
            digest = hashlib.sha256(base64.b64decode(order.contract_file)).hexdigest()
            order._event(
                "contract_archived",
                new=name,
                data={"dms_file_id": dms_file.id, "sha256": digest},
            )
            order._set_state("implementation")
        return True

    def action_start_acceptance(self):
        """Implementation → acceptance, with the type's checklist."""
        self._check_state(["implementation"], _("Request acceptance"))
        for order in self:
            if order.exception_open:
                raise UserError(
                    _(
                        "Work order %(order)s has an open exception: resolve it first.",
                        order=order.name,
                    )
                )
            if not order.check_ids and order.type_id.check_template:
                order.check_ids = [
                    (0, 0, {"name": line.strip(), "sequence": i})
                    for i, line in enumerate(order.type_id.check_template.splitlines())
                    if line.strip()
                ]
            order._set_state("acceptance")
        return True

    def action_accept(self):
        """Acceptance → closed: every checklist item done; the archive is sealed."""
        self._check_state(["acceptance"], _("Accept"))
        for order in self:
            undone = order.check_ids.filtered(lambda c: not c.done)
            if undone:
                raise UserError(
                    _(
                        "Work order %(order)s: checklist items not done: %(items)s",
                        order=order.name,
                        items="、".join(undone.mapped("name")),
                    )
                )
            order._event("accepted", old="acceptance", new="closed", note=order.acceptance_note)
            order._set_state("closed")
            order._event("closed")
            order._seal_archive()
            order._notify_customer(
                _("Work order %(name)s is completed", name=order.name),
                _("Thank you. Please rate our service in your account."),
            )
        self.env["emc.evidence.chain"]._schedule_anchor()
        return True

    def action_reject_acceptance(self, reason):
        """Acceptance → implementation for rework."""
        self._check_state(["acceptance"], _("Reject at acceptance"))
        if not (reason or "").strip():
            raise UserError(_("Give the reason of the rejection."))
        for order in self:
            order.rework_count += 1
            order._event("acceptance_rejected", old="acceptance", new="implementation", note=reason)
            order._set_state("implementation")
        return True

    def action_rate(self, stars, comment=None):
        """The customer's rating of a closed order (1-5 stars)."""
        self._check_state(["closed"], _("Rate"))
        if not 1 <= int(stars) <= 5:
            raise ValidationError(_("A rating is between 1 and 5 stars."))
        for order in self:
            token = order.sudo()._rating_get_access_token()
            order.sudo().rating_apply(int(stars), token=token, feedback=comment or "")
            order._event("rated", new=str(stars), note=comment)
        return True

    def action_reopen(self, reason=None):
        """Closed → implementation when the problem came back."""
        self._check_state(["closed"], _("Reopen"))
        for order in self:
            order.write({"reopen_count": order.reopen_count + 1, "date_closed": False})
            order._event("reopened", old="closed", new="implementation", note=reason)
            order._unseal_archive()
            order._set_state("implementation")
        return True

    def action_cancel(self, reason=None):
        """Any open stage → cancelled (the request is withdrawn)."""
        self._check_state(list(OPEN_STAGES), _("Cancel"))
        for order in self:
            order._event("cancelled", old=order.state, new="cancelled", note=reason)
            order._set_state("cancelled")
        return True

    def _seal_archive(self):
        """Closed orders keep a read-only archive folder."""
        readonly_group = self.env.ref("emc_workorder.dms_access_group_archive_read")
        for order in self.filtered("dms_directory_id"):
            order.dms_directory_id.sudo().write(
                {"inherit_group_ids": False, "group_ids": [(6, 0, readonly_group.ids)]}
            )

    def _unseal_archive(self):
        for order in self.filtered("dms_directory_id"):
            order.dms_directory_id.sudo().write(
                {"inherit_group_ids": True, "group_ids": [(5, 0, 0)]}
            )

    # ------------------------------------------------------------------
    # Progress and exceptions (called by emc.workorder.progress)
    # ------------------------------------------------------------------
    def _after_progress(self, report):
        self.ensure_one()
        if report.kind == "progress":
            self.progress = report.progress
            self._event(
                "progress_reported",
                new=f"{report.progress:.0f}%",
                note=report.note,
                attachments=report.attachment_ids,
            )
            self._mark_first_response()
        else:
            self.exception_open = True
            self._event(
                "exception_raised",
                note=report.note,
                attachments=report.attachment_ids,
                data={"severity": report.severity},
            )
            self._start_sla_clock(fields.Datetime.now(), hours=self.type_id.exception_hours)
            self._alert_managers(report)

    def _alert_managers(self, report):
        """An exception reaches the department admins at once."""
        group = self.env.ref("emc_workorder.group_wo_dept_admin")
        admins = group.users.filtered(lambda u: self.company_id in u.company_ids)
        partners = admins.partner_id | self.user_id.partner_id
        self.message_post(
            subject=_("Exception on %(order)s", order=self.name),
            body=_("Exception reported: %(note)s", note=report.note),
            partner_ids=partners.ids,
            message_type="notification",
            subtype_xmlid="mail.mt_comment",
        )
        for admin in admins:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=admin.id,
                summary=_("Exception to handle on %(order)s", order=self.name),
                note=report.note,
            )

    def action_resolve_exception(self, note=None):
        for order in self:
            if not order.exception_open:
                raise UserError(_("Work order %(order)s has no open exception.", order=order.name))
            order.exception_open = False
            order.progress_ids.filtered(lambda p: p.kind == "exception" and not p.resolved).write(
                {"resolved": True}
            )
            order._event("exception_resolved", note=note)
            order._start_sla_clock(fields.Datetime.now())
        return True

    # ------------------------------------------------------------------
    # UI helpers
    # ------------------------------------------------------------------
    def action_view_events(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Evidence"),
            "res_model": "emc.workorder.event",
            "view_mode": "list,form",
            "domain": [("workorder_id", "=", self.id)],
        }

    def action_open_reassign(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": "emc.workorder.reassign",
            "view_mode": "form",
            "target": "new",
            "context": {"default_workorder_ids": self.ids},
        }

    def action_ui_upload_scheme(self):
        """Form button: records the scheme file or EMC scheme set on the form."""
        return self.action_upload_scheme()

    def action_ui_archive_contract(self):
        """Form button: archives the contract file set on the form."""
        return self.action_archive_contract()

    def action_ui_confirm_type(self):
        """Form button: the type chosen on the form settles classification."""
        for order in self:
            if not order.type_id:
                raise UserError(_("Choose a work order type."))
            order.action_set_type(order.type_id.id)
        return True

    def action_ui_reject_acceptance(self):
        """Form button: rejects at acceptance with the acceptance note as reason."""
        for order in self:
            order.action_reject_acceptance(order.acceptance_note)
        return True

    def action_ui_reopen(self):
        return self.action_reopen()

    def action_ui_cancel(self):
        return self.action_cancel()

    def _qr_code_png(self):
        """PNG of a QR code pointing at the customer's page of this order."""
        self.ensure_one()
        import qrcode

        url = f"{self.get_base_url()}{self.get_portal_url()}"
        image = qrcode.make(url, box_size=6, border=2)
        buf = io.BytesIO()
        image.save(buf, format="PNG")
        return base64.b64encode(buf.getvalue()).decode()

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.name
