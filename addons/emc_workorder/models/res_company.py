from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    emc_wo_role = fields.Selection(
        [
            ("power_bureau", "Power bureau"),
            ("public_energy", "Public energy company"),
            ("esco", "Energy service company"),
        ],
        string="Service desk role",
        help="Which work orders the organisation handles: the power bureau gives "
        "preliminary schemes (power access, capacity expansion), the public "
        "energy company detailed ones (retrofits, comprehensive services).",
    )
    emc_wo_warn_share = fields.Float(
        string="SLA level 1 at (% of the allowed time)",
        default=75.0,
        help="The assignee is alerted when this share of the stage's working time is used.",
    )
    emc_wo_escalate_margin = fields.Float(
        string="SLA level 3 margin (working hours past the deadline)",
        default=8.0,
    )
    emc_wo_super_admin_id = fields.Many2one(
        "res.users",
        string="Service desk super admin",
        help="Receives level-3 escalations for this organisation.",
    )
