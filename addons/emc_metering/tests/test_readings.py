from datetime import date, datetime

from odoo.tests import tagged

from .common import MeteringCase


@tagged("post_install", "-at_install")
class TestIngestion(MeteringCase):
    def test_shipped_maps_and_channels(self):
        self.assertEqual(self.dtsu666.protocol, "modbus")
        self.assertIn("ZTY0.464.1267", self.dtsu666.source)
        self.assertEqual(self.energy.code, "energy_import_total")
        self.assertEqual(self.energy.kind, "cumulative")
        dlt = self.env.ref("emc_metering.device_model_dlt645_2007")
        self.assertEqual(dlt.protocol, "dlt645")
        self.assertIn("DL/T 645-2007", dlt.source)
        self.assertTrue(self.env.ref("emc_metering.device_model_eastron_sdm630").point_ids)

    def test_channel_factor_follows_ratios(self):
        self.meter.write({"ct_ratio": 40.0, "pt_ratio": 100.0})
        self.assertEqual(self.meter.multiplier, 4000.0)
        voltage = self.channel("voltage_a")
        # DTSU666 registers hold primary values: the map says ratio none.
        self.assertEqual((self.energy.ratio, self.energy.factor), ("none", 1.0))
        self.assertEqual(voltage.factor, 1.0)
        dlt_meter = self.env["emc.meter"].create(
            {
                "name": "高压计量",
                "code": "M-DLT",
                "site_id": self.site.id,
                "device_model_id": self.env.ref("emc_metering.device_model_dlt645_2007").id,
                "address": "000012345678",
                "ct_ratio": 40.0,
                "pt_ratio": 100.0,
            }
        )
        factors = {c.code: c.factor for c in dlt_meter.channel_ids}
        self.assertEqual(factors["energy_import_total"], 4000.0)
        self.assertEqual(factors["voltage_a"], 100.0)
        self.assertEqual(factors["current_a"], 40.0)
        # XXXXXX.XX wraps at 1,000,000.00 kWh on the register.
        self.assertEqual(dlt_meter.main_channel_id.rollover_value, 1_000_000.0)

    def test_idempotent(self):
        points = self.series(datetime(2026, 3, 2, 0, 0), [10.0, 11.0, 12.5, 14.0])
        first = self.ingest(self.energy, points)
        self.assertEqual((first.received, first.inserted, first.duplicates), (4, 4, 0))
        again = self.ingest(self.energy, points + self.series(datetime(2026, 3, 2, 1), [15.0]))
        self.assertEqual((again.received, again.inserted, again.duplicates), (5, 1, 4))
        raw = self.Reading._read_raw(self.energy)
        self.assertEqual([v for _ts, v, _q in raw], [10.0, 11.0, 12.5, 14.0, 15.0])
        self.assertEqual(self.energy.last_value, 15.0)
        self.assertEqual(self.energy.date_last, datetime(2026, 3, 2, 1, 0))
        self.assertEqual(self.meter.date_last_reading, datetime(2026, 3, 2, 1, 0))

    def test_unknown_channel_and_invalid_values(self):
        result = self.Reading._ingest(
            [
                (self.energy.id, datetime(2026, 3, 2, 0, 0), 1.0, 0),
                (999_999_999, datetime(2026, 3, 2, 0, 0), 1.0, 0),
                (self.energy.id, datetime(2026, 3, 2, 0, 15), float("nan"), 0),
            ]
        )
        self.assertEqual((result.inserted, result.unknown), (2, 1))
        raw = self.Reading._read_raw(self.energy)
        self.assertEqual(raw[1][1:], (None, 1))
        self.assertEqual(self.energy.last_value, 1.0)

    def test_backfill_creates_its_partitions(self):
        self.ingest(self.energy, self.series(datetime(2019, 7, 31, 23, 30), [1.0, 2.0, 3.0]))
        months = self.Reading._partition_months()
        self.assertIn(date(2019, 7, 1), months)
        self.assertIn(date(2019, 8, 1), months)
        self.assertEqual(len(self.Reading._read_raw(self.energy)), 3)


