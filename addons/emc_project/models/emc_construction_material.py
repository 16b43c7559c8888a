from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class EmcConstructionMaterial(models.Model):
    _name = "emc.construction.material"
    _description = "Material used on a construction day"

    log_id = fields.Many2one("emc.construction.log", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="log_id.company_id", store=True)
    product_id = fields.Many2one("product.product", string="Product")
    name = fields.Char(
        string="Material", required=True, compute="_compute_name", store=True, readonly=False
    )
    uom_name = fields.Char(string="Unit")
    planned_qty = fields.Float(string="Planned")
    used_qty = fields.Float(string="Used")
    variance_qty = fields.Float(string="Variance", compute="_compute_variance", store=True)

    @api.depends("product_id")
    def _compute_name(self):
        for line in self:
            if line.product_id and not line.name:
                line.name = line.product_id.display_name

    @api.depends("planned_qty", "used_qty")
    def _compute_variance(self):
        for line in self:
            line.variance_qty = line.used_qty - line.planned_qty

    @api.constrains("planned_qty", "used_qty")
    def _check_quantities(self):
        for line in self:
            if line.planned_qty < 0 or line.used_qty < 0:
                raise ValidationError(_("Material quantities cannot be negative."))
