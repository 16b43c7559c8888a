import base64
import hashlib
from collections import defaultdict

import phonenumbers

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import format_list
from odoo.tools.translate import LazyTranslate

from odoo.addons.emc_project.models.emc_stage_mixin import stage_field
from odoo.addons.phone_validation.tools import phone_validation

from .emc_workorder_type import OPEN_STAGES, STAGES

_lt = LazyTranslate(__name__)

CHANNELS = [
    ("miniprogram", "WeChat mini-program"),
    ("portal", "Portal"),
    ("phone", "Phone"),
    ("backoffice", "Back office"),
]
SECONDS_PER_HOUR = 3600.0


def hours_between(start, end):
    """Elapsed wall-clock hours from ``start`` to ``end`` (the durations the KPIs read)."""
    return (end - start).total_seconds() / SECONDS_PER_HOUR


# Longest text the customer or the desk may enter, per field (and the rating
# comment, kept by rating.rating). Longer text is refused with a message
# naming the field, never cut: the portal, the back office and the REST API
# check the same limits.
TEXT_LIMITS = {
    "contact_name": 100,
    "phone": 30,
    "email": 120,
    "street": 250,
    "city": 100,
    "description": 5000,
    "signed_by": 100,
    "rejection_reason": 2000,
    "acceptance_note": 2000,
    "rating_comment": 2000,
}


