from odoo import api, fields, models

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
