from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..lib import evidence


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    emc_tsa_url = fields.Char(
        string="Time-stamping authority (URL)",
        config_parameter="emc_workorder.tsa_url",
        help="RFC 3161 service that certifies the heads of the evidence chains, e.g. "
        "http://timestamp.digicert.com or your CA's TSA. Empty: chains are not anchored.",
    )
    emc_tsa_policy = fields.Char(
        string="TSA policy (OID)",
        config_parameter="emc_workorder.tsa_policy",
        help="Policy to request, as a dotted OID; empty for the authority's default.",
    )
    emc_tsa_ca_pem = fields.Char(
        string="TSA CA certificate (PEM)",
        config_parameter="emc_workorder.tsa_ca_pem",
        help="Certificate(s) of the authority's CA, in PEM: tokens are only trusted "
        "when they chain to one of them.",
    )
    emc_tsa_timeout = fields.Integer(
        string="TSA timeout (seconds)", config_parameter="emc_workorder.tsa_timeout", default=10
    )

    @api.constrains("emc_tsa_ca_pem")
    def _check_emc_tsa_ca_pem(self):
        for settings in self:
            if settings.emc_tsa_ca_pem and not evidence.split_pem(settings.emc_tsa_ca_pem.encode()):
                raise ValidationError(
                    self.env._(
                        "The TSA CA certificate must be in PEM form "
                        "(-----BEGIN CERTIFICATE----- … -----END CERTIFICATE-----)."
                    )
                )
