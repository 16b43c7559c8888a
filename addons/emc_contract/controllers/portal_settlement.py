from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class EmcSettlementPortal(CustomerPortal):
    """The client's settlements in the portal: list, statement, PDF, confirm or dispute.

    Reads go through the portal user's environment: the record rules of
    ``security/emc_settlement_rules.xml`` limit them to the settlements of the
    user's commercial partner that were sent. Confirming and disputing are
    transitions a portal user has no write access for: they run as sudo on a
    settlement that ``_document_check_access`` (the same rules, or the
    settlement's access token) returned, and only at the stage the
    transition allows.
    """

    _items_per_page = 20

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "emc_settlement_count" in counters:
            Settlement = request.env["emc.settlement"]
            values["emc_settlement_count"] = (
                Settlement.search_count([]) if Settlement.has_access("read") else 0
            )
        return values

    @http.route(
        ["/my/settlements", "/my/settlements/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_settlements(self, page=1, **kw):
        values = self._prepare_portal_layout_values()
        Settlement = request.env["emc.settlement"]
        count = Settlement.search_count([])
        pager = portal_pager(
            url="/my/settlements", total=count, page=page, step=self._items_per_page
        )
        settlements = Settlement.search(
            [], order="date_from desc, id desc", limit=self._items_per_page, offset=pager["offset"]
        )
        values.update(
            {
                "settlements": settlements,
                "page_name": "emc_settlement",
                "pager": pager,
                "default_url": "/my/settlements",
            }
        )
        return request.render("emc_contract.portal_my_settlements", values)

    def _settlement(self, settlement_id, access_token=None):
        """The settlement as superuser, once the portal user's access to it is checked."""
        try:
            settlement = self._document_check_access("emc.settlement", settlement_id, access_token)
        except (AccessError, MissingError):
            raise request.not_found() from None
        # keep the portal user as the author of what follows (confirmed by, chatter)
        return settlement.with_user(request.env.user).sudo()

    @http.route(["/my/settlements/<int:settlement_id>"], type="http", auth="public", website=True)
    def portal_my_settlement(self, settlement_id, access_token=None, report_type=None, **kw):
        settlement = self._settlement(settlement_id, access_token)
        if report_type in ("pdf", "html"):
            return self._show_report(
                model=settlement,
                report_type=report_type,
                report_ref="emc_contract.action_report_emc_settlement",
                download=kw.get("download") == "true",
            )
        values = self._get_page_view_values(
            settlement,
            access_token,
            {"settlement": settlement, "page_name": "emc_settlement", "error": kw.get("error")},
            "my_settlements_history",
            False,
        )
        return request.render("emc_contract.portal_my_settlement", values)

    @http.route(
        ["/my/settlements/<int:settlement_id>/confirm"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_settlement_confirm(self, settlement_id, access_token=None, **kw):
        settlement = self._settlement(settlement_id, access_token)
        if settlement.state != "to_confirm":
            return self._settlement_redirect(settlement, access_token, "stage")
        # sudo: the portal user has no write access; _settlement() checked the rules
        settlement.action_confirm()
        return self._settlement_redirect(settlement, access_token)

    @http.route(
        ["/my/settlements/<int:settlement_id>/dispute"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_settlement_dispute(self, settlement_id, access_token=None, reason=None, **kw):
        settlement = self._settlement(settlement_id, access_token)
        if settlement.state != "to_confirm":
            return self._settlement_redirect(settlement, access_token, "stage")
        try:
            # sudo: as for confirm, access was checked by _settlement()
            settlement.action_dispute(reason)
        except UserError:
            return self._settlement_redirect(settlement, access_token, "reason")
        return self._settlement_redirect(settlement, access_token)

    def _settlement_redirect(self, settlement, access_token, error=None):
        url = f"/my/settlements/{settlement.id}"
        params = []
        if access_token:
            params.append(f"access_token={access_token}")
        if error:
            params.append(f"error={error}")
        return request.redirect(url + ("?" + "&".join(params) if params else ""))
