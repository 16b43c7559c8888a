from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import EmcProjectCase


@tagged("post_install", "-at_install")
class TestConstructionPhotos(EmcProjectCase):
    """Construction log photos are accepted by their content, like every upload."""

    def test_disguised_photo_refused(self):
        self.project.sudo().write({"state": "implementation"})
        fake = self.env["ir.attachment"].create(
            {"name": "施工现场.jpg", "raw": b"<html><body>not a photo</body></html>"}
        )
        with self.assertRaisesRegex(
            UserError, "^“施工现场.jpg” was refused: its content is a web page \\(HTML\\)"
        ):
            self.env["emc.construction.log"].create(
                {
                    "project_id": self.project.id,
                    "progress": 20,
                    "work_done": "电缆桥架安装",
                    "photo_ids": [Command.set(fake.ids)],
                }
            )
