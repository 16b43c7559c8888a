"""Rollups of the readings, maintained incrementally in SQL.

Ingestion queues, per channel, the span of time it wrote
(``emc_meter_rollup_dirty``); :meth:`EmcMeterReading._refresh_rollups`
claims the queue and recomputes only the hours, days and months those spans
touch:

* Window. For a span ``[lo, hi]`` of a channel, the hours from the one of
  the last reading before ``lo`` to the one of the first reading after
  ``hi``: every interval that changed lies inside.
* Hourly, cumulative channels. Consecutive valid readings ``(p, t]`` give
  the interval consumption ``value(t) - value(p)``, attributed to the
  hour(s) the interval covers (a reading at 11:00 closes the 10:45-11:00
  interval, which belongs to hour 10), in proportion to the overlap when it
  spans several hours. A register that went down is, in this order: a
  meter replacement inside the interval (old meter's final reading minus
  the previous reading, plus the new reading minus the new meter's initial
  one; flag 32), a rollover (the previous value in the top tenth of the
  register's range and the new one in the bottom tenth: ``wrap - p + t``;
  flag 16), or else a negative step, not counted (flag 64). An interval
  longer than 1.5 polling intervals is a gap (an ``emc.meter.gap`` row);
  its consumption is spread over its hours and flagged estimated (8).
* Hourly, instantaneous channels: average, minimum, maximum and count of the
  valid samples taken in the hour.
* Daily rows from the hourly ones, by local calendar day in the
  organisation's time zone (its partner's, else Asia/Shanghai); monthly
  rows from the daily ones.

One refresh runs at a time (an advisory lock); a refresh that finds the
lock taken leaves the queue for the next one, so pollers, crons and imports
can all ask for one.
"""

import logging

from odoo import api, models
from odoo.tools import SQL

from .emc_meter_reading import LOCK_NAMESPACE, LOCK_ROLLUPS

_logger = logging.getLogger(__name__)

_ROLLUP_COLUMNS = SQL(
    "channel_id, meter_id, site_id, project_id, partner_id, company_id, carrier, unit, is_main, "
    "date, consumption, value_avg, value_min, value_max, sample_count, flags, estimated"
)
_WINDOW_KEYS = SQL(
    "w.channel_id, w.meter_id, w.site_id, w.project_id, w.partner_id, w.company_id, "
    "w.carrier, w.unit, w.is_main"
)

_CLAIM = SQL(
    """
    DROP TABLE IF EXISTS emc_rollup_window;
    CREATE TEMP TABLE emc_rollup_window (
        channel_id integer PRIMARY KEY, lo timestamp, hi timestamp,
        kind varchar, rollover double precision, step interval, tz varchar,
        meter_id integer, site_id integer, project_id integer, partner_id integer,
        company_id integer, carrier varchar, unit varchar, is_main boolean,
        h0 timestamp, h1 timestamp, d0 date, d1 date
    ) ON COMMIT DROP;
    WITH claimed AS (
        DELETE FROM emc_meter_rollup_dirty RETURNING channel_id, date_from, date_to
    ), spans AS (
        SELECT channel_id, min(date_from) AS lo, max(date_to) AS hi
          FROM claimed GROUP BY channel_id
    )
    INSERT INTO emc_rollup_window (channel_id, lo, hi, kind, rollover, step, tz, meter_id,
                                   site_id, project_id, partner_id, company_id, carrier,
                                   unit, is_main)
    SELECT s.channel_id, s.lo, s.hi, c.kind, COALESCE(c.rollover_value * c.factor, 0),
           make_interval(mins => m.poll_interval), COALESCE(NULLIF(p.tz, ''), 'Asia/Shanghai'),
           m.id, m.site_id, m.project_id, m.partner_id, m.company_id, m.carrier, c.unit,
           COALESCE(c.is_main, false)
      FROM spans s
      JOIN emc_meter_channel c ON c.id = s.channel_id
      JOIN emc_meter m ON m.id = c.meter_id
      JOIN res_company co ON co.id = m.company_id
      LEFT JOIN res_partner p ON p.id = co.partner_id;
    UPDATE emc_rollup_window w SET
        h0 = date_trunc('hour', COALESCE((SELECT max(r.ts) FROM emc_meter_reading r
                                           WHERE r.channel_id = w.channel_id AND r.ts < w.lo), w.lo)),
        h1 = date_trunc('hour', COALESCE((SELECT min(r.ts) FROM emc_meter_reading r
                                           WHERE r.channel_id = w.channel_id AND r.ts > w.hi), w.hi))
             + interval '1 hour';
    UPDATE emc_rollup_window SET
        d0 = (h0 AT TIME ZONE 'UTC' AT TIME ZONE tz)::date,
        d1 = ((h1 - interval '1 microsecond') AT TIME ZONE 'UTC' AT TIME ZONE tz)::date;
    ANALYZE emc_rollup_window;
    """
)

