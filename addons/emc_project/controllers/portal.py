from odoo import _, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class EmcProjectPortal(CustomerPortal):
    """Client enterprises follow their EMC projects in the portal.

    Reads go through the portal user's own environment: the record rule
    ``emc_project_rule_portal`` limits them to the client's projects.
    """

    _items_per_page = 20

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "emc_project_count" in counters:
            Project = request.env["emc.project"]
            values["emc_project_count"] = (
                Project.search_count([]) if Project.has_access("read") else 0
            )
        return values

    def _emc_project_sortings(self):
        return {
            "date": {"label": _("Newest"), "order": "id desc"},
            "name": {"label": _("Name"), "order": "name"},
            "stage": {"label": _("Stage"), "order": "state"},
        }

    @http.route(
        ["/my/emc_projects", "/my/emc_projects/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_emc_projects(self, page=1, sortby=None, **kw):
        values = self._prepare_portal_layout_values()
        Project = request.env["emc.project"]
        sortings = self._emc_project_sortings()
        sortby = sortby if sortby in sortings else "date"
        count = Project.search_count([])
        pager = portal_pager(
            url="/my/emc_projects",
            url_args={"sortby": sortby},
            total=count,
            page=page,
            step=self._items_per_page,
        )
        projects = Project.search(
            [],
            order=sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        request.session["my_emc_projects_history"] = projects.ids[:100]
        values.update(
            {
                "projects": projects,
                "page_name": "emc_project",
                "pager": pager,
                "default_url": "/my/emc_projects",
                "searchbar_sortings": sortings,
                "sortby": sortby,
            }
        )
        return request.render("emc_project.portal_my_emc_projects", values)

    @http.route(["/my/emc_projects/<int:project_id>"], type="http", auth="public", website=True)
    def portal_my_emc_project(self, project_id, access_token=None, **kw):
        try:
            project_sudo = self._document_check_access("emc.project", project_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._get_page_view_values(
            project_sudo,
            access_token,
            {"project": project_sudo, "page_name": "emc_project"},
            "my_emc_projects_history",
            False,
            **kw,
        )
        return request.render("emc_project.portal_my_emc_project", values)
