"""CSV parser of vendors' reading exports (emc_metering/lib/reading_import.py), without a database."""

import csv
import io
import unittest
from datetime import datetime, timezone

from _load import load

ri = load("emc_metering", "lib.reading_import")
SHANGHAI = ri.timezone_of("Asia/Shanghai")


def codes(result):
    return [(e.line, e.code) for e in result.errors]


class TestEncodings(unittest.TestCase):
    TEXT = "表号,时间,读数\nM-0001,2026-03-02 08:15,12.5\n"

    def test_utf8_with_and_without_bom(self):
        for data in (self.TEXT.encode("utf-8"), self.TEXT.encode("utf-8-sig")):
            result = ri.parse(data)
            self.assertEqual(result.encoding, "utf-8-sig")
            self.assertEqual(result.columns, {"meter": 0, "timestamp": 1, "value": 2})
            self.assertEqual(result.rows[0].meter, "M-0001")

    def test_gbk_as_chinese_excel_saves_it(self):
        data = (self.TEXT.replace("M-0001", "一号表")).encode("gbk")
        with self.assertRaises(UnicodeDecodeError):
            data.decode("utf-8")
        result = ri.parse(data)
        self.assertEqual(result.encoding, "gb18030")
        self.assertEqual(result.rows[0].meter, "一号表")

    def test_utf16_with_bom(self):
        result = ri.parse(self.TEXT.replace(",", "\t").encode("utf-16"))
        self.assertEqual((result.encoding, result.delimiter), ("utf-16", "\t"))
        self.assertEqual(len(result.rows), 1)

    def test_undecodable_and_empty_files_refused(self):
        with self.assertRaises(ri.ImportFormatError) as caught:
            ri.parse(b"\n  \n")
        self.assertEqual(caught.exception.code, "empty")
        with self.assertRaises(ri.ImportFormatError) as caught:
            ri.decode(b"\x81\xff\xfe\x80")
        self.assertEqual(caught.exception.code, "encoding")


class TestDelimitersAndColumns(unittest.TestCase):
    def test_sniffed_from_the_header(self):
        for delimiter in (",", ";", "\t", "|"):
            text = delimiter.join(["meter", "timestamp", "value"]) + "\n"
            text += delimiter.join(["M1", "2026-03-02 00:00", "1.5"]) + "\n"
            self.assertEqual(ri.sniff_delimiter(text), delimiter)
            result = ri.parse(text.encode())
            self.assertEqual(result.rows[0].value, 1.5)

    def test_semicolon_file_with_decimal_commas(self):
        text = "meter;timestamp;value\nM1;2026-03-02 00:00;1,5\nM1;2026-03-02 00:15;2,25\n"
        self.assertEqual(ri.sniff_delimiter(text), ";")
        refused = ri.parse(text.encode())
        self.assertEqual(codes(refused), [(2, "decimal_comma"), (3, "decimal_comma")])
        accepted = ri.parse(text.encode(), decimal="comma")
        self.assertEqual([r.value for r in accepted.rows], [1.5, 2.25])

    def test_quoted_decimal_comma_in_a_comma_file(self):
        text = 'meter,timestamp,value\nM1,2026-03-02 00:00,"1234,5"\n'
        result = ri.parse(text.encode(), decimal="comma")
        self.assertEqual(result.rows[0].value, 1234.5)

    def test_any_order_case_and_explicit_mapping(self):
        text = "Value , CHANNEL,Time,Meter Code\n3.5,energy_import_total,2026-03-02 00:00,M1\n"
        result = ri.parse(text.encode())
        self.assertEqual(result.columns, {"meter": 3, "channel": 1, "timestamp": 2, "value": 0})
        self.assertEqual(result.rows[0].channel, "energy_import_total")
        mapped = ri.parse(
            "表计,采样时刻,正向有功\nM1,2026-03-02 00:00,7\n".encode(),
            mapping={"meter": "表计", "timestamp": "采样时刻", "value": "正向有功"},
        )
        self.assertEqual((mapped.rows[0].meter, mapped.rows[0].value), ("M1", 7.0))

    def test_missing_or_unknown_columns_refused(self):
        with self.assertRaises(ri.ImportFormatError) as caught:
            ri.parse(b"timestamp,value\n2026-03-02 00:00,1\n")
        self.assertEqual(caught.exception.code, "missing_columns")
        self.assertEqual(caught.exception.params["missing"], ["meter"])
        # the caller's meter stands in for the column
        result = ri.parse(b"timestamp,value\n2026-03-02 00:00,1\n", has_default_meter=True)
        self.assertEqual(result.rows[0].meter, None)
        with self.assertRaises(ri.ImportFormatError) as caught:
            ri.parse(b"meter,timestamp,value\n", mapping={"value": "kwh"})
        self.assertEqual(caught.exception.code, "unknown_column")


