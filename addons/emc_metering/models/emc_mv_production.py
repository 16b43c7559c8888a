from odoo import _, api, fields, models
from odoo.exceptions import UserError


class EmcMvProduction(models.Model):
    """The production of a day or a month, the production variable of a baseline.

    A period's production is the sum of the records dated inside it: enter
    one record per day for a daily baseline, one per month (dated the first
    of the month) for a monthly one. Records of the reporting period are
    entered as it goes; those of an approved baseline's baseline period are
    frozen with the model fitted on them.
    """

    _name = "emc.mv.production"
    _description = "Production for M&V"
    _order = "baseline_id, date"

    baseline_id = fields.Many2one("emc.mv.baseline", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="baseline_id.company_id", store=True, index=True)
    date = fields.Date(string="Day (or month)", required=True)
    quantity = fields.Float(required=True, digits=(16, 3))
    unit = fields.Char(related="baseline_id.production_unit")

    _sql_constraints = [
        (
            "baseline_date_uniq",
            "unique(baseline_id, date)",
            "A baseline has one production figure per day (or month).",
        ),
    ]

    def _check_not_frozen(self):
        for record in self:
            baseline = record.baseline_id
            if (
                baseline.state == "approved"
                and baseline.date_baseline_start <= record.date <= baseline.date_baseline_end
            ):
                raise UserError(
                    _(
                        "The production of %(date)s belongs to the baseline period of approved "
                        "baseline %(baseline)s, whose model was fitted on it: it cannot change.",
                        date=record.date,
                        baseline=baseline.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._check_not_frozen()
        return records

    def write(self, vals):
        self._check_not_frozen()
        res = super().write(vals)
        self._check_not_frozen()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_frozen(self):
        self._check_not_frozen()
