import base64
import csv
import io
from datetime import datetime

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import MeteringCase


@tagged("post_install", "-at_install")
class TestReadingImport(MeteringCase):
    def wizard(self, text, encoding="utf-8", **values):
        data = text.encode(encoding) if isinstance(text, str) else text
        return self.env["emc.meter.reading.import"].create(
            dict({"file": base64.b64encode(data), "filename": "export.csv"}, **values)
        )

    def run_import(self, text, **values):
        wizard = self.wizard(text, **values)
        wizard.action_import()
        return wizard

    def test_idempotent_with_a_bad_row(self):
        text = (
            "表号,时间,读数\n"
            "M-0001,2026-03-02 08:00,100\n"
            "M-0001,2026-03-02 08:15,101.5\n"
            "M-0001,2026-03-02 08:30,abc\n"
            "M-9999,2026-03-02 08:30,1\n"
            "M-0001,2026-03-02 08:45,104\n"
        )
        first = self.run_import(text, encoding="gbk")
        self.assertEqual(
            (first.row_count, first.imported_count, first.present_count, first.error_count),
            (5, 3, 0, 2),
        )
        self.assertEqual(first.error_ids.mapped("line"), [4, 5])
        self.assertIn("abc", first.error_ids[0].reason)
        self.assertIn("M-9999", first.error_ids[1].reason)
        raw = self.Reading._read_raw(self.energy)
        # 08:00 in Asia/Shanghai is 00:00 UTC
        self.assertEqual(
            [(ts, v) for ts, v, _q in raw],
            [
                (datetime(2026, 3, 2, 0, 0), 100.0),
                (datetime(2026, 3, 2, 0, 15), 101.5),
                (datetime(2026, 3, 2, 0, 45), 104.0),
            ],
        )
        # the rollups were brought up to date by the import
        hours = self.hourly(self.energy)
        self.assertAlmostEqual(hours[datetime(2026, 3, 2, 0, 0)].consumption, 4.0)

        again = self.run_import(text, encoding="gbk")
        self.assertEqual((again.imported_count, again.present_count, again.error_count), (0, 3, 2))
        self.assertEqual(len(self.Reading._read_raw(self.energy)), 3)

    def test_error_file_lists_the_refused_rows(self):
        text = "meter;timestamp;value\nM-0001;2026-03-02 08:00;1,5\nM-0001;2026-03-02 08:15;2\n"
        wizard = self.run_import(text)
        self.assertEqual((wizard.imported_count, wizard.error_count), (1, 1))
        self.assertEqual(wizard.error_filename, "export-errors.csv")
        rows = list(
            csv.reader(io.StringIO(base64.b64decode(wizard.error_file).decode("utf-8-sig")))
        )
        self.assertEqual(rows[0][2:], ["meter", "timestamp", "value"])
        self.assertEqual(rows[1][0], "2")
        self.assertIn("1,5", rows[1][1])
        self.assertEqual(rows[1][2:], ["M-0001", "2026-03-02 08:00", "1,5"])
        # with the decimal comma the row is imported and the other one is already there
        comma = self.run_import(text, decimal="comma")
        self.assertEqual((comma.imported_count, comma.present_count, comma.error_count), (1, 1, 0))
        self.assertFalse(comma.error_file)

    def test_single_meter_file_channels_and_register_values(self):
        meter = self.env["emc.meter"].create(
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
        energy, voltage = meter.main_channel_id, self.channel("voltage_a", meter)
        text = (
            "time,value,channel\n"
            "2026-03-02T00:00:00Z,5,\n"
            "2026-03-02T00:00:00Z,230.5,voltage_a\n"
            "2026-03-02T00:00:00Z,1,no_such_channel\n"
        )
        wizard = self.run_import(text, meter_id=meter.id, values_are="register")
        self.assertEqual((wizard.imported_count, wizard.error_count), (2, 1))
        self.assertIn("no_such_channel", wizard.error_ids.reason)
        self.assertEqual(self.Reading._read_raw(energy)[0][1], 5.0 * 4000.0)
        self.assertEqual(self.Reading._read_raw(voltage)[0][1], 230.5 * 100.0)
        self.assertEqual(self.Reading._read_raw(energy)[0][0], datetime(2026, 3, 2, 0, 0))

    def test_unusable_file_refused_with_its_reason(self):
        with self.assertRaisesRegex(UserError, "时间|timestamp"):
            self.run_import("meter,value\nM-0001,1\n")
        with self.assertRaisesRegex(UserError, "empty|空"):
            self.run_import("\n\n")
        with self.assertRaisesRegex(UserError, "kwh"):
            self.run_import("meter,timestamp,value\n", value_column="kwh")

    def test_other_organisations_meters_are_unknown(self):
        other = self.env["res.company"].create({"name": "其他节能公司"})
        site = self.env["emc.site"].create(
            {"name": "外部厂区", "partner_id": self.client.id, "company_id": other.id}
        )
        self.env["emc.meter"].create(
            {
                "name": "外部表",
                "code": "M-OTHER",
                "site_id": site.id,
                "company_id": other.id,
                "device_model_id": self.dtsu666.id,
            }
        )
        engineer = self.env["res.users"].create(
            {
                "name": "节能工程师",
                "login": "engineer-import",
                "groups_id": [(6, 0, [self.env.ref("emc_project.group_emc_engineer").id])],
            }
        )
        wizard = (
            self.env["emc.meter.reading.import"]
            .with_user(engineer)
            .create(
                {
                    "file": base64.b64encode(
                        b"meter,timestamp,value\nM-OTHER,2026-03-02 08:00,1\n"
                        b"M-0001,2026-03-02 08:00,1\n"
                    )
                }
            )
        )
        wizard.action_import()
        self.assertEqual((wizard.imported_count, wizard.error_count), (1, 1))
        self.assertIn("M-OTHER", wizard.error_ids.reason)
