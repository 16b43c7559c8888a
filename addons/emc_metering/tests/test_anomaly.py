from datetime import date, datetime, timedelta

from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MeteringCase
from .mv_common import MVCase


class AnomalyMixin:
    def anomalies(self, kind, meter=None):
        return self.env["emc.meter.anomaly"].search(
            [("meter_id", "=", (meter or self.meter).id), ("kind", "=", kind)], order="id"
        )

    def assert_one_order(self, anomaly):
        self.assertEqual(len(anomaly.work_order_id), 1)
        order = anomaly.work_order_id
        self.assertEqual(order.type_id, self.env.ref("emc_workorder.wo_type_om_fault"))
        self.assertEqual(order.site_id, anomaly.site_id)
        self.assertEqual(order.partner_id, anomaly.meter_id.partner_id)
        self.assertEqual(order.company_id, anomaly.meter_id.company_id)
        self.assertEqual(order.state, "intake")
        self.assertIn(anomaly.meter_id.code, order.description)
        orders = self.env["emc.workorder"].search([("id", "in", self.all_orders(anomaly).ids)])
        self.assertEqual(len(orders), 1)
        return order

    def all_orders(self, anomaly):
        return self.env["emc.workorder"].search(
            [("site_id", "=", anomaly.site_id.id), ("description", "ilike", anomaly.meter_id.code)]
        )