_CLEAR_HOURS = SQL(
    """
    DELETE FROM emc_meter_rollup_hourly h USING emc_rollup_window w
     WHERE h.channel_id = w.channel_id AND h.date >= w.h0 AND h.date < w.h1;
    DELETE FROM emc_meter_gap g USING emc_rollup_window w
     WHERE g.channel_id = w.channel_id AND g.date_end > w.h0 AND g.date_start < w.h1;
    """
)

# Valid readings of the cumulative channels in their windows, plus the last one
# before and the first one after (the intervals that cross the window's edges).
_CUMULATIVE_HOURS = SQL(
    """
    WITH pts AS (
        SELECT r.channel_id, r.ts, r.value, r.quality
          FROM emc_rollup_window w
          JOIN emc_meter_reading r ON r.channel_id = w.channel_id AND r.ts > w.h0 AND r.ts <= w.h1
         WHERE w.kind = 'cumulative' AND r.value IS NOT NULL AND r.quality & 1 = 0
        UNION ALL
        SELECT w.channel_id, b.ts, b.value, b.quality
          FROM emc_rollup_window w
         CROSS JOIN LATERAL (
              SELECT r.ts, r.value, r.quality FROM emc_meter_reading r
               WHERE r.channel_id = w.channel_id AND r.ts <= w.h0
                 AND r.value IS NOT NULL AND r.quality & 1 = 0
               ORDER BY r.ts DESC LIMIT 1) b
         WHERE w.kind = 'cumulative'
        UNION ALL
        SELECT w.channel_id, a.ts, a.value, a.quality
          FROM emc_rollup_window w
         CROSS JOIN LATERAL (
              SELECT r.ts, r.value, r.quality FROM emc_meter_reading r
               WHERE r.channel_id = w.channel_id AND r.ts > w.h1
                 AND r.value IS NOT NULL AND r.quality & 1 = 0
               ORDER BY r.ts LIMIT 1) a
         WHERE w.kind = 'cumulative'
    ), seq AS (
        SELECT channel_id, ts, value, quality,
               lag(ts) OVER win AS p_ts, lag(value) OVER win AS p_value
          FROM pts WINDOW win AS (PARTITION BY channel_id ORDER BY ts)
    ), repl AS (
        SELECT l.channel_id, rep.date,
               l.old_final * l.old_factor AS old_final, l.new_initial * l.new_factor AS new_initial
          FROM emc_meter_replacement_line l
          JOIN emc_meter_replacement rep ON rep.id = l.replacement_id
          JOIN emc_rollup_window w ON w.channel_id = l.channel_id
    ), steps AS (
        SELECT s.channel_id, s.p_ts, s.ts, s.quality & 6 AS quality,
               s.ts - s.p_ts > w.step * 1.5 AS is_gap,
               CASE WHEN x.date IS NOT NULL THEN 'replaced'
                    WHEN s.value >= s.p_value THEN 'up'
                    WHEN w.rollover > 0 AND s.p_value >= 0.9 * w.rollover
                         AND s.value <= 0.1 * w.rollover THEN 'rollover'
                    ELSE 'down' END AS move,
               s.value, s.p_value, w.rollover, x.old_final, x.new_initial
          FROM seq s
          JOIN emc_rollup_window w ON w.channel_id = s.channel_id
          LEFT JOIN repl x ON x.channel_id = s.channel_id AND x.date > s.p_ts AND x.date <= s.ts
         WHERE s.p_ts IS NOT NULL
    ), iv AS (
        SELECT channel_id, p_ts, ts, is_gap,
               CASE move WHEN 'replaced' THEN (old_final - p_value) + (value - new_initial)
                         WHEN 'up' THEN value - p_value
                         WHEN 'rollover' THEN rollover - p_value + value END AS delta,
               quality
               | CASE move WHEN 'replaced' THEN 32 WHEN 'rollover' THEN 16
                           WHEN 'down' THEN 64 ELSE 0 END
               | CASE WHEN is_gap THEN 8 ELSE 0 END AS flags
          FROM steps
    ), gaps AS (
        INSERT INTO emc_meter_gap (channel_id, meter_id, company_id, site_id,
                                   date_start, date_end, missing_count)
        SELECT iv.channel_id, w.meter_id, w.company_id, w.site_id, iv.p_ts, iv.ts,
               GREATEST(round(extract(epoch FROM iv.ts - iv.p_ts)
                              / extract(epoch FROM w.step))::integer - 1, 1)
          FROM iv JOIN emc_rollup_window w ON w.channel_id = iv.channel_id
         WHERE iv.is_gap AND iv.ts > w.h0 AND iv.p_ts < w.h1
    ), parts AS (
        SELECT channel_id, date_trunc('hour', p_ts) AS hour, delta AS part, flags
          FROM iv
         WHERE date_trunc('hour', p_ts) = date_trunc('hour', ts - interval '1 microsecond')
        UNION ALL
        SELECT iv.channel_id, h.hour,
               iv.delta * extract(epoch FROM LEAST(iv.ts, h.hour + interval '1 hour')
                                             - GREATEST(iv.p_ts, h.hour))
                        / extract(epoch FROM iv.ts - iv.p_ts),
               iv.flags
          FROM iv
         CROSS JOIN LATERAL generate_series(date_trunc('hour', iv.p_ts),
                                            iv.ts - interval '1 microsecond',
                                            interval '1 hour') AS h(hour)
         WHERE date_trunc('hour', iv.p_ts) <> date_trunc('hour', iv.ts - interval '1 microsecond')
    )
    INSERT INTO emc_meter_rollup_hourly (%(columns)s)
    SELECT %(keys)s, p.hour, COALESCE(sum(p.part), 0), NULL, NULL, NULL, count(*),
           bit_or(p.flags), bool_or(p.flags & 8 <> 0)
      FROM parts p JOIN emc_rollup_window w ON w.channel_id = p.channel_id
     WHERE p.hour >= w.h0 AND p.hour < w.h1
     GROUP BY %(keys)s, p.hour
    """,
    columns=_ROLLUP_COLUMNS,
    keys=_WINDOW_KEYS,
)

