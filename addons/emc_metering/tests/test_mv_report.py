"""The M&V report: a Chinese PDF with the baseline-vs-actual chart, the model and the savings."""

import re
import shutil
import subprocess
import tempfile
import unicodedata
import unittest

from odoo.tests import tagged

from .mv_common import DATA_END, REPORTING_START, MVCase


@tagged("post_install", "-at_install")
class TestMVReport(MVCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.client.lang = "zh_CN"
        cls.approved = cls.baseline(name="一号厂区 2023-2024 年基准")
        cls.approved.action_fit()
        cls.approved.action_approve()
        cls.approved.write(
            {"date_reporting_start": REPORTING_START, "date_reporting_end": DATA_END}
        )
        cls.env["emc.mv.adjustment"].create(
            {
                "baseline_id": cls.approved.id,
                "date": REPORTING_START,
                "amount_kwh": 800.0,
                "reason": "一月新增冷库，按铭牌功率估算",
            }
        ).action_approve()
        cls.approved.action_compute_savings()
        cls.approved.action_forecast()
        cls.report = cls.env.ref("emc_metering.action_report_emc_mv_baseline")

    def test_chart_series(self):
        months, actual, baseline, reporting_start = self.approved._chart_series()
        self.assertEqual(len(months), 24 + 6)
        self.assertEqual(
            (months[0], months[23], months[24], months[-1]),
            ("2023-01", "2024-12", "2025-01", "2025-06"),
        )
        self.assertEqual(reporting_start, 24)
        january = self.mask(REPORTING_START, REPORTING_START.replace(day=31))
        self.assertAlmostEqual(actual[24], self.kwh[january].sum(), delta=0.051)
        line = self.approved.savings_line_ids.sorted("date_start")[0]
        self.assertEqual(baseline[24], line.adjusted_baseline_kwh)

    def test_html(self):
        html = self.report._render_qweb_html(self.report.report_name, self.approved.ids)[0].decode()
        self.assertIn("一号厂区 2023-2024 年基准", html)
        self.assertIn("巴中市测试食品有限公司", html)
        self.assertIn("一月新增冷库，按铭牌功率估算", html)
        # the chart, inline: 30 months of bars, the baseline line, the reporting rule
        charts = re.findall(r"<svg.*?</svg>", html, re.S)
        self.assertEqual(len(charts), 2)  # baseline vs actual, then the forecast
        svg = charts[0]
        self.assertEqual(svg.count('class="actual"'), 30)
        self.assertEqual(svg.count('class="baseline"'), 1)
        self.assertEqual(svg.count('class="reporting"'), 1)
        self.assertIn(f"{self.approved.cv_rmse:.2f}", html)
        self.assertEqual(charts[1].count('class="actual"'), 12)

    @unittest.skipUnless(
        shutil.which("wkhtmltopdf") and shutil.which("pdftotext") and shutil.which("pdftoppm"),
        "needs wkhtmltopdf, poppler",
    )
    def test_pdf(self):
        pdf, kind = self.report.with_context(force_report_rendering=True)._render_qweb_pdf(
            self.report.report_name, self.approved.ids
        )
        self.assertEqual(kind, "pdf")
        with tempfile.TemporaryDirectory() as folder:
            path = f"{folder}/mv.pdf"
            with open(path, "wb") as handle:
                handle.write(pdf)
            text = subprocess.run(
                ["pdftotext", "-layout", path, "-"], capture_output=True, text=True, check=True
            ).stdout
            subprocess.run(
                ["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", path, f"{folder}/page"],
                check=True,
            )
            with open(f"{folder}/page-1.png", "rb") as handle:
                png = handle.read()
        text = unicodedata.normalize("NFKC", text)
        for expected in (
            "一号厂区 2023-2024 年基准",
            "巴中市测试",  # the font draws 食 with the radical ⻝, which NFKC keeps
            "一号厂区",
            "巴中气象站",
            "一号厂区空调与照明节能改造",
            "一月新增冷库",
            "2025-01",
            f"{self.approved.date_forecast_start:%Y-%m}",  # the forecast's first month
            f"{self.approved.cv_rmse:.2f}",
        ):
            self.assertIn(expected, text)
        # in the client's language (zh_CN): dates as Chinese readers write them
        self.assertIn("2025年01月01日", text)
        # the chart's period labels are text of the PDF too
        self.assertIn("2023-01", text)
        self.assertTrue(png.startswith(b"\x89PNG"))
