import base64
import io

from PIL import Image

from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .common import PDF_MIN, WorkorderCase

HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
AMR = b"#!AMR\n" + b"\x3c" + b"\x00" * 31


def _jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), (10, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


@tagged("post_install", "-at_install")
class TestUploads(WorkorderCase):
    """Files enter the service desk by what their bytes are, from any side."""

    def _attachment(self, name, raw, mimetype="application/octet-stream"):
        return self.env["ir.attachment"].create({"name": name, "raw": raw, "mimetype": mimetype})

    def test_disguised_photo_refused_on_the_order(self):
        fake = self._attachment("site.jpg", HTML, "image/jpeg")
        with self.assertRaisesRegex(
            UserError, "^“site.jpg” was refused: its content is a web page \\(HTML\\)"
        ):
            self._order(attachment_ids=[Command.set(fake.ids)])
        order = self._order()
        with self.assertRaisesRegex(UserError, "“site.jpg” was refused"):
            order.write({"attachment_ids": [Command.link(fake.id)]})

    def test_mimetype_comes_from_the_content(self):
        photo = self._attachment("现场", _jpeg(), "application/octet-stream")
        order = self._order(attachment_ids=[Command.set(photo.ids)])
        self.assertEqual(order.attachment_ids.mimetype, "image/jpeg")

    def test_scheme_document_checked(self):
        order = self._order()
        order.action_submit()
        with self.assertRaisesRegex(UserError, "^“方案.pdf” is a JPEG photo: only documents"):
            order.action_upload_scheme(base64.b64encode(_jpeg()), "方案.pdf")
        order.action_upload_scheme(PDF_MIN, "方案.pdf")
        self.assertEqual(order.scheme_filename, "方案.pdf")

    def test_survey_takes_voice_notes_but_not_web_pages(self):
        order = self._order(description="配电房开关频繁跳闸故障，需要抢修")
        order.action_submit()
        Survey = self.env["emc.workorder.survey"]
        voice = self._attachment("语音备注.amr", AMR)
        survey = Survey.create(
            {
                "workorder_id": order.id,
                "findings": "开关触头烧蚀",
                "attachment_ids": [Command.set(voice.ids)],
            }
        )
        self.assertEqual(survey.attachment_ids.mimetype, "audio/amr")
        with self.assertRaisesRegex(UserError, "“平面图.png” was refused"):
            survey.write(
                {"attachment_ids": [Command.link(self._attachment("平面图.png", HTML).id)]}
            )

    def test_progress_photos_checked(self):
        order = self._order(description="配电房开关频繁跳闸故障，需要抢修")
        order.action_submit()
        with self.assertRaisesRegex(UserError, "“进度.mp4” is damaged or incomplete"):
            self.env["emc.workorder.progress"].create(
                {
                    "workorder_id": order.id,
                    "kind": "progress",
                    "progress": 30,
                    "note": "施工中",
                    "attachment_ids": [
                        Command.set(self._attachment("进度.mp4", b"\x00\x00\x00\x18ftypisom").ids)
                    ],
                }
            )

    def test_messages_in_chinese(self):
        fake = self._attachment("site.jpg", HTML).with_context(lang="zh_CN")
        order = self._order().with_context(lang="zh_CN")
        with self.assertRaisesRegex(
            UserError, "^“site.jpg”已被拒绝：其内容是网页（HTML），不是此处接受的照片或视频。$"
        ):
            order.write({"attachment_ids": [Command.link(fake.id)]})

    def test_text_limits_hold_for_every_caller(self):
        order = self._order()
        with self.assertRaisesRegex(
            ValidationError,
            "^“Description” can hold at most 5000 characters; 5001 were entered.",
        ):
            order.write({"description": "x" * 5001})
        order.write({"description": "x" * 5000})
        self.assertEqual(len(order.description), 5000)
