import time

from odoo import api, fields, models

from ..lib import ratelimit


class EmcWechatRateLimit(models.Model):
    """Request counters of the REST API, one row per key and fixed window.

    Counted in a transaction of its own, committed at once: the count holds
    across workers and nodes, and a request that fails afterwards still counts.
    """

    _name = "emc.wechat.rate.limit"
    _description = "API rate counter"
    _log_access = False

    key = fields.Char(required=True, index=True)
    window_start = fields.Integer(required=True, help="Epoch second of the window's start.")
    hits = fields.Integer(required=True, default=0)

    _sql_constraints = [("key_window_uniq", "unique(key, window_start)", "One counter a window.")]

    @api.model
    def _hit(self, key, limit, period):
        """Count one request of ``key``; ``(allowed, retry_after_seconds)``."""
        now = time.time()
        start = ratelimit.window_start(now, period)
        registry = self.env.registry
        if registry.in_test_mode():
            # Tests share one cursor guarded by a lock held by the request's
            # thread; a second cursor from FastAPI's worker thread would wait forever.
            count = self._count(self.env.cr, key, start)
        else:
            with registry.cursor() as cr:
                count = self._count(cr, key, start)
        return ratelimit.allowed(count, limit), ratelimit.retry_after(now, period)

    @api.model
    def _count(self, cr, key, start):
        cr.execute(
            """
            INSERT INTO emc_wechat_rate_limit (key, window_start, hits)
            VALUES (%s, %s, 1)
            ON CONFLICT (key, window_start)
            DO UPDATE SET hits = emc_wechat_rate_limit.hits + 1
            RETURNING hits
            """,
            (key, start),
        )
        return cr.fetchone()[0]

    @api.model
    def _cron_purge(self):
        """Drop the counters of windows over a day old."""
        self.env.cr.execute(
            "DELETE FROM emc_wechat_rate_limit WHERE window_start < %s",
            (int(time.time()) - 86400,),
        )
