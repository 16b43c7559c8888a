"""Unit tests of emc_wechat's lib/secrets_util.py and lib/ratelimit.py (no Odoo)."""

import unittest

from _load import load

secrets_util = load("emc_wechat", "lib.secrets_util")
ratelimit = load("emc_wechat", "lib.ratelimit")


class TestSecrets(unittest.TestCase):
    def test_new_secret_shape_and_uniqueness(self):
        one, two = secrets_util.new_secret("mpa"), secrets_util.new_secret("mpa")
        self.assertNotEqual(one, two)
        self.assertTrue(one.startswith("mpa_"))
        self.assertEqual(len(one), 4 + 43)
        self.assertEqual(secrets_util.kind(one), "mpa")

    def test_unknown_prefix_refused(self):
        with self.assertRaises(ValueError):
            secrets_util.new_secret("xyz")

    def test_digest_is_sha256_and_bounded(self):
        self.assertEqual(
            secrets_util.digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
        )
        with self.assertRaises(ValueError):
            secrets_util.digest("")
        with self.assertRaises(ValueError):
            secrets_util.digest("x" * 129)

    def test_kind(self):
        self.assertEqual(secrets_util.kind("emck_abc"), "emck")
        self.assertIsNone(secrets_util.kind("bearer"))
        self.assertIsNone(secrets_util.kind("zz_abc"))
        self.assertIsNone(secrets_util.kind(None))


class TestRateLimit(unittest.TestCase):
    def test_window_start(self):
        self.assertEqual(ratelimit.window_start(125.5, 60), 120)
        self.assertEqual(ratelimit.window_start(120, 60), 120)
        with self.assertRaises(ValueError):
            ratelimit.window_start(1, 0)

    def test_retry_after_bounds(self):
        self.assertEqual(ratelimit.retry_after(120.0, 60), 60)
        self.assertEqual(ratelimit.retry_after(179.2, 60), 1)
        self.assertEqual(ratelimit.retry_after(150.5, 60), 30)

    def test_allowed(self):
        self.assertTrue(ratelimit.allowed(3, 3))
        self.assertFalse(ratelimit.allowed(4, 3))
