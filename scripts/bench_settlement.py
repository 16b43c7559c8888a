#!/usr/bin/env python3
"""Benchmark of the monthly settlement: prints figures, asserts nothing.

    .venv/bin/python scripts/bench_settlement.py [--db emc_bench_settlement] [--sizes 100,1000]

Builds (once, in a throw-away database with emc_contract and no demo data)
an ESCO on the Chinese chart, a weather station, and for each of the
largest size N: a client, a site, a meter with 13 months of daily rollups
(2024 as the baseline year, January 2025 as the reporting month, written in
one SQL statement as the rollup job would), an approved baseline (one fitted
by the M&V package, the others sharing its model) and an active shared
savings contract. Then, for each size, it settles January 2025 for the
first N contracts as the monthly jobs do, one transaction per contract
(``_settle_due_periods``: savings report, statement, version and lines,
sent to the client; each transaction rolled back instead of committed), and
prints the wall time and the queries per contract. Target: 1,000 contracts
within 60 s, and as many queries per contract at 100 as at 1,000.
"""

import argparse
import time
from datetime import date

from benchlib import ensure_database, open_registry

BASELINE_START = date(2024, 1, 1)
BASELINE_END = date(2024, 12, 31)
DATA_END = date(2025, 1, 31)
UNTIL = date(2025, 2, 1)


