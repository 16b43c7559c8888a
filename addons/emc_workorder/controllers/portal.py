import binascii
import os
from urllib.parse import quote

from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.fields import Command
from odoo.http import request
from odoo.tools import SQL

from odoo.addons.emc_project.lib import uploads as upload_checks
from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.emc_workorder_type import OPEN_STAGES, STAGES

UPLOAD_MAX_FILES = 10
# What a customer may attach to a request (checked by the files' content).
PHOTO_KINDS = ("image", "video")
# The text fields of a request the customer fills in (new and resubmitted);
# their limits are the model's TEXT_LIMITS.
REQUEST_FIELDS = ("contact_name", "phone", "street", "city", "description")
# The customer's form posts on one order (access by login or by the order's token).
POST_ROUTE = {"type": "http", "auth": "public", "methods": ["POST"], "website": True}


class EmcWorkorderPortal(CustomerPortal):
    """Enterprises submit service requests, follow them, sign schemes and rate the service.

    Lists and counters read as the portal user: the record rule
    ``emc_workorder_rule_portal`` keeps them to the enterprise's own orders.
    Pages of one order go through ``_document_check_access`` (rules or the
    order's access token); the business rules stay in the model methods, which
    the routes below call once each after validating the input.
    """

    _workorder_items_per_page = 20

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "workorder_count" in counters:
            Workorder = request.env["emc.workorder"]
            values["workorder_count"] = (
                Workorder.search_count(self._workorder_domain())
                if Workorder.has_access("read")
                else 0
            )
        return values

    def _workorder_domain(self):
        """The customer's own requests (internal users see theirs too, not every order)."""
        partner = request.env.user.partner_id.commercial_partner_id
        return [("partner_id", "child_of", [partner.id])]

    def _workorder_sortings(self):
        return {
            "date": {"label": _("Newest"), "order": "id desc"},
            "stage": {"label": _("Stage"), "order": None},  # flow order, see _workorder_search
            "update": {"label": _("Last update"), "order": "date_stage desc, id desc"},
        }

    def _workorder_filters(self):
        return {
            "all": {"label": _("All"), "domain": []},
            "open": {"label": _("In progress"), "domain": [("state", "in", OPEN_STAGES)]},
            "closed": {
                "label": _("Closed"),
                "domain": [("state", "in", ("closed", "cancelled"))],
            },
        }

    def _workorder_search(self, domain, order, limit, offset):
        """Search as the portal user; ``order`` None sorts by the stages' flow order."""
        Workorder = request.env["emc.workorder"]
        if order:
            return Workorder.search(domain, order=order, limit=limit, offset=offset)
        query = Workorder._search(domain, offset=offset, limit=limit)
        query.order = SQL(
            "array_position(%s::text[], %s::text), %s DESC",
            [code for code, _label in STAGES],
            SQL.identifier(Workorder._table, "state"),
            SQL.identifier(Workorder._table, "id"),
        )
        return Workorder.browse(query)

    def _workorder_check_access(self, order_id, access_token=None):
        """The order once access is checked, as a sudo record acting as the visitor.

        ``_document_check_access`` checks the record rules, or the access
        token of a visitor who is not logged in, and returns a superuser
        record. The transitions then write fields the customer may not write
        (the portal group only reads work orders), hence sudo; the visitor's
        uid is kept so that evidence events and chatter messages name them.
        """
        order_sudo = self._document_check_access("emc.workorder", order_id, access_token)
        return order_sudo.with_user(request.env.user).sudo()

    def _workorder_redirect(self, order, message=None):
        """Back to the order's page, with a message code in the query string."""
        query = "&message=" + quote(message) if message else None
        return request.redirect(order.get_portal_url(query_string=query))

    def _workorder_clean(self, post, names):
        """Stripped text values of the form fields present in the post.

        Never cut: a value longer than the model's limit is refused with a
        message naming the field, and the form is shown again as it was.
        """
        return {name: (post.get(name) or "").strip() for name in names if name in post}

    def _workorder_uploads(self):
        """The photos/videos of the request as (name, raw, mimetype); UserError if refused.

        Each file is accepted by what its bytes are (emc.upload.mixin), not by
        its name or the browser's claim; its mimetype is the content's.
        """
        files = [f for f in request.httprequest.files.getlist("photos") if f and f.filename]
        if len(files) > UPLOAD_MAX_FILES:
            raise UserError(_("You can attach at most %(count)s files.", count=UPLOAD_MAX_FILES))
        checker = request.env["emc.upload.mixin"]
        uploads = []
        for upload in files:
            # One byte past the limit is enough to refuse a file as too large.
            raw = upload.read(upload_checks.MAX_BYTES + 1)
            accepted = checker._emc_check_upload(
                os.path.basename(upload.filename), raw, PHOTO_KINDS
            )
            uploads.append((accepted.name, raw, accepted.mimetype))
        return uploads

    def _workorder_attach(self, order_sudo, uploads):
        """Store the uploads as attachments of the order, linked to its photos."""
        if not uploads:
            return
        # Called on an order whose access was checked (or just created for
        # the customer); portal users cannot create attachments on it.
        attachments = (
            request.env["ir.attachment"]
            .sudo()
            .create(
                [
                    {
                        "name": name,
                        "raw": raw,
                        "mimetype": mimetype,
                        "res_model": order_sudo._name,
                        "res_id": order_sudo.id,
                    }
                    for name, raw, mimetype in uploads
                ]
            )
        )
        order_sudo.attachment_ids = [Command.link(a.id) for a in attachments]

    def _workorder_desk_company(self):
        """The organisation receiving portal requests before dispatch."""
        # The desk is usually not among the customer's companies: read with sudo.
        company = (
            request.env["res.company"]
            .sudo()
            .search([("emc_wo_role", "=", "power_bureau")], order="sequence, id", limit=1)
        )
        return company or request.env.user.company_id

    def _workorder_timeline(self, order_sudo):
        """The customer-facing evidence events, oldest first."""
        # After _document_check_access: the events of this order only,
        # whether the visitor came logged in or with the access token.
        return order_sudo._timeline(customer=True)

    def _workorder_scheme_visible(self, order_sudo):
        """The scheme is shown once pushed, and not while the desk revises it."""
        return bool(
            order_sudo.scheme_file
            and order_sudo.date_scheme_pushed
            and order_sudo.state != "scheme"
        )

    def _workorder_form_values(self, form=None, errors=None):
        values = self._prepare_portal_layout_values()
        partner = request.env.user.partner_id
        commercial = partner.commercial_partner_id
        if form is None:
            form = {
                "contact_name": partner.name or "",
                "phone": partner.mobile or partner.phone or "",
                "street": commercial.street or partner.street or "",
                "city": commercial.city or partner.city or "",
                "description": "",
                "requested_type_id": "",
            }
        values.update(
            {
                "page_name": "emc_workorder_new",
                "types": request.env["emc.workorder.type"].search([]),
                "form": form,
                "errors": errors or [],
                "enterprise": commercial,
            }
        )
        return values

    # ------------------------------------------------------------------
    # List and page
    # ------------------------------------------------------------------
    @http.route(
        ["/my/workorders", "/my/workorders/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_workorders(self, page=1, sortby=None, filterby=None, **kw):
        values = self._prepare_portal_layout_values()
        sortings = self._workorder_sortings()
        filters = self._workorder_filters()
        sortby = sortby if sortby in sortings else "date"
        filterby = filterby if filterby in filters else "all"
        domain = self._workorder_domain() + filters[filterby]["domain"]
        count = request.env["emc.workorder"].search_count(domain)
        pager = portal_pager(
            url="/my/workorders",
            url_args={"sortby": sortby, "filterby": filterby},
            total=count,
            page=page,
            step=self._workorder_items_per_page,
        )
        orders = self._workorder_search(
            domain,
            sortings[sortby]["order"],
            self._workorder_items_per_page,
            pager["offset"],
        )
        request.session["my_workorders_history"] = orders.ids[:100]
        values.update(
            {
                "orders": orders,
                "page_name": "emc_workorder",
                "pager": pager,
                "default_url": "/my/workorders",
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
            }
        )
        return request.render("emc_workorder.portal_my_workorders", values)

    @http.route(["/my/workorders/<int:order_id>"], type="http", auth="public", website=True)
    def portal_my_workorder(self, order_id, access_token=None, message=None, **kw):
        try:
            order_sudo = self._document_check_access("emc.workorder", order_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        return self._workorder_page(order_sudo, access_token, message=message, **kw)

    def _workorder_page(self, order_sudo, access_token, error=None, message=None, kept=None, **kw):
        """The order's page; after a refused action, with the error and what the customer typed.

        ``kept`` holds the refused form's values (resubmission, rejection
        reason, rating), shown again in their fields.
        """
        values = self._get_page_view_values(
            order_sudo,
            access_token,
            {
                "workorder": order_sudo,
                "page_name": "emc_workorder",
                "timeline": self._workorder_timeline(order_sudo),
                "scheme_visible": self._workorder_scheme_visible(order_sudo),
                "wo_error": error,
                "wo_message": message,
                "kept": kept or {},
                "backend_url": f"/odoo/emc.workorder/{order_sudo.id}",
            },
            "my_workorders_history",
            False,
            **kw,
        )
        return request.render("emc_workorder.portal_my_workorder", values)

    @http.route(["/my/workorders/<int:order_id>/scheme"], type="http", auth="public", website=True)
    def portal_workorder_scheme(self, order_id, access_token=None, **kw):
        try:
            order_sudo = self._document_check_access("emc.workorder", order_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if not self._workorder_scheme_visible(order_sudo):
            raise request.not_found()
        stream = request.env["ir.binary"]._get_stream_from(
            order_sudo,
            "scheme_file",
            filename=order_sudo.scheme_filename or f"{order_sudo.name}-scheme.pdf",
        )
        return stream.get_response(as_attachment=True)

    # ------------------------------------------------------------------
    # New request
    # ------------------------------------------------------------------
    @http.route(
        ["/my/workorders/new"], type="http", auth="user", methods=["GET", "POST"], website=True
    )
    def portal_workorder_new(self, **post):
        if request.httprequest.method != "POST":
            return request.render(
                "emc_workorder.portal_workorder_new", self._workorder_form_values()
            )
        form = self._workorder_clean(post, REQUEST_FIELDS)
        form["requested_type_id"] = post.get("requested_type_id") or ""
        errors = request.env["emc.workorder"]._text_limit_errors(form)
        if not form.get("description"):
            errors.append(_("Describe your request."))
        work_type = request.env["emc.workorder.type"]
        if form["requested_type_id"]:
            try:
                work_type = work_type.search([("id", "=", int(form["requested_type_id"]))])
            except ValueError:
                work_type = work_type.browse()
            if not work_type:
                errors.append(_("Choose a service among the proposed ones."))
        try:
            uploads = self._workorder_uploads()
        except UserError as e:
            errors.append(str(e))
        if errors:
            return request.render(
                "emc_workorder.portal_workorder_new", self._workorder_form_values(form, errors)
            )
        user = request.env.user
        vals = {
            "partner_id": user.partner_id.commercial_partner_id.id,
            "channel": "portal",
            "company_id": self._workorder_desk_company().id,
            "requested_type_id": work_type.id or False,
            "contact_name": form.get("contact_name") or False,
            "phone": form.get("phone") or False,
            "email": user.partner_id.email or False,
            "street": form.get("street") or False,
            "city": form.get("city") or False,
            "description": form["description"],
        }
        try:
            with request.env.cr.savepoint():
                # Portal users only read work orders: the validated request is
                # created with sudo, keeping the customer's uid as its author
                # (creation event, follower, chatter), for their own enterprise.
                order_sudo = request.env["emc.workorder"].sudo().create(vals)
                self._workorder_attach(order_sudo, uploads)
                order_sudo.action_submit()
        except UserError as e:
            return request.render(
                "emc_workorder.portal_workorder_new",
                self._workorder_form_values(form, [str(e)]),
            )
        return self._workorder_redirect(order_sudo, message="submitted")

    # ------------------------------------------------------------------
    # Customer actions on one order
    # ------------------------------------------------------------------
    @http.route(["/my/workorders/<int:order_id>/confirm"], type="json", auth="public", website=True)
    def portal_workorder_confirm(self, order_id, access_token=None, name=None, signature=None):
        # the access token comes in the query string of call_url
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            order_sudo = self._workorder_check_access(order_id, access_token)
        except (AccessError, MissingError):
            return {"error": _("Invalid work order.")}
        name = (name or "").strip()
        if not name:
            return {"error": _("Enter the name of the signer.")}
        if not signature:
            return {"error": _("The signature is missing.")}
        try:
            with request.env.cr.savepoint():
                # sudo: access checked by _document_check_access just above.
                order_sudo.action_confirm_scheme(signature, name)
        except UserError as e:
            return {"error": str(e)}
        except (TypeError, ValueError, binascii.Error):
            return {"error": _("Invalid signature data.")}
        return {
            "force_refresh": True,
            "redirect_url": order_sudo.get_portal_url(query_string="&message=signed"),
        }

    def _workorder_post(self, order_id, access_token, message, operation, kept):
        """A customer's POST on one order: check access, run ``operation``, go back to the page.

        ``operation(order_sudo)`` runs in a savepoint: when it refuses (a
        UserError, ValidationError included) nothing it wrote is kept and the
        page is shown again with the error and ``kept``, the values the
        customer sent, in their fields; otherwise the page shows ``message``.
        """
        try:
            order_sudo = self._workorder_check_access(order_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        try:
            with request.env.cr.savepoint():
                # sudo: access checked by _document_check_access just above.
                operation(order_sudo)
        except UserError as e:
            request.env.invalidate_all()
            return self._workorder_page(order_sudo, access_token, error=str(e), kept=kept)
        return self._workorder_redirect(order_sudo, message=message)

    @http.route(["/my/workorders/<int:order_id>/reject"], **POST_ROUTE)
    def portal_workorder_reject(self, order_id, access_token=None, reason=None, **kw):
        reason = (reason or "").strip()
        return self._workorder_post(
            order_id,
            access_token,
            "rejected",
            lambda order_sudo: order_sudo.action_reject_scheme(reason),
            {"reason": reason},
        )

    @http.route(["/my/workorders/<int:order_id>/rate"], **POST_ROUTE)
    def portal_workorder_rate(self, order_id, access_token=None, stars=None, comment=None, **kw):
        comment = (comment or "").strip()

        def rate(order_sudo):
            try:
                count = int(stars)
            except (TypeError, ValueError):
                raise UserError(_("Choose from 1 to 5 stars.")) from None
            order_sudo.action_rate(count, comment or None)

        return self._workorder_post(
            order_id, access_token, "rated", rate, {"stars": stars, "comment": comment}
        )

    @http.route(["/my/workorders/<int:order_id>/resubmit"], **POST_ROUTE)
    def portal_workorder_resubmit(self, order_id, access_token=None, **post):
        vals = self._workorder_clean(post, REQUEST_FIELDS)

        def resubmit(order_sudo):
            if "description" in vals and not vals["description"]:
                raise UserError(_("Describe your request."))
            errors = order_sudo._text_limit_errors(vals)
            if errors:
                raise UserError("\n".join(errors))
            uploads = self._workorder_uploads()
            # Only the customer's own fields of the request are written, and
            # rolled back with the savepoint if the order is not returned
            # (action_resubmit checks the stage).
            order_sudo.write({k: v or False for k, v in vals.items()})
            self._workorder_attach(order_sudo, uploads)
            order_sudo.action_resubmit()

        return self._workorder_post(order_id, access_token, "resubmitted", resubmit, vals)
