import binascii

from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class EmcContractPortal(CustomerPortal):
    """The client's contracts in the portal: list, page, document download, signature.

    Lists and counters read as the portal user: the record rule
    ``emc_contract_rule_portal`` keeps them to the enterprise's own contracts
    once out of draft. The pages of one contract go through
    ``_document_check_access`` (rules, or the contract's access token); the
    signature calls one model method, which checks the stage and the signer.
    """

    _contract_items_per_page = 20

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "contract_count" in counters:
            Contract = request.env["emc.contract"]
            values["contract_count"] = (
                Contract.search_count(self._contract_domain()) if Contract.has_access("read") else 0
            )
        return values

    def _contract_domain(self):
        partner = request.env.user.partner_id.commercial_partner_id
        return [
            ("partner_id", "=", partner.id),
            ("state", "not in", ("draft", "approval", "cancelled")),
        ]

    def _contract_sortings(self):
        return {
            "date": {"label": _("Newest"), "order": "date_start desc, id desc"},
            "name": {"label": _("Number"), "order": "name"},
        }

    def _contract_filters(self):
        return {
            "all": {"label": _("All"), "domain": []},
            "to_sign": {"label": _("To sign"), "domain": [("state", "=", "signing")]},
            "in_force": {
                "label": _("In force"),
                "domain": [("state", "in", ("active", "amending"))],
            },
            "ended": {
                "label": _("Ended"),
                "domain": [("state", "in", ("terminated", "expired", "closed"))],
            },
        }

    @http.route(
        ["/my/contracts", "/my/contracts/page/<int:page>"], type="http", auth="user", website=True
    )
    def portal_my_contracts(self, page=1, sortby=None, filterby=None, **kw):
        values = self._prepare_portal_layout_values()
        Contract = request.env["emc.contract"]
        sortings = self._contract_sortings()
        filters = self._contract_filters()
        sortby = sortby if sortby in sortings else "date"
        filterby = filterby if filterby in filters else "all"
        domain = self._contract_domain() + filters[filterby]["domain"]
        count = Contract.search_count(domain)
        pager = portal_pager(
            url="/my/contracts",
            url_args={"sortby": sortby, "filterby": filterby},
            total=count,
            page=page,
            step=self._contract_items_per_page,
        )
        contracts = Contract.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._contract_items_per_page,
            offset=pager["offset"],
        )
        request.session["my_contracts_history"] = contracts.ids[:100]
        values.update(
            {
                "contracts": contracts,
                "page_name": "emc_contract",
                "pager": pager,
                "default_url": "/my/contracts",
                "searchbar_sortings": sortings,
                "sortby": sortby,
                "searchbar_filters": filters,
                "filterby": filterby,
            }
        )
        return request.render("emc_contract.portal_my_contracts", values)

    @http.route(["/my/contracts/<int:contract_id>"], type="http", auth="public", website=True)
    def portal_my_contract(self, contract_id, access_token=None, message=None, **kw):
        try:
            contract_sudo = self._document_check_access("emc.contract", contract_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._get_page_view_values(
            contract_sudo,
            access_token,
            {
                "contract": contract_sudo,
                "page_name": "emc_contract",
                "signatures": contract_sudo._current_signatures(),
                "document": contract_sudo.signed_document_id or contract_sudo.document_id,
                "contract_message": message,
            },
            "my_contracts_history",
            False,
            **kw,
        )
        return request.render("emc_contract.portal_my_contract", values)

    @http.route(
        ["/my/contracts/<int:contract_id>/document"], type="http", auth="public", website=True
    )
    def portal_contract_document(self, contract_id, access_token=None, **kw):
        try:
            contract_sudo = self._document_check_access("emc.contract", contract_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        # sudo: _document_check_access above checked the contract; its
        # document is served as archived (the bytes whose hash was recorded).
        document = contract_sudo.signed_document_id or contract_sudo.document_id
        if not document or not document.attachment_id:
            raise request.not_found()
        stream = request.env["ir.binary"]._get_stream_from(
            document.attachment_id.sudo(), "raw", filename=document.name
        )
        return stream.get_response(as_attachment=True)

    @http.route(["/my/contracts/<int:contract_id>/sign"], type="json", auth="public", website=True)
    def portal_contract_sign(self, contract_id, access_token=None, name=None, signature=None):
        access_token = access_token or request.httprequest.args.get("access_token")
        try:
            contract_sudo = self._document_check_access("emc.contract", contract_id, access_token)
        except (AccessError, MissingError):
            return {"error": _("Invalid contract.")}
        try:
            with request.env.cr.savepoint():
                # sudo: access checked by _document_check_access just above;
                # _sign_client checks that the visitor signs for the client and
                # keeps their uid in the evidence and the chatter.
                contract_sudo.with_user(request.env.user).sudo()._sign_client(
                    signature,
                    name,
                    ip_address=request.httprequest.remote_addr,
                    user_agent=request.httprequest.user_agent.string,
                )
        except UserError as e:
            return {"error": str(e)}
        except (TypeError, ValueError, binascii.Error):
            return {"error": _("Invalid signature data.")}
        return {
            "force_refresh": True,
            "redirect_url": contract_sudo.get_portal_url(query_string="&message=signed"),
        }
