#!/usr/bin/env python3
"""Benchmark of the service desk at scale: prints figures, asserts nothing.

    .venv/bin/python scripts/bench_workorder.py [--orders 100000] [--db emc_bench] [--keep]

Builds (once) a database with emc_workorder and no demo data, fills it with
N work orders and their evidence events in bulk, then measures:

  1. the list view's web_search_read (default filter, 80 rows): median of runs
  2. the SLA escalation cron over every open order
  3. the 14 KPIs over all orders
  4. evidence chain verification, in events per second

Targets on a 2-core machine: list <= 150 ms, SLA cron <= 10 s, KPIs <= 2 s,
verification >= 20,000 events/s.
"""

import argparse
import random
import statistics
import time
from datetime import datetime, timedelta

from benchlib import ensure_database, open_registry


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return time.perf_counter() - start, result


def populate(env, orders):
    """N work orders over a year, in every stage, with their events."""
    cr = env.cr
    cr.execute("SELECT count(*) FROM emc_workorder")
    if cr.fetchone()[0] >= orders:
        print(f"database already holds >= {orders} work orders", flush=True)
        return
    rng = random.Random(42)
    Company = env["res.company"]
    bureau = Company.search([("emc_wo_role", "=", "power_bureau")], limit=1) or Company.create(
        {"name": "巴中供电公司（基准）", "emc_wo_role": "power_bureau"}
    )
    energy = Company.search([("emc_wo_role", "=", "public_energy")], limit=1) or Company.create(
        {"name": "巴中公用能源公司（基准）", "emc_wo_role": "public_energy"}
    )
    users = env["res.users"]
    for company in (bureau, energy):
        for i in range(10):
            login = f"bench_{company.id}_{i}"
            user = users.search([("login", "=", login)]) or users.create(
                {
                    "name": f"基准员工{company.id}-{i}",
                    "login": login,
                    "company_id": company.id,
                    "company_ids": [(6, 0, company.ids)],
                    "groups_id": [(6, 0, [env.ref("emc_workorder.group_wo_staff").id])],
                }
            )
            env["emc.workorder.staff"].search(
                [("user_id", "=", user.id), ("company_id", "=", company.id)]
            ) or env["emc.workorder.staff"].create(
                {"user_id": user.id, "company_id": company.id, "capacity": 6000}
            )
            users |= user
    partner = env["res.partner"].create({"name": "基准客户企业", "is_company": True})
    types = env["emc.workorder.type"].search([])
    env.cr.commit()

    states = [
        "intake",
        "returned",
        "dispatch",
        "scheme",
        "confirm",
        "survey",
        "contract",
        "implementation",
        "acceptance",
        "closed",
        "closed",
        "closed",
        "cancelled",
    ]
    now = datetime.now().replace(microsecond=0)
    start = now - timedelta(days=365)
    rows = []
    user_ids = users.ids
    for i in range(orders):
        submitted = start + timedelta(seconds=rng.randrange(365 * 86400))
        state = rng.choice(states)
        work_type = types[i % len(types)]
        company = bureau if work_type.org_role == "power_bureau" else energy
        user_id = rng.choice(user_ids)
        first = submitted + timedelta(hours=rng.uniform(0.2, 30))
        dispatched = submitted + timedelta(minutes=rng.uniform(1, 240))
        closed = submitted + timedelta(hours=rng.uniform(4, 900)) if state == "closed" else None
        deadline = submitted + timedelta(hours=rng.uniform(8, 400))
        rows.append(
            (
                f"GDB{i + 1:07d}",
                state,
                work_type.id,
                rng.choice(["miniprogram", "portal", "phone", "backoffice"]),
                rng.choice(["0", "0", "0", "1", "2"]),
                company.id,
                partner.id,
                "基准联系人",
                "13881680001",
                "基准工单：配电房设备节能改造与增容需求",
                user_id,
                submitted,
                first,
                dispatched,
                closed,
                (first - submitted).total_seconds() / 3600,
                (dispatched - submitted).total_seconds() / 3600,
                (closed - submitted).total_seconds() / 3600 if closed else 0.0,
                deadline - (deadline - submitted) / 4,
                deadline,
                deadline + timedelta(hours=8),
                rng.choice([0, 0, 0, 0, 1, 2, 3]) if state not in ("closed", "cancelled") else 0,
                rng.random() < 0.15,
                rng.choice([0, 0, 0, 3, 4, 5, 5]) if state == "closed" else 0,
            )
        )
    from psycopg2.extras import execute_values

    print(f"inserting {orders} work orders...", flush=True)
    t0 = time.perf_counter()
    execute_values(
        cr._obj,
        """INSERT INTO emc_workorder
           (name, state, type_id, channel, priority, company_id, partner_id, contact_name,
            phone, description, user_id, date_submitted, date_first_response, date_dispatched,
            date_closed, first_response_hours, dispatch_hours, handling_hours, date_sla_warn,
            date_deadline, date_sla_escalate, sla_level, is_overdue, rating_last_value,
            active, sla_max_level, reopen_count, rework_count, scheme_revision, progress,
            needs_classification, exception_open, create_uid, write_uid, create_date, write_date)
           VALUES %s""",
        rows,
        template="(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
        "%s, %s, %s, %s, %s, %s, true, 0, 0, 0, 0, 0, false, false, 1, 1, "
        "now() at time zone 'UTC', now() at time zone 'UTC')",
        page_size=5000,
    )
    cr.commit()
    print(f"  {time.perf_counter() - t0:.1f} s", flush=True)

    print("appending evidence events (hash chain)...", flush=True)
    t0 = time.perf_counter()
    cr.execute("SELECT id, name, company_id, user_id, state FROM emc_workorder ORDER BY id")
    order_rows = cr.fetchall()
    per_state = {
        "intake": ["created"],
        "returned": ["created", "submitted", "precheck_failed"],
        "cancelled": ["created", "submitted", "precheck_passed", "cancelled"],
    }
    default = ["created", "submitted", "precheck_passed", "classified", "dispatched", "assigned"]
    Event = env["emc.workorder.event"]
    batch = []
    total = 0
    for order_id, name, company_id, user_id, state in order_rows:
        for code in per_state.get(state, default):
            batch.append(
                {
                    "workorder_id": order_id,
                    "workorder_name": name,
                    "company_id": company_id,
                    "event_type": code,
                    "user_id": user_id,
                    "new_value": state,
                }
            )
        if len(batch) >= 20000:
            total += Event._append_sql(batch)
            cr.commit()
            batch = []
    total += Event._append_sql(batch)
    cr.commit()
    print(f"  {total} events in {time.perf_counter() - t0:.1f} s", flush=True)
    cr.execute("ANALYZE emc_workorder; ANALYZE emc_workorder_event")
    cr.commit()


