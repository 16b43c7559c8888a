import shutil
import subprocess
import tempfile
import unittest

from odoo.tests import tagged

from .common import EmcProjectCase


@tagged("post_install", "-at_install")
class TestAcceptanceReport(EmcProjectCase):
    def _acceptance(self):
        self.env["emc.acceptance.criterion"].create(
            [
                {
                    "project_id": self.project.id,
                    "name": "节电率",
                    "target": "≥ 25%",
                    "method": "改造前后对比",
                },
                {
                    "project_id": self.project.id,
                    "name": "照度",
                    "target": "≥ 300 lx",
                    "method": "照度计实测",
                },
            ]
        )
        acceptance = self.env["emc.acceptance"].create(
            {"project_id": self.project.id, "conclusion": "各项指标均达到合同约定，验收合格。"}
        )
        acceptance.line_ids[0].write({"actual": "28.6%", "passed": True})
        acceptance.line_ids[1].write({"actual": "320 lx", "passed": True})
        acceptance.write({"client_signatory": "张三", "esco_signatory": "李四"})
        acceptance.action_sign()
        return acceptance

    def test_html_in_chinese(self):
        acceptance = self._acceptance()
        report = self.env.ref("emc_project.action_report_emc_acceptance")
        html = (
            report.with_context(lang="zh_CN")
            ._render_qweb_html(report.report_name, acceptance.ids)[0]
            .decode()
        )
        self.assertIn("节电率", html)
        self.assertIn("张三", html)
        self.assertIn("验收", html)  # translated labels, not only data

    @unittest.skipUnless(
        shutil.which("wkhtmltopdf") and shutil.which("pdffonts"), "needs wkhtmltopdf"
    )
    def test_pdf_renders_chinese_glyphs(self):
        acceptance = self._acceptance()
        report = self.env.ref("emc_project.action_report_emc_acceptance")
        pdf, kind = report.with_context(force_report_rendering=True, lang="zh_CN")._render_qweb_pdf(
            report.report_name, acceptance.ids
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
            tmp.write(pdf)
            tmp.flush()
            fonts = subprocess.run(
                ["pdffonts", tmp.name], capture_output=True, text=True, check=True
            )
            text = subprocess.run(
                ["pdftotext", "-layout", tmp.name, "-"], capture_output=True, text=True, check=True
            )
        # A CJK font is embedded, so the glyphs are drawn, not boxes.
        self.assertRegex(fonts.stdout, r"(?i)cjk|noto.*(sc|jp|cn)|wenquanyi|droid")
        self.assertIn("节电率", text.stdout)
        self.assertIn("张三", text.stdout)
