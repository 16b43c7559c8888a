from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class EmcServiceArea(models.Model):
    _name = "emc.service.area"
    _description = "Service area of the service desk"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", string="Organisation")
    keywords = fields.Char(
        help="Comma-separated place names (district, town, park) that put an "
        "address inside the area, e.g. 巴州区,恩阳区,经开区.",
    )
    lat_min = fields.Float(string="Latitude from", digits=(10, 6))
    lat_max = fields.Float(string="Latitude to", digits=(10, 6))
    lon_min = fields.Float(string="Longitude from", digits=(10, 6))
    lon_max = fields.Float(string="Longitude to", digits=(10, 6))

    @api.constrains("lat_min", "lat_max", "lon_min", "lon_max")
    def _check_box(self):
        for area in self:
            if area.lat_min > area.lat_max or area.lon_min > area.lon_max:
                raise ValidationError(
                    _("Service area %(name)s: the GPS box is inverted.", name=area.name)
                )

    def _keyword_list(self):
        self.ensure_one()
        return [k.strip() for k in (self.keywords or "").replace("，", ",").split(",") if k.strip()]

    def _contains(self, address, latitude=0.0, longitude=0.0):
        """True when the address names one of the keywords or the GPS falls in the box."""
        self.ensure_one()
        if address and any(k in address for k in self._keyword_list()):
            return True
        has_box = self.lat_max or self.lon_max
        return bool(
            has_box
            and (latitude or longitude)
            and self.lat_min <= latitude <= self.lat_max
            and self.lon_min <= longitude <= self.lon_max
        )

    def _first_containing(self, address, latitude=0.0, longitude=0.0):
        """The first of these areas containing the address or position."""
        for area in self:
            if area._contains(address, latitude, longitude):
                return area
        return self.browse()

    @api.model
    def _find_for(self, address, latitude=0.0, longitude=0.0):
        """The first active area containing the address or position."""
        return self.search([])._first_containing(address, latitude, longitude)