class EmcWorkorder(models.Model):
    """A request to the service desk, through its stages.

    The model is split by concern, each file an ``_inherit`` of this one, like
    Odoo's ``mail.thread.*`` mixins: this file holds the fields, the evidence
    helper and the transitions; ``emc_workorder_intake.py`` the pre-check and
    classification; ``emc_workorder_dispatch.py`` the dispatch (routing and
    staff choice are methods of ``emc.workorder.route`` and
    ``emc.workorder.staff``) and the knowledge push; ``emc_workorder_sla_clock.py``
    the SLA deadlines and the escalation cron; ``emc_workorder_archive.py`` the
    document folder; ``emc_workorder_notice.py`` the notices to customers and
    staff. Stages go through ``emc.stage.mixin``: one method per transition,
    checked, one write per order and one tracked message.
    """

    _name = "emc.workorder"
    _description = "Service desk work order"
    _inherit = [
        "portal.mixin",
        "rating.mixin",
        "mail.activity.mixin",
        "emc.stage.mixin",
        "emc.upload.mixin",
    ]
    _order = "priority desc, id desc"
    _rec_names_search = ["name", "contact_name", "phone"]
    _stage_record_label = _lt("Work order")
    _stage_hidden_groups = ("cancelled",)
    # Files are checked by their content wherever they enter (see emc.upload.mixin).
    _emc_upload_fields = {
        "attachment_ids": (("image", "video"), None),
        "scheme_file": (("document",), "scheme_filename"),
        "contract_file": (("document",), "contract_filename"),
    }

    name = fields.Char(string="Number", readonly=True, copy=False, default="/", index=True)
    active = fields.Boolean(default=True)
    state = stage_field(STAGES, "intake")
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
    signed_by = fields.Char(string="Signer", readonly=True, copy=False)
    date_signed = fields.Datetime(readonly=True, copy=False)
    rejection_reason = fields.Text(string="Reason for rejection", readonly=True, copy=False)

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
    @api.model
    def _text_limit_errors(self, values):
        """The reader's-language errors of the ``values`` longer than TEXT_LIMITS allows."""
        errors = []
        for name, value in values.items():
            limit = TEXT_LIMITS.get(name)
            if limit is None or not isinstance(value, str) or len(value) <= limit:
                continue
            field = self._fields.get(name)
            label = field._description_string(self.env) if field else _("Comment")
            errors.append(
                _(
                    "“%(field)s” can hold at most %(limit)s characters; %(count)s were entered. "
                    "Shorten it and send it again.",
                    field=label,
                    limit=limit,
                    count=len(value),
                )
            )
        return errors

    @api.model
    def _check_text_limits(self, values):
        """Refuse ``values`` (field name → text) longer than TEXT_LIMITS allows."""
        errors = self._text_limit_errors(values)
        if errors:
            raise ValidationError("\n".join(errors))

    @api.constrains(*[name for name in TEXT_LIMITS if name != "rating_comment"])
    def _check_text_lengths(self):
        for order in self:
            order._check_text_limits(
                {name: order[name] for name in TEXT_LIMITS if name in order._fields}
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code("emc.workorder") or "/"
            if vals.get("phone"):
                vals["phone_normalised"] = self._normalise_phone(vals["phone"]) or False
        orders = super().create(vals_list)
        self._append_events(
            [
                order._event_values("created", new=order.state, data={"channel": order.channel})
                for order in orders
            ]
        )
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

    def _event_values(self, event_type, old=None, new=None, note=None, attachments=None, data=None):
        """The values of one evidence event of this work order, for ``_append_events``."""
        self.ensure_one()
        return {
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

    def _event(self, event_type, old=None, new=None, note=None, attachments=None, data=None):
        """Append one evidence event for this work order."""
        self.ensure_one()
        return self._append_events(
            [self._event_values(event_type, old, new, note, attachments, data)]
        )

    @api.model
    def _append_events(self, values_list):
        """Append the events of a batch of orders to the chain, in order, in one go."""
        return self.env["emc.workorder.event"]._append(values_list)

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

    def _address(self):
        """City and street, as the service areas match them."""
        self.ensure_one()
        return " ".join(filter(None, [self.city, self.street]))

    def _prepare_stage_values(self, new_stage, values):
        """Every move: the stage date, the SLA clock of the new stage, closure figures."""
        result = super()._prepare_stage_values(new_stage, values)
        now = fields.Datetime.now()
        clock = self._sla_clock_values(new_stage, now, values)
        for order in self:
            vals = result.setdefault(order.id, {})
            vals.update(clock[order.id], date_stage=now)
            if new_stage == "closed":
                vals["date_closed"] = now
                if order.date_submitted:
                    vals["handling_hours"] = hours_between(order.date_submitted, now)
        return result

    def _grouped_by_next_stage(self, stage):
        """{next stage: orders}: where each order goes after ``stage`` in its type's flow."""
        groups = defaultdict(list)
        for order in self:
            groups[order.type_id._next_stage(stage)].append(order.id)
        return {next_stage: self.browse(ids) for next_stage, ids in groups.items()}

    def _enter_next_stage(self, stage, values, events):
        """Move each order to the stage after ``stage``, with ``values`` in the same write.

        ``events`` are appended first. Orders entering the site survey get
        their surveyor in that write too.
        """
        groups = self._grouped_by_next_stage(stage)
        surveys = groups.get("survey", self.browse())
        events = events + surveys._surveyor_values(values)
        self._append_events(events)
        for next_stage, orders in groups.items():
            orders._set_stage(next_stage, values)
        surveys._schedule_survey()
        return True

    def _first_response_values(self, now):
        """The first staff action's date and delay, unless the order already had one."""
        self.ensure_one()
        if self.date_first_response or not self.date_submitted:
            return {}
        return {
            "date_first_response": now,
            "first_response_hours": hours_between(self.date_submitted, now),
        }

    def _mark_first_response(self):
        now = fields.Datetime.now()
        for order in self:
            vals = order._first_response_values(now)
            if vals:
                order.write(vals)

    def _schedule_todo(self, user, summary, note=None):
        """A to-do activity for ``user``, its summary in that user's language.

        ``summary`` is a lazy translation with its params, e.g.
        ``(_lt("Site survey for %(order)s"), {"order": name})``.
        """
        self.ensure_one()
        source, params = summary
        text = self.with_context(lang=user.lang).env._(source) % params
        self.activity_schedule(
            "mail.mail_activity_data_todo", user_id=user.id, summary=text, note=note
        )

    # ------------------------------------------------------------------
    # Transitions
    # ------------------------------------------------------------------
    def action_submit(self):
        """Intake → pre-check, which runs at once."""
        self._check_stage(["intake"], _("Submit"))
        now = fields.Datetime.now()
        self._append_events(
            [o._event_values("submitted", old="intake", new="precheck") for o in self]
        )
        self._set_stage(
            "precheck", {o.id: {"date_submitted": o.date_submitted or now} for o in self}
        )
        return self._run_precheck()

    def action_resubmit(self):
        """Returned → pre-check again, once the customer completed the request."""
        self._check_stage(["returned"], _("Resubmit"))
        self._append_events(
            [o._event_values("resubmitted", old="returned", new="precheck") for o in self]
        )
        self._set_stage("precheck")
        return self._run_precheck()

    def action_upload_scheme(self, file_content=None, filename=None, scheme=None):
        """Record the scheme document (or link an EMC scheme) for the order."""
        self._check_stage(["scheme"], _("Upload scheme"))
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
        self._check_stage(["scheme"], _("Push scheme to the customer"))
        for order in self:
            if not (order.scheme_file or order.scheme_id):
                raise UserError(
                    _("Work order %(order)s: upload a scheme document first.", order=order.name)
                )
        now = fields.Datetime.now()
        self._append_events(
            [o._event_values("scheme_pushed", new=str(o.scheme_revision)) for o in self]
        )
        self._set_stage("confirm", {o.id: {"date_scheme_pushed": now} for o in self})
        self._notify_customer("emc_workorder.mail_template_scheme_ready")
        return True

    def action_confirm_scheme(self, signature, signed_by):
        """Customer confirmation → next stage, with a handwritten signature."""
        self._check_stage(["confirm"], _("Confirm scheme"))
        if not signature or not signed_by:
            raise UserError(_("A signature and the signer's name are required."))
        self._check_text_limits({"signed_by": signed_by})
        now = fields.Datetime.now()
        digest = hashlib.sha256(
            signature if isinstance(signature, bytes) else signature.encode()
        ).hexdigest()
        signed = {"signature": signature, "signed_by": signed_by, "date_signed": now}
        events = []
        for order in self:
            events += [
                order._event_values(
                    "signature_captured",
                    new=signed_by,
                    data={"signature_sha256": digest, "signed_at": fields.Datetime.to_string(now)},
                ),
                order._event_values(
                    "confirmed", old="confirm", new=order.type_id._next_stage("confirm")
                ),
            ]
        # The customer only reads the order: the signature and the stage are
        # written by the operation, whose stage check above is the guard.
        orders = self.sudo()
        orders._enter_next_stage("confirm", {o.id: dict(signed) for o in orders}, events)
        return True

    def action_reject_scheme(self, reason):
        """Customer confirmation → scheme revision, with the customer's reason."""
        self._check_stage(["confirm"], _("Reject scheme"))
        if not (reason or "").strip():
            raise UserError(_("Tell us why the scheme is rejected."))
        self._check_text_limits({"rejection_reason": reason})
        self._append_events(
            [o._event_values("rejected", old="confirm", new="scheme", note=reason) for o in self]
        )
        orders = self.sudo()
        orders._set_stage(
            "scheme",
            {
                o.id: {"rejection_reason": reason, "scheme_revision": o.scheme_revision + 1}
                for o in orders
            },
        )
        for order in orders.filtered("user_id"):
            order._schedule_todo(order.user_id, (_lt("Revise the scheme"), {}), note=reason)
        return True

    def _after_survey(self, survey):
        """Survey submitted → contract or implementation."""
        self.ensure_one()
        self._check_stage(["survey"], _("Submit survey"))
        self._event(
            "survey_submitted",
            new=str(survey.id),
            attachments=survey.attachment_ids,
            data={"lat": survey.latitude, "lon": survey.longitude},
        )
        self._set_stage(
            self.type_id._next_stage("survey"),
            {self.id: self._first_response_values(fields.Datetime.now())},
        )

    def action_archive_contract(self, file_content=None, filename=None):
        """Contract → implementation: the uploaded contract goes to the archive."""
        self._check_stage(["contract"], _("Archive contract"))
        events, values = [], {}
        for order in self:
            content, stored_name = file_content, filename
            if file_content:
                values[order.id] = {"contract_file": file_content, "contract_filename": filename}
            else:
                content, stored_name = order.contract_file, order.contract_filename
            if not content:
                raise UserError(
                    _(
                        "Work order %(order)s: upload the signed contract (Word or PDF).",
                        order=order.name,
                    )
                )
            name = stored_name or f"{order.name}-contract.pdf"
            # Checked before it reaches the archive, by what the file is.
            self._emc_check_upload(name, base64.b64decode(content), ("document",))
            dms_file, digest = order._archive_file(name, content)
            events.append(
                order._event_values(
                    "contract_archived",
                    new=name,
                    data={"dms_file_id": dms_file.id, "sha256": digest},
                )
            )
        self._append_events(events)
        self._set_stage("implementation", values)
        return True

    def action_start_acceptance(self):
        """Implementation → acceptance, with the type's checklist."""
        self._check_stage(["implementation"], _("Request acceptance"))
        values = {}
        for order in self:
            if order.exception_open:
                raise UserError(
                    _(
                        "Work order %(order)s has an open exception: resolve it first.",
                        order=order.name,
                    )
                )
            if not order.check_ids and order.type_id.check_template:
                items = filter(None, map(str.strip, order.type_id.check_template.splitlines()))
                values[order.id] = {
                    "check_ids": [
                        Command.create({"name": item, "sequence": i})
                        for i, item in enumerate(items)
                    ]
                }
        self._set_stage("acceptance", values)
        return True

    def action_accept(self):
        """Acceptance → closed: every checklist item done; the archive is sealed."""
        self._check_stage(["acceptance"], _("Accept"))
        events = []
        for order in self:
            undone = order.check_ids.filtered(lambda c: not c.done)
            if undone:
                raise UserError(
                    _(
                        "Work order %(order)s: checklist items not done: %(items)s",
                        order=order.name,
                        items=format_list(self.env, undone.mapped("name")),
                    )
                )
            events += [
                order._event_values(
                    "accepted", old="acceptance", new="closed", note=order.acceptance_note
                ),
                order._event_values("closed"),
            ]
        self._append_events(events)
        self._set_stage("closed")
        self._seal_archive()
        self._notify_customer("emc_workorder.mail_template_completed")
        self.env["emc.evidence.chain"]._schedule_anchor()
        return True

    def action_reject_acceptance(self, reason):
        """Acceptance → implementation for rework."""
        self._check_stage(["acceptance"], _("Reject at acceptance"))
        if not (reason or "").strip():
            raise UserError(_("Give the reason of the rejection."))
        self._append_events(
            [
                o._event_values(
                    "acceptance_rejected", old="acceptance", new="implementation", note=reason
                )
                for o in self
            ]
        )
        self._set_stage(
            "implementation", {o.id: {"rework_count": o.rework_count + 1} for o in self}
        )
        return True

    def action_rate(self, stars, comment=None):
        """The customer's rating of a closed order (1-5 stars)."""
        self._check_stage(["closed"], _("Rate"))
        if not 1 <= int(stars) <= 5:
            raise ValidationError(_("A rating is between 1 and 5 stars."))
        self._check_text_limits({"rating_comment": comment or ""})
        for order in self:
            token = order.sudo()._rating_get_access_token()
            order.sudo().rating_apply(int(stars), token=token, feedback=comment or "")
            order._event("rated", new=str(stars), note=comment)
        return True

    def action_reopen(self, reason=None):
        """Closed → implementation when the problem came back."""
        self._check_stage(["closed"], _("Reopen"))
        self._append_events(
            [
                o._event_values("reopened", old="closed", new="implementation", note=reason)
                for o in self
            ]
        )
        self._unseal_archive()
        self._set_stage(
            "implementation",
            {o.id: {"reopen_count": o.reopen_count + 1, "date_closed": False} for o in self},
        )
        return True

    def action_cancel(self, reason=None):
        """Any open stage → cancelled (the request is withdrawn)."""
        self._check_stage(list(OPEN_STAGES), _("Cancel"))
        self._append_events(
            [o._event_values("cancelled", old=o.state, new="cancelled", note=reason) for o in self]
        )
        self._set_stage("cancelled")
        return True

    # ------------------------------------------------------------------
    # Progress and exceptions (called by emc.workorder.progress)
    # ------------------------------------------------------------------
    def _after_progress(self, report):
        self.ensure_one()
        if report.kind == "progress":
            self._event(
                "progress_reported",
                new=f"{report.progress:.0f}%",
                note=report.note,
                attachments=report.attachment_ids,
            )
            self.write(
                {
                    "progress": report.progress,
                    **self._first_response_values(fields.Datetime.now()),
                }
            )
        else:
            self._event(
                "exception_raised",
                note=report.note,
                attachments=report.attachment_ids,
                data={"severity": report.severity},
            )
            # The exception restarts the clock with the type's allowance.
            clock = self._sla_clock_values(
                self.state, fields.Datetime.now(), hours=self.type_id.exception_hours
            )
            self.write({"exception_open": True, **clock[self.id]})
            self._alert_managers(report)

    def action_resolve_exception(self, note=None):
        now = fields.Datetime.now()
        for order in self:
            if not order.exception_open:
                raise UserError(_("Work order %(order)s has no open exception.", order=order.name))
            order.progress_ids.filtered(lambda p: p.kind == "exception" and not p.resolved).write(
                {"resolved": True}
            )
            order._event("exception_resolved", note=note)
            closing = {"exception_open": False}
            clock = order._sla_clock_values(order.state, now, {order.id: closing})
            order.write({**closing, **clock[order.id]})
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

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.name
