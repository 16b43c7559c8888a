import logging
import time

import requests

from odoo import api, models

_logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.weixin.qq.com"
# WeChat error codes the callers tell apart.
ERR_BUSY = -1
ERR_INVALID_TOKEN = (40001, 42001)
ERR_INVALID_CODE = (40029, 40163)
ERR_RATE = 45011
# A cached access token is renewed this many seconds before WeChat expires it.
TOKEN_MARGIN = 300


class WechatError(Exception):
    """A WeChat API call that failed: ``errcode`` as WeChat sent it (None: no answer)."""

    def __init__(self, errcode, errmsg=""):
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class EmcWechatClient(models.AbstractModel):
    """A thin client of the WeChat server API (the mini-program's back end).

    Kept minimal on purpose: the REST API needs ``jscode2session`` and
    ``getuserphonenumber``; the gateways extend ``_get_access_token`` (a token
    shared by the workers) and add the subscribe messages. Configuration is in
    ``ir.config_parameter`` (see ``res.config.settings``): ``emc_wechat.appid``,
    ``emc_wechat.secret``, ``emc_wechat.base_url``, ``emc_wechat.timeout``.
    """

    _name = "emc.wechat.client"
    _description = "WeChat API client"

    @api.model
    def _config(self):
        # The credentials are read whoever calls (a customer logging in).
        icp = self.env["ir.config_parameter"].sudo()
        return {
            "appid": icp.get_param("emc_wechat.appid", ""),
            "secret": icp.get_param("emc_wechat.secret", ""),
            "base_url": (icp.get_param("emc_wechat.base_url") or DEFAULT_BASE_URL).rstrip("/"),
            "timeout": float(icp.get_param("emc_wechat.timeout", "10") or 10),
        }

    @api.model
    def _call(self, path, params=None, json=None, with_token=False):
        """Call ``path`` (GET with ``params``, POST when ``json`` is given); the decoded answer.

        Raises :class:`WechatError` when WeChat answers a non-zero ``errcode``
        or cannot be reached (``errcode`` None). With ``with_token`` the
        access token is added to the query, and renewed once if WeChat says it
        is no longer valid.
        """
        config = self._config()
        url = config["base_url"] + path
        for attempt in (1, 2):
            query = dict(params or {})
            if with_token:
                query["access_token"] = self._get_access_token(force=attempt == 2)
            try:
                if json is None:
                    response = requests.get(url, params=query, timeout=config["timeout"])
                else:
                    response = requests.post(
                        url, params=query, json=json, timeout=config["timeout"]
                    )
                answer = response.json()
            except (requests.RequestException, ValueError) as e:
                _logger.warning("WeChat %s unreachable: %s", path, e)
                raise WechatError(None, str(e)) from None
            errcode = answer.get("errcode") or 0
            if with_token and attempt == 1 and errcode in ERR_INVALID_TOKEN:
                continue
            if errcode:
                raise WechatError(errcode, answer.get("errmsg", ""))
            return answer
        raise WechatError(errcode, answer.get("errmsg", ""))

    @api.model
    def _get_access_token(self, force=False):
        """The mini-program's access token (client credential), cached until near its expiry.

        The notification gateway (``emc.wechat.gateway``) keeps its own stable
        token (``cgi-bin/stable_token``), which WeChat keeps apart from this
        one: fetching either does not invalidate the other.
        """
        icp = self.env["ir.config_parameter"].sudo()
        token = icp.get_param("emc_wechat.access_token")
        expires = float(icp.get_param("emc_wechat.access_token_expires", "0") or 0)
        if token and not force and expires - TOKEN_MARGIN > time.time():
            return token
        config = self._config()
        answer = self._call(
            "/cgi-bin/token",
            params={
                "grant_type": "client_credential",
                "appid": config["appid"],
                "secret": config["secret"],
            },
        )
        icp.set_param("emc_wechat.access_token", answer["access_token"])
        icp.set_param(
            "emc_wechat.access_token_expires",
            str(time.time() + int(answer.get("expires_in", 7200))),
        )
        return answer["access_token"]

    @api.model
    def _code2session(self, code):
        """``{"openid", "session_key", "unionid"?}`` of a mini-program login ``code``."""
        config = self._config()
        return self._call(
            "/sns/jscode2session",
            params={
                "appid": config["appid"],
                "secret": config["secret"],
                "js_code": code,
                "grant_type": "authorization_code",
            },
        )

    @api.model
    def _get_phone_number(self, code):
        """The ``phone_info`` dict (phoneNumber, purePhoneNumber, countryCode) of a phone ``code``."""
        answer = self._call(
            "/wxa/business/getuserphonenumber", json={"code": code}, with_token=True
        )
        return answer.get("phone_info") or {}
