"""Baselines fitted from ingested readings match statsmodels; refusals name their reasons."""

from datetime import date, timedelta

import numpy as np
from statsmodels.regression.linear_model import OLS, WLS

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .. import mv
from .mv_common import BASELINE_END, BASELINE_START, MVCase

RTOL = 1e-6


def hdd(temps, base):
    return np.maximum(base - temps, 0.0)


def cdd(temps, base):
    return np.maximum(temps - base, 0.0)


def guideline14(actual, residuals, p):
    """CV(RMSE) and NMBE in % with Guideline 14's n - p denominators."""
    n, mean = actual.size, actual.mean()
    return (
        100 * np.sqrt((residuals**2).sum() / (n - p)) / mean,
        100 * residuals.sum() / ((n - p) * mean),
    )


@tagged("post_install", "-at_install")
class TestBaselineFit(MVCase):
    def assert_matches(self, baseline, ref, actual_totals, residual_totals):
        """The stored model and statistics equal the statsmodels fit ``ref``."""
        coefficients = baseline.coefficient_ids.sorted("sequence")
        np.testing.assert_allclose(coefficients.mapped("value"), ref.params, rtol=RTOL)
        np.testing.assert_allclose(coefficients.mapped("std_error"), ref.bse, rtol=RTOL)
        np.testing.assert_allclose(coefficients.mapped("t_stat"), ref.tvalues, rtol=RTOL)
        for ours, theirs in zip(coefficients.mapped("p_value"), ref.pvalues, strict=True):
            if theirs > 1e-250:
                self.assertAlmostEqual(ours / theirs, 1.0, delta=RTOL)
            else:
                self.assertLess(ours, 1e-250)
        self.assertEqual(baseline.n_observations, ref.nobs)
        self.assertEqual(baseline.n_parameters, len(ref.params))
        np.testing.assert_allclose(baseline.r_squared, ref.rsquared, rtol=RTOL)
        np.testing.assert_allclose(baseline.adj_r_squared, ref.rsquared_adj, rtol=RTOL)
        cv, nmbe = guideline14(actual_totals, residual_totals, len(ref.params))
        np.testing.assert_allclose(baseline.cv_rmse, cv, rtol=RTOL)
        np.testing.assert_allclose(baseline.nmbe, nmbe, rtol=RTOL, atol=1e-9)
        model = mv.BaselineModel.from_dict(baseline.model_data)
        np.testing.assert_allclose([c.value for c in model.coefficients], ref.params, rtol=RTOL)
        np.testing.assert_allclose(np.array(model.covariance), ref.cov_params(), rtol=RTOL)

    def test_daily_fit_matches_statsmodels(self):
        baseline = self.baseline()
        baseline.action_fit()
        self.assertEqual((baseline.fit_status, baseline.state), ("fit", "fitted"))
        self.assertFalse(baseline.fit_reasons)
        self.assertEqual(baseline.model_type, "heating_cooling")
        self.assertEqual(
            baseline.coefficient_ids.sorted("sequence").mapped("term"), ["intercept", "hdd", "cdd"]
        )
        self.assertEqual(baseline.n_observations, 731)
        self.assertEqual(baseline.usable_days, 731)
        self.assertTrue(baseline.g14_passed)
        self.assertEqual((baseline.g14_max_cv_rmse, baseline.g14_max_nmbe), (30.0, 10.0))
        # generated at 14.3 °C and 22.6 °C: the 1 °C grid finds the neighbours
        self.assertLessEqual(abs(baseline.heating_balance_point - 14.3), 1.0)
        self.assertLessEqual(abs(baseline.cooling_balance_point - 22.6), 1.0)

        inside = self.mask(BASELINE_START, BASELINE_END)
        temps, y = self.temps[inside], self.kwh[inside]
        x = np.column_stack(
            [
                np.ones(y.size),
                hdd(temps, baseline.heating_balance_point),
                cdd(temps, baseline.cooling_balance_point),
            ]
        )
        ref = OLS(y, x).fit()
        self.assert_matches(baseline, ref, y, ref.resid)
        # the generating coefficients, within the noise and the grid's shift
        values = dict(
            zip(
                baseline.coefficient_ids.mapped("term"),
                baseline.coefficient_ids.mapped("value"),
                strict=True,
            )
        )
        self.assertAlmostEqual(values["intercept"], 1200, delta=40)
        self.assertAlmostEqual(values["hdd"], 40, delta=4)
        self.assertAlmostEqual(values["cdd"], 60, delta=6)

        # every candidate type was tried; the chosen one is marked
        candidates = {c.model_type: c for c in baseline.candidate_ids}
        self.assertEqual(
            set(candidates), {"intercept_only", "heating", "cooling", "heating_cooling"}
        )
        self.assertTrue(candidates["heating_cooling"].selected)
        self.assertAlmostEqual(
            candidates["heating_cooling"].best_adj_r_squared, ref.rsquared_adj, places=9
        )
        self.assertIn(
            "Baseline fitted: Heating and cooling model, n = 731", baseline.message_ids[0].body
        )

    def test_grid_options_and_brute_force(self):
        """A custom grid is searched whole: the choice is the best qualified OLS over it."""
        baseline = self.baseline(
            bp_heating_min=12.0,
            bp_heating_max=16.0,
            bp_cooling_min=21.0,
            bp_cooling_max=24.0,
            bp_step=0.5,
        )
        baseline.action_fit()
        inside = self.mask(BASELINE_START, BASELINE_END)
        temps, y = self.temps[inside], self.kwh[inside]
        critical = mv.t_critical(0.9, y.size - 3)
        best = (-np.inf, None)
        for h in np.arange(12.0, 16.01, 0.5):
            for c in np.arange(21.0, 24.01, 0.5):
                fit = OLS(y, np.column_stack([np.ones(y.size), hdd(temps, h), cdd(temps, c)])).fit()
                ok = fit.params[0] > 0 and all(
                    fit.params[j] > 0 and fit.tvalues[j] > critical for j in (1, 2)
                )
                if ok and fit.rsquared_adj > best[0]:
                    best = (fit.rsquared_adj, (h, c))
        self.assertEqual((baseline.heating_balance_point, baseline.cooling_balance_point), best[1])
        self.assertEqual(
            baseline.candidate_ids.filtered(lambda c: c.model_type == "heating_cooling").evaluated,
            9 * 7,
        )

    def test_monthly_fit_matches_statsmodels_wls(self):
        baseline = self.baseline(granularity="monthly")
        baseline.action_fit()
        self.assertEqual(baseline.fit_status, "fit")
        self.assertEqual(baseline.n_observations, 24)
        self.assertEqual((baseline.g14_max_cv_rmse, baseline.g14_max_nmbe), (15.0, 5.0))
        # usage per day of each calendar month, weighted by its days; degree days averaged
        # over the month's days, built here with a plain loop
        months = sorted({(d.year, d.month) for d in self.days if d <= BASELINE_END})
        totals, days, rows = [], [], []
        for year, month in months:
            index = [i for i, d in enumerate(self.days) if (d.year, d.month) == (year, month)]
            t = self.temps[index]
            totals.append(self.kwh[index].sum())
            days.append(len(index))
            row = [1.0]
            if baseline.has_heating:
                row.append(hdd(t, baseline.heating_balance_point).mean())
            if baseline.has_cooling:
                row.append(cdd(t, baseline.cooling_balance_point).mean())
            rows.append(row)
        totals, days = np.array(totals), np.array(days, dtype=float)
        ref = WLS(totals / days, np.array(rows), weights=days).fit()
        self.assert_matches(baseline, ref, totals, totals - ref.fittedvalues * days)

    def test_insufficient_data_refused_with_its_reason(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        short = self.baseline(date_baseline_start=date(2024, 6, 1))
        short.action_fit()
        self.assertEqual((short.fit_status, short.state), ("insufficient_data", "draft"))
        self.assertFalse(short.model_data)
        self.assertFalse(short.coefficient_ids)
        self.assertEqual(
            short.fit_reasons, "The baseline covers 214 days; at least 365 days are required."
        )
        # in the reader's language, from the same stored reason
        self.assertEqual(
            short.with_context(lang="zh_CN").fit_reasons, "基准期只覆盖 214 天，至少需要 365 天。"
        )
        with self.assertRaisesRegex(UserError, "is not fitted: fit it, and approve it once"):
            short.action_approve()
        with self.assertRaisesRegex(UserError, "has no accepted model yet: fit it first"):
            short.action_forecast()

    def test_temperature_coverage_refused(self):
        gap = self.env["emc.weather.temperature"].search(
            [
                ("station_id", "=", self.station.id),
                ("date", ">=", date(2024, 3, 1)),
                ("date", "<=", date(2024, 5, 19)),
            ]
        )
        self.assertEqual(len(gap), 80)
        gap.unlink()
        baseline = self.baseline()
        baseline.action_fit()
        self.assertEqual(baseline.fit_status, "insufficient_data")
        self.assertEqual(
            baseline.fit_reasons.splitlines(),
            [
                "80 of the 731 days with metered usage (10.9 %) have no outdoor temperature, "
                "between 2024-03-01 and 2024-05-19; import the weather data of these days.",
                "80 of the 731 baseline days (10.9 %) have no usable usage and temperature "
                "data; at most 10.0 % may be missing.",
            ],
        )

    def test_boundary_missing_meter_days(self):
        """A day counts when every boundary meter has it: a second meter read from 2024 only."""
        second = self.env["emc.meter"].create(
            {
                "name": "空调支路",
                "code": "M-0002",
                "site_id": self.site.id,
                "device_model_id": self.dtsu666.id,
                "poll_interval": 60,
                "mv_role": "sub",
            }
        )
        start = date(2024, 1, 1)
        days = [start + timedelta(days=i) for i in range(366)]
        self.ingest_days(second.main_channel_id, days, [100.0] * len(days))
        baseline = self.baseline(option="B", meter_ids=[(6, 0, (self.meter | second).ids)])
        by_day = baseline._consumption_by_day(date(2023, 12, 30), date(2024, 1, 3))
        index = {d: i for i, d in enumerate(self.days)}
        self.assertEqual(sorted(by_day), [date(2024, 1, 1), date(2024, 1, 2)])
        self.assertAlmostEqual(
            by_day[date(2024, 1, 1)], self.kwh[index[date(2024, 1, 1)]] + 100.0, places=6
        )
        baseline.action_fit()
        self.assertEqual(baseline.fit_status, "insufficient_data")
        self.assertIn(
            "365 of the 731 baseline days (49.9 %) have no usable usage", baseline.fit_reasons
        )

    def test_collinear_production_is_unfit(self):
        baseline = self.baseline(use_production=True, production_unit="t")
        self.env["emc.mv.production"].create(
            [
                {"baseline_id": baseline.id, "date": d, "quantity": 500.0}
                for d in self.days
                if d <= BASELINE_END
            ]
        )
        baseline.action_fit()
        self.assertEqual((baseline.fit_status, baseline.state), ("unfit", "draft"))
        self.assertEqual(
            baseline.fit_reasons,
            "No candidate model has positive and significant coefficients; the baseline cannot "
            "be modelled with these data.",
        )
        self.assertEqual(
            set(baseline.candidate_ids.mapped("rejection_text")),
            {"The regression is singular: its variables are collinear."},
        )

    def test_boundary_rules(self):
        other_site = self.env["emc.site"].create({"name": "二号厂区", "partner_id": self.client.id})
        other = self.env["emc.meter"].create(
            {
                "name": "二号总表",
                "code": "M-0100",
                "site_id": other_site.id,
                "device_model_id": self.dtsu666.id,
            }
        )
        with self.assertRaisesRegex(ValidationError, "is at another site"):
            self.baseline(meter_ids=[(6, 0, (self.meter | other).ids)])
        sub = self.env["emc.meter"].create(
            {
                "name": "照明支路",
                "code": "M-0003",
                "site_id": self.site.id,
                "device_model_id": self.dtsu666.id,
                "mv_role": "sub",
            }
        )
        with self.assertRaisesRegex(ValidationError, "Choose Option B"):
            self.baseline(meter_ids=[(6, 0, sub.ids)])
        self.assertEqual(self.site._mv_main_meters(), self.meter)
        with self.assertRaisesRegex(ValidationError, "must start on the first day of a month"):
            self.baseline(granularity="monthly", date_baseline_start=date(2023, 1, 2))
        with self.assertRaisesRegex(ValidationError, "more than 200 points"):
            self.baseline(bp_step=0.1, bp_heating_min=-10.0, bp_heating_max=30.0)

    def test_production_by_period(self):
        baseline = self.baseline(use_production=True, production_unit="t")
        self.env["emc.mv.production"].create(
            [
                {"baseline_id": baseline.id, "date": date(2024, 1, 1), "quantity": 10.0},
                {"baseline_id": baseline.id, "date": date(2024, 1, 31), "quantity": 2.5},
                {"baseline_id": baseline.id, "date": date(2024, 3, 1), "quantity": 7.0},
            ]
        )
        starts = [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]
        ends = [date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)]
        np.testing.assert_array_equal(
            baseline._production_by_period(starts, ends), [12.5, np.nan, 7.0]
        )
        usage = baseline._usage_data(date(2024, 1, 1), date(2024, 1, 4))
        np.testing.assert_array_equal(usage.production, [10.0, np.nan, np.nan])
        action = baseline.action_view_production()
        self.assertEqual(action["context"], {"default_baseline_id": baseline.id})
        self.assertEqual(
            self.env["emc.mv.production"].search(action["domain"]).mapped("quantity"),
            [10.0, 2.5, 7.0],
        )

    def test_form_option_c_takes_the_main_meters(self):
        self.env["emc.meter"].create(
            {
                "name": "空调支路",
                "code": "M-0004",
                "site_id": self.site.id,
                "device_model_id": self.dtsu666.id,
                "mv_role": "sub",
            }
        )
        form = Form(self.env["emc.mv.baseline"])
        form.name = "表单基准"
        form.site_id = self.site
        form.station_id = self.station
        form.date_baseline_start = BASELINE_START
        form.date_baseline_end = BASELINE_END
        self.assertEqual(form.option, "C")
        self.assertEqual(form.meter_ids[:], self.meter)
        baseline = form.save()
        self.assertEqual(baseline.meter_ids, self.meter)
        self.assertEqual(baseline.company_id, self.site.company_id)
        self.assertEqual(baseline.partner_id, self.client)