class TestTimestamps(unittest.TestCase):
    def check(self, text, expected, tz=SHANGHAI):
        self.assertEqual(ri.parse_timestamp(text, tz), expected, text)

    def test_local_time_in_the_zone_given(self):
        self.check("2026-03-02 08:15", datetime(2026, 3, 2, 0, 15))
        self.check("2026/3/2 8:15:30", datetime(2026, 3, 2, 0, 15, 30))
        self.check("2026-03-02T08:15:00.250", datetime(2026, 3, 2, 0, 15, 0, 250000))
        self.check("2026年3月2日 08:15", datetime(2026, 3, 2, 0, 15))
        self.check("2026-03-02", datetime(2026, 3, 1, 16, 0))
        self.check("2026-03-02 08:15", datetime(2026, 3, 2, 8, 15), tz=timezone.utc)

    def test_offsets_win_over_the_zone(self):
        self.check("2026-03-02T08:15:00+08:00", datetime(2026, 3, 2, 0, 15))
        self.check("2026-03-02T08:15:00+0800", datetime(2026, 3, 2, 0, 15))
        self.check("2026-03-02T08:15:00Z", datetime(2026, 3, 2, 8, 15))
        self.check("2026-03-02 08:15 UTC", datetime(2026, 3, 2, 8, 15))
        self.check("2026-03-02T08:15:00-05:30", datetime(2026, 3, 2, 13, 45))

    def test_daylight_saving_zone(self):
        berlin = ri.timezone_of("Europe/Berlin")
        self.check("2026-07-01 12:00", datetime(2026, 7, 1, 10, 0), tz=berlin)
        self.check("2026-01-01 12:00", datetime(2026, 1, 1, 11, 0), tz=berlin)

    def test_unix_time(self):
        self.check("1772409600", datetime(2026, 3, 2, 0, 0))
        self.check("1772409600000", datetime(2026, 3, 2, 0, 0))

    def test_ambiguous_or_impossible_refused(self):
        for text in (
            "02/03/2026 08:15",
            "2026-13-01 00:00",
            "2026-02-30",
            "2026-03-02 25:00",
            "yesterday",
            "2026-03-02 08:15+25:00",
        ):
            with self.assertRaises(ri.RowValueError) as caught:
                ri.parse_timestamp(text, SHANGHAI)
            self.assertEqual(caught.exception.code, "bad_timestamp", text)
        with self.assertRaises(ri.RowValueError) as caught:
            ri.parse_timestamp("  ", SHANGHAI)
        self.assertEqual(caught.exception.code, "missing_timestamp")

    def test_unknown_zone_refused(self):
        with self.assertRaises(ri.ImportFormatError) as caught:
            ri.parse(b"meter,timestamp,value\n", tz="Mars/Olympus")
        self.assertEqual(caught.exception.code, "bad_timezone")


class TestValues(unittest.TestCase):
    def test_numbers(self):
        self.assertEqual(ri.parse_value(" 12.5 "), 12.5)
        self.assertEqual(ri.parse_value("-3"), -3.0)
        self.assertEqual(ri.parse_value("1.2e3"), 1200.0)
        self.assertEqual(ri.parse_value("1 234.5"), 1234.5)
        self.assertEqual(ri.parse_value("1,5", "comma"), 1.5)

    def test_refused(self):
        cases = [
            ("", "point", "missing_value"),
            ("1,234.5", "point", "decimal_comma"),
            ("1,5", "point", "decimal_comma"),
            ("1.234,5", "comma", "decimal_point"),
            ("12 kWh", "point", "bad_value"),
            ("1_000", "point", "bad_value"),
            ("NaN", "point", "not_finite"),
            ("-inf", "point", "not_finite"),
            ("1e999", "point", "not_finite"),
        ]
        for text, decimal, code in cases:
            with self.assertRaises(ri.RowValueError) as caught:
                ri.parse_value(text, decimal)
            self.assertEqual(caught.exception.code, code, text)


class TestRows(unittest.TestCase):
    def test_bad_rows_reported_good_rows_kept(self):
        text = (
            "meter,channel,timestamp,value\n"
            "M1,,2026-03-02 08:00,10\n"
            "\n"
            "M1,,2026-03-02 08:15,abc\n"
            ",,2026-03-02 08:30,11\n"
            "M1,,2026-03-02 08:45\n"
            "M1,,not a time,12\n"
            "M1,,2026-03-02 08:00,10\n"
            "M1,,2026-03-02 08:00,10.5\n"
            "M2,volume_total,2026-03-02 08:00,3\n"
        )
        result = ri.parse(text.encode())
        self.assertEqual(
            codes(result),
            [
                (4, "bad_value"),
                (5, "missing_meter"),
                (6, "short_row"),
                (7, "bad_timestamp"),
                (9, "conflict"),
            ],
        )
        self.assertEqual(result.errors[-1].params, {"first": 2})
        self.assertEqual(result.errors[2].params, {"cells": 3, "needed": 4})
        self.assertEqual(result.repeated, 1)
        self.assertEqual(
            [(r.line, r.meter, r.channel, r.ts, r.value) for r in result.rows],
            [
                (2, "M1", None, datetime(2026, 3, 2, 0, 0), 10.0),
                (10, "M2", "volume_total", datetime(2026, 3, 2, 0, 0), 3.0),
            ],
        )

    def test_quoted_multiline_cells_keep_line_numbers(self):
        text = 'meter,timestamp,value,note\nM1,2026-03-02 08:00,1,"a\nb"\nM1,x,2,\n'
        result = ri.parse(text.encode())
        self.assertEqual(codes(result), [(4, "bad_timestamp")])

    def test_every_error_code_is_declared(self):
        self.assertTrue(set(ri.ROW_ERRORS) >= {"conflict", "short_row", "bad_timestamp"})

    def test_error_csv_round_trip(self):
        data = ri.error_csv(
            ["表号", "时间", "读数"],
            [(4, "不是数字", ("M1", "2026-03-02", "abc"))],
            labels=("行", "原因"),
        )
        self.assertTrue(data.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        self.assertEqual(
            rows,
            [["行", "原因", "表号", "时间", "读数"], ["4", "不是数字", "M1", "2026-03-02", "abc"]],
        )


if __name__ == "__main__":
    unittest.main()
