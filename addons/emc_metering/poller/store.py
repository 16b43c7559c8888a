"""The Odoo side of the poller: leases, configuration and writes, one short transaction each.

Every method opens a cursor on the registry (``registry.cursor()``, committed
when the method returns, rolled back when it raises) as the superuser: the
poller is a system process, and what it may do is bounded by the leases it
holds, not by a user's access rights. At each lease round the registry is
checked for changes signalled by other processes (a module upgraded while the
poller runs is reloaded). Lease times are the database's clock
(``now() AT TIME ZONE 'UTC'``), so pollers on hosts whose clocks differ
agree on when a lease expires.
"""

from __future__ import annotations

import logging
import os
import socket

import psycopg2.errors

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..models.emc_meter_reading import quality_bits, utc_naive
from .engine import GatewayConfig, LeaseRound, MeterConfig, Poll, Store
from .slots import fair_share

__all__ = ["OdooStore", "PollerNameTaken"]

_logger = logging.getLogger(__name__)

NOW = "(now() AT TIME ZONE 'UTC')"
# Gateways worth a lease: active, with at least one active meter, in the scope.
POLLABLE = """
    SELECT g.id FROM emc_meter_gateway g
     WHERE g.active
       AND EXISTS (SELECT 1 FROM emc_meter m WHERE m.gateway_id = g.id AND m.active)
       AND g.code LIKE %s
"""


class PollerNameTaken(RuntimeError):
    """Another live poller is registered under this name."""


class WriteConflict(RuntimeError):
    """A concurrent transaction touched the same rows; the write is tried again."""

    transient = True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_items(items):
    """DL/T 645 items to read for a meter: the single identifiers, and the blocks
    only for channels no single identifier gives (fewer, shorter answers)."""
    singles = [item for item in items if not item.is_block]
    covered = {c for item in singles for c in item.channels}
    blocks = [
        item
        for item in items
        if item.is_block and any("{n}" not in c and c not in covered for c in item.channels)
    ]
    return tuple(singles + blocks)