@tagged("post_install", "-at_install")
class TestBaselineApproval(MVCase):
    def test_states(self):
        baseline = self.baseline()
        with self.assertRaisesRegex(UserError, "is not fitted"):
            baseline.action_approve()
        baseline.action_fit()
        self.assertEqual(baseline.state, "fitted")
        # changing the data sends it back to draft: it must be fitted again
        baseline.date_baseline_start = date(2023, 1, 2)
        self.assertEqual(baseline.state, "draft")
        baseline.date_baseline_start = BASELINE_START
        baseline.action_fit()
        baseline.action_approve()
        self.assertEqual(baseline.state, "approved")
        self.assertEqual(baseline.approved_by_id, self.env.user)
        with self.assertRaises(UserError) as refused:
            baseline.action_fit()
        self.assertEqual(
            str(refused.exception),
            f"Baseline {baseline.name} is approved and the savings are measured against it: it "
            "cannot be refitted. Duplicate it to fit a new baseline.",
        )
        with self.assertRaisesRegex(UserError, "are frozen"):
            baseline.station_id = self.env["emc.weather.station"].create(
                {"name": "别站", "code": "X1"}
            )
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            baseline.unlink()
        copy = baseline.copy()
        self.assertEqual((copy.state, copy.fit_status), ("draft", False))
        self.assertFalse(copy.model_data)
        baseline.action_reset_draft()
        self.assertEqual(baseline.state, "draft")

    def test_only_engineers_fit_and_approve(self):
        reader = new_test_user(self.env, login="mv_reader", groups="emc_project.group_emc_user")
        baseline = self.baseline()
        with self.assertRaisesRegex(AccessError, "Only an energy engineer"):
            baseline.with_user(reader).action_fit()
        engineer = new_test_user(
            self.env, login="mv_engineer", groups="emc_project.group_emc_engineer"
        )
        baseline.with_user(engineer).action_fit()
        baseline.with_user(engineer).action_approve()
        self.assertEqual(baseline.approved_by_id, engineer)
        # a reader sees the baseline and its figures, changes nothing
        self.assertEqual(baseline.with_user(reader).fit_status, "fit")
        with self.assertRaises(AccessError):
            baseline.with_user(reader).name = "x"