@tagged("post_install", "-at_install")
class TestRollups(MeteringCase):
    def refresh(self):
        return self.Reading._refresh_rollups(wait=True)

    def test_hours_days_months(self):
        # 2026-03-01 16:00 UTC is midnight of March 2nd in China: two local days.
        start = datetime(2026, 3, 1, 15, 0)
        values = [100.0 + i for i in range(4 * 3 + 1)]  # 15:00 .. 18:00, 1 kWh per quarter
        self.ingest(self.energy, self.series(start, values))
        self.assertEqual(self.refresh(), 1)
        hours = self.hourly(self.energy)
        self.assertEqual(
            {h: r.consumption for h, r in hours.items()},
            {
                datetime(2026, 3, 1, 15): 4.0,
                datetime(2026, 3, 1, 16): 4.0,
                datetime(2026, 3, 1, 17): 4.0,
            },
        )
        self.assertFalse(any(r.estimated for r in hours.values()))
        days = self.env["emc.meter.rollup.daily"].search(
            [("channel_id", "=", self.energy.id)], order="date"
        )
        self.assertEqual(
            [(d.date, d.consumption) for d in days],
            [(date(2026, 3, 1), 4.0), (date(2026, 3, 2), 8.0)],
        )
        month = self.env["emc.meter.rollup.monthly"].search([("channel_id", "=", self.energy.id)])
        self.assertEqual((month.date, month.consumption), (date(2026, 3, 1), 12.0))
        self.assertEqual((month.site_id, month.partner_id), (self.site, self.client))
        self.assertTrue(month.is_main)
        # Nothing queued: a second refresh does nothing.
        self.assertEqual(self.refresh(), 0)

    def test_incremental_and_late_reading(self):
        start = datetime(2026, 3, 2, 0, 0)
        self.ingest(self.energy, self.series(start, [0.0, 1.0, 2.0, 3.0, 4.0]))
        self.refresh()
        # A later hour arrives, then one reading of the first hour is corrected late: only
        # the queued spans are recomputed, and the totals stay consistent.
        self.ingest(self.energy, self.series(datetime(2026, 3, 2, 1, 15), [6.0, 8.0, 10.0]))
        self.refresh()
        hours = self.hourly(self.energy)
        self.assertEqual(hours[datetime(2026, 3, 2, 0)].consumption, 4.0)
        self.assertEqual(hours[datetime(2026, 3, 2, 1)].consumption, 6.0)
        day = self.env["emc.meter.rollup.daily"].search([("channel_id", "=", self.energy.id)])
        self.assertEqual(day.consumption, 10.0)

    def test_gap_spread_then_filled(self):
        start = datetime(2026, 3, 2, 0, 0)
        # Readings at 00:00 .. 01:00, then nothing until 03:00: a two-hour gap.
        self.ingest(self.energy, self.series(start, [0.0, 1.0, 2.0, 3.0, 4.0]))
        self.ingest(
            self.energy, [(datetime(2026, 3, 2, 3, 0), 12.0), (datetime(2026, 3, 2, 3, 15), 13.0)]
        )
        self.refresh()
        gap = self.env["emc.meter.gap"].search([("channel_id", "=", self.energy.id)])
        self.assertEqual(
            (gap.date_start, gap.date_end, gap.missing_count),
            (datetime(2026, 3, 2, 1, 0), datetime(2026, 3, 2, 3, 0), 7),
        )
        hours = self.hourly(self.energy)
        self.assertAlmostEqual(hours[datetime(2026, 3, 2, 1)].consumption, 4.0)
        self.assertAlmostEqual(hours[datetime(2026, 3, 2, 2)].consumption, 4.0)
        self.assertTrue(hours[datetime(2026, 3, 2, 1)].estimated)
        self.assertEqual(hours[datetime(2026, 3, 2, 3)].consumption, 1.0)
        # The collector's backlog arrives: the gap is gone and nothing is estimated.
        backfill = self.series(datetime(2026, 3, 2, 1, 15), [4.5, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
        self.ingest(self.energy, backfill)
        self.refresh()
        self.assertFalse(self.env["emc.meter.gap"].search([("channel_id", "=", self.energy.id)]))
        hours = self.hourly(self.energy)
        self.assertEqual(hours[datetime(2026, 3, 2, 1)].consumption, 3.0)
        self.assertEqual(hours[datetime(2026, 3, 2, 2)].consumption, 5.0)
        self.assertFalse(any(r.estimated for r in hours.values()))
        day = self.env["emc.meter.rollup.daily"].search([("channel_id", "=", self.energy.id)])
        self.assertEqual(day.consumption, 13.0)

    def test_rollover(self):
        self.energy.rollover_value = 1_000_000.0
        self.ingest(
            self.energy,
            self.series(datetime(2026, 3, 2, 0, 0), [999_990.0, 999_998.0, 3.0, 10.0]),
        )
        self.refresh()
        hour = self.hourly(self.energy)[datetime(2026, 3, 2, 0)]
        self.assertAlmostEqual(hour.consumption, 8.0 + 5.0 + 7.0)
        self.assertTrue(hour.flags & 16)

    def test_register_going_down_is_not_counted(self):
        self.ingest(
            self.energy, self.series(datetime(2026, 3, 2, 0, 0), [100.0, 104.0, 90.0, 93.0])
        )
        self.refresh()
        hour = self.hourly(self.energy)[datetime(2026, 3, 2, 0)]
        self.assertEqual(hour.consumption, 4.0 + 3.0)
        self.assertTrue(hour.flags & 64)

    def test_replacement(self):
        self.ingest(self.energy, self.series(datetime(2026, 3, 2, 0, 0), [5000.0, 5001.0]))
        self.ingest(self.energy, self.series(datetime(2026, 3, 2, 0, 30), [0.4, 1.4]))
        replacement = self.env["emc.meter.replacement"].create(
            {
                "meter_id": self.meter.id,
                "date": datetime(2026, 3, 2, 0, 20),
                "reason": "表计烧毁",
                "new_serial": "DTSU-NEW",
                "line_ids": [
                    (0, 0, {"channel_id": self.energy.id, "old_final": 5001.5, "new_initial": 0.1})
                ],
            }
        )
        self.assertEqual(self.meter.serial_number, "DTSU-NEW")
        self.refresh()
        hour = self.hourly(self.energy)[datetime(2026, 3, 2, 0)]
        # 1 before the swap, 0.5 on the old meter, 0.3 on the new one, then 1.
        self.assertAlmostEqual(hour.consumption, 1.0 + 0.5 + 0.3 + 1.0)
        self.assertTrue(hour.flags & 32)
        self.assertTrue(replacement.line_ids.old_factor == replacement.line_ids.new_factor == 1.0)

    def test_instantaneous_channel(self):
        voltage = self.channel("voltage_a")
        self.ingest(
            voltage, self.series(datetime(2026, 3, 2, 0, 0), [220.0, 230.0, 225.0, 221.0, 240.0])
        )
        self.ingest(voltage, [(datetime(2026, 3, 2, 0, 50), 999.0)], quality=1)
        self.refresh()
        hours = self.hourly(voltage)
        first = hours[datetime(2026, 3, 2, 0)]
        self.assertEqual((first.value_min, first.value_max, first.sample_count), (220.0, 230.0, 4))
        self.assertAlmostEqual(first.value_avg, 224.0)
        self.assertFalse(first.consumption)
        self.assertEqual(hours[datetime(2026, 3, 2, 1)].value_avg, 240.0)
        day = self.env["emc.meter.rollup.daily"].search([("channel_id", "=", voltage.id)])
        self.assertAlmostEqual(day.value_avg, (220 + 230 + 225 + 221 + 240) / 5)

    def test_meter_moved_to_another_site(self):
        self.ingest(self.energy, self.series(datetime(2026, 3, 2, 0, 0), [0.0, 1.0]))
        self.refresh()
        other = self.env["emc.site"].create({"name": "二号厂区", "partner_id": self.client.id})
        self.meter.site_id = other
        rows = self.env["emc.meter.rollup.daily"].search([("meter_id", "=", self.meter.id)])
        self.assertEqual(rows.site_id, other)

    def test_refresh_runs_once_at_a_time(self):
        # Nothing queued: a reader needing current figures does not wait for
        # a refresh running elsewhere (it would block here until the other
        # cursor let go). The queue is emptied in this transaction only.
        self.env.cr.execute("DELETE FROM emc_meter_rollup_dirty")
        with self.env.registry.cursor() as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", (0x454D43, 2))
            try:
                self.assertEqual(self.Reading._refresh_rollups(wait=True), 0)
            finally:
                other.execute("SELECT pg_advisory_unlock(%s, %s)", (0x454D43, 2))
        self.ingest(self.energy, self.series(datetime(2026, 3, 2, 0, 0), [0.0, 1.0]))
        with self.env.registry.cursor() as other:
            other.execute("SELECT pg_advisory_lock(%s, %s)", (0x454D43, 2))
            try:
                self.assertIsNone(self.Reading._refresh_rollups())
            finally:
                other.execute("SELECT pg_advisory_unlock(%s, %s)", (0x454D43, 2))
        self.assertEqual(self.Reading._refresh_rollups(), 1)

    def test_meters_with_readings_are_kept(self):
        self.ingest(self.energy, self.series(datetime(2026, 3, 2, 0, 0), [0.0]))
        with self.assertRaisesRegex(Exception, "archive them instead"):
            self.meter.unlink()
        self.assertTrue(self.meter.exists())
