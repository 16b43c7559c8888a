import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

TOU_PERIODS = [
    ("critical", "Critical peak"),
    ("peak", "Peak"),
    ("flat", "Flat"),
    ("valley", "Valley"),
    ("deep_valley", "Deep valley"),
]
_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–~]\s*(\d{1,2}:\d{2})\s*$")


class EmcContractTouLine(models.Model):
    """One period of a time-of-use price: its price, its hours and its agreed weight."""

    _name = "emc.contract.tou.line"
    _description = "Time-of-use period of a contract price"
    _order = "price_id, id"

    price_id = fields.Many2one("emc.contract.price", required=True, ondelete="cascade", index=True)
    period = fields.Selection(TOU_PERIODS, required=True)
    price = fields.Float(string="Price (CNY/kWh)", digits=(16, 6), required=True)
    hours = fields.Char(
        help="The hours of this period, as ranges separated by commas: 08:00-11:00, "
        "18:00-23:00. A range ending before it starts runs over midnight (23:00-07:00).",
    )
    weight = fields.Float(
        string="Agreed share",
        digits=(16, 6),
        help="The contract's split of savings measured without time of use: any "
        "non-negative weights, normalised by their sum (shares, or kWh per period).",
    )

    _sql_constraints = [
        ("period_uniq", "unique(price_id, period)", "Each time-of-use period is priced once."),
        ("price_positive", "CHECK(price >= 0)", "A price cannot be negative."),
        ("weight_positive", "CHECK(weight >= 0)", "A weight cannot be negative."),
    ]

    def _hour_ranges(self):
        """``(period, "HH:MM", "HH:MM")`` tuples of this line's hours, as the settlement reads them."""
        self.ensure_one()
        ranges = []
        for part in (self.hours or "").replace("，", ",").split(","):
            if not part.strip():
                continue
            match = _RANGE.match(part)
            if not match:
                raise ValidationError(
                    self.env._(
                        "The hours “%(hours)s” of a time-of-use period must be ranges such as "
                        "08:00-11:00, separated by commas.",
                        hours=self.hours,
                    )
                )
            ranges.append((self.period, match.group(1).zfill(5), match.group(2).zfill(5)))
        return ranges

    @api.constrains("hours")
    def _check_hours(self):
        for line in self:
            line._hour_ranges()
