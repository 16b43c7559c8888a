"""The readings store: a table built for volume, outside the ORM's per-record path.

``emc_meter_reading`` holds one row per (channel, time): ``ts`` (UTC,
``timestamp without time zone`` as Odoo stores datetimes), ``value`` (the
primary-side quantity in the channel's unit; NULL when the source gave no
usable value), ``channel_id`` (which names the meter too) and ``quality``
(bit flags: 1 invalid, 2 suspect, 4 estimated, as the source said). The
primary key ``(channel_id, ts)`` makes every write idempotent. The table is
partitioned by month (``emc_meter_reading_pYYYYMM``); partitions are made
ahead by a daily cron and on demand for backfills.

Every source (the poller, MQTT gateways, CSV imports, the REST API) writes
through :meth:`EmcMeterReading._ingest`: COPY into a session-local staging
table, then one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` that also
queues the time span it touched per channel in ``emc_meter_rollup_dirty``
and moves the channels' last values forward. A batch that is all new (the
common case) is copied straight into the partitions instead, with the same
outcome (:meth:`EmcMeterReading._ingest_direct`). The rollups
(``emc_meter_reading_rollup.py``) are brought up to date from that queue.
"""

import io
import math
from collections import namedtuple
from datetime import date, timezone

import psycopg2.errors
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..protocols.points import QUALITY_ESTIMATED, QUALITY_INVALID, QUALITY_SUSPECT

QUALITY_BITS = {QUALITY_INVALID: 1, QUALITY_SUSPECT: 2, QUALITY_ESTIMATED: 4}
QUALITY_INVALID_BIT = 1
# Advisory lock keys (two int4): this addon's namespace, then the lock.
LOCK_NAMESPACE = 0x454D43  # "EMC"
LOCK_PARTITIONS = 1
LOCK_ROLLUPS = 2
PARTITION_PREFIX = "emc_meter_reading_p"
PARTITIONS_AHEAD = 3

IngestResult = namedtuple("IngestResult", "received inserted duplicates unknown")

# The general path: rows already stored (or repeated in the batch) are skipped.
_INSERT_STAGED = """
    WITH ins AS (
        INSERT INTO emc_meter_reading (ts, value, channel_id, quality)
        SELECT s.ts, s.value, s.channel_id, s.quality
          FROM emc_meter_reading_stage s
          JOIN emc_meter_channel c ON c.id = s.channel_id
        ON CONFLICT DO NOTHING
        RETURNING channel_id, ts, value, quality
    ), spans AS (
        INSERT INTO emc_meter_rollup_dirty (channel_id, date_from, date_to)
        SELECT channel_id, min(ts), max(ts) FROM ins GROUP BY channel_id
    ), latest AS (
        UPDATE emc_meter_channel c
           SET last_value = l.value, date_last = l.ts
          FROM (SELECT DISTINCT ON (channel_id) channel_id, ts, value
                  FROM ins WHERE value IS NOT NULL AND quality & 1 = 0
                 ORDER BY channel_id, ts DESC) l
         WHERE c.id = l.channel_id AND (c.date_last IS NULL OR l.ts > c.date_last)
     RETURNING c.meter_id, l.ts
    ), meters AS (
        UPDATE emc_meter m SET date_last_reading = x.ts
          FROM (SELECT meter_id, max(ts) AS ts FROM latest GROUP BY meter_id) x
         WHERE m.id = x.meter_id
           AND (m.date_last_reading IS NULL OR x.ts > m.date_last_reading)
    )
    SELECT (SELECT count(*) FROM ins),
           (SELECT count(*) FROM emc_meter_reading_stage s
             WHERE NOT EXISTS (SELECT 1 FROM emc_meter_channel c WHERE c.id = s.channel_id))
"""

# The direct path, once the batch is known to be all new: the same bookkeeping
# from the staging table.
_STAGED_SPANS = """
    SELECT s.channel_id, s.lo, s.hi, c.id IS NOT NULL,
           EXISTS (SELECT 1 FROM emc_meter_reading r
                    WHERE r.channel_id = s.channel_id AND r.ts BETWEEN s.lo AND s.hi)
      FROM (SELECT channel_id, min(ts) AS lo, max(ts) AS hi
              FROM emc_meter_reading_stage GROUP BY channel_id) s
      LEFT JOIN emc_meter_channel c ON c.id = s.channel_id
"""
_STAGED_LATEST = """
    WITH latest AS (
        UPDATE emc_meter_channel c
           SET last_value = l.value, date_last = l.ts
          FROM (SELECT DISTINCT ON (channel_id) channel_id, ts, value
                  FROM emc_meter_reading_stage WHERE value IS NOT NULL AND quality & 1 = 0
                 ORDER BY channel_id, ts DESC) l
         WHERE c.id = l.channel_id AND (c.date_last IS NULL OR l.ts > c.date_last)
     RETURNING c.meter_id, l.ts
    )
    UPDATE emc_meter m SET date_last_reading = x.ts
      FROM (SELECT meter_id, max(ts) AS ts FROM latest GROUP BY meter_id) x
     WHERE m.id = x.meter_id AND (m.date_last_reading IS NULL OR x.ts > m.date_last_reading)
"""


