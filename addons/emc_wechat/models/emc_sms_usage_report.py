from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..lib.notify_rules import highest_threshold, overage

QUOTA_WARNED_KEY = "emc_wechat.sms_quota_warned"


class EmcSmsUsageReport(models.Model):
    """SMS usage per month: messages, billed segments, overage and its cost.

    A database view over the SMS deliveries sent. The package (the included
    quota, ``emc_wechat.sms_quota`` segments, 20,000 by default) runs for a
    year from ``emc_wechat.sms_package_start`` (1 January by default) and is
    renewed each year; a month's overage is the part of its segments beyond
    the quota, counted cumulatively within its package year, billed at
    ``emc_wechat.sms_price`` CNY each (0.05 by default). The parameters are
    read by the view itself, so a change in the settings shows at once.
    """

    _name = "emc.sms.usage.report"
    _description = "SMS usage per month"
    _auto = False
    _order = "month desc"

    month = fields.Date(readonly=True)
    package_start = fields.Date(string="Package year from", readonly=True)
    messages = fields.Integer(readonly=True)
    segments = fields.Integer(string="Segments billed", readonly=True)
    cumulated = fields.Integer(string="Segments in the package year", readonly=True)
    overage = fields.Integer(string="Segments over the quota", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    cost = fields.Monetary(string="Overage cost", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
CREATE VIEW %(table)s AS
WITH cfg AS (
    SELECT COALESCE(NULLIF((SELECT value FROM ir_config_parameter
                            WHERE key = 'emc_wechat.sms_quota'), ''), '20000')::numeric AS quota,
           COALESCE(NULLIF((SELECT value FROM ir_config_parameter
                            WHERE key = 'emc_wechat.sms_price'), ''), '0.05')::numeric AS price,
           COALESCE(NULLIF((SELECT value FROM ir_config_parameter
                            WHERE key = 'emc_wechat.sms_package_start'), ''),
                    '2000-01-01')::date AS start
), monthly AS (
    SELECT date_trunc('month', n.date_sent AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Shanghai')::date
               AS month,
           count(*) AS messages,
           sum(n.sms_segments) AS segments
    FROM emc_notification n
    WHERE n.channel = 'sms' AND n.date_sent IS NOT NULL AND n.sms_segments > 0
    GROUP BY 1
), dated AS (
    SELECT m.*, cfg.quota, cfg.price,
           (cfg.start + make_interval(years => date_part('year', age(m.month, cfg.start))::int))::date
               AS package_start
    FROM monthly m, cfg
), cumulated AS (
    SELECT d.*, sum(d.segments) OVER (PARTITION BY d.package_start ORDER BY d.month) AS cumulated
    FROM dated d
)
SELECT row_number() OVER (ORDER BY c.month)::int AS id,
       c.month, c.package_start, c.messages::int, c.segments::int, c.cumulated::int,
       (GREATEST(0, c.cumulated - c.quota) - GREATEST(0, c.cumulated - c.segments - c.quota))::int
           AS overage,
       ((GREATEST(0, c.cumulated - c.quota) - GREATEST(0, c.cumulated - c.segments - c.quota))
           * c.price)::numeric AS cost,
       (SELECT id FROM res_currency WHERE name = 'CNY') AS currency_id
FROM cumulated c
""",
                table=SQL.identifier(self._table),
            )
        )

    # ------------------------------------------------------------------
    # Quota
    # ------------------------------------------------------------------
    @api.model
    def _quota_config(self):
        icp = self.env["ir.config_parameter"].sudo()
        return {
            "quota": int(float(icp.get_param("emc_wechat.sms_quota", "20000") or 0)),
            "price": float(icp.get_param("emc_wechat.sms_price", "0.05") or 0),
            "start": icp.get_param("emc_wechat.sms_package_start") or "",
        }

    @api.model
    def _package_period(self, today=None):
        """(first day, day after the last) of the package year that holds ``today``."""
        today = today or fields.Date.context_today(self)
        start = fields.Date.to_date(self._quota_config()["start"]) or date(today.year, 1, 1)
        years = relativedelta(today, start).years
        first = start + relativedelta(years=years)
        if first > today:  # a start in the future: the year before it
            first -= relativedelta(years=1)
        return first, first + relativedelta(years=1)

    @api.model
    def _quota_usage(self):
        """{quota, used, overage, cost, period}: the current package year's SMS usage."""
        config = self._quota_config()
        first, end = self._package_period()
        self.env["emc.notification"].flush_model(["channel", "date_sent", "sms_segments"])
        self.env.cr.execute(
            """SELECT COALESCE(sum(sms_segments), 0) FROM emc_notification
               WHERE channel = 'sms' AND date_sent IS NOT NULL
                 AND (date_sent AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Shanghai')::date >= %s
                 AND (date_sent AT TIME ZONE 'UTC' AT TIME ZONE 'Asia/Shanghai')::date < %s""",
            [first, end],
        )
        used = int(self.env.cr.fetchone()[0])
        extra = overage(used, config["quota"])
        return {
            "quota": config["quota"],
            "used": used,
            "overage": extra,
            "cost": extra * config["price"],
            "period": (first, end),
        }

    @api.model
    def _check_quota(self):
        """Warn the administrators once when the usage reaches 80 % and 100 % of the quota.

        The last warning given (``<package start>:<percent>``) is kept in a
        configuration parameter whose row is locked while it is compared and
        updated, so that two workers sending at once warn once.
        """
        usage = self._quota_usage()
        reached = highest_threshold(usage["used"], usage["quota"])
        if not reached:
            return False
        period = fields.Date.to_string(usage["period"][0])
        icp = self.env["ir.config_parameter"].sudo()
        icp.set_param(QUOTA_WARNED_KEY, icp.get_param(QUOTA_WARNED_KEY) or "")
        self.env.cr.execute(
            "SELECT value FROM ir_config_parameter WHERE key = %s FOR UPDATE", [QUOTA_WARNED_KEY]
        )
        warned_period, _sep, warned = (self.env.cr.fetchone()[0] or "").partition(":")
        already = int(warned) if warned_period == period and warned.isdigit() else 0
        if reached <= already:
            return False
        icp.set_param(QUOTA_WARNED_KEY, f"{period}:{reached}")
        self._warn_admins(reached, usage)
        return reached

    @api.model
    def _warn_admins(self, reached, usage):
        admins = self.env.ref("emc_project.group_emc_admin").sudo().users
        if not admins:
            admins = self.env.ref("base.group_system").sudo().users
        for lang in set(admins.mapped("lang")) or {"en_US"}:
            users = admins.filtered(lambda u, lang=lang: u.lang == lang)
            env = self.with_context(lang=lang).env
            subject = env._("SMS quota: %(percent)s%% used", percent=reached)
            body = env._(
                "%(used)s of the %(quota)s SMS segments included in the package year from "
                "%(start)s are used (%(percent)s%%). Beyond the quota each segment is billed: "
                "%(overage)s segments over, %(cost).2f CNY so far.",
                used=usage["used"],
                quota=usage["quota"],
                start=usage["period"][0],
                percent=reached,
                overage=usage["overage"],
                cost=usage["cost"],
            )
            self.env["mail.thread"].sudo().message_notify(
                partner_ids=users.partner_id.ids,
                subject=subject,
                body=body,
                model=False,
                res_id=False,
            )
