from datetime import datetime, timedelta

from odoo.tests import tagged

from .common import MeteringCase


@tagged("post_install", "-at_install")
class TestIngestDirect(MeteringCase):
    """The direct COPY of all-new batches gives the same outcome as ON CONFLICT DO NOTHING."""

    def queue(self):
        self.env.cr.execute(
            "SELECT channel_id, date_from, date_to FROM emc_meter_rollup_dirty "
            "WHERE channel_id = %s ORDER BY date_from",
            [self.energy.id],
        )
        return self.env.cr.fetchall()

    def test_new_batch_goes_direct_with_its_bookkeeping(self):
        start = datetime(2026, 4, 1, 0, 0)
        points = self.series(start, [1.0, 2.0, 3.0, None])
        direct = []
        original = type(self.Reading)._ingest_direct

        def spy(model, buffer):
            result = original(model, buffer)
            direct.append(result)
            return result

        self.patch(type(self.Reading), "_ingest_direct", spy)
        result = self.ingest(self.energy, points)
        self.assertEqual(direct, [True])
        self.assertEqual((result.inserted, result.duplicates, result.unknown), (4, 0, 0))
        self.assertEqual(self.queue(), [(self.energy.id, start, start + timedelta(minutes=45))])
        # the invalid last row does not move the last value
        self.assertEqual((self.energy.last_value, self.energy.date_last), (3.0, points[2][0]))
        self.assertEqual(self.meter.date_last_reading, points[2][0])
        raw = self.Reading._read_raw(self.energy)
        self.assertEqual(raw[-1][1:], (None, 1))

        # overlapping the store: the general path, nothing stored twice
        again = self.ingest(self.energy, points + self.series(start + timedelta(hours=1), [4.0]))
        self.assertEqual(direct, [True, False])
        self.assertEqual((again.inserted, again.duplicates), (1, 4))
        self.assertEqual(len(self.Reading._read_raw(self.energy)), 5)

        # a duplicate inside a new batch: the direct COPY fails, the general path keeps one
        later = self.series(start + timedelta(days=1), [10.0, 11.0])
        result = self.ingest(self.energy, later + later[:1])
        self.assertEqual(direct, [True, False, False])
        self.assertEqual((result.received, result.inserted, result.duplicates), (3, 2, 1))
        self.assertEqual(self.energy.last_value, 11.0)

        # an unknown channel: the general path skips its rows
        result = self.Reading._ingest(
            [(self.energy.id, start + timedelta(days=2), 20.0, 0), (999_999_999, start, 1.0, 0)]
        )
        self.assertEqual((result.inserted, result.unknown), (1, 1))