def quality_bits(flags):
    """The quality bits of a set of :mod:`..protocols.points` quality flags."""
    bits = 0
    for flag in flags:
        bits |= QUALITY_BITS[flag]
    return bits


def utc_naive(ts):
    """``ts`` as a naive UTC datetime (Odoo's convention); aware datetimes are converted."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(timezone.utc).replace(tzinfo=None)
    return ts


def month_start(ts):
    return date(ts.year, ts.month, 1)


class EmcMeterReading(models.AbstractModel):
    _name = "emc.meter.reading"
    _description = "Meter readings store"

    def init(self):
        cr = self.env.cr
        cr.execute(
            """
            CREATE TABLE IF NOT EXISTS emc_meter_reading (
                ts timestamp without time zone NOT NULL,
                value double precision,
                channel_id integer NOT NULL,
                quality smallint NOT NULL DEFAULT 0,
                PRIMARY KEY (channel_id, ts)
            ) PARTITION BY RANGE (ts);
            CREATE TABLE IF NOT EXISTS emc_meter_rollup_dirty (
                channel_id integer NOT NULL,
                date_from timestamp without time zone NOT NULL,
                date_to timestamp without time zone NOT NULL
            );
            """
        )
        today = fields.Date.context_today(self)
        self._ensure_partitions(
            month_start(today) + relativedelta(months=i) for i in range(-1, PARTITIONS_AHEAD + 1)
        )

    # ------------------------------------------------------------------
    # Partitions
    # ------------------------------------------------------------------
    @api.model
    def _partition_months(self):
        """First days of the months that have a partition."""
        self.env.cr.execute(
            """
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
             WHERE i.inhparent = 'emc_meter_reading'::regclass
            """
        )
        months = set()
        for (name,) in self.env.cr.fetchall():
            stamp = name.removeprefix(PARTITION_PREFIX)
            if len(stamp) == 6 and stamp.isdigit():
                months.add(date(int(stamp[:4]), int(stamp[4:]), 1))
        return months

    @api.model
    def _ensure_partitions(self, months):
        """Create the monthly partitions of ``months`` (first days) that do not exist yet."""
        wanted = set(months)
        if not wanted or wanted <= self._partition_months():
            return
        cr = self.env.cr
        # Two writers creating the same partition would collide: one at a time.
        cr.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_NAMESPACE, LOCK_PARTITIONS))
        for month in sorted(wanted - self._partition_months()):
            name = f"{PARTITION_PREFIX}{month:%Y%m}"
            cr.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS %s PARTITION OF emc_meter_reading "
                    "FOR VALUES FROM (%s) TO (%s)",
                    SQL.identifier(name),
                    month,
                    month + relativedelta(months=1),
                )
            )

    @api.model
    def _cron_create_partitions(self):
        """Keep partitions ready for this month and the next ones."""
        today = fields.Date.context_today(self)
        self._ensure_partitions(
            month_start(today) + relativedelta(months=i) for i in range(PARTITIONS_AHEAD + 1)
        )

    # ------------------------------------------------------------------
    # Ingestion
    # ------------------------------------------------------------------
    @api.model
    def _ingest(self, rows):
        """Store readings; the one write path of every source.

        ``rows`` is an iterable of ``(channel_id, ts, value, quality)``: ``ts``
        a datetime (naive UTC, or aware), ``value`` the primary-side quantity
        or None, ``quality`` the quality bits (:func:`quality_bits`). A
        non-finite value is stored as invalid. Rows already stored (same
        channel and time) are left as they are, so a source may send a
        reading again; rows of unknown channels are skipped. Returns an
        :class:`IngestResult` (received, inserted, duplicates, unknown).
        """
        buffer = io.StringIO()
        months = set()
        received = 0
        write = buffer.write
        for channel_id, ts, value, quality in rows:
            ts = utc_naive(ts)
            months.add((ts.year, ts.month))
            if value is None or not math.isfinite(value):
                text = "\\N"
                quality |= QUALITY_INVALID_BIT
            else:
                text = repr(float(value))
            write(f"{int(channel_id)}\t{ts.isoformat(' ')}\t{text}\t{int(quality)}\n")
            received += 1
        if not received:
            return IngestResult(0, 0, 0, 0)
        cr = self.env.cr
        # Channels and meters are read and written in SQL below.
        self.env.flush_all()
        self._ensure_partitions(date(y, m, 1) for y, m in months)
        cr.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS emc_meter_reading_stage (
                channel_id integer, ts timestamp without time zone,
                value double precision, quality smallint
            ) ON COMMIT DELETE ROWS;
            TRUNCATE emc_meter_reading_stage;
            """
        )
        buffer.seek(0)
        cr.copy_expert(
            "COPY emc_meter_reading_stage (channel_id, ts, value, quality) FROM STDIN", buffer
        )
        if self._ingest_direct(buffer):
            inserted, unknown = received, 0
        else:
            cr.execute(_INSERT_STAGED)
            inserted, unknown = cr.fetchone()
        self.env["emc.meter.channel"].invalidate_model(["last_value", "date_last"])
        self.env["emc.meter"].invalidate_model(["date_last_reading"])
        return IngestResult(received, inserted, received - inserted - unknown, unknown)

    @api.model
    def _ingest_direct(self, buffer):
        """COPY the staged batch straight into the store when it is all new; False otherwise.

        The common case (a poller's or an import's new readings) needs none of
        the conflict handling of :data:`_INSERT_STAGED`: when every channel of
        the batch exists and the store holds no reading of a channel inside
        the batch's span for it (one index range probe per channel), the
        batch is copied again, straight into the partitions, inside a
        savepoint. A duplicate inside the batch, or the same reading
        committed meanwhile by another writer, makes that COPY fail on the
        primary key: the savepoint is rolled back and the caller takes the
        general path, so the result is the same as ``ON CONFLICT DO
        NOTHING``. The dirty spans and the last values come from the staging
        table.
        """
        cr = self.env.cr
        cr.execute(_STAGED_SPANS)
        spans = cr.fetchall()
        if not all(known and not overlap for _c, _lo, _hi, known, overlap in spans):
            return False
        buffer.seek(0)
        try:
            with cr.savepoint(flush=False):
                cr.copy_expert(
                    "COPY emc_meter_reading (channel_id, ts, value, quality) FROM STDIN", buffer
                )
        except psycopg2.errors.UniqueViolation:
            return False
        self._mark_dirty([(channel_id, lo, hi) for channel_id, lo, hi, _k, _o in spans])
        cr.execute(_STAGED_LATEST)
        return True

    @api.model
    def _ingest_readings(self, meter, readings, ts=None):
        """Store driver :class:`~..protocols.points.Reading` objects of one meter.

        Channels are found by code (created for meters without a device map,
        such as MQTT meters); readings of channels the meter does not have
        are skipped and counted as unknown. ``ts`` overrides the readings'
        timestamps (the poller stamps a poll with its slot).
        """
        rows = []
        unknown = 0
        cache = {}
        for reading in readings:
            channel = cache.get(reading.channel)
            if channel is None:
                channel = cache[reading.channel] = meter._channel_by_code(
                    reading.channel, unit=reading.unit, kind=reading.kind
                )
            if not channel:
                unknown += 1
                continue
            rows.append(
                (channel.id, ts or reading.ts, reading.value, quality_bits(reading.quality))
            )
        result = self._ingest(rows)
        return result._replace(received=result.received + unknown, unknown=result.unknown + unknown)

    @api.model
    def _mark_dirty(self, spans):
        """Queue ``(channel_id, date_from, date_to)`` spans for the rollups to recompute."""
        spans = [(cid, utc_naive(a), utc_naive(b)) for cid, a, b in spans]
        if spans:
            self.env.cr.execute(
                SQL(
                    "INSERT INTO emc_meter_rollup_dirty (channel_id, date_from, date_to) VALUES %s",
                    SQL(", ").join(SQL("(%s, %s, %s)", *span) for span in spans),
                )
            )

    @api.model
    def _has_readings(self, channels):
        if not channels:
            return False
        self.env.cr.execute(
            "SELECT 1 FROM emc_meter_reading WHERE channel_id = ANY(%s) LIMIT 1",
            [list(channels.ids)],
        )
        return bool(self.env.cr.rowcount)

    @api.model
    def _read_raw(self, channel, date_from=None, date_to=None):
        """``[(ts, value, quality)]`` of one channel in ``[date_from, date_to)``, in time order."""
        query = SQL(
            "SELECT ts, value, quality FROM emc_meter_reading WHERE channel_id = %s", channel.id
        )
        if date_from:
            query = SQL("%s AND ts >= %s", query, utc_naive(date_from))
        if date_to:
            query = SQL("%s AND ts < %s", query, utc_naive(date_to))
        self.env.cr.execute(SQL("%s ORDER BY ts", query))
        return self.env.cr.fetchall()
