from odoo import http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

# Months of consumption shown on a site's page.
PORTAL_MONTHS = 24


class EmcMeteringPortal(CustomerPortal):
    """Client enterprises see their sites' consumption and measured savings in the portal.

    Every read goes through the portal user's own environment, no sudo: the
    record rules of ``security/emc_metering_rules.xml`` limit sites, meters
    and rollups to the client's commercial partner, and baselines and their
    savings lines to the approved baselines of those sites.
    """

    _items_per_page = 20

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "emc_site_count" in counters:
            Site = request.env["emc.site"]
            values["emc_site_count"] = Site.search_count([]) if Site.has_access("read") else 0
        return values

    @http.route(
        ["/my/emc_sites", "/my/emc_sites/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_emc_sites(self, page=1, **kw):
        values = self._prepare_portal_layout_values()
        Site = request.env["emc.site"]
        count = Site.search_count([])
        pager = portal_pager(url="/my/emc_sites", total=count, page=page, step=self._items_per_page)
        sites = Site.search(
            [], order="name, id", limit=self._items_per_page, offset=pager["offset"]
        )
        values.update(
            {
                "sites": sites,
                "page_name": "emc_site",
                "pager": pager,
                "default_url": "/my/emc_sites",
            }
        )
        return request.render("emc_metering.portal_my_emc_sites", values)

    @http.route(["/my/emc_sites/<int:site_id>"], type="http", auth="user", website=True)
    def portal_my_emc_site(self, site_id, **kw):
        # search, not browse: the record rules decide; another client's site is not found
        site = request.env["emc.site"].search([("id", "=", site_id)])
        if not site:
            raise request.not_found()
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "site": site,
                "page_name": "emc_site",
                "consumption": self._emc_site_consumption(site),
                "baselines": request.env["emc.mv.baseline"].search(
                    [("site_id", "=", site.id)], order="date_baseline_start"
                ),
                "savings_lines": request.env["emc.mv.savings.line"].search(
                    [("site_id", "=", site.id)], order="baseline_id, date_start"
                ),
            }
        )
        return request.render("emc_metering.portal_my_emc_site", values)

    def _emc_site_consumption(self, site):
        """``[(month, carrier label, kWh or m³..., unit)]`` of the site's last months."""
        Rollup = request.env["emc.meter.rollup.monthly"]
        carriers = dict(Rollup._fields["carrier"]._description_selection(request.env))
        groups = Rollup._read_group(
            [
                ("site_id", "=", site.id),
                ("is_main", "=", True),
                ("carrier", "!=", "ambient"),
            ],
            ["date:month", "carrier", "unit"],
            ["consumption:sum"],
            order="date:month desc, carrier",
            limit=PORTAL_MONTHS * len(carriers),
        )
        months = sorted({month for month, _carrier, _unit, _kwh in groups}, reverse=True)
        kept = set(months[:PORTAL_MONTHS])
        return [
            (month, carriers.get(carrier, carrier), kwh, unit)
            for month, carrier, unit, kwh in groups
            if month in kept
        ]
