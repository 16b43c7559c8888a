"""A known M&V dataset, ingested as hourly meter readings, for the baseline tests.

Daily mean temperatures follow a Bazhong-like seasonal cycle with noise;
the site's daily use is ``1200 + 40 · HDD(14.3) + 60 · CDD(22.6) + noise``
kWh during the baseline (2023-2024) and 15 % less during the reporting
period (2025). Values are rounded to what the database keeps (0.001 kWh,
0.01 °C), so that the references computed here from the generated numbers
are the figures the models read back from the rollups. Each day's use is
spread evenly over its 24 local hours and written as an hourly cumulative
register (poll interval 60 minutes) through ``emc.meter.reading._ingest``.
"""

from datetime import date, datetime, timedelta

import numpy as np

from .common import MeteringCase

BASELINE_START = date(2023, 1, 1)
BASELINE_END = date(2024, 12, 31)
REPORTING_START = date(2025, 1, 1)
DATA_END = date(2025, 6, 30)
SAVINGS_FRACTION = 0.15
SEED = 20250613


def generate(start=BASELINE_START, end=DATA_END, seed=SEED):
    """``(days, temperatures °C, kWh)`` of every day from ``start`` to ``end`` (included)."""
    rng = np.random.default_rng(seed)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    doy = np.array([d.timetuple().tm_yday for d in days], dtype=float)
    temps = 16.5 + 10.5 * np.sin(2 * np.pi * (doy - 105) / 365.25) + rng.normal(0, 2.5, len(days))
    temps = np.round(temps, 2)
    kwh = (
        1200.0
        + 40.0 * np.maximum(14.3 - temps, 0.0)
        + 60.0 * np.maximum(temps - 22.6, 0.0)
        + rng.normal(0, 50.0, len(days))
    )
    reporting = np.array([d >= REPORTING_START for d in days])
    kwh = np.where(reporting, kwh * (1 - SAVINGS_FRACTION), kwh)
    return days, temps, np.round(kwh, 3)


class MVCase(MeteringCase):
    """The MeteringCase site with an hourly-read main meter, a weather station and the dataset."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.meter.write({"poll_interval": 60})
        cls.company.write({"emc_tce_factor": 0.1229, "emc_grid_emission_factor": 0.5366})
        cls.days, cls.temps, cls.kwh = generate()
        cls.station = cls.env["emc.weather.station"].create(
            {"name": "巴中气象站", "code": "57313", "city": "巴中"}
        )
        cls.env["emc.weather.temperature"].create(
            [
                {"station_id": cls.station.id, "date": day, "temperature": float(t)}
                for day, t in zip(cls.days, cls.temps, strict=True)
            ]
        )
        cls.ingest_days(cls.energy, cls.days, cls.kwh)
        cls.project = cls.env["emc.project"].create(
            {
                "name": "一号厂区空调与照明节能改造",
                "partner_id": cls.client.id,
                "site_ids": [(6, 0, cls.site.ids)],
                "expected_saving_kwh": 100_000.0,
            }
        )
        cls.site_price = cls.site.electricity_price

    @classmethod
    def ingest_days(cls, channel, days, kwh, start_value=1000.0):
        """Hourly cumulative readings of ``kwh`` per local day (Asia/Shanghai, UTC+8)."""
        first = datetime.combine(days[0], datetime.min.time()) - timedelta(hours=8)
        hourly = np.repeat(np.asarray(kwh, dtype=float) / 24.0, 24)
        values = start_value + np.concatenate(([0.0], np.cumsum(hourly)))
        rows = [(channel.id, first + timedelta(hours=i), float(v), 0) for i, v in enumerate(values)]
        cls.env["emc.meter.reading"]._ingest(rows)

    @classmethod
    def baseline(cls, **values):
        vals = {
            "name": "一号厂区 2023-2024 基准",
            "project_id": cls.project.id,
            "site_id": cls.site.id,
            "option": "C",
            "meter_ids": [(6, 0, cls.meter.ids)],
            "station_id": cls.station.id,
            "granularity": "daily",
            "date_baseline_start": BASELINE_START,
            "date_baseline_end": BASELINE_END,
        }
        vals.update(values)
        return cls.env["emc.mv.baseline"].create(vals)

    def mask(self, start, end):
        """Indexes of the dataset's days ``start``..``end`` (included)."""
        return np.array([start <= d <= end for d in self.days])
