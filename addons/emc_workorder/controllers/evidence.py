import tempfile

from werkzeug.wrappers import Response
from werkzeug.wsgi import wrap_file

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import content_disposition, request

from odoo.addons.portal.controllers.portal import CustomerPortal


def _zip_response(write, filename):
    """Stream the ZIP that ``write(file)`` produces, without holding it in memory."""
    handle = tempfile.TemporaryFile()
    write(handle)
    size = handle.tell()
    handle.seek(0)
    return Response(
        wrap_file(request.httprequest.environ, handle),
        headers=[
            ("Content-Type", "application/zip"),
            ("Content-Length", str(size)),
            ("Content-Disposition", content_disposition(filename)),
        ],
        direct_passthrough=True,
    )


class EmcEvidencePortal(CustomerPortal):
    """Evidence packages: an organisation's whole chain, or one work order's events."""

    @http.route(["/emc_workorder/evidence/chain/<int:chain_id>"], type="http", auth="user")
    def evidence_chain_package(self, chain_id, **kw):
        if not request.env.user.has_group("emc_workorder.group_wo_super_admin"):
            raise request.not_found()
        # Read as the user: the chain's record rule keeps other organisations out.
        chain = request.env["emc.evidence.chain"].browse(chain_id).exists()
        try:
            chain.check_access("read")
        except AccessError:
            raise request.not_found() from None
        if not chain:
            raise request.not_found()
        return _zip_response(
            # sudo: the events of the chain are read for a super admin of its
            # organisation, checked just above.
            chain.sudo()._write_package,
            f"evidence-{chain.company_id.name or 'legacy'}.zip",
        )

    @http.route(["/my/workorders/<int:order_id>/evidence"], type="http", auth="public")
    def evidence_order_package(self, order_id, access_token=None, **kw):
        try:
            order_sudo = self._document_check_access("emc.workorder", order_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        # sudo: access to the order was checked above; the package holds only
        # its own events (other events appear as hashes on the proof paths).
        chains = request.env["emc.evidence.chain"].sudo()
        return _zip_response(
            lambda handle: chains._write_order_package(order_sudo, handle),
            f"evidence-{order_sudo.name}.zip",
        )