@tagged("post_install", "-at_install")
class TestMeterAnomalies(AnomalyMixin, MeteringCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Anomaly = cls.env["emc.meter.anomaly"]
        cls.client.write({"phone": "+86 827 5261234", "street": "巴中市巴州区江北大道1号"})
        cls.start = datetime(2026, 3, 2, 0, 0)

    def test_offline_once_then_resolved_when_readings_return(self):
        self.assertEqual(self.meter.anomaly_offline_intervals, 4)
        points = self.series(self.start, [10.0, 11.0, 12.0, 13.0])
        self.ingest(self.energy, points)
        last = points[-1][0]
        # three intervals of silence: not yet
        self.Anomaly._detect_anomalies(now=last + timedelta(minutes=45))
        self.assertFalse(self.anomalies("offline"))
        # five intervals: one anomaly, one work order
        new = self.Anomaly._detect_anomalies(now=last + timedelta(minutes=75))
        anomaly = self.anomalies("offline")
        self.assertEqual(new, anomaly)
        self.assertEqual((anomaly.date_start, anomaly.state, anomaly.value), (last, "open", 5))
        order = self.assert_one_order(anomaly)
        # detected again, still silent: the same anomaly, no other order
        again = self.Anomaly._detect_anomalies(now=last + timedelta(hours=5))
        self.assertFalse(again)
        self.assertEqual(self.anomalies("offline"), anomaly)
        self.assertEqual(anomaly.date_end, last + timedelta(hours=5))
        self.assertEqual(anomaly.value, 20)
        self.assert_one_order(anomaly)
        # readings come back: resolved by itself, the order stays with the desk
        self.ingest(self.energy, self.series(last + timedelta(hours=5), [14.0]))
        self.Anomaly._detect_anomalies(now=last + timedelta(hours=5, minutes=5))
        self.assertEqual(anomaly.state, "resolved")
        self.assertEqual(anomaly.date_end, last + timedelta(hours=5))
        self.assertEqual(anomaly.work_order_id, order)
        self.assertEqual(self.meter.anomaly_count, 1)
        # a new silence is a new anomaly with its own order
        later = last + timedelta(hours=10)
        self.Anomaly._detect_anomalies(now=later)
        second = self.anomalies("offline") - anomaly
        self.assertEqual(len(second), 1)
        self.assertNotEqual(second.work_order_id, order)
        self.assertTrue(second.work_order_id)

    def test_offline_needs_a_gateway_and_a_threshold(self):
        self.ingest(self.energy, self.series(self.start, [10.0]))
        self.meter.anomaly_offline_intervals = 0
        self.Anomaly._detect_anomalies(now=self.start + timedelta(days=1))
        self.assertFalse(self.anomalies("offline"))
        self.meter.write({"anomaly_offline_intervals": 4, "gateway_id": False})
        self.Anomaly._detect_anomalies(now=self.start + timedelta(days=1))
        self.assertFalse(self.anomalies("offline"))

    def test_negative_delta_once_extended_while_unresolved(self):
        engineer = self.env["res.users"].create(
            {
                "name": "节能工程师乙",
                "login": "engineer-anomaly",
                "groups_id": [(6, 0, [self.env.ref("emc_project.group_emc_engineer").id])],
            }
        )
        self.meter.project_id = self.env["emc.project"].create(
            {
                "name": "一号厂区节能改造",
                "partner_id": self.client.id,
                "site_ids": self.site.ids,
                "engineer_id": engineer.id,
            }
        )
        values = [100.0, 101.0, 95.0, 96.0, 97.0, 98.0, 99.0, 100.0, 99.5, 100.5]
        points = self.series(self.start, values)
        self.ingest(self.energy, points)
        now = points[-1][0] + timedelta(minutes=15)
        self.Anomaly._detect_anomalies(now=now)
        self.Anomaly._detect_anomalies(now=now)
        anomaly = self.anomalies("negative")
        # 101 -> 95 in hour 00:00 UTC; 100 -> 99.5 in hour 01:00 extends it
        self.assertEqual(len(anomaly), 1)
        self.assertEqual(anomaly.date_start, datetime(2026, 3, 2, 0, 0))
        self.assertEqual(anomaly.date_end, datetime(2026, 3, 2, 2, 0))
        self.assertEqual(anomaly.period_count, 2)
        self.assertEqual(anomaly.channel_id, self.energy)
        self.assert_one_order(anomaly)
        # the alert: one to-do for the project's engineer
        self.assertEqual(anomaly.activity_ids.user_id, engineer)
        self.assertEqual(len(anomaly.activity_ids), 1)
        # once resolved, a later drop is a new anomaly
        anomaly.action_acknowledge()
        anomaly.action_resolve()
        later = self.series(datetime(2026, 3, 2, 3, 0), [101.0, 90.0, 91.0])
        self.ingest(self.energy, later)
        self.Anomaly._detect_anomalies(now=later[-1][0] + timedelta(minutes=15))
        anomalies = self.anomalies("negative")
        self.assertEqual(len(anomalies), 2)
        self.assertEqual(anomalies[1].date_start, datetime(2026, 3, 2, 3, 0))
        self.assertNotEqual(anomalies[1].work_order_id, anomaly.work_order_id)
        # readings every 15 minutes up to now: no offline anomaly on the way
        self.assertEqual(self.anomalies("offline"), self.Anomaly)

    def test_duplicate_key_refused_by_the_database(self):
        values = {
            "kind": "negative",
            "meter_id": self.meter.id,
            "date_start": self.start,
        }
        self.Anomaly.create(values)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.Anomaly.create(values)

    def test_manual_work_order_and_transitions(self):
        anomaly = self.Anomaly.create(
            {"kind": "negative", "meter_id": self.meter.id, "date_start": self.start}
        )
        anomaly.action_open_work_order()
        order = anomaly.work_order_id
        anomaly.action_open_work_order()
        self.assertEqual(anomaly.work_order_id, order)
        anomaly.action_resolve()
        with self.assertRaises(UserError):
            anomaly.action_acknowledge()


@tagged("post_install", "-at_install")
class TestBandAnomalies(AnomalyMixin, MVCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meter.gateway_id = False  # read by import: no offline alerts
        cls.daily = cls.baseline(name="监测基准")
        cls.daily.action_fit()
        cls.daily.action_approve()

    def test_breaches_in_the_baseline_period_open_one_order_each(self):
        breaches = self.daily._band_breaches(date(2024, 7, 1), date(2024, 7, 31))
        self.assertTrue(breaches)
        # midnight of 1 August in China
        now = datetime(2024, 7, 31, 16, 0)
        self.env["emc.meter.anomaly"]._detect_anomalies(now=now, lookback_days=31)
        anomalies = self.anomalies("band")
        # one unresolved anomaly per meter and kind: the later breaches extend it
        self.assertEqual(len(anomalies), 1)
        self.assertEqual(anomalies.period_count, len(breaches))
        first = breaches[0]
        self.assertEqual(
            anomalies.date_start,
            datetime.combine(first["date"], datetime.min.time()) - timedelta(hours=8),
        )
        self.assertAlmostEqual(anomalies.value, first["actual"], places=3)
        self.assertAlmostEqual(anomalies.expected, first["expected"], places=3)
        self.assertEqual(anomalies.baseline_id, self.daily)
        self.assert_one_order(anomalies)
        # detecting again changes nothing
        self.env["emc.meter.anomaly"]._detect_anomalies(now=now, lookback_days=31)
        self.assertEqual(self.anomalies("band"), anomalies)
        self.assertEqual(anomalies.period_count, len(breaches))
        self.assert_one_order(anomalies)

    def test_savings_below_the_band_are_not_anomalies(self):
        below = self.daily._band_breaches(date(2025, 1, 1), date(2025, 1, 31))
        self.assertTrue(below)
        self.assertEqual({b["direction"] for b in below}, {"below"})
        self.env["emc.meter.anomaly"]._detect_anomalies(
            now=datetime(2025, 1, 31, 16, 0), lookback_days=31
        )
        self.assertFalse(self.anomalies("band"))

    def test_consumption_above_the_band_after_the_retrofit(self):
        # 1 March 2025: a fault doubles the day's use (the hourly register climbs faster)
        day = date(2025, 3, 1)
        index = self.days.index(day)
        start = datetime.combine(day, datetime.min.time()) - timedelta(hours=8)
        base = 1000.0 + float(self.kwh[:index].sum())
        extra = 3 * float(self.kwh[index])
        # rewrite that day's readings: delete them and ingest the faulty ones through the store
        self.env.cr.execute(
            "DELETE FROM emc_meter_reading WHERE channel_id = %s AND ts >= %s",
            [self.energy.id, start + timedelta(hours=1)],
        )
        rows = [
            (self.energy.id, start + timedelta(hours=h), base + extra * h / 24.0, 0)
            for h in range(1, 25)
        ]
        self.env["emc.meter.reading"]._ingest(rows)
        self.env["emc.meter.reading"]._mark_dirty(
            [(self.energy.id, start, start + timedelta(days=1))]
        )
        self.env["emc.meter.anomaly"]._detect_anomalies(
            now=datetime(2025, 3, 1, 16, 0), lookback_days=2
        )
        anomaly = self.anomalies("band")
        self.assertEqual(len(anomaly), 1)
        self.assertEqual(anomaly.direction, "above")
        self.assertEqual(anomaly.date_start, start)
        self.assertGreater(anomaly.value, anomaly.upper)
        self.assert_one_order(anomaly)
