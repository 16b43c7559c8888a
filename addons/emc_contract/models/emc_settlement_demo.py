import math
from datetime import date, datetime, timedelta

from odoo import api, models

DEMO_BASELINE_START = date(2024, 1, 1)
DEMO_BASELINE_END = date(2024, 12, 31)
DEMO_REPORTING_END = date(2025, 3, 31)
DEMO_UNTIL = date(2025, 4, 1)


class EmcContract(models.Model):
    """Demo contracts of every type with settled periods and posted invoices."""

    _inherit = "emc.contract"

    @api.model
    def _demo_settlements(self):
        """Build the settlement demo on the demo ESCO (called from demo/emc_settlement_demo.xml).

        Loads the Chinese chart on the ESCO when it has none, meters with
        hourly readings (2024 as the baseline year, 2025 Q1 with savings),
        approved baselines, one active contract of each type, and settles
        January to March 2025: January and February confirmed and invoiced
        (January paid), March sent to the client.
        """
        if self.env["emc.weather.station"].search_count([("code", "=", "57313-D")]):
            return True  # built already: demo files load again on module update
        esco = self.env.ref("emc_project.company_esco")
        if not esco.chart_template:
            # _load, not try_loading: demo data loads before the registry is
            # complete, which try_loading warns about; every module the chart
            # needs (l10n_cn, account) is a dependency and already loaded
            self.env["account.chart.template"]._load("cn", esco, install_demo=False)
        esco.partner_id.tz = "Asia/Shanghai"
        admin = self.env.ref("base.user_admin")
        admin.write(
            {
                "company_ids": [(4, esco.id)],
                "groups_id": [(4, self.env.ref("emc_project.group_emc_engineer").id)],
            }
        )
        env = self.env(context=dict(self.env.context, allowed_company_ids=[esco.id]))
        station = env["emc.weather.station"].create(
            {"name": "巴中气象站（演示）", "code": "57313-D", "city": "巴中"}
        )
        days = [
            DEMO_BASELINE_START + timedelta(days=i)
            for i in range((DEMO_REPORTING_END - DEMO_BASELINE_START).days + 1)
        ]
        temps = {
            day: round(
                16.5
                + 10.5 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 105) / 365.25)
                + 2.0 * math.sin(day.toordinal() * 1.7),
                2,
            )
            for day in days
        }
        env["emc.weather.temperature"].create(
            [{"station_id": station.id, "date": d, "temperature": t} for d, t in temps.items()]
        )
        device = env.ref("emc_metering.device_model_chint_dtsu666")
        sites = {
            key: env.ref(f"emc_project.emc_site_{key}")
            for key in ("hengchuan", "bashan", "hospital", "school", "plaza")
        }
        meters = {}
        for index, (key, site) in enumerate(sites.items()):
            meter = env["emc.meter"].create(
                {
                    "name": f"{site.name}总进线（演示）",
                    "code": f"DEMO-JS-{index + 1:02d}",
                    "site_id": site.id,
                    "company_id": esco.id,
                    "device_model_id": device.id,
                    "poll_interval": 60,
                }
            )
            meters[key] = meter
            base = 800.0 + 300.0 * index
            rows = []
            value = 1000.0
            first = datetime.combine(days[0], datetime.min.time()) - timedelta(hours=8)
            rows.append((meter.main_channel_id.id, first, value, 0))
            hour = first
            for day in days:
                kwh = base + 35.0 * max(14.3 - temps[day], 0) + 50.0 * max(temps[day] - 22.6, 0)
                if day > DEMO_BASELINE_END:
                    kwh *= 0.85
                for _hour in range(24):
                    hour += timedelta(hours=1)
                    value += kwh / 24.0
                    rows.append((meter.main_channel_id.id, hour, round(value, 3), 0))
            env["emc.meter.reading"]._ingest(rows)
        env["emc.meter.reading"]._refresh_rollups(wait=True)

        baselines = {}
        for key in ("hengchuan", "bashan", "hospital"):
            site = sites[key]
            baseline = env["emc.mv.baseline"].create(
                {
                    "name": f"{site.name} 2024 基准",
                    "project_id": env.ref(f"emc_project.emc_project_{key}").id,
                    "site_id": site.id,
                    "option": "C",
                    "meter_ids": [(6, 0, meters[key].ids)],
                    "station_id": station.id,
                    "granularity": "daily",
                    "date_baseline_start": DEMO_BASELINE_START,
                    "date_baseline_end": DEMO_BASELINE_END,
                }
            )
            baseline.with_user(admin).action_fit()
            baseline.with_user(admin).action_approve()
            baselines[key] = baseline

        def common(key, title, contract_type):
            site = sites[key]
            return {
                "title": title,
                "contract_type": contract_type,
                "company_id": esco.id,
                "partner_id": site.partner_id.id,
                "project_id": env.ref(f"emc_project.emc_project_{key}").id,
                "site_ids": [(6, 0, site.ids)],
                "meter_ids": [(6, 0, meters[key].ids)],
                "date_start": date(2025, 1, 1),
                "date_end": date(2029, 12, 31),
                "settlement_period": "month",
                "payment_term_id": env.ref("account.account_payment_term_30days").id,
            }

        price = [(0, 0, {"carrier": "electricity", "pricing": "fixed", "price": 0.62})]
        tou_price = [
            (
                0,
                0,
                {
                    "carrier": "electricity",
                    "pricing": "tou",
                    "tou_line_ids": [
                        (
                            0,
                            0,
                            {"period": "peak", "price": 0.98, "hours": "08:00-12:00, 17:00-21:00"},
                        ),
                        (
                            0,
                            0,
                            {"period": "flat", "price": 0.62, "hours": "12:00-17:00, 21:00-24:00"},
                        ),
                        (0, 0, {"period": "valley", "price": 0.31, "hours": "00:00-08:00"}),
                    ],
                },
            )
        ]
        tiers = [
            (0, 0, {"year_from": 1, "year_to": 2, "esco_share": 0.9}),
            (0, 0, {"year_from": 3, "year_to": 5, "esco_share": 0.7}),
        ]
        values = [
            {
                **common("hengchuan", "水泥窑风机变频节能效益分享合同", "shared_savings"),
                "baseline_ids": [(6, 0, baselines["hengchuan"].ids)],
                "mv_option": "C",
                "price_ids": tou_price,
                "tier_ids": tiers,
            },
            {
                **common("bashan", "空压站节能量保证合同", "guaranteed_savings"),
                "baseline_ids": [(6, 0, baselines["bashan"].ids)],
                "mv_option": "C",
                "price_ids": price,
                "guarantee_per": "period",
                "guarantee_line_ids": [(0, 0, {"carrier": "electricity", "kwh": 7_000.0})],
            },
            {
                **common("hospital", "中央空调混合型节能合同", "hybrid"),
                "baseline_ids": [(6, 0, baselines["hospital"].ids)],
                "mv_option": "C",
                "price_ids": price,
                "tier_ids": tiers,
                "guarantee_per": "period",
                "guarantee_line_ids": [(0, 0, {"carrier": "electricity", "kwh": 6_000.0})],
            },
            {
                **common("plaza", "商业广场能源费用托管合同", "energy_trusteeship"),
                "price_ids": price,
                "trusteeship_fee_mode": "fixed",
                "trusteeship_fee": 30_000.0,
                "trusteeship_has_cap": True,
                "trusteeship_cap": 40_000.0,
                "tier_ids": [(0, 0, {"year_from": 1, "year_to": 0, "esco_share": 0.5})],
            },
            {
                **common("school", "校园照明与光伏融资租赁合同", "financing_lease"),
                "lease_principal": 480_000.0,
                "lease_annual_rate": 0.0435,
                "lease_instalments": 60,
                "lease_frequency": "12",
                "lease_method": "annuity",
            },
        ]
        contracts = env["emc.contract"].create(values)
        contracts._set_stage("active")
        settlements = contracts._settle_due_periods(DEMO_UNTIL)
        for settlement in settlements.filtered(lambda s: s.date_from < date(2025, 3, 1)):
            settlement.action_confirm()
            settlement.action_invoice()
        january = settlements.filtered(
            lambda s: s.date_from == date(2025, 1, 1) and s.state == "invoiced"
        )
        for move in january.move_ids:
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=move.ids
            ).create({"payment_date": move.invoice_date}).action_create_payments()
        disputed = settlements.filtered(
            lambda s: s.date_from == date(2025, 3, 1) and s.contract_type == "guaranteed_savings"
        )
        disputed.with_user(admin).action_dispute("三月空压站检修停机三天，请核减基准能耗后重算。")
        return True
