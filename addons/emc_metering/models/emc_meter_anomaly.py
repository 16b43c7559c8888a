"""Anomalies of meters that raise an alert and open an O&M work order (运维/故障).

Three kinds are detected by :meth:`EmcMeterAnomaly._detect_anomalies` (the
cron ``_cron_detect_anomalies`` runs it on the last days):

* ``band``: a day (daily baselines) or month (monthly ones) whose measured
  consumption lies outside the prediction band of an approved baseline
  (``emc.mv.baseline._band_breaches``). After the baseline period the
  retrofit is meant to lower consumption, so only periods *above* the band
  are anomalies there; inside or before it both directions are. The
  anomaly is recorded on the baseline's first meter.
* ``offline``: a polled meter (with a gateway) whose last reading is older
  than its ``anomaly_offline_intervals`` polling intervals. The period
  starts at the last reading, so a meter that stays silent is one anomaly;
  it is resolved by itself when readings come back.
* ``negative``: an hour whose cumulative register went down (rollup flag
  64, neither a rollover nor a recorded meter replacement).

Once per anomaly, not once per detection: a row is unique per (meter, kind,
period start) in the database; a detected period already covered by an
anomaly of that meter and kind (between its start and end) is ignored; and
while an anomaly of a meter and kind is not resolved, later periods extend
it (end, count of periods) instead of opening another. Each new anomaly
opens one work order of the O&M/fault type in the meter's organisation,
and the alert: a to-do for the energy engineer (else the manager) of the
meter's project.
"""

import logging
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError

from .emc_meter_rollup import FLAG_NEGATIVE

ANOMALY_KINDS = [
    ("band", "Consumption outside the expected band"),
    ("offline", "Meter offline"),
    ("negative", "Register went down"),
]
ANOMALY_STATES = [
    ("open", "Open"),
    ("acknowledged", "Acknowledged"),
    ("resolved", "Resolved"),
]
_logger = logging.getLogger(__name__)

DEFAULT_LOOKBACK_DAYS = 7
WORK_ORDER_TYPE = "emc_workorder.wo_type_om_fault"


