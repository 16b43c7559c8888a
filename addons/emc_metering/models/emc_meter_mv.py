from odoo import fields, models

MV_ROLES = [
    ("main", "Main meter (whole facility)"),
    ("sub", "Sub-meter"),
]


class EmcMeter(models.Model):
    _inherit = "emc.meter"

    mv_role = fields.Selection(
        MV_ROLES,
        string="M&V role",
        default="main",
        required=True,
        help="Main meters together measure the whole site (IPMVP Option C); sub-meters "
        "measure part of it, such as a retrofitted system (Option B).",
    )


class EmcSite(models.Model):
    _inherit = "emc.site"

    mv_baseline_ids = fields.One2many("emc.mv.baseline", "site_id", string="M&V baselines")

    def _mv_main_meters(self):
        """The site's active electricity main meters: the boundary of an Option C baseline."""
        self.ensure_one()
        return self.meter_ids.filtered(
            lambda m: m.active and m.carrier == "electricity" and m.mv_role == "main"
        )