def bench(env, runs):
    Workorder = env["emc.workorder"]
    cr = env.cr
    cr.execute("SELECT count(*) FROM emc_workorder")
    n_orders = cr.fetchone()[0]
    cr.execute("SELECT count(*) FROM emc_workorder WHERE state NOT IN ('closed', 'cancelled')")
    n_open = cr.fetchone()[0]
    print(f"\nwork orders: {n_orders} (open {n_open})")

    # 1. The list view as the web client asks for it.
    view = env.ref("emc_workorder.emc_workorder_view_list", raise_if_not_found=False)
    arch_fields = [
        "name",
        "date_submitted",
        "partner_id",
        "type_id",
        "state",
        "priority",
        "user_id",
        "company_id",
        "date_deadline",
        "sla_level",
        "is_overdue",
    ]
    if view:
        fields_in_view = Workorder.get_view(view.id, "list")["models"]["emc.workorder"]
        arch_fields = list(fields_in_view)
    spec = {}
    for name in arch_fields:
        field = Workorder._fields.get(name)
        if not field:
            continue
        spec[name] = {"fields": {"display_name": {}}} if field.type == "many2one" else {}
    domain = [("state", "not in", ("closed", "cancelled"))]
    timings = []
    for _ in range(runs):
        env.invalidate_all()
        elapsed, result = timed(
            Workorder.web_search_read, domain, spec, offset=0, limit=80, order=Workorder._order
        )
        timings.append(elapsed)
    print(
        f"list view web_search_read (open, 80 rows): median {statistics.median(timings) * 1000:.1f} ms "
        f"(min {min(timings) * 1000:.1f}, max {max(timings) * 1000:.1f}, {runs} runs, "
        f"{result['length']} matching)"
    )

    # 2. SLA cron over every open order (rolled back afterwards).
    cr.execute("SAVEPOINT bench_sla")
    cr.execute("UPDATE emc_workorder SET sla_level = 0 WHERE state NOT IN ('closed', 'cancelled')")
    elapsed, escalated = timed(Workorder._cron_sla_escalation, now=datetime.now())
    print(f"SLA cron over {n_open} open orders: {elapsed:.2f} s ({escalated} escalations)")
    cr.execute("ROLLBACK TO SAVEPOINT bench_sla")
    env.invalidate_all()

    # 3. The 14 KPIs over all orders.
    Kpi = env["emc.workorder.kpi"]
    timings = []
    for _ in range(max(3, runs // 5)):
        env.invalidate_all()
        elapsed, kpis = timed(Kpi._compute, datetime(2000, 1, 1), datetime(2100, 1, 1))
        timings.append(elapsed)
    print(
        f"14 KPIs over {kpis['received']} orders: median {statistics.median(timings):.2f} s "
        f"(completion {kpis['completion_rate']}%, SLA compliance {kpis['sla_compliance_rate']}%)"
    )

    # 4. Evidence verification.
    elapsed, result = timed(env["emc.workorder.event"]._verify_chain)
    print(
        f"evidence verification: {result.checked} events in {elapsed:.2f} s = "
        f"{result.checked / elapsed:,.0f} events/s (intact: {result.ok})"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--db", default="emc_bench")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    ensure_database(args.db, "emc_workorder")
    registry = open_registry(args.db)
    import odoo

    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        populate(env, args.orders)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        env = env(user=admin.id, context={"lang": "en_US"})
        admin.write(
            {
                "groups_id": [(4, env.ref("emc_workorder.group_wo_super_admin").id)],
                "company_ids": [(6, 0, env["res.company"].search([]).ids)],
            }
        )
        env = env(context={"allowed_company_ids": env["res.company"].search([]).ids})
        bench(env, args.runs)
        cr.rollback()


if __name__ == "__main__":
    main()