class OdooStore(Store):
    """:class:`.engine.Store` on an Odoo registry (see the module docstring).

    ``scope`` is a SQL LIKE pattern on gateway codes: the poller only takes
    gateways whose code matches (``%``: all), e.g. the gateways its network
    reaches; the fair share is computed among the live pollers of the same
    scope.
    """

    def __init__(self, registry, scope: str = "%"):
        self.registry = registry
        self.dbname = registry.db_name
        self.scope = scope or "%"

    def _cursor(self):
        return self.registry.cursor()

    @staticmethod
    def _env(cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    # ------------------------------------------------------------ pollers

    def register(self, name: str, lease_seconds: float) -> None:
        with self._cursor() as cr:
            env = self._env(cr)
            Poller = env["emc.meter.poller"]
            existing = Poller.search([("name", "=", name)])
            if existing:
                cr.execute(
                    f"SELECT date_seen + lease_seconds * interval '1 second' > {NOW} "
                    "FROM emc_meter_poller WHERE id = %s",
                    [existing.id],
                )
                alive = cr.fetchone()[0]
                same_host = existing.hostname == socket.gethostname()
                if alive and not (same_host and not _pid_alive(existing.pid)):
                    raise PollerNameTaken(
                        f"A poller named {name!r} is running on {existing.hostname} "
                        f"(pid {existing.pid}); choose another --name or stop it."
                    )
            values = {
                "hostname": socket.gethostname(),
                "pid": os.getpid(),
                "lease_seconds": lease_seconds,
                "scope": self.scope,
            }
            if existing:
                existing.write(values)
            else:
                Poller.create(dict(values, name=name))
            cr.execute(
                f"UPDATE emc_meter_poller SET date_start = {NOW}, date_seen = {NOW} WHERE name = %s",
                [name],
            )

    def unregister(self, name: str) -> None:
        with self._cursor() as cr:
            cr.execute("DELETE FROM emc_meter_poller WHERE name = %s", [name])

    # ------------------------------------------------------------ leases

    def lease(self, name: str, lease_seconds: float) -> LeaseRound:
        # a module upgraded while the poller runs: load the new registry
        self.registry = self.registry.check_signaling()
        with self._cursor() as cr:
            cr.execute(
                f"UPDATE emc_meter_poller SET date_seen = {NOW}, lease_seconds = %s WHERE name = %s",
                [lease_seconds, name],
            )
            if not cr.rowcount:
                raise RuntimeError(f"Poller {name!r} is no longer registered.")
            # pollers killed long ago leave the list (their leases expired long before)
            cr.execute(f"DELETE FROM emc_meter_poller WHERE date_seen < {NOW} - interval '1 day'")
            cr.execute(
                "SELECT count(*) FROM emc_meter_poller "
                f"WHERE date_seen + lease_seconds * interval '1 second' > {NOW} AND scope = %s",
                [self.scope],
            )
            live = cr.fetchone()[0]
            cr.execute(POLLABLE, [self.scope])
            pollable = [row[0] for row in cr.fetchall()]
            share = fair_share(len(pollable), live)
            cr.execute(
                f"""
                UPDATE emc_meter_gateway
                   SET lease_expires = {NOW} + %s * interval '1 second'
                 WHERE lease_owner = %s
             RETURNING id
                """,
                [lease_seconds, name],
            )
            held = sorted(row[0] for row in cr.fetchall())
            if len(held) < share:
                # SKIP LOCKED: two pollers claiming at once each take other gateways
                cr.execute(
                    f"""
                    UPDATE emc_meter_gateway
                       SET lease_owner = %s, lease_expires = {NOW} + %s * interval '1 second'
                     WHERE id IN (
                            SELECT id FROM emc_meter_gateway
                             WHERE id = ANY(%s)
                               AND (lease_owner IS NULL OR lease_expires IS NULL
                                    OR lease_expires < {NOW})
                             ORDER BY id
                             LIMIT %s
                               FOR UPDATE SKIP LOCKED)
                 RETURNING id
                    """,
                    [name, lease_seconds, pollable, share - len(held)],
                )
                claimed = sorted(row[0] for row in cr.fetchall())
                if claimed:
                    _logger.info("Poller %s claimed gateways %s", name, claimed)
                held = sorted(held + claimed)
            extra = held[share:] if len(held) > share else []
            return LeaseRound(tuple(held), tuple(extra))

    def release(self, name: str, gateway_ids: list[int] | None = None) -> None:
        with self._cursor() as cr:
            query = (
                "UPDATE emc_meter_gateway SET lease_owner = NULL, lease_expires = NULL "
                "WHERE lease_owner = %s"
            )
            params = [name]
            if gateway_ids is not None:
                query += " AND id = ANY(%s)"
                params.append(list(gateway_ids))
            cr.execute(query, params)

    # ------------------------------------------------------------ configuration

    def load(self, gateway_ids: list[int]) -> list[GatewayConfig]:
        with self._cursor() as cr:
            env = self._env(cr)
            gateways = env["emc.meter.gateway"].browse(gateway_ids).exists().filtered("active")
            maps = {}
            configs = []
            for gateway in gateways:
                meters = []
                for meter in gateway.meter_ids.filtered("active").sorted("id"):
                    try:
                        meter_config = self._meter_config(gateway, meter, maps)
                    except UserError as exc:
                        _logger.warning("Meter %s is not polled: %s", meter.code, exc)
                        continue
                    if meter_config is not None:
                        meters.append(meter_config)
                if not meters:
                    continue
                configs.append(
                    GatewayConfig(
                        id=gateway.id,
                        code=gateway.code,
                        name=gateway.name,
                        transport=gateway.transport,
                        protocol=gateway.protocol or "modbus",
                        serial_port=gateway.serial_port or "",
                        baudrate=gateway.baudrate,
                        bytesize=int(gateway.bytesize or 8),
                        parity=gateway.parity or "N",
                        stopbits=int(gateway.stopbits or 1),
                        host=gateway.host or "",
                        port=gateway.port,
                        rtu_over_tcp=gateway.rtu_over_tcp,
                        mqtt_url=gateway.mqtt_url or "",
                        mqtt_topic=gateway.mqtt_topic or "",
                        client_id=f"emc-poller-{self.dbname}-{gateway.id}",
                        timeout=gateway.timeout,
                        retries=gateway.retries,
                        retry_delay=gateway.retry_delay,
                        meters=tuple(meters),
                    )
                )
            return configs

    @staticmethod
    def _meter_config(gateway, meter, maps):
        model = meter.device_model_id
        if model.id not in maps:
            maps[model.id] = model._device_map()
        device_map = maps[model.id]
        plan, items = (), ()
        if gateway.transport != "mqtt":
            if model.protocol == "modbus":
                plan = tuple(device_map.plan()) if device_map.points else ()
            elif model.protocol == "dlt645":
                items = read_items(device_map.items)
            if not plan and not items:
                return None
        return MeterConfig(
            id=meter.id,
            code=meter.code,
            protocol=model.protocol,
            interval=meter.poll_interval,
            offline_after=meter.offline_after,
            unit_id=meter.unit_id,
            address=meter.address or "",
            ct=meter.ct_ratio or 1.0,
            pt=meter.pt_ratio or 1.0,
            plan=plan,
            items=items,
            state=meter.state or "unknown",
            failures=meter.failure_count,
        )

    # ------------------------------------------------------------ writes

    def write(self, polls: list[Poll]) -> dict:
        try:
            return self._write(polls)
        except (psycopg2.errors.SerializationFailure, psycopg2.errors.DeadlockDetected) as exc:
            # two pollers writing the same meters right after a hand-over
            raise WriteConflict(str(exc).splitlines()[0]) from None

    def _write(self, polls: list[Poll]) -> dict:
        with self._cursor() as cr:
            env = self._env(cr)
            meters = env["emc.meter"].browse({p.meter_id for p in polls}).exists()
            by_id = {m.id: m for m in meters}
            cr.execute(
                "SELECT meter_id, code, id FROM emc_meter_channel WHERE meter_id = ANY(%s)",
                [list(by_id)],
            )
            channels: dict[int, dict[str, int]] = {}
            for meter_id, code, channel_id in cr.fetchall():
                channels.setdefault(meter_id, {})[code] = channel_id
            rows, seen, unknown = [], set(), 0
            for poll in polls:
                meter = by_id.get(poll.meter_id)
                if meter is None:
                    continue
                codes = channels.setdefault(meter.id, {})
                for reading in poll.readings:
                    channel_id = codes.get(reading.channel)
                    if channel_id is None:
                        channel = meter._channel_by_code(
                            reading.channel, unit=reading.unit, kind=reading.kind
                        )
                        if not channel:
                            unknown += 1
                            continue
                        channel_id = codes[reading.channel] = channel.id
                    ts = utc_naive(poll.ts or reading.ts)
                    if (channel_id, ts) in seen:
                        continue
                    seen.add((channel_id, ts))
                    rows.append((channel_id, ts, reading.value, quality_bits(reading.quality)))
            result = env["emc.meter.reading"]._ingest(rows)
            for poll in polls:
                meter = by_id.get(poll.meter_id)
                if meter is not None and poll.record_state:
                    meter._record_poll(poll.ok, poll.error, when=utc_naive(poll.when))
            self._write_gateways(env, polls)
            return {
                "inserted": result.inserted,
                "duplicates": result.duplicates,
                "unknown": result.unknown + unknown,
            }

    @staticmethod
    def _write_gateways(env, polls):
        """Gateways of the batch: last answer and last error from the polls; state
        online while one of its active meters is online, offline when all are."""
        contact: dict[int, list] = {}
        for poll in polls:
            last = contact.setdefault(poll.gateway_id, [None, None])
            if poll.ok:
                last[0] = utc_naive(poll.when)
            else:
                last[1] = poll.error[:250]
        values = SQL(", ").join(
            SQL("(%s, %s::timestamp, %s)", gateway_id, answered, error)
            for gateway_id, (answered, error) in contact.items()
        )
        env.flush_all()  # the meters' states written by _record_poll
        env.cr.execute(
            SQL(
                """
                UPDATE emc_meter_gateway g
                   SET date_last_contact = COALESCE(v.contact, g.date_last_contact),
                       last_error = COALESCE(v.error, CASE WHEN v.contact IS NULL
                                                           THEN g.last_error END),
                       state = CASE
                           WHEN EXISTS (SELECT 1 FROM emc_meter m
                                         WHERE m.gateway_id = g.id AND m.active
                                           AND m.state = 'online') THEN 'online'
                           WHEN NOT EXISTS (SELECT 1 FROM emc_meter m
                                             WHERE m.gateway_id = g.id AND m.active
                                               AND m.state IS DISTINCT FROM 'offline')
                           THEN 'offline'
                           ELSE g.state END
                  FROM (VALUES %s) AS v(id, contact, error)
                 WHERE g.id = v.id
                """,
                values,
            )
        )
        env["emc.meter.gateway"].invalidate_model(["state", "date_last_contact", "last_error"])