class EmcMeterAnomaly(models.Model):
    _name = "emc.meter.anomaly"
    _description = "Meter anomaly"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    kind = fields.Selection(ANOMALY_KINDS, required=True, readonly=True, index=True)
    meter_id = fields.Many2one(
        "emc.meter", required=True, readonly=True, index=True, ondelete="cascade"
    )
    channel_id = fields.Many2one("emc.meter.channel", readonly=True, ondelete="set null")
    site_id = fields.Many2one(related="meter_id.site_id", store=True, index=True)
    project_id = fields.Many2one(related="meter_id.project_id", store=True, index=True)
    partner_id = fields.Many2one(related="meter_id.partner_id", store=True, string="Client")
    company_id = fields.Many2one(related="meter_id.company_id", store=True, index=True)
    baseline_id = fields.Many2one("emc.mv.baseline", readonly=True, ondelete="set null")
    date_start = fields.Datetime(string="Period start", required=True, readonly=True)
    date_end = fields.Datetime(string="Period end", readonly=True)
    period_count = fields.Integer(
        string="Periods",
        default=1,
        readonly=True,
        help="Periods (days, months or hours) found anomalous while the anomaly was not resolved.",
    )
    value = fields.Float(string="Measured", readonly=True, digits=(16, 3))
    expected = fields.Float(readonly=True, digits=(16, 3))
    lower = fields.Float(string="Band from", readonly=True, digits=(16, 3))
    upper = fields.Float(string="Band to", readonly=True, digits=(16, 3))
    unit = fields.Char(readonly=True)
    direction = fields.Selection(
        [("above", "Above the band"), ("below", "Below the band")], readonly=True
    )
    description = fields.Text(readonly=True)
    state = fields.Selection(
        ANOMALY_STATES, default="open", required=True, readonly=True, tracking=True, index=True
    )
    date_detected = fields.Datetime(
        string="Detected on", default=fields.Datetime.now, readonly=True
    )
    date_resolved = fields.Datetime(string="Resolved on", readonly=True)
    work_order_id = fields.Many2one(
        "emc.workorder", string="Work order", readonly=True, ondelete="set null", tracking=True
    )
    work_order_state = fields.Selection(related="work_order_id.state", string="Work order stage")

    _sql_constraints = [
        (
            "meter_kind_start_uniq",
            "unique(meter_id, kind, date_start)",
            "An anomaly is recorded once per meter, kind and period start.",
        ),
    ]

    @api.depends("kind", "meter_id.code", "date_start")
    def _compute_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for anomaly in self:
            start = fields.Datetime.context_timestamp(anomaly, anomaly.date_start)
            anomaly.name = (
                f"{anomaly.meter_id.code} {kinds.get(anomaly.kind, '')} {start:%Y-%m-%d %H:%M}"
                if anomaly.date_start
                else kinds.get(anomaly.kind, "")
            )

    # ------------------------------------------------------------------
    # Transitions
    # ------------------------------------------------------------------
    def _check_state(self, allowed, action):
        for anomaly in self:
            if anomaly.state not in allowed:
                raise UserError(
                    self.env._(
                        "Anomaly %(anomaly)s is “%(state)s”: it cannot be %(action)s.",
                        anomaly=anomaly.name,
                        state=dict(self._fields["state"]._description_selection(self.env))[
                            anomaly.state
                        ],
                        action=action,
                    )
                )

    def action_acknowledge(self):
        """Someone looks into it: open → acknowledged."""
        self._check_state(["open"], self.env._("acknowledged"))
        self.write({"state": "acknowledged"})
        return True

    def action_resolve(self):
        """Open or acknowledged → resolved; a later period of the same kind opens a new one."""
        self._check_state(["open", "acknowledged"], self.env._("resolved"))
        self.write({"state": "resolved", "date_resolved": fields.Datetime.now()})
        return True

    def action_open_work_order(self):
        """Open the O&M work order of anomalies that have none (one each)."""
        self._check_state(["open", "acknowledged"], self.env._("given a work order"))
        self.filtered(lambda a: not a.work_order_id)._open_work_orders()
        return True

    def action_view_work_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "emc.workorder",
            "res_id": self.work_order_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------
    # Work orders
    # ------------------------------------------------------------------
    def _work_order_type(self):
        work_type = self.env.ref(WORK_ORDER_TYPE, raise_if_not_found=False)
        if not work_type:
            work_type = (
                self.env["emc.workorder.type"].sudo().search([("code", "=", "OM_FAULT")], limit=1)
            )
        if not work_type:
            raise UserError(
                self.env._("The work order type 运维/故障 (code OM_FAULT) is missing: restore it.")
            )
        return work_type

    def _work_order_description(self):
        self.ensure_one()
        lines = [
            self.env._(
                "Anomaly detected by the metering monitoring: %(kind)s.",
                kind=dict(self._fields["kind"]._description_selection(self.env))[self.kind],
            ),
            self.env._(
                "Meter: %(meter)s; site: %(site)s.",
                meter=self.meter_id.display_name,
                site=self.site_id.display_name or "-",
            ),
        ]
        if self.description:
            lines.append(self.description)
        return "\n".join(lines)

    def _open_work_orders(self):
        """Create one O&M/fault work order per anomaly of ``self`` (which have none)."""
        if not self:
            return
        work_type = self._work_order_type()
        # The monitoring opens O&M orders on behalf of the service desk: who may
        # see the anomaly (organisation rules above) may have it handled, without
        # being desk staff; the order lands in the meter's organisation.
        WorkOrder = self.env["emc.workorder"].sudo()
        for anomaly in self:
            partner = anomaly.partner_id
            site = anomaly.site_id
            lang = anomaly.company_id.partner_id.lang or self.env.lang
            described = anomaly.with_context(lang=lang)
            order = WorkOrder.with_context(lang=lang).create(
                {
                    "type_id": work_type.id,
                    "channel": "backoffice",
                    "priority": "1",
                    "company_id": anomaly.company_id.id,
                    "partner_id": partner.id,
                    "contact_name": partner.name,
                    "phone": partner.phone or partner.mobile or False,
                    "email": partner.email or False,
                    "street": site.street or partner.street or False,
                    "city": site.city or partner.city or False,
                    "latitude": site.latitude,
                    "longitude": site.longitude,
                    "site_id": site.id,
                    "project_id": anomaly.project_id.id,
                    "description": described._work_order_description(),
                }
            )
            anomaly.work_order_id = order
            anomaly.message_post(
                body=self.env._("Work order %(order)s opened.", order=order.name),
                message_type="notification",
            )

    # ------------------------------------------------------------------
    # Detection
    # ------------------------------------------------------------------
    @api.model
    def _cron_detect_anomalies(self):
        """Detect the anomalies of the last days; open a work order for each new one."""
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("emc_metering.anomaly_lookback_days", DEFAULT_LOOKBACK_DAYS)
        )
        self._detect_anomalies(lookback_days=days)

    @api.model
    def _detect_anomalies(self, now=None, lookback_days=DEFAULT_LOOKBACK_DAYS):
        """Detect every kind of anomaly up to ``now`` (UTC, default now) over ``lookback_days``.

        Brings the rollups up to date first, records the anomalies found (see
        the module docstring for what counts once) and resolves the offline
        anomalies of meters that read again. Returns the new anomalies.
        """
        now = now or fields.Datetime.now()
        since = now - timedelta(days=lookback_days)
        self.env["emc.meter.reading"]._refresh_rollups(wait=True)
        self._resolve_back_online()
        candidates = (
            self._offline_candidates(now)
            + self._negative_candidates(since, now)
            + self._band_candidates(since, now)
        )
        return self._record(candidates)

    @api.model
    def _offline_candidates(self, now):
        self.env["emc.meter"].flush_model(
            ["active", "gateway_id", "date_last_reading", "poll_interval"]
        )
        self.env.cr.execute(
            """
            SELECT id, date_last_reading, poll_interval, anomaly_offline_intervals
              FROM emc_meter
             WHERE active AND gateway_id IS NOT NULL AND date_last_reading IS NOT NULL
               AND anomaly_offline_intervals > 0
               AND date_last_reading
                   < %s - make_interval(mins => poll_interval * anomaly_offline_intervals)
            """,
            [now],
        )
        candidates = []
        for meter_id, last, interval, _intervals in self.env.cr.fetchall():
            missed = int((now - last).total_seconds() // (interval * 60))
            candidates.append(
                {
                    "kind": "offline",
                    "meter_id": meter_id,
                    "date_start": last,
                    "date_end": now,
                    "value": missed,
                    "description": self.env._(
                        "No reading since %(date)s UTC: %(missed)s polling intervals of "
                        "%(interval)s min missed.",
                        date=fields.Datetime.to_string(last),
                        missed=missed,
                        interval=interval,
                    ),
                }
            )
        return candidates

    @api.model
    def _negative_candidates(self, since, now):
        self.env.cr.execute(
            """SELECT id FROM emc_meter_rollup_hourly
                WHERE date >= %s AND date < %s AND flags & %s <> 0
                ORDER BY date""",
            [since, now, FLAG_NEGATIVE],
        )
        rows = self.env["emc.meter.rollup.hourly"].browse(r[0] for r in self.env.cr.fetchall())
        candidates = []
        for row in rows:
            candidates.append(
                {
                    "kind": "negative",
                    "meter_id": row.meter_id.id,
                    "channel_id": row.channel_id.id,
                    "date_start": row.date,
                    "date_end": row.date + timedelta(hours=1),
                    "unit": row.unit,
                    "description": self.env._(
                        "The register of channel %(channel)s went down in the hour from "
                        "%(date)s UTC (not a rollover, no meter replacement recorded): "
                        "that consumption was not counted.",
                        channel=row.channel_id.display_name,
                        date=fields.Datetime.to_string(row.date),
                    ),
                }
            )
        return candidates

    @api.model
    def _band_candidates(self, since, now):
        baselines = self.env["emc.mv.baseline"].search([("state", "=", "approved")])
        candidates = []
        for baseline in baselines:
            meter = baseline.meter_ids.sorted("id")[:1]
            if not meter:
                continue
            tz = pytz.timezone(baseline.company_id.partner_id.tz or "Asia/Shanghai")
            local_now = pytz.utc.localize(now).astimezone(tz)
            # Whole local days only: today is not over yet.
            last_day = local_now.date() - timedelta(days=1)
            first_day = pytz.utc.localize(since).astimezone(tz).date()
            if last_day < first_day:
                continue
            try:
                breaches = baseline._band_breaches(first_day, last_day)
            except UserError as error:
                # One baseline whose data cannot be judged must not stop the others.
                _logger.warning("band breaches of baseline %s: %s", baseline.name, error)
                continue
            for breach in breaches:
                if breach["date"] > baseline.date_baseline_end and breach["direction"] != "above":
                    continue
                start = tz.localize(datetime.combine(breach["date"], time.min))
                end = tz.localize(datetime.combine(breach["date_to"] + timedelta(1), time.min))
                candidates.append(
                    {
                        "kind": "band",
                        "meter_id": meter.id,
                        "channel_id": meter.main_channel_id.id,
                        "baseline_id": baseline.id,
                        "date_start": start.astimezone(pytz.utc).replace(tzinfo=None),
                        "date_end": end.astimezone(pytz.utc).replace(tzinfo=None),
                        "value": breach["actual"],
                        "expected": breach["expected"],
                        "lower": breach["lower"],
                        "upper": breach["upper"],
                        "unit": "kWh",
                        "direction": breach["direction"],
                        "description": self.env._(
                            "%(start)s to %(end)s: %(actual).1f kWh measured, %(expected).1f "
                            "kWh expected by baseline %(baseline)s (band %(lower).1f to "
                            "%(upper).1f kWh).",
                            start=breach["date"].isoformat(),
                            end=breach["date_to"].isoformat(),
                            actual=breach["actual"],
                            expected=breach["expected"],
                            baseline=baseline.name,
                            lower=breach["lower"],
                            upper=breach["upper"],
                        ),
                    }
                )
        return candidates

    @api.model
    def _record(self, candidates):
        """Store ``candidates`` once each (see the module docstring); returns the new anomalies."""
        if not candidates:
            return self.browse()
        earliest = min(c["date_start"] for c in candidates)
        known = self.search(
            [
                ("meter_id", "in", list({c["meter_id"] for c in candidates})),
                ("kind", "in", list({c["kind"] for c in candidates})),
                "|",
                ("state", "!=", "resolved"),
                ("date_end", ">=", earliest),
            ]
        )
        by_key = {}
        for anomaly in known:
            by_key.setdefault((anomaly.meter_id.id, anomaly.kind), []).append(anomaly)
        new_anomalies = self.browse()
        for candidate in sorted(candidates, key=lambda c: c["date_start"]):
            same = by_key.setdefault((candidate["meter_id"], candidate["kind"]), [])
            start = candidate["date_start"]
            covering = [a for a in same if a._covers(start)]
            if covering:
                if candidate["kind"] == "offline" and covering[0].state != "resolved":
                    # Still silent: the same anomaly, seen later.
                    covering[0].write(
                        {"date_end": candidate["date_end"], "value": candidate["value"]}
                    )
                continue
            live = [a for a in same if a.state != "resolved"]
            if live:
                live[0]._extend(candidate)
                continue
            anomaly = self.create(candidate)
            same.append(anomaly)
            new_anomalies |= anomaly
        new_anomalies._open_work_orders()
        new_anomalies._alert()
        return new_anomalies

    def _alert(self):
        """A to-do for the energy engineer (else the manager) of each anomaly's project."""
        for anomaly in self:
            project = anomaly.project_id
            user = project.engineer_id or project.user_id
            if user:
                anomaly.activity_schedule(
                    "mail.mail_activity_data_todo",
                    user_id=user.id,
                    summary=self.env._("Meter anomaly: %(name)s", name=anomaly.name),
                    note=anomaly.description,
                )

    def _covers(self, start):
        """Whether a period starting at ``start`` is already part of this anomaly."""
        self.ensure_one()
        if not self.date_end or self.date_end <= self.date_start:
            return start == self.date_start
        return self.date_start <= start < self.date_end

    def _extend(self, candidate):
        """A later period of an unresolved anomaly: it lasts longer, no new work order."""
        self.ensure_one()
        self.write(
            {
                "date_end": max(self.date_end or self.date_start, candidate["date_end"]),
                "period_count": self.period_count + 1,
            }
        )
        if candidate.get("description"):
            self.message_post(body=candidate["description"], message_type="notification")

    @api.model
    def _resolve_back_online(self):
        """Offline anomalies of meters that read again since are resolved."""
        self.env["emc.meter"].flush_model(["date_last_reading"])
        offline = self.search([("kind", "=", "offline"), ("state", "!=", "resolved")])
        back = offline.filtered(
            lambda a: a.meter_id.date_last_reading and a.meter_id.date_last_reading > a.date_start
        )
        if back:
            now = fields.Datetime.now()
            for anomaly in back:
                # The silence ended at the first reading after it began: a later
                # silence, even one found after a late backfill, is another anomaly.
                self.env.cr.execute(
                    """SELECT min(r.ts) FROM emc_meter_reading r
                         JOIN emc_meter_channel c ON c.id = r.channel_id
                        WHERE c.meter_id = %s AND r.ts > %s""",
                    [anomaly.meter_id.id, anomaly.date_start],
                )
                first = self.env.cr.fetchone()[0] or anomaly.meter_id.date_last_reading
                anomaly.write({"state": "resolved", "date_resolved": now, "date_end": first})
                anomaly.message_post(
                    body=self.env._(
                        "Readings again since %(date)s UTC.",
                        date=fields.Datetime.to_string(anomaly.meter_id.date_last_reading),
                    ),
                    message_type="notification",
                )
