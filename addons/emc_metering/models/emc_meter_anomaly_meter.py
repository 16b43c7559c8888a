from odoo import api, fields, models
from odoo.exceptions import ValidationError


class EmcMeter(models.Model):
    """The meter's side of the anomaly monitoring: its threshold, count and smart button."""

    _inherit = "emc.meter"

    anomaly_offline_intervals = fields.Integer(
        string="Offline alert after (intervals)",
        default=4,
        help="An anomaly (and an O&M work order) is raised when the meter has sent no reading "
        "for this many polling intervals; 0 disables it.",
    )
    anomaly_ids = fields.One2many("emc.meter.anomaly", "meter_id", string="Anomalies")
    anomaly_count = fields.Integer(compute="_compute_anomaly_count")

    def _compute_anomaly_count(self):
        counts = dict(
            self.env["emc.meter.anomaly"]._read_group(
                [("meter_id", "in", self.ids)], ["meter_id"], ["__count"]
            )
        )
        for meter in self:
            meter.anomaly_count = counts.get(meter, 0)

    @api.constrains("anomaly_offline_intervals")
    def _check_anomaly_offline_intervals(self):
        for meter in self:
            if meter.anomaly_offline_intervals < 0:
                raise ValidationError(
                    self.env._(
                        "Meter %(meter)s: the offline alert needs 0 (none) or more intervals.",
                        meter=meter.code,
                    )
                )

    def action_view_anomalies(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "emc_metering.emc_meter_anomaly_action"
        )
        action["domain"] = [("meter_id", "in", self.ids)]
        action["context"] = {}
        return action
