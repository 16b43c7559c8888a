from collections import defaultdict

from odoo import _, api, fields, models

from .emc_workorder_type import OPEN_STAGES


class EmcWorkorderStaff(models.Model):
    _name = "emc.workorder.staff"
    _description = "Service desk staff profile"
    _order = "company_id, user_id"

    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True)
    name = fields.Char(related="user_id.name")
    company_id = fields.Many2one(
        "res.company",
        string="Organisation",
        required=True,
        default=lambda self: self.env.company,
        index=True,
    )
    active = fields.Boolean(default=True)
    role = fields.Selection(
        [("handler", "Handler"), ("surveyor", "Surveyor"), ("builder", "Construction")],
        default="handler",
        required=True,
    )
    type_ids = fields.Many2many(
        "emc.workorder.type", string="Skills", help="Types this person handles; all when empty."
    )
    area_ids = fields.Many2many(
        "emc.service.area", string="Areas", help="Areas covered; all when empty."
    )
    capacity = fields.Integer(default=10, help="Open work orders this person can carry.")
    load = fields.Integer(compute="_compute_load", help="Open work orders assigned now.")

    _sql_constraints = [
        ("user_company_role_uniq", "unique(user_id, company_id, role)", "One profile per role."),
        ("capacity_positive", "check(capacity > 0)", "Capacity must be positive."),
    ]

    @api.depends("user_id")
    def _compute_load(self):
        loads = self._loads()
        for staff in self:
            staff.load = loads.get((staff.user_id.id, staff.role), 0)

    def _loads(self):
        """Open orders per (user, role), counted in one query."""
        if not self:
            return {}
        Workorder = self.env["emc.workorder"].sudo()
        result = {}
        domain = [("state", "in", OPEN_STAGES)]
        for user, count in Workorder._read_group(
            [*domain, ("user_id", "in", self.user_id.ids)], ["user_id"], ["__count"]
        ):
            result[(user.id, "handler")] = count
            result[(user.id, "builder")] = count
        for user, count in Workorder._read_group(
            [*domain, ("state", "=", "survey"), ("surveyor_id", "in", self.user_id.ids)],
            ["surveyor_id"],
            ["__count"],
        ):
            result[(user.id, "surveyor")] = count
        return result

    @api.model
    def _pick_for_orders(self, orders, role, companies=None):
        """The least loaded qualified person for each order, with the reasoning.

        ``companies`` maps an order id to the organisation whose staff is
        considered (by default the order's own). Profiles and loads are read
        once for the batch, and each pick adds to the chosen person's load, so
        that a batch spreads like orders dispatched one by one.
        Returns {order id: (res.users, [reasons])}.
        """
        companies = companies or {}
        company_of = {order.id: companies.get(order.id, order.company_id) for order in orders}
        profiles = self.search(
            [("company_id", "in", [c.id for c in company_of.values()]), ("role", "=", role)]
        )
        by_company = defaultdict(lambda: self.browse())
        for profile in profiles:
            by_company[profile.company_id.id] |= profile
        loads = profiles._loads()
        result = {}
        for order in orders:
            user, reasons = by_company[company_of[order.id].id]._choose_for(order, loads)
            if user:
                loads[(user.id, role)] = loads.get((user.id, role), 0) + 1
            result[order.id] = (user, reasons)
        return result

    def _choose_for(self, order, loads):
        """Among these profiles, the person for ``order``, and the reason about each one.

        Skipped: who lacks the order's type among their skills, does not cover
        its area or is at capacity; among the others, the lowest load ratio wins.
        """
        reasons = []
        eligible = []
        for profile in self:
            load = loads.get((profile.user_id.id, profile.role), 0)
            label = _(
                "%(name)s (load %(load)s/%(capacity)s)",
                name=profile.user_id.name,
                load=load,
                capacity=profile.capacity,
            )
            if profile.type_ids and order.type_id not in profile.type_ids:
                reasons.append(
                    _("%(who)s: lacks the skill %(type)s", who=label, type=order.type_id.name)
                )
            elif profile.area_ids and order.area_id not in profile.area_ids:
                reasons.append(_("%(who)s: does not cover this area", who=label))
            elif load >= profile.capacity:
                reasons.append(_("%(who)s: at full capacity", who=label))
            else:
                eligible.append((load / profile.capacity, load, profile.id, profile, label))
        if not eligible:
            return self.env["res.users"], reasons
        eligible.sort(key=lambda e: e[:3])
        chosen = eligible[0]
        reasons.insert(
            0,
            _(
                "%(who)s chosen: lowest load ratio among %(count)s qualified.",
                who=chosen[4],
                count=len(eligible),
            ),
        )
        for other in eligible[1:]:
            reasons.append(_("%(who)s: qualified, higher load", who=other[4]))
        return chosen[3].user_id, reasons