_INSTANTANEOUS_HOURS = SQL(
    """
    INSERT INTO emc_meter_rollup_hourly (%(columns)s)
    SELECT %(keys)s, date_trunc('hour', r.ts), NULL, avg(r.value), min(r.value), max(r.value),
           count(*), bit_or(r.quality & 6), false
      FROM emc_rollup_window w
      JOIN emc_meter_reading r ON r.channel_id = w.channel_id AND r.ts >= w.h0 AND r.ts < w.h1
     WHERE w.kind = 'instantaneous' AND r.value IS NOT NULL AND r.quality & 1 = 0
     GROUP BY %(keys)s, date_trunc('hour', r.ts)
    """,
    columns=_ROLLUP_COLUMNS,
    keys=_WINDOW_KEYS,
)

# Averages of instantaneous channels are weighted by their sample counts.
_AGGREGATES = SQL(
    """CASE WHEN bool_or(x.consumption IS NOT NULL) THEN sum(x.consumption) END,
       sum(x.value_avg * x.sample_count) FILTER (WHERE x.value_avg IS NOT NULL)
         / NULLIF(sum(x.sample_count) FILTER (WHERE x.value_avg IS NOT NULL), 0),
       min(x.value_min), max(x.value_max), sum(x.sample_count), bit_or(x.flags),
       bool_or(x.estimated)"""
)

