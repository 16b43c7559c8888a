"""Unit tests of addons/emc_wechat/lib/notify_rules.py, without Odoo or a database."""

import unittest
from datetime import datetime

from _load import load

rules = load("emc_wechat", "lib.notify_rules")


class TestSegments(unittest.TestCase):
    def test_single_segment_up_to_70(self):
        self.assertEqual(rules.sms_segments(""), 0)
        self.assertEqual(rules.sms_segments("短" * 1), 1)
        self.assertEqual(rules.sms_segments("短" * 70), 1)

    def test_long_messages_67_per_segment(self):
        self.assertEqual(rules.sms_segments("长" * 71), 2)
        self.assertEqual(rules.sms_segments("长" * 134), 2)
        self.assertEqual(rules.sms_segments("长" * 135), 3)
        self.assertEqual(rules.sms_segments("a" * 201), 3)


class TestQuietHours(unittest.TestCase):
    # Asia/Shanghai is UTC+8: 22:00 local = 14:00 UTC, 08:00 local = 00:00 UTC.
    def test_inside_before_midnight(self):
        end = rules.quiet_hours_end(datetime(2026, 3, 1, 15, 0), "22:00", "08:00", "Asia/Shanghai")
        self.assertEqual(end, datetime(2026, 3, 2, 0, 0))

    def test_inside_after_midnight(self):
        # 02:30 local on 2 March = 18:30 UTC on 1 March
        end = rules.quiet_hours_end(datetime(2026, 3, 1, 18, 30), "22:00", "08:00", "Asia/Shanghai")
        self.assertEqual(end, datetime(2026, 3, 2, 0, 0))

    def test_outside(self):
        self.assertIsNone(
            rules.quiet_hours_end(datetime(2026, 3, 1, 6, 0), "22:00", "08:00", "Asia/Shanghai")
        )
        self.assertIsNone(
            rules.quiet_hours_end(datetime(2026, 3, 1, 0, 0), "22:00", "08:00", "Asia/Shanghai")
        )

    def test_same_day_window_and_disabled(self):
        end = rules.quiet_hours_end(datetime(2026, 3, 1, 5, 0), "12:00", "14:00", "Asia/Shanghai")
        self.assertEqual(end, datetime(2026, 3, 1, 6, 0))
        self.assertIsNone(
            rules.quiet_hours_end(datetime(2026, 3, 1, 15, 0), "00:00", "00:00", "Asia/Shanghai")
        )

    def test_bad_time(self):
        with self.assertRaises(ValueError):
            rules.parse_hhmm("25:00")


class TestQuota(unittest.TestCase):
    def test_thresholds(self):
        self.assertEqual(rules.crossed_thresholds(15999, 16000, 20000), [80])
        self.assertEqual(rules.crossed_thresholds(16000, 16001, 20000), [])
        self.assertEqual(rules.crossed_thresholds(15000, 20000, 20000), [80, 100])
        self.assertEqual(rules.highest_threshold(19999, 20000), 80)
        self.assertEqual(rules.highest_threshold(20000, 20000), 100)
        self.assertEqual(rules.highest_threshold(10, 0), 0)

    def test_overage(self):
        self.assertEqual(rules.overage(20005, 20000), 5)
        self.assertEqual(rules.overage(100, 20000), 0)


class TestWechatValues(unittest.TestCase):
    def test_limits(self):
        self.assertEqual(rules.wechat_value("thing1", "一" * 25), "一" * 19 + "…")
        self.assertEqual(rules.wechat_value("character_string2", "W" * 40), "W" * 32)
        self.assertEqual(rules.wechat_value("time3", "2026-03-01 10:00"), "2026-03-01 10:00")
        self.assertEqual(rules.wechat_value("thing4", None), "")

    def test_placeholders(self):
        self.assertEqual(
            rules.render_placeholders("工单${order}已就绪${x}", {"order": "WO1"}), "工单WO1已就绪"
        )
