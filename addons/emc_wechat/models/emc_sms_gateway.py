import json
import logging

from odoo import api, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "dysmsapi.aliyuncs.com"
# Alibaba Cloud codes worth trying again later: throttling and server trouble.
TRANSIENT_CODES = (
    "isv.BUSINESS_LIMIT_CONTROL",
    "isp.SYSTEM_ERROR",
    "isp.RAM_PERMISSION_DENY",
    "Throttling.User",
    "ServiceUnavailable",
)


class SmsGatewayError(Exception):
    """An SMS that Alibaba Cloud did not accept: its ``code`` (None: no answer) and message."""

    def __init__(self, code, message="", transient=None):
        super().__init__(f"SMS error {code}: {message}")
        self.code = code
        self.message = message
        self._transient = transient

    @property
    def transient(self):
        if self._transient is not None:
            return self._transient
        return self.code is None or self.code in TRANSIENT_CODES


class EmcSmsGateway(models.AbstractModel):
    """Alibaba Cloud SMS (dysmsapi 2017-05-25) through the official SDK.

    Configuration (``ir.config_parameter``): ``emc_wechat.sms_access_key``,
    ``emc_wechat.sms_access_secret``, ``emc_wechat.sms_endpoint`` (host, or
    ``http://host:port`` for a local test server), ``emc_wechat.sms_timeout``.
    The SDK signs every request (ACS3-HMAC-SHA256); its own automatic retries
    are off: retries go through ``queue_job`` (see ``emc.notification``).
    """

    _name = "emc.sms.gateway"
    _description = "SMS gateway (Alibaba Cloud)"

    @api.model
    def _config(self):
        # Server credentials, read whoever triggers a notification.
        icp = self.env["ir.config_parameter"].sudo()
        return {
            "access_key": icp.get_param("emc_wechat.sms_access_key", ""),
            "access_secret": icp.get_param("emc_wechat.sms_access_secret", ""),
            "endpoint": (icp.get_param("emc_wechat.sms_endpoint") or DEFAULT_ENDPOINT).strip(),
            "timeout": int(float(icp.get_param("emc_wechat.sms_timeout", "10") or 10) * 1000),
        }

    @api.model
    def _client(self, config):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import models as open_api_models

        endpoint, protocol = config["endpoint"], "https"
        if "://" in endpoint:
            protocol, endpoint = endpoint.split("://", 1)
        return Client(
            open_api_models.Config(
                access_key_id=config["access_key"],
                access_key_secret=config["access_secret"],
                endpoint=endpoint.rstrip("/"),
                protocol=protocol,
            )
        )

    @api.model
    def _send_sms(self, phone, sign_name, template_code, params):
        """Send one SMS; Alibaba's ``BizId`` (the key of its delivery receipt).

        Raises :class:`SmsGatewayError` when the SMS is refused or Alibaba
        cannot be reached (``transient`` tells whether to try again).
        """
        from alibabacloud_dysmsapi20170525 import models as sms_models
        from alibabacloud_tea_util import models as util_models

        config = self._config()
        if not (config["access_key"] and config["access_secret"]):
            raise UserError(self.env._("Set the SMS AccessKey ID and secret in the settings."))
        request = sms_models.SendSmsRequest(
            phone_numbers=phone,
            sign_name=sign_name,
            template_code=template_code,
            template_param=json.dumps(params, ensure_ascii=False),
        )
        runtime = util_models.RuntimeOptions(
            autoretry=False,
            read_timeout=config["timeout"],
            connect_timeout=config["timeout"],
        )
        try:
            response = self._client(config).send_sms_with_options(request, runtime)
        except Exception as e:
            code = getattr(e, "code", None)
            message = getattr(e, "message", None) or str(e)
            _logger.warning("SendSms to %s failed: %s %s", phone, code, message)
            raise SmsGatewayError(code, message) from None
        body = response.body
        if body.code != "OK":
            _logger.warning("SendSms to %s refused: %s %s", phone, body.code, body.message)
            raise SmsGatewayError(body.code, body.message)
        return body.biz_id
