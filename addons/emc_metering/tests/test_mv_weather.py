"""Weather stations: CSV import of daily temperatures, and temperatures from a meter."""

import base64
from datetime import date, datetime

import numpy as np
from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import MeteringCase

CSV = """date,temperature_c
2025-01-01,5.2
2025-01-02,abc
2025/01/03,6.1
2025-01-04,
2025-13-01,4.0
2025-01-01,5.3
2025-01-05,75
"""
ERRORS = [
    (3, "“abc” is not a temperature in °C (use a decimal point)."),
    (5, "“” is not a temperature in °C (use a decimal point)."),
    (6, "“2025-13-01” is not a date in the form YYYY-MM-DD."),
    (7, "2025-01-01 of station 57313 already appears on line 2."),
    (8, "75 °C is outside -60.0 to 60.0 °C: not a daily mean outdoor temperature."),
]


@tagged("post_install", "-at_install")
class TestTemperatureImport(MeteringCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.station = cls.env["emc.weather.station"].create(
            {"name": "巴中气象站", "code": "57313", "city": "巴中"}
        )

    def run_import(self, text, station=True, encoding="utf-8"):
        wizard = self.env["emc.weather.temperature.import"].create(
            {
                "station_id": self.station.id if station else False,
                "file": base64.b64encode(text.encode(encoding)),
                "filename": "temperatures.csv",
            }
        )
        wizard.action_import()
        return wizard

    def temperatures(self, station=None):
        rows = self.env["emc.weather.temperature"].search(
            [("station_id", "=", (station or self.station).id)], order="date"
        )
        return [(r.date, r.temperature) for r in rows]

    def test_good_rows_kept_bad_rows_listed(self):
        wizard = self.run_import(CSV)
        self.assertEqual(wizard.state, "done")
        self.assertEqual(
            (wizard.created_count, wizard.updated_count, wizard.unchanged_count), (2, 0, 0)
        )
        self.assertEqual([(e.line, e.reason) for e in wizard.error_ids], ERRORS)
        self.assertEqual(self.temperatures(), [(date(2025, 1, 1), 5.2), (date(2025, 1, 3), 6.1)])
        self.assertEqual(self.station.temperature_count, 2)
        self.assertEqual(
            (self.station.date_first, self.station.date_last), (date(2025, 1, 1), date(2025, 1, 3))
        )

    def test_import_again_is_idempotent_and_updates(self):
        self.run_import(CSV)
        again = self.run_import(CSV)
        self.assertEqual(
            (again.created_count, again.updated_count, again.unchanged_count), (0, 0, 2)
        )
        self.assertEqual(len(again.error_ids), 5)
        self.assertEqual(self.temperatures(), [(date(2025, 1, 1), 5.2), (date(2025, 1, 3), 6.1)])
        corrected = self.run_import("date,temperature_c\n2025-01-01,5.5\n2025-01-02,4.4\n")
        self.assertEqual(
            (corrected.created_count, corrected.updated_count, corrected.unchanged_count), (1, 1, 0)
        )
        self.assertEqual(
            self.temperatures(),
            [(date(2025, 1, 1), 5.5), (date(2025, 1, 2), 4.4), (date(2025, 1, 3), 6.1)],
        )

    def test_station_column_semicolons_and_gb18030(self):
        other = self.env["emc.weather.station"].create({"name": "通江站", "code": "57314"})
        text = "Station;Date;Temperature_C;备注\n57313;2025-02-01;3.5;阴\n57314;2025-02-01;2.5;小雨\nXX;2025-02-01;1.0;\n"
        wizard = self.run_import(text, station=False, encoding="gb18030")
        self.assertEqual(wizard.created_count, 2)
        self.assertEqual(
            [(e.line, e.reason) for e in wizard.error_ids],
            [(4, "No weather station has the code “XX”.")],
        )
        self.assertEqual(self.temperatures(), [(date(2025, 2, 1), 3.5)])
        self.assertEqual(self.temperatures(other), [(date(2025, 2, 1), 2.5)])

    def test_unusable_files(self):
        with self.assertRaises(UserError) as refused:
            self.run_import("day,temp\n2025-01-01,5\n")
        self.assertEqual(
            str(refused.exception),
            "The first line of the file must name the columns date, temperature_c (and "
            "optionally station); it lacks date, temperature_c.",
        )
        with self.assertRaisesRegex(UserError, "The file is empty."):
            self.run_import("\n\n")
        with self.assertRaisesRegex(UserError, "Choose the weather station"):
            self.run_import(CSV, station=False)

    def test_one_value_per_day_and_plausible(self):
        self.env["emc.weather.temperature"].create(
            {"station_id": self.station.id, "date": date(2025, 3, 1), "temperature": 10.0}
        )
        with self.assertRaisesRegex(ValidationError, "not a plausible daily mean"):
            self.env["emc.weather.temperature"].create(
                {"station_id": self.station.id, "date": date(2025, 3, 2), "temperature": 99.0}
            )
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["emc.weather.temperature"].create(
                {"station_id": self.station.id, "date": date(2025, 3, 1), "temperature": 11.0}
            )

    def test_daily_temperature_series(self):
        self.run_import("date,temperature_c\n2025-01-01,5.2\n2025-01-03,6.1\n")
        series = self.station._daily_temperature(date(2024, 12, 31), date(2025, 1, 5))
        self.assertEqual(series.start, np.datetime64("2024-12-31"))
        np.testing.assert_array_equal(series.values, [np.nan, 5.2, np.nan, 6.1, np.nan])


@tagged("post_install", "-at_install")
class TestTemperatureMeter(MeteringCase):
    def test_station_reads_an_ambient_meter(self):
        model = self.env["emc.meter.device.model"].create(
            {"name": "MQTT 温湿度传感器", "code": "MQTT-TH", "protocol": "mqtt"}
        )
        sensor = self.env["emc.meter"].create(
            {
                "name": "室外温度",
                "code": "T-0001",
                "site_id": self.site.id,
                "carrier": "ambient",
                "device_model_id": model.id,
                "poll_interval": 15,
            }
        )
        channel = sensor._channel_by_code("temperature", "°C", "instantaneous")
        self.assertEqual(sensor.main_channel_id, channel)
        # local days 2025-01-01 and 2025-01-02 fully read every 15 minutes (96 samples each);
        # 2025-01-03 only 40 samples (under half of the day): no mean for it
        start = datetime(2024, 12, 31, 16, 0)  # 00:00 in Asia/Shanghai
        values = [5.0 + (i % 96) / 10.0 for i in range(96 * 2)] + [3.0] * 40
        points = self.series(start, values)
        self.ingest(channel, points)
        station = self.env["emc.weather.station"].create(
            {"name": "厂区温度", "code": "SITE-T", "source": "meter", "meter_id": sensor.id}
        )
        series = station._daily_temperature(date(2025, 1, 1), date(2025, 1, 4))
        expected = np.mean([5.0 + i / 10.0 for i in range(96)])
        np.testing.assert_allclose(series.values[:2], [expected, expected], atol=1e-3)
        self.assertTrue(np.isnan(series.values[2]))
        self.assertEqual(station._history_start(), date(2025, 1, 1))

    def test_meter_must_be_ambient(self):
        with self.assertRaisesRegex(ValidationError, "not outdoor conditions"):
            self.env["emc.weather.station"].create(
                {"name": "错表", "code": "BAD", "source": "meter", "meter_id": self.meter.id}
            )
        with self.assertRaisesRegex(ValidationError, "choose the temperature meter"):
            self.env["emc.weather.station"].create(
                {"name": "无表", "code": "NONE", "source": "meter"}
            )
