import base64
import hashlib

from odoo import models


class EmcWorkorder(models.Model):
    """The archive of a work order: its folder in OCA ``dms``, sealed once closed.

    The archive is maintained by the operations of the order itself, which
    already checked the user's rights on the order: folders and files are
    written with sudo.
    """

    _inherit = "emc.workorder"

    def _ensure_dms_directory(self):
        """The order's own folder in the archive (one directory per order)."""
        self.ensure_one()
        if self.dms_directory_id:
            return self.dms_directory_id
        root = self.env.ref("emc_workorder.dms_directory_workorders")
        directory = (
            self.env["dms.directory"].sudo().create({"name": self.name, "parent_id": root.id})
        )
        self.sudo().dms_directory_id = directory
        return directory

    def _archive_file(self, name, content):
        """File ``content`` (base64) in the order's folder: (dms.file, sha256 of the bytes)."""
        self.ensure_one()
        directory = self._ensure_dms_directory()
        dms_file = (
            self.env["dms.file"]
            .sudo()
            .create({"name": name, "directory_id": directory.id, "content": content})
        )
        return dms_file, hashlib.sha256(base64.b64decode(content)).hexdigest()

    def _seal_archive(self):
        """Closed orders keep a read-only archive folder."""
        readonly_group = self.env.ref("emc_workorder.dms_access_group_archive_read")
        for order in self.filtered("dms_directory_id"):
            order.dms_directory_id.sudo().write(
                {"inherit_group_ids": False, "group_ids": [(6, 0, readonly_group.ids)]}
            )

    def _unseal_archive(self):
        """A reopened order's folder follows the archive's access groups again."""
        for order in self.filtered("dms_directory_id"):
            order.dms_directory_id.sudo().write(
                {"inherit_group_ids": True, "group_ids": [(5, 0, 0)]}
            )
