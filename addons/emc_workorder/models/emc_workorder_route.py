from collections import defaultdict

from odoo import _, api, fields, models


class EmcWorkorderRoute(models.Model):
    _name = "emc.workorder.route"
    _description = "Dispatch route: work order type to organisation"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    type_id = fields.Many2one("emc.workorder.type", required=True, ondelete="cascade")
    area_id = fields.Many2one(
        "emc.service.area", help="Only for orders in this area; any area when empty."
    )
    company_id = fields.Many2one("res.company", string="Organisation", required=True)

    def _compute_display_name(self):
        for route in self:
            route.display_name = f"{route.type_id.name} → {route.company_id.name}"

    @api.model
    def _find_for_orders(self, orders):
        """The organisation of each order, and why: {order id: (res.company, reason)}.

        The first route of the order's type whose area is empty or the order's;
        else the first organisation with the role the type asks for; else the
        order stays where it is. Routes and organisations are read once for
        the batch.
        """
        types = orders.type_id
        by_type = defaultdict(list)
        for route in self.search([("type_id", "in", types.ids)]):
            by_type[route.type_id.id].append(route)
        first_by_role = {}
        for company in self.env["res.company"].search(
            [("emc_wo_role", "in", list(set(types.mapped("org_role"))))]
        ):
            first_by_role.setdefault(company.emc_wo_role, company)
        role_labels = dict(types._fields["org_role"]._description_selection(self.env))
        result = {}
        for order in orders:
            route = next(
                (
                    r
                    for r in by_type[order.type_id.id]
                    if not r.area_id or r.area_id == order.area_id
                ),
                None,
            )
            company = first_by_role.get(order.type_id.org_role)
            if route:
                result[order.id] = (
                    route.company_id,
                    _(
                        "Route %(route)s%(area)s.",
                        route=route.display_name,
                        area=_(" (area %(area)s)", area=route.area_id.name)
                        if route.area_id
                        else "",
                    ),
                )
            elif company:
                result[order.id] = (
                    company,
                    _(
                        "No route for %(type)s: the organisation with the role “%(role)s”.",
                        type=order.type_id.name,
                        role=role_labels[order.type_id.org_role],
                    ),
                )
            else:
                result[order.id] = (
                    order.company_id,
                    _("No route and no organisation with that role: kept here."),
                )
        return result
