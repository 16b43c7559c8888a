import json
import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime, html2plaintext, plaintext2html

from ..lib.notify_rules import quiet_hours_end
from .emc_notification_event import CHANNELS, NOTIFICATION_EVENTS
from .emc_sms_gateway import SmsGatewayError
from .emc_wechat_gateway import WechatGatewayError

_logger = logging.getLogger(__name__)

STATES = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("fallback", "Fell back"),
]
JOB_CHANNEL = "root.emc_notification"
# Seconds before the n-th retry of a transient failure (then the last value).
RETRY_DELAYS = (60, 300, 900)


class EmcNotification(models.Model):
    """One delivery of one event to one person on one channel: the delivery log.

    :meth:`_notify` turns an event into deliveries: for each record and
    person, the first channel of the person's chain (preferred channel, then
    WeChat → SMS → mail, skipping those not available) gets a delivery, sent
    by one ``queue_job`` job (:meth:`_deliver`). A transient failure
    (network, throttling) is retried by a new job after a delay, up to
    ``emc_wechat.notify_max_attempts`` tries; a permanent failure, or the
    last transient one, falls back to the next channel of the chain.

    The identity key (event, record, person, channel, and the caller's
    ``key`` when an event may legitimately repeat) is unique: the same event
    notified twice gives one message. Support staff resend from the log
    (:meth:`action_resend`), which is the only way around the identity.
    """

    _name = "emc.notification"
    _description = "Notification delivery"
    _order = "id desc"
    _rec_name = "event"

    event = fields.Selection(NOTIFICATION_EVENTS, required=True, readonly=True, index=True)
    res_model = fields.Char(string="Record model", readonly=True, index=True)
    res_id = fields.Many2oneReference(string="Record ID", model_field="res_model", readonly=True)
    record_name = fields.Char(string="Record", readonly=True)
    partner_id = fields.Many2one(
        "res.partner", string="Recipient", required=True, readonly=True, index=True
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    channel = fields.Selection(CHANNELS, required=True, readonly=True)
    state = fields.Selection(STATES, required=True, default="queued", readonly=True, index=True)
    urgent = fields.Boolean(readonly=True, help="Urgent messages are not held during quiet hours.")
    attempts = fields.Integer(readonly=True)
    error = fields.Text(readonly=True)
    job_uuid = fields.Char(string="Job UUID", readonly=True, copy=False)
    date_planned = fields.Datetime(
        string="Planned for", readonly=True, help="Held until the end of the quiet hours."
    )
    date_sent = fields.Datetime(readonly=True, index=True)
    identity_key = fields.Char(readonly=True, copy=False, index=True)
    subject = fields.Char(readonly=True)
    body = fields.Text(string="Text sent", readonly=True)
    values_json = fields.Text(string="Values", readonly=True)
    chain = fields.Char(
        string="Fallback channels", readonly=True, help="Channels still to try, in order."
    )
    parent_id = fields.Many2one(
        "emc.notification", string="Fell back from", readonly=True, ondelete="set null"
    )
    fallback_id = fields.Many2one(
        "emc.notification", string="Fell back to", readonly=True, ondelete="set null"
    )
    resend_count = fields.Integer(string="Resent", readonly=True)
    sms_segments = fields.Integer(string="SMS segments", readonly=True)
    sms_biz_id = fields.Char(string="SMS BizId", readonly=True, index=True, copy=False)
    wechat_msgid = fields.Char(string="WeChat msgid", readonly=True, copy=False)
    delivery_state = fields.Selection(
        [("delivered", "Delivered"), ("undelivered", "Not delivered")],
        string="Receipt",
        readonly=True,
        help="From the SMS delivery receipt.",
    )
    date_delivered = fields.Datetime(readonly=True)

    _sql_constraints = [
        ("identity_key_uniq", "unique(identity_key)", "This event was already notified."),
    ]

    def _compute_display_name(self):
        events = dict(self._fields["event"]._description_selection(self.env))
        channels = dict(self._fields["channel"]._description_selection(self.env))
        for delivery in self:
            delivery.display_name = (
                f"{events.get(delivery.event, '')} → {delivery.partner_id.display_name or ''} "
                f"({channels.get(delivery.channel, '')})"
            )

    # ------------------------------------------------------------------
    # Routing
    # ------------------------------------------------------------------
    @api.model
    def _notify(
        self,
        event,
        records,
        partners,
        values=None,
        urgent=False,
        key=None,
        mail_sent=False,
    ):
        """Notify ``event`` about each of ``records`` to ``partners``; the deliveries queued.

        ``partners`` is a ``res.partner`` recordset (the same for every record)
        or a function of a record giving its recipients. ``values`` (a dict, or
        a function of (record, partner) giving one) fills the templates;
        ``record``, ``partner``, ``date`` and ``subject`` are there by default.
        ``urgent`` messages ignore the quiet hours. ``key`` tells apart
        repetitions of an event that are meant (a scheme's revision).
        ``mail_sent``: the caller already mailed the notice (the work order's
        chatter), so mail is logged as sent and only the other channels are
        routed.
        """
        deliveries = self.browse()
        for record in records:
            recipients = partners(record) if callable(partners) else partners
            for partner in recipients:
                vals = values(record, partner) if callable(values) else dict(values or {})
                deliveries |= self._route(event, record, partner, vals, urgent, key, mail_sent)
        return deliveries

    @api.model
    def _route(self, event, record, partner, values, urgent, key, mail_sent):
        chain = [c for c in partner._emc_notify_channels() if self._channel_ready(c, event)]
        base = {
            "event": event,
            "res_model": record._name,
            "res_id": record.id,
            "record_name": record.display_name,
            "partner_id": partner.id,
            "company_id": ("company_id" in record._fields and record.company_id.id) or False,
            "urgent": urgent,
            "values_json": json.dumps(
                self._default_values(event, record, partner)
                | {k: str(v) for k, v in values.items()},
                ensure_ascii=False,
            ),
        }
        base["subject"] = json.loads(base["values_json"]).get("subject")
        deliveries = self.browse()
        if mail_sent:
            deliveries |= self._log_mail_sent(base, key)
            if chain[:1] == ["mail"]:
                return deliveries
            # Mail stays last in the chain: a fallback to it finds the notice
            # already delivered (same identity) and sends nothing more.
        if not chain:
            preferred = partner.emc_notify_channel or "wechat"
            if mail_sent:
                return deliveries
            identity = self._identity(base, preferred, key)
            if self.sudo().search_count([("identity_key", "=", identity)]):
                return deliveries
            return deliveries | self.sudo().create(
                base
                | {
                    "channel": preferred,
                    "identity_key": identity,
                    "state": "failed",
                    "error": self.env._("No channel available for this person and event."),
                }
            )
        return deliveries | self._queue(base, chain, key)

    @api.model
    def _default_values(self, event, record, partner):
        now = fields.Datetime.now()
        labels = dict(self._fields["event"]._description_selection(self.env))
        return {
            "record": record.display_name,
            "partner": partner.name or "",
            "date": format_datetime(
                self.env, now, tz="Asia/Shanghai", dt_format="yyyy-MM-dd HH:mm"
            ),
            "subject": labels.get(event, ""),
        }

    @api.model
    def _identity(self, base, channel, key):
        parts = [
            base["event"],
            f"{base['res_model']},{base['res_id']}",
            str(base["partner_id"]),
            channel,
        ]
        if key:
            parts.append(str(key))
        return ":".join(parts)

    @api.model
    def _channel_ready(self, channel, event):
        """Whether ``channel`` can carry ``event``: a template configured for it."""
        if channel == "wechat":
            return bool(
                self.env["emc.wechat.template"].sudo().search_count([("event", "=", event)])
            )
        if channel == "sms":
            return bool(self.env["emc.sms.template"].sudo().search_count([("event", "=", event)]))
        return True

    @api.model
    def _log_mail_sent(self, base, key):
        identity = self._identity(base, "mail", key)
        existing = self.sudo().search([("identity_key", "=", identity)], limit=1)
        if existing:
            return existing
        return self.sudo().create(
            base
            | {
                "channel": "mail",
                "identity_key": identity,
                "state": "sent",
                "attempts": 1,
                "date_sent": fields.Datetime.now(),
                "body": self.env._("Posted in the record's chatter."),
            }
        )

    @api.model
    def _queue(self, base, chain, key, parent=None):
        """A queued delivery on ``chain[0]`` (unless that one exists already); its job enqueued."""
        identity = self._identity(base, chain[0], key)
        existing = self.sudo().search([("identity_key", "=", identity)], limit=1)
        if existing:
            return existing
        delivery = self.sudo().create(
            base
            | {
                "channel": chain[0],
                "chain": ",".join(chain[1:]),
                "identity_key": identity,
                "parent_id": parent and parent.id,
            }
        )
        delivery._enqueue()
        return delivery

    def _quiet_eta(self):
        """End of the quiet hours for this delivery, or None (urgent, mail, outside them)."""
        self.ensure_one()
        if self.urgent or self.channel == "mail":
            return None
        icp = self.env["ir.config_parameter"].sudo()
        start = icp.get_param("emc_wechat.quiet_start", "22:00")
        end = icp.get_param("emc_wechat.quiet_end", "08:00")
        tz = icp.get_param("emc_wechat.quiet_tz", "Asia/Shanghai")
        try:
            return quiet_hours_end(fields.Datetime.now(), start, end, tz)
        except (ValueError, KeyError):
            _logger.warning("Quiet hours %s-%s %s are not valid: ignored", start, end, tz)
            return None

    def _enqueue(self, delay=None):
        """One job per delivery, held to the end of the quiet hours or by ``delay`` seconds."""
        for delivery in self:
            eta = delivery._quiet_eta()
            if delay:
                eta = max(
                    eta or fields.Datetime.now(), fields.Datetime.now() + timedelta(seconds=delay)
                )
            job = delivery.with_delay(
                channel=JOB_CHANNEL,
                eta=eta,
                identity_key=f"emc.notification:{delivery.id}:{delivery.attempts}:{delivery.resend_count}",
                description=f"Notify {delivery.event} by {delivery.channel}",
            )._deliver()
            delivery.write({"job_uuid": job and job.uuid, "date_planned": eta})

    # ------------------------------------------------------------------
    # Delivery (the job)
    # ------------------------------------------------------------------
    def _deliver(self):
        """Send this delivery on its channel (the queue_job job). Runs once per queued state."""
        self.ensure_one()
        if self.state != "queued":
            return False
        self.attempts += 1
        values = json.loads(self.values_json or "{}")
        try:
            getattr(self, f"_deliver_{self.channel}")(values)
        except (WechatGatewayError, SmsGatewayError) as e:
            self._delivery_failed(e)
            return False
        return True

    def _deliver_wechat(self, values):
        partner = self.partner_id.sudo()
        template = (
            self.env["emc.wechat.template"].sudo().search([("event", "=", self.event)], limit=1)
        )
        if not (template and partner.wechat_openid):
            raise WechatGatewayError(0, "no template or openid")
        data, page = template._render(values, self.res_id)
        msgid = self.env["emc.wechat.gateway"]._send_subscribe_message(
            partner.wechat_openid, template.template_id, data, page
        )
        self.write(
            {
                "state": "sent",
                "date_sent": fields.Datetime.now(),
                "wechat_msgid": msgid and str(msgid),
                "body": json.dumps(data, ensure_ascii=False),
                "error": False,
            }
        )

    def _deliver_sms(self, values):
        template = self.env["emc.sms.template"].sudo().search([("event", "=", self.event)], limit=1)
        number = self.partner_id._emc_sms_number()
        if not (template and number):
            raise SmsGatewayError("no_template_or_number", "no template or mobile", transient=False)
        params, text, segments = template._render(values)
        biz_id = self.env["emc.sms.gateway"]._send_sms(
            number, template.sign_name, template.template_code, params
        )
        self.write(
            {
                "state": "sent",
                "date_sent": fields.Datetime.now(),
                "sms_biz_id": biz_id,
                "sms_segments": segments,
                "body": text,
                "error": False,
            }
        )
        self.env["emc.sms.usage.report"]._check_quota()

    def _deliver_mail(self, values):
        subject = values.get("subject") or self.record_name
        body = values.get("body_html") or plaintext2html(values.get("body") or subject or "")
        record = self.env[self.res_model].browse(self.res_id).exists() if self.res_model else None
        if record is not None and record and hasattr(record, "message_notify"):
            record.sudo().message_notify(
                partner_ids=self.partner_id.ids, subject=subject, body=body
            )
        else:
            self.env["mail.thread"].sudo().message_notify(
                partner_ids=self.partner_id.ids,
                subject=subject,
                body=body,
                model=False,
                res_id=False,
            )
        self.write(
            {
                "state": "sent",
                "date_sent": fields.Datetime.now(),
                "body": html2plaintext(body),
                "error": False,
            }
        )

    def _delivery_failed(self, error):
        """Retry a transient failure later; else (or at the last try) fall back down the chain."""
        self.ensure_one()
        if isinstance(error, WechatGatewayError):
            code, message = error.errcode, error.errmsg
        else:
            code, message = error.code, error.message
        text = f"{code}: {message}"
        _logger.warning("Notification %s (%s) failed: %s", self.id, self.channel, text)
        if isinstance(error, WechatGatewayError) and error.refused:
            # The user withdrew (or never gave) consent: stop trying WeChat for them.
            self.partner_id.sudo().emc_wechat_subscribed = False
        max_attempts = int(
            self.env["ir.config_parameter"].sudo().get_param("emc_wechat.notify_max_attempts", "3")
        )
        if error.transient and self.attempts < max_attempts:
            self.error = text
            delay = RETRY_DELAYS[min(self.attempts, len(RETRY_DELAYS)) - 1]
            self._enqueue(delay=delay)
            return
        self._fall_back(text)

    def _fall_back(self, error_text):
        """Mark this delivery failed, or fallen back when a next channel takes over."""
        chain = [c for c in (self.chain or "").split(",") if c]
        if not chain:
            self.write({"state": "failed", "error": error_text})
            return
        base = self.read(
            [
                "event",
                "res_model",
                "res_id",
                "record_name",
                "partner_id",
                "company_id",
                "urgent",
                "values_json",
                "subject",
            ]
        )[0]
        base.pop("id")
        base["partner_id"] = self.partner_id.id
        base["company_id"] = self.company_id.id
        # The identity's key part is what follows the channel in this one's identity.
        prefix = self._identity(base, self.channel, None)
        key = (
            self.identity_key[len(prefix) + 1 :]
            if len(self.identity_key or "") > len(prefix)
            else None
        )
        nxt = self._queue(base, chain, key, parent=self)
        self.write({"state": "fallback", "error": error_text, "fallback_id": nxt.id})

    # ------------------------------------------------------------------
    # Support
    # ------------------------------------------------------------------
    def action_resend(self):
        """Send these deliveries again on their channel (support staff, from the log)."""
        for delivery in self:
            if delivery.state == "queued":
                raise UserError(
                    self.env._(
                        "Delivery %(id)s is still queued: wait for it or cancel its job first.",
                        id=delivery.id,
                    )
                )
        self.check_access("write")
        for delivery in self.sudo():
            delivery.write(
                {
                    "state": "queued",
                    "attempts": 0,
                    "error": False,
                    "resend_count": delivery.resend_count + 1,
                    "delivery_state": False,
                    "date_delivered": False,
                }
            )
            delivery._enqueue()
        return True

    def action_open_record(self):
        self.ensure_one()
        if not (self.res_model and self.res_id):
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # SMS delivery receipts
    # ------------------------------------------------------------------
    @api.model
    def _process_sms_receipts(self, reports):
        """Apply Alibaba's SMS delivery receipts (``SmsReport``, HTTP batch push).

        ``reports`` is the list Alibaba posts: dicts with ``biz_id``,
        ``success``, ``err_code``, ``err_msg``, ``report_time`` (Asia/Shanghai)
        and ``sms_size`` (the segments the operator billed). An undelivered
        SMS falls back to the next channel. Returns the number applied.
        """
        applied = 0
        for report in reports:
            if not isinstance(report, dict) or not report.get("biz_id"):
                continue
            delivery = self.sudo().search(
                [("sms_biz_id", "=", str(report["biz_id"])), ("channel", "=", "sms")], limit=1
            )
            if not delivery:
                continue
            vals = {
                "delivery_state": "delivered" if report.get("success") else "undelivered",
                "date_delivered": self._parse_report_time(report.get("report_time")),
            }
            size = str(report.get("sms_size") or "")
            if size.isdigit() and int(size) > 0:
                vals["sms_segments"] = int(size)
            delivery.write(vals)
            if not report.get("success") and delivery.state == "sent":
                delivery._fall_back(f"{report.get('err_code')}: {report.get('err_msg') or ''}")
            applied += 1
        return applied

    @api.model
    def _parse_report_time(self, value):
        from datetime import datetime
        from zoneinfo import ZoneInfo

        try:
            local = datetime.strptime(value or "", "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return fields.Datetime.now()
        utc = local.replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(ZoneInfo("UTC"))
        return utc.replace(tzinfo=None)