def populate(env, size):
    """ESCO, station, and ``size`` clients with site, meter, rollups, baseline and contract."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM emc_contract WHERE state = 'active'")
    if cr.fetchone()[0] >= size:
        print(f"database already holds >= {size} active contracts", flush=True)
        return
    start = time.perf_counter()
    esco = env["res.company"].create(
        {
            "name": "巴中绿源节能科技有限公司（基准测试）",
            "country_id": env.ref("base.cn").id,
            "currency_id": env.ref("base.CNY").id,
        }
    )
    env.user.company_ids |= esco
    env["account.chart.template"].try_loading("cn", esco, install_demo=False)
    esco.partner_id.tz = "Asia/Shanghai"
    env = env(context={"allowed_company_ids": [esco.id]})
    station = env["emc.weather.station"].create({"name": "巴中气象站", "code": "57313"})
    cr.execute(
        """INSERT INTO emc_weather_temperature (station_id, date, temperature)
           SELECT %s, d::date,
                  round((16.5 + 10.5 * sin(2 * pi() * (extract(doy FROM d) - 105) / 365.25)
                        + 2.5 * sin(extract(doy FROM d) * 12.9898))::numeric, 2)
             FROM generate_series(%s::date, %s::date, interval '1 day') d""",
        [station.id, BASELINE_START, DATA_END],
    )
    device = env.ref("emc_metering.device_model_chint_dtsu666")
    clients = env["res.partner"].create(
        [{"name": f"巴中市基准测试客户{i:04d}", "is_company": True} for i in range(size)]
    )
    sites = env["emc.site"].create(
        [{"name": f"厂区{i:04d}", "partner_id": c.id} for i, c in enumerate(clients)]
    )
    meters = env["emc.meter"].create(
        [
            {
                "name": "总进线",
                "code": f"B-{i:05d}",
                "site_id": site.id,
                "device_model_id": device.id,
                "poll_interval": 60,
            }
            for i, site in enumerate(sites)
        ]
    )
    env.flush_all()
    # daily rollups: 1200 kWh + 40 kWh per heating degree-day, 15 % less from 2025
    cr.execute(
        """INSERT INTO emc_meter_rollup_daily
                  (channel_id, meter_id, site_id, partner_id, company_id, carrier, unit,
                   is_main, consumption, sample_count, flags, estimated, date)
           SELECT m.main_channel_id, m.id, m.site_id, m.partner_id, m.company_id,
                  'electricity', 'kWh', true,
                  round(((1200 + 40 * greatest(14.3 - t.temperature, 0)
                          + 30 * sin(m.id * 7.1 + extract(doy FROM t.date)))
                         * CASE WHEN t.date >= '2025-01-01' THEN 0.85 ELSE 1 END)::numeric, 3),
                  24, 0, false, t.date
             FROM emc_meter m
             JOIN emc_weather_temperature t ON t.station_id = %s
            WHERE m.id = ANY(%s)""",
        [station.id, meters.ids],
    )
    cr.execute("ANALYZE emc_meter_rollup_daily")
    values = [
        {
            "name": f"基准{i:04d}",
            "site_id": meter.site_id.id,
            "option": "C",
            "meter_ids": [(6, 0, meter.ids)],
            "station_id": station.id,
            "granularity": "daily",
            "date_baseline_start": BASELINE_START,
            "date_baseline_end": BASELINE_END,
        }
        for i, meter in enumerate(meters)
    ]
    baselines = env["emc.mv.baseline"].create(values)
    first = baselines[0]
    first.action_fit()
    first.action_approve()
    env.flush_all()
    # the others share the fitted model: fitting 1,000 identical boundaries
    # measures the M&V package (scripts/bench_mv.py), not the settlement
    cr.execute(
        """UPDATE emc_mv_baseline b SET model_data = f.model_data, state = 'approved',
                  fit_status = f.fit_status
             FROM emc_mv_baseline f WHERE f.id = %s AND b.id = ANY(%s)""",
        [first.id, baselines[1:].ids],
    )
    env.invalidate_all()
    contracts = env["emc.contract"].create(
        [
            {
                "title": "节能效益分享合同",
                "contract_type": "shared_savings",
                "company_id": esco.id,
                "partner_id": site.partner_id.id,
                "site_ids": [(6, 0, site.ids)],
                "meter_ids": [(6, 0, meter.ids)],
                "baseline_ids": [(6, 0, baseline.ids)],
                "mv_option": "C",
                "date_start": date(2025, 1, 1),
                "date_end": date(2029, 12, 31),
                "price_ids": [(0, 0, {"carrier": "electricity", "price": 0.65})],
                "tier_ids": [
                    (0, 0, {"year_from": 1, "year_to": 2, "esco_share": 0.9}),
                    (0, 0, {"year_from": 3, "year_to": 5, "esco_share": 0.7}),
                ],
            }
            for site, meter, baseline in zip(sites, meters, baselines, strict=True)
        ]
    )
    contracts._set_stage("active")
    cr.commit()
    print(f"populated {size} contracts in {time.perf_counter() - start:.1f} s", flush=True)


def bench(env, size):
    """Settle the first ``size`` contracts, each in its own transaction as its job would be.

    Each transaction is rolled back after the flush, so that the database
    stays as populated (the job runner commits instead).
    """
    cr = env.cr
    ids = env["emc.contract"].search([("state", "=", "active")], order="id", limit=size).ids
    cr.rollback()
    queries = cr.sql_log_count
    count = 0
    total = 0.0
    start = time.perf_counter()
    for contract_id in ids:
        env.invalidate_all()
        settlements = env["emc.contract"].browse(contract_id)._settle_due_periods(UNTIL)
        env.flush_all()
        count += len(settlements)
        total += sum(settlements.mapped("amount_due_esco"))
        cr.rollback()
    elapsed = time.perf_counter() - start
    queries = cr.sql_log_count - queries
    print(
        f"{len(ids):>5} contracts: {count} settlements in {elapsed:6.1f} s "
        f"({elapsed / len(ids) * 1000:6.1f} ms and {queries / len(ids):6.1f} "
        f"queries per contract), due to the ESCO {total:,.2f} CNY",
        flush=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="emc_bench_settlement")
    parser.add_argument("--sizes", default="100,1000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    ensure_database(args.db, "emc_contract")
    registry = open_registry(args.db)
    import odoo

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        populate(env, max(sizes))
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US"})
        companies = env["res.company"].search([]).ids
        env = env(context={"allowed_company_ids": companies, "tracking_disable": False})
        for size in sizes:
            bench(env, size)
        cr.rollback()


if __name__ == "__main__":
    main()
