import base64

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import format_list

from ..lib import uploads


class EmcUploadMixin(models.AbstractModel):
    """Files checked by what their bytes are, wherever they enter.

    A model lists its file fields in ``_emc_upload_fields``: a Binary field
    maps to ``(kinds, filename field)``, a Many2many of ``ir.attachment`` to
    ``(kinds, None)``. Every create and write that touches them checks the
    stored content with ``lib/uploads.py`` (portal, back-office forms and
    wizards, RPC and the REST API alike) and refuses a disguised, damaged or
    oversized file with a translated message naming it; attachments are
    stored with the mimetype of their content.
    """

    _name = "emc.upload.mixin"
    _description = "Files checked by their content"

    _emc_upload_fields = {}

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        touched = set().union(*vals_list) & set(self._emc_upload_fields)
        if touched:
            records._emc_check_uploads(touched)
        return records

    def write(self, vals):
        res = super().write(vals)
        touched = set(vals) & set(self._emc_upload_fields)
        if touched:
            self._emc_check_uploads(touched)
        return res

    def _emc_check_uploads(self, field_names):
        for record in self.with_context(bin_size=False):
            for name in field_names:
                kinds, filename_field = self._emc_upload_fields[name]
                if self._fields[name].type == "binary":
                    value = record[name]
                    if value:
                        filename = record[filename_field] if filename_field else name
                        self._emc_check_upload(filename, base64.b64decode(value), kinds)
                    continue
                # Attachments are checked as stored: their bytes and name are
                # what will be served back.
                for attachment in record[name].sudo():
                    upload = self._emc_check_upload(attachment.name, attachment.raw, kinds)
                    if attachment.mimetype != upload.mimetype:
                        attachment.mimetype = upload.mimetype

    @api.model
    def _emc_check_upload(self, name, raw, kinds):
        """The accepted ``uploads.Upload``; UserError naming the file if it is refused."""
        try:
            return uploads.check(name, raw or b"", kinds)
        except uploads.UploadRefused as refused:
            raise UserError(self._emc_upload_message(refused, kinds)) from None

    @api.model
    def _emc_upload_message(self, refused, kinds):
        """The reader's-language message of a refused upload."""
        kind_labels = {
            "image": _("photos"),
            "video": _("videos"),
            "audio": _("voice recordings"),
            "document": _("documents (PDF or Word)"),
        }
        format_labels = {
            "jpeg": _("a JPEG photo"),
            "png": _("a PNG image"),
            "gif": _("a GIF image"),
            "webp": _("a WebP image"),
            "mp4": _("an MP4 video"),
            "mov": _("a QuickTime video"),
            "webm": _("a WebM video"),
            "m4a": _("an M4A recording"),
            "mp3": _("an MP3 recording"),
            "amr": _("an AMR voice note"),
            "wav": _("a WAV recording"),
            "pdf": _("a PDF document"),
            "docx": _("a Word document"),
            "doc": _("a Word 97-2003 document"),
        }
        seen_labels = {
            "html": _("a web page (HTML)"),
            "script": _("a program or script"),
            "zip": _("a ZIP archive"),
            "text": _("plain text"),
            "binary": _("data of an unknown kind"),
        }
        accepted = format_list(self.env, [kind_labels[k] for k in kinds], style="or")
        params = refused.params
        name = refused.name
        if refused.code == "empty":
            return _("“%(name)s” is empty.", name=name)
        if refused.code == "too_large":
            return _(
                "“%(name)s” is larger than %(limit)s MB: send a smaller file.",
                name=name,
                limit=params["limit_mb"],
            )
        if refused.code == "unknown":
            return _(
                "“%(name)s” was refused: its content is %(seen)s, not one of the %(kinds)s "
                "accepted here.",
                name=name,
                seen=seen_labels[params["seen"]],
                kinds=accepted,
            )
        if refused.code == "not_allowed":
            return _(
                "“%(name)s” is %(format)s: only %(kinds)s can be attached here.",
                name=name,
                format=format_labels[params["format"]],
                kinds=accepted,
            )
        if refused.code == "name_mismatch":
            return _(
                "“%(name)s” is %(format)s, but its name ends in “%(extension)s”: rename it "
                "with the right extension and send it again.",
                name=name,
                format=format_labels[params["format"]],
                extension=params["extension"],
            )
        return _(
            "“%(name)s” is damaged or incomplete: it cannot be read as %(format)s.",
            name=name,
            format=format_labels[params["format"]],
        )
