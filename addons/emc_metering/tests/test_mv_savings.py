"""Savings per month against an approved baseline, adjustments, equivalents, refusals."""

from datetime import date

import numpy as np
from scipy import stats

from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .mv_common import BASELINE_END, BASELINE_START, DATA_END, REPORTING_START, MVCase


@tagged("post_install", "-at_install")
class TestSavings(MVCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.engineer = new_test_user(
            cls.env, login="mv_savings_engineer", groups="emc_project.group_emc_engineer"
        )
        cls.approved = cls.baseline(name="一号厂区 基准（已批准）")
        cls.approved.action_fit()
        cls.approved.action_approve()
        cls.approved.write(
            {"date_reporting_start": REPORTING_START, "date_reporting_end": DATA_END}
        )

    def adjust(self, day, kwh, reason, approve=None):
        adjustment = self.env["emc.mv.adjustment"].create(
            {"baseline_id": self.approved.id, "date": day, "amount_kwh": kwh, "reason": reason}
        )
        if approve == "approve":
            adjustment.with_user(self.engineer).action_approve()
        elif approve == "refuse":
            adjustment.with_user(self.engineer).action_refuse()
        return adjustment

    def predicted(self, baseline, temps):
        values = dict(
            zip(
                baseline.coefficient_ids.mapped("term"),
                baseline.coefficient_ids.mapped("value"),
                strict=True,
            )
        )
        return (
            values["intercept"]
            + values.get("hdd", 0.0) * np.maximum(baseline.heating_balance_point - temps, 0.0)
            + values.get("cdd", 0.0) * np.maximum(temps - baseline.cooling_balance_point, 0.0)
        )

    def test_savings_per_month_with_adjustments(self):
        baseline = self.approved
        self.adjust(
            date(2025, 3, 15), 500.0, "三月新增一条包装线，按铭牌功率与运行时间估算", "approve"
        )
        self.adjust(date(2025, 4, 10), 9999.0, "待核实的停产影响")  # not approved: ignored
        self.adjust(date(2025, 5, 5), -300.0, "被驳回的调整", "refuse")
        baseline.action_compute_savings()
        lines = baseline.savings_line_ids.sorted("date_start")
        self.assertEqual(
            lines.mapped("name"), ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
        )
        self.assertEqual(lines.mapped("days"), [31, 28, 31, 30, 31, 30])
        self.assertEqual(lines.mapped("days_used"), [31, 28, 31, 30, 31, 30])
        self.assertTrue(all(lines.mapped("complete")))
        self.assertEqual(lines.mapped("non_routine_kwh"), [0.0, 0.0, 500.0, 0.0, 0.0, 0.0])

        # independent: the model's coefficients on each day's temperature
        temps = self.temps
        price = self.site.electricity_price
        model = baseline
        inside = self.mask(BASELINE_START, BASELINE_END)
        residuals = self.kwh[inside] - self.predicted(model, temps[inside])
        centred = residuals - residuals.mean()
        rho = max((centred[1:] * centred[:-1]).sum() / (centred @ centred), 0.0)
        n, p = 731, 3
        n_prime = n * (1 - rho) / (1 + rho)
        t = stats.t.ppf(0.95, n - p)
        cv = model.cv_rmse / 100.0
        totals = {"baseline": 0.0, "actual": 0.0}
        for line in lines:
            days = self.mask(line.date_start, line.date_end)
            expected_baseline = self.predicted(model, temps[days]).sum()
            actual = self.kwh[days].sum()
            savings = expected_baseline - actual + line.non_routine_kwh
            totals["baseline"] += expected_baseline
            totals["actual"] += actual
            self.assertAlmostEqual(line.adjusted_baseline_kwh, expected_baseline, delta=0.051)
            self.assertAlmostEqual(line.actual_kwh, actual, delta=0.051)
            self.assertAlmostEqual(line.savings_kwh, savings, delta=0.051)
            self.assertAlmostEqual(line.savings_tce, savings * 0.1229 / 1000, delta=0.0006)
            self.assertAlmostEqual(line.savings_tco2, savings / 1000 * 0.5366, delta=0.0006)
            self.assertAlmostEqual(line.savings_amount, savings * price, delta=0.006)
            self.assertEqual(line.price_per_kwh, round(price, 4))
            fraction = savings / expected_baseline
            uncertainty = (
                t * cv * np.sqrt((n / n_prime) * (1 + 2 / n_prime) / line.days_used) / fraction
            )
            self.assertAlmostEqual(line.uncertainty, 100 * uncertainty, delta=0.051)
            # about 15 % saved every month (generated so), measured within the noise
            self.assertAlmostEqual(
                fraction, 0.15 + line.non_routine_kwh / expected_baseline, delta=0.03
            )
        total_savings = totals["baseline"] - totals["actual"] + 500.0
        self.assertAlmostEqual(baseline.savings_kwh, total_savings, delta=0.5)
        self.assertAlmostEqual(baseline.non_routine_kwh, 500.0, places=3)
        self.assertAlmostEqual(
            baseline.savings_fraction, 100 * total_savings / totals["baseline"], delta=0.005
        )
        fsu = (
            t
            * cv
            * np.sqrt((n / n_prime) * (1 + 2 / n_prime) / 181)
            / (total_savings / totals["baseline"])
        )
        self.assertAlmostEqual(baseline.savings_uncertainty, 100 * fsu, delta=0.05)
        self.assertTrue(baseline.savings_complete)
        # monitoring against the project's target, pro rata of the 181 days measured
        self.assertEqual(baseline.measured_days, 181)
        # (kWh figures are kept to the kWh, percentages to 0.1)
        self.assertAlmostEqual(baseline.target_to_date_kwh, 100_000 * 181 / 365, delta=0.5)
        self.assertAlmostEqual(
            baseline.target_achievement,
            100 * baseline.savings_kwh / (100_000 * 181 / 365),
            delta=0.05,
        )
        self.assertAlmostEqual(
            self.project.mv_savings_kwh, sum(lines.mapped("savings_kwh")), delta=0.5
        )
        self.assertEqual(self.project.mv_measured_days, 181)
        self.assertAlmostEqual(self.project.mv_target_to_date_kwh, 100_000 * 181 / 365, delta=0.5)

        # computing again replaces the lines, and takes a new approval into account
        self.adjust(date(2025, 6, 1), -1000.0, "六月一个车间停产检修", "approve")
        baseline.action_compute_savings()
        self.assertEqual(len(baseline.savings_line_ids), 6)
        self.assertEqual(
            baseline.savings_line_ids.sorted("date_start").mapped("non_routine_kwh"),
            [0.0, 0.0, 500.0, 0.0, 0.0, -1000.0],
        )

    def test_monthly_baseline_savings(self):
        baseline = self.baseline(name="月度基准", granularity="monthly")
        baseline.action_fit()
        baseline.action_approve()
        baseline.write({"date_reporting_start": REPORTING_START, "date_reporting_end": DATA_END})
        baseline.action_compute_savings()
        lines = baseline.savings_line_ids.sorted("date_start")
        self.assertEqual(len(lines), 6)
        model_values = dict(
            zip(
                baseline.coefficient_ids.mapped("term"),
                baseline.coefficient_ids.mapped("value"),
                strict=True,
            )
        )
        for line in lines:
            days = self.mask(line.date_start, line.date_end)
            t = self.temps[days]
            per_day = model_values["intercept"]
            if baseline.has_heating:
                per_day += (
                    model_values["hdd"] * np.maximum(baseline.heating_balance_point - t, 0).mean()
                )
            if baseline.has_cooling:
                per_day += (
                    model_values["cdd"] * np.maximum(t - baseline.cooling_balance_point, 0).mean()
                )
            self.assertAlmostEqual(line.adjusted_baseline_kwh, per_day * days.sum(), delta=0.051)
            self.assertAlmostEqual(line.actual_kwh, self.kwh[days].sum(), delta=0.051)
        with self.assertRaisesRegex(Exception, "must start on the first day of a month"):
            baseline.date_reporting_end = date(2025, 6, 15)

    def test_not_approved_or_no_period(self):
        draft = self.baseline(name="草稿基准")
        draft.action_fit()
        with self.assertRaises(UserError) as refused:
            draft.action_compute_savings()
        self.assertEqual(
            str(refused.exception),
            "Savings are measured against an approved baseline: approve baseline 草稿基准 first.",
        )
        draft.action_approve()
        with self.assertRaisesRegex(UserError, "Set the reporting period of baseline 草稿基准."):
            draft.action_compute_savings()

    def refusal(self, start, end):
        self.approved.write({"date_reporting_start": start, "date_reporting_end": end})
        with self.assertRaises(UserError) as refused:
            self.approved.action_compute_savings()
        self.assertFalse(self.approved.savings_line_ids)
        return str(refused.exception).splitlines()

    def test_too_many_missing_days(self):
        # the readings end on 30 June
        self.assertEqual(
            self.refusal(date(2025, 6, 1), date(2025, 7, 31)),
            [
                "The savings of baseline 一号厂区 基准（已批准） cannot be computed:",
                "31 of the 61 days of the reporting period 2025-06-01 to 2025-07-31 (50.8 %) "
                "have no usable consumption and temperature data; at most 10.0 % may be missing. "
                "Check the meters' gaps and the weather data of the period.",
            ],
        )

    def test_too_few_days(self):
        self.assertEqual(
            self.refusal(date(2025, 6, 10), date(2025, 6, 30))[1:],
            [
                "The reporting period 2025-06-10 to 2025-06-30 has usable consumption and "
                "temperature data on 21 days; savings need at least 28."
            ],
        )

    def test_temperature_coverage(self):
        self.env["emc.weather.temperature"].search(
            [
                ("station_id", "=", self.station.id),
                ("date", ">=", date(2025, 2, 1)),
                ("date", "<=", date(2025, 2, 28)),
            ]
        ).unlink()
        self.assertEqual(
            self.refusal(REPORTING_START, DATA_END)[1:],
            [
                "28 of the 181 days with metered usage (15.5 %) have no outdoor temperature, "
                "between 2025-02-01 and 2025-02-28; import the weather data of these days.",
                "28 of the 181 days of the reporting period 2025-01-01 to 2025-06-30 (15.5 %) "
                "have no usable consumption and temperature data; at most 10.0 % may be missing. "
                "Check the meters' gaps and the weather data of the period.",
            ],
        )

    def test_refusal_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang("zh_CN")
        self.env["emc.weather.temperature"].search(
            [
                ("station_id", "=", self.station.id),
                ("date", ">=", date(2025, 2, 1)),
                ("date", "<=", date(2025, 2, 28)),
            ]
        ).unlink()
        self.approved.write(
            {"date_reporting_start": REPORTING_START, "date_reporting_end": DATA_END}
        )
        with self.assertRaises(UserError) as refused:
            self.approved.with_context(lang="zh_CN").action_compute_savings()
        self.assertIn("有计量能耗的 181 天中有 28 天", str(refused.exception))

    def test_adjustment_rules(self):
        reader = new_test_user(self.env, login="mv_adj_reader", groups="emc_project.group_emc_user")
        adjustment = self.adjust(date(2025, 3, 1), 100.0, "测试")
        with self.assertRaisesRegex(Exception, "Only an energy engineer approves"):
            adjustment.with_user(reader).action_approve()
        adjustment.with_user(self.engineer).action_approve()
        self.assertEqual(adjustment.approver_id, self.engineer)
        with self.assertRaisesRegex(UserError, "reset it to approval before changing it"):
            adjustment.amount_kwh = 200.0
        with self.assertRaisesRegex(UserError, "Only adjustments waiting for approval"):
            adjustment.with_user(self.engineer).action_approve()