_DAYS = SQL(
    """
    DELETE FROM emc_meter_rollup_daily d USING emc_rollup_window w
     WHERE d.channel_id = w.channel_id AND d.date BETWEEN w.d0 AND w.d1;
    INSERT INTO emc_meter_rollup_daily (%(columns)s)
    SELECT %(keys)s, (x.date AT TIME ZONE 'UTC' AT TIME ZONE w.tz)::date, %(aggregates)s
      FROM emc_rollup_window w
      JOIN emc_meter_rollup_hourly x ON x.channel_id = w.channel_id
       AND x.date >= (w.d0::timestamp AT TIME ZONE w.tz) AT TIME ZONE 'UTC'
       AND x.date < ((w.d1 + 1)::timestamp AT TIME ZONE w.tz) AT TIME ZONE 'UTC'
     GROUP BY %(keys)s, (x.date AT TIME ZONE 'UTC' AT TIME ZONE w.tz)::date;
    """,
    columns=_ROLLUP_COLUMNS,
    keys=_WINDOW_KEYS,
    aggregates=_AGGREGATES,
)

_MONTHS = SQL(
    """
    DELETE FROM emc_meter_rollup_monthly mo USING emc_rollup_window w
     WHERE mo.channel_id = w.channel_id
       AND mo.date BETWEEN date_trunc('month', w.d0)::date AND date_trunc('month', w.d1)::date;
    INSERT INTO emc_meter_rollup_monthly (%(columns)s)
    SELECT %(keys)s, date_trunc('month', x.date)::date, %(aggregates)s
      FROM emc_rollup_window w
      JOIN emc_meter_rollup_daily x ON x.channel_id = w.channel_id
       AND x.date >= date_trunc('month', w.d0)::date
       AND x.date < date_trunc('month', w.d1)::date + interval '1 month'
     GROUP BY %(keys)s, date_trunc('month', x.date)::date;
    """,
    columns=_ROLLUP_COLUMNS,
    keys=_WINDOW_KEYS,
    aggregates=_AGGREGATES,
)


class EmcMeterReading(models.AbstractModel):
    _inherit = "emc.meter.reading"

    @api.model
    def _refresh_rollups(self, wait=False):
        """Bring the rollups and gaps up to date with the queued spans (see the module docstring).

        With ``wait``, waits for a refresh running elsewhere to finish
        (readers that need current figures, such as M&V); otherwise returns
        at once when one is running. Returns the number of channels
        refreshed (None when it did not run).
        """
        cr = self.env.cr
        # Channels, meters and replacements are read in SQL below.
        self.env.flush_all()
        # Nothing queued, nothing to do. A refresh running elsewhere has not
        # committed the removal of what it claimed, so its spans are still
        # seen here and the reader waits for it below.
        cr.execute("SELECT EXISTS (SELECT 1 FROM emc_meter_rollup_dirty)")
        if not cr.fetchone()[0]:
            return 0
        if wait:
            cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, LOCK_ROLLUPS))
        else:
            cr.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, LOCK_ROLLUPS))
            if not cr.fetchone()[0]:
                return None
        cr.execute(_CLAIM)
        cr.execute("SELECT count(*) FROM emc_rollup_window")
        channels = cr.fetchone()[0]
        if channels:
            cr.execute(_CLEAR_HOURS)
            cr.execute(_CUMULATIVE_HOURS)
            cr.execute(_INSTANTANEOUS_HOURS)
            cr.execute(_DAYS)
            cr.execute(_MONTHS)
            for model in (
                "emc.meter.rollup.hourly",
                "emc.meter.rollup.daily",
                "emc.meter.rollup.monthly",
                "emc.meter.gap",
            ):
                self.env[model].invalidate_model()
        cr.execute("DROP TABLE emc_rollup_window")
        return channels

    @api.model
    def _cron_refresh_rollups(self):
        self._refresh_rollups()
