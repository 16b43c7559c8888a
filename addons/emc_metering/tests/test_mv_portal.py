"""Portal clients see their own sites' consumption and measured savings, and nothing else."""

from datetime import date, datetime, timedelta

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestMVPortal(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.partner_id.tz = "Asia/Shanghai"
        dtsu666 = cls.env.ref("emc_metering.device_model_chint_dtsu666")
        station = cls.env["emc.weather.station"].create({"name": "巴中气象站", "code": "57313"})
        cls.data = {}
        for key, client_name, site_name, meter_code in (
            ("own", "门户甲食品公司", "甲公司一号厂区", "PA-0001"),
            ("other", "门户乙化工公司", "乙公司机密车间", "PB-0001"),
        ):
            client = cls.env["res.partner"].create({"name": client_name, "is_company": True})
            contact = cls.env["res.partner"].create(
                {
                    "name": f"{client_name}联系人",
                    "parent_id": client.id,
                    "email": f"{key}@example.com",
                }
            )
            user = new_test_user(
                cls.env,
                login=f"mv_portal_{key}",
                password=f"mv_portal_{key}",
                groups="base.group_portal",
                partner_id=contact.id,
            )
            site = cls.env["emc.site"].create({"name": site_name, "partner_id": client.id})
            meter = cls.env["emc.meter"].create(
                {
                    "name": f"{site_name}总表",
                    "code": meter_code,
                    "site_id": site.id,
                    "device_model_id": dtsu666.id,
                    "poll_interval": 60,
                }
            )
            # January and February 2025: 1000 kWh a day (own) or 2000 (other), read hourly
            per_day = 1000.0 if key == "own" else 2000.0
            start = datetime(2024, 12, 31, 16, 0)
            hours = (date(2025, 3, 1) - date(2025, 1, 1)).days * 24
            cls.env["emc.meter.reading"]._ingest(
                (meter.main_channel_id.id, start + timedelta(hours=i), 500.0 + i * per_day / 24, 0)
                for i in range(hours + 1)
            )
            baselines = cls.env["emc.mv.baseline"].create(
                [
                    {
                        "name": f"{site_name}已批准基准",
                        "site_id": site.id,
                        "meter_ids": [(6, 0, meter.ids)],
                        "station_id": station.id,
                        "date_baseline_start": date(2023, 1, 1),
                        "date_baseline_end": date(2024, 12, 31),
                    },
                    {
                        "name": f"{site_name}草稿基准",
                        "site_id": site.id,
                        "meter_ids": [(6, 0, meter.ids)],
                        "station_id": station.id,
                        "date_baseline_start": date(2023, 1, 1),
                        "date_baseline_end": date(2024, 12, 31),
                    },
                ]
            )
            # a stored result stands for an approved fit here: the portal only reads it
            baselines[0].write({"state": "approved", "fit_status": "fit"})
            lines = cls.env["emc.mv.savings.line"].create(
                [
                    {
                        "baseline_id": baseline.id,
                        "name": "2025-01",
                        "date_start": date(2025, 1, 1),
                        "date_end": date(2025, 1, 31),
                        "days": 31,
                        "days_used": 31,
                        "has_figures": True,
                        "complete": True,
                        "adjusted_baseline_kwh": amount + 5000.0,
                        "actual_kwh": 5000.0,
                        "savings_kwh": amount,
                    }
                    for baseline, amount in (
                        (baselines[0], 4321.5 if key == "own" else 8765.5),
                        (baselines[1], 1111.5 if key == "own" else 2222.5),
                    )
                ]
            )
            cls.data[key] = {
                "client": client,
                "user": user,
                "site": site,
                "meter": meter,
                "baselines": baselines,
                "lines": lines,
            }
        cls.env["emc.meter.reading"]._refresh_rollups(wait=True)

    def test_sites_list(self):
        self.authenticate("mv_portal_own", "mv_portal_own")
        res = self.url_open("/my/emc_sites")
        self.assertEqual(res.status_code, 200)
        self.assertIn("甲公司一号厂区", res.text)
        self.assertIn("PA-0001", res.text)
        self.assertNotIn("乙公司机密车间", res.text)
        self.assertNotIn("PB-0001", res.text)

    def test_own_site_page(self):
        self.authenticate("mv_portal_own", "mv_portal_own")
        site = self.data["own"]["site"]
        res = self.url_open(f"/my/emc_sites/{site.id}")
        self.assertEqual(res.status_code, 200)
        text = res.text
        self.assertIn("甲公司一号厂区", text)
        self.assertIn("PA-0001", text)
        # monthly consumption from the rollups: 31 and 28 days of 1000 kWh
        self.assertIn("2025-01", text)
        self.assertIn("31,000.0", text)
        self.assertIn("28,000.0", text)
        # the savings of the approved baseline; nothing of the draft one
        self.assertIn("甲公司一号厂区已批准基准", text)
        self.assertIn("4,321.5", text)
        self.assertNotIn("草稿基准", text)
        self.assertNotIn("1,111.5", text)
        # nothing of the other client
        for leaked in ("乙公司", "PB-0001", "62,000.0", "8,765.5"):
            self.assertNotIn(leaked, text)

    def test_other_clients_site_is_not_found(self):
        self.authenticate("mv_portal_own", "mv_portal_own")
        other = self.data["other"]["site"]
        res = self.url_open(f"/my/emc_sites/{other.id}")
        self.assertEqual(res.status_code, 404)
        for leaked in ("乙公司机密车间", "PB-0001", "8,765.5", "62,000.0"):
            self.assertNotIn(leaked, res.text)
        res = self.url_open("/my/emc_sites/999999999")
        self.assertEqual(res.status_code, 404)

    def test_anonymous_visitor_logs_in_first(self):
        res = self.url_open(f"/my/emc_sites/{self.data['own']['site'].id}", allow_redirects=False)
        self.assertIn(res.status_code, (302, 303))
        self.assertIn("/web/login", res.headers["Location"])

    def test_home_counter(self):
        self.authenticate("mv_portal_own", "mv_portal_own")
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["emc_site_count"]})
        self.assertEqual(counters, {"emc_site_count": 1})

    def test_record_rules(self):
        own, other = self.data["own"], self.data["other"]
        env = self.env(user=own["user"])
        self.assertEqual(env["emc.site"].search([]), own["site"])
        self.assertEqual(env["emc.meter"].search([]), own["meter"])
        self.assertEqual(env["emc.mv.baseline"].search([]), own["baselines"][0])
        self.assertEqual(env["emc.mv.savings.line"].search([]), own["lines"][0])
        for model in (
            "emc.meter.rollup.hourly",
            "emc.meter.rollup.daily",
            "emc.meter.rollup.monthly",
        ):
            rows = env[model].search([])
            self.assertTrue(rows)
            self.assertEqual(rows.site_id, own["site"])
        monthly = env["emc.meter.rollup.monthly"].search([], order="date")
        self.assertEqual(len(monthly), 2)
        self.assertAlmostEqual(monthly[0].consumption, 31_000.0, places=6)
        self.assertAlmostEqual(monthly[1].consumption, 28_000.0, places=6)
        for record in (
            other["site"],
            other["meter"],
            other["baselines"][0],
            other["lines"][0],
            own["baselines"][1],  # a draft baseline of the client's own site
            own["lines"][1],
        ):
            with self.assertRaises(AccessError):
                record.with_env(env).read(["display_name"])
        # a portal client reads, never writes
        with self.assertRaises(AccessError):
            own["lines"][0].with_env(env).write({"savings_kwh": 0.0})
        with self.assertRaises(AccessError):
            own["site"].with_env(env).write({"name": "x"})
