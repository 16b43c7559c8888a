from datetime import timedelta

from odoo.tests import TransactionCase


class MeteringCase(TransactionCase):
    """A client site with a DTSU666 meter on a Modbus TCP gateway, in the China time zone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # English messages whatever the database's language (translations are
        # tested with an explicit language).
        cls.env = cls.env(context=dict(cls.env.context, lang="en_US"))
        cls.env["res.lang"]._activate_lang("en_US")
        cls.company = cls.env.company
        cls.company.partner_id.tz = "Asia/Shanghai"
        cls.client = cls.env["res.partner"].create(
            {"name": "巴中市测试食品有限公司", "is_company": True}
        )
        cls.site = cls.env["emc.site"].create({"name": "一号厂区", "partner_id": cls.client.id})
        cls.gateway = cls.env["emc.meter.gateway"].create(
            {
                "name": "配电房 TCP",
                "code": "GW-T1",
                "transport": "tcp",
                "host": "127.0.0.1",
                "port": 5020,
            }
        )
        cls.dtsu666 = cls.env.ref("emc_metering.device_model_chint_dtsu666")
        cls.meter = cls.env["emc.meter"].create(
            {
                "name": "总进线",
                "code": "M-0001",
                "site_id": cls.site.id,
                "device_model_id": cls.dtsu666.id,
                "gateway_id": cls.gateway.id,
                "unit_id": 1,
                "poll_interval": 15,
            }
        )
        cls.energy = cls.meter.main_channel_id
        cls.Reading = cls.env["emc.meter.reading"]

    def channel(self, code, meter=None):
        return (meter or self.meter).channel_ids.filtered(lambda c: c.code == code)

    @staticmethod
    def series(start, values, minutes=15):
        """``[(ts, value)]`` every ``minutes`` from ``start`` (naive UTC)."""
        return [(start + timedelta(minutes=minutes * i), v) for i, v in enumerate(values)]

    def ingest(self, channel, points, quality=0):
        return self.Reading._ingest((channel.id, ts, value, quality) for ts, value in points)

    def hourly(self, channel):
        rows = self.env["emc.meter.rollup.hourly"].search(
            [("channel_id", "=", channel.id)], order="date"
        )
        return {r.date: r for r in rows}
