import io
import shutil
import subprocess
import tempfile
import unicodedata
import unittest

from PIL import Image
from werkzeug.urls import url_quote_plus

from odoo.tests import HttpCase, tagged

# Side of the QR code the report asks the barcode route for, in pixels.
QR_SIZE = 180


@tagged("post_install", "-at_install")
class TestWorkorderReport(HttpCase):
    """The work-order PDF, its QR code drawn by Odoo's report barcode route."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("en_US")
        partner = cls.env["res.partner"].create(
            {"name": "报表测试企业", "is_company": True, "lang": "en_US"}
        )
        cls.order = cls.env["emc.workorder"].create(
            {
                "partner_id": partner.id,
                "contact_name": "赵六",
                "description": "配电房变压器温度过高，请安排检修",
            }
        )
        cls.report = cls.env.ref("emc_workorder.action_report_emc_workorder")

    def _page_url(self):
        return self.order.get_base_url() + self.order.get_portal_url()

    def test_barcode_route_draws_the_qr(self):
        value = url_quote_plus(self._page_url())
        res = self.url_open(
            f"/report/barcode/?barcode_type=QR&value={value}&width={QR_SIZE}&height={QR_SIZE}"
        )
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers["Content-Type"], "image/png")
        self.assertEqual(Image.open(io.BytesIO(res.content)).size, (QR_SIZE, QR_SIZE))

    @unittest.skipUnless(
        shutil.which("wkhtmltopdf") and shutil.which("pdfimages"), "needs wkhtmltopdf, poppler"
    )
    def test_pdf_carries_the_qr_and_the_order(self):
        pdf, kind = self.report.with_context(force_report_rendering=True)._render_qweb_pdf(
            self.report.report_name, self.order.ids
        )
        self.assertEqual(kind, "pdf")
        with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
            tmp.write(pdf)
            tmp.flush()
            images = subprocess.run(
                ["pdfimages", "-list", tmp.name], capture_output=True, text=True, check=True
            ).stdout
            text = subprocess.run(
                ["pdftotext", "-layout", tmp.name, "-"], capture_output=True, text=True, check=True
            ).stdout
        # CJK fonts map some glyphs to compatibility code points (⾼ for 高).
        text = unicodedata.normalize("NFKC", text)
        # pdfimages -list: page num type width height color comp bpc ...
        sizes = [tuple(line.split()[3:5]) for line in images.splitlines()[2:]]
        self.assertIn((str(QR_SIZE), str(QR_SIZE)), sizes, images)
        self.assertIn(f"Work order {self.order.name}", text)
        self.assertIn("Scan to follow this order", text)
        self.assertIn("配电房变压器温度过高", text)

    @unittest.skipUnless(shutil.which("wkhtmltopdf"), "needs wkhtmltopdf, poppler")
    def test_history_in_the_readers_language(self):
        """The PDF's history names events and stages, never their codes."""
        self.env["res.lang"]._activate_lang("zh_CN")
        self.order.partner_id.lang = "zh_CN"
        self.order.action_cancel("客户撤回申请")
        pdf, _kind = self.report.with_context(force_report_rendering=True)._render_qweb_pdf(
            self.report.report_name, self.order.ids
        )
        with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
            tmp.write(pdf)
            tmp.flush()
            text = subprocess.run(
                ["pdftotext", "-layout", tmp.name, "-"], capture_output=True, text=True, check=True
            ).stdout
        text = unicodedata.normalize("NFKC", text)
        for label in ("已创建", "需求录入", "已撤销"):
            self.assertIn(label, text)
        for code in ("intake", "cancelled", "created"):
            self.assertNotIn(code, text)
