"""Demo readings: generated load profiles written through the ingestion path.

Called by ``demo/emc_metering_demo.xml`` at install. The numbers come from
:mod:`..lib.load_profile` (deterministic seeds), ending at the last local
midnight, so that a fresh demo database always shows the latest year.
"""

import logging
import time as timer
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models

from ..lib import load_profile

_logger = logging.getLogger(__name__)


class EmcMeter(models.Model):
    _inherit = "emc.meter"

    @api.model
    def _demo_load_readings(self, station_id, specs, baseline=None):
        """Generate the demo temperatures, readings and (optionally) a baseline.

        ``specs``: ``[(meter id, load kind, annual kWh, years, saving)]``: that
        many years of 15-minute readings of the meter's consumption channel,
        with the ``saving`` fraction from the start of the last year on (a
        retrofit) when the meter has more than one. The weather station gets
        the daily temperatures of the longest span. ``baseline``: values of
        an ``emc.mv.baseline`` over the first year of the first meter with
        several years, fitted and approved when its model passes.
        """
        started = timer.monotonic()
        station = self.env["emc.weather.station"].browse(station_id)
        tz = pytz.timezone(station.company_id.partner_id.tz or "Asia/Shanghai")
        end_day = datetime.now(tz).date()
        years = max(spec[3] for spec in specs)
        first_day = end_day - timedelta(days=365 * years)
        temperatures = load_profile.daily_temperatures(first_day, 365 * years)
        self._demo_temperatures(station, first_day, temperatures)
        rows = []
        for seed, (meter_id, kind, annual_kwh, meter_years, saving) in enumerate(specs, 1):
            meter = self.browse(meter_id)
            meter_first = end_day - timedelta(days=365 * meter_years)
            offset = (meter_first - first_day).days
            energy = load_profile.interval_consumption(
                meter_first,
                temperatures[offset:],
                annual_kwh,
                kind=kind,
                interval_minutes=meter.poll_interval,
                saving=saving,
                saving_from=end_day - timedelta(days=365) if meter_years > 1 else None,
                seed=seed,
            )
            register = load_profile.cumulative_register(energy, start_value=1000.0 * seed)
            start = tz.localize(datetime.combine(meter_first, time.min)).astimezone(pytz.utc)
            start = start.replace(tzinfo=None)
            step = timedelta(minutes=meter.poll_interval)
            channel_id = meter.main_channel_id.id
            rows.append((channel_id, start, 1000.0 * seed, 0))
            rows.extend(
                (channel_id, start + step * (i + 1), float(value), 0)
                for i, value in enumerate(register)
            )
        Reading = self.env["emc.meter.reading"]
        result = Reading._ingest(rows)
        Reading._refresh_rollups(wait=True)
        _logger.info(
            "demo readings: %s received, %s stored in %.1f s",
            result.received,
            result.inserted,
            timer.monotonic() - started,
        )
        if baseline:
            self._demo_baseline(station, specs, end_day, baseline)

    @api.model
    def _demo_temperatures(self, station, first_day, temperatures):
        Temperature = self.env["emc.weather.temperature"]
        known = set(Temperature.search([("station_id", "=", station.id)]).mapped("date"))
        Temperature.create(
            [
                {
                    "station_id": station.id,
                    "date": first_day + timedelta(days=i),
                    "temperature": float(t),
                }
                for i, t in enumerate(temperatures)
                if first_day + timedelta(days=i) not in known
            ]
        )

    @api.model
    def _demo_baseline(self, station, specs, end_day, values):
        spec = next((s for s in specs if s[3] > 1), None)
        if not spec:
            return
        meter = self.browse(spec[0])
        Baseline = self.env["emc.mv.baseline"]
        if Baseline.search_count([("meter_ids", "in", meter.ids)]):
            return
        first_day = end_day - timedelta(days=365 * spec[3])
        baseline = Baseline.create(
            dict(
                values,
                site_id=meter.site_id.id,
                project_id=meter.project_id.id,
                meter_ids=[fields.Command.set(meter.ids)],
                station_id=station.id,
                granularity="daily",
                date_baseline_start=first_day,
                date_baseline_end=first_day + timedelta(days=364),
            )
        )
        # Fitting and approving are an energy engineer's acts: the demo engineer does them.
        engineer = self.env.ref("emc_project.user_emc_engineer", raise_if_not_found=False)
        if not engineer:
            return
        baseline = baseline.with_user(engineer).with_company(meter.company_id)
        baseline.action_fit()
        if baseline.state == "fitted":
            baseline.action_approve()
        else:
            _logger.warning("demo baseline %s not fit: %s", baseline.name, baseline.fit_reasons)
