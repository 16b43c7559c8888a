import logging
from datetime import timedelta

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.sql_db import TestCursor

_logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.weixin.qq.com"
# A cached token is renewed this long before WeChat would expire it.
TOKEN_MARGIN = timedelta(minutes=5)
ERR_INVALID_TOKEN = (40001, 42001)
ERR_SUBSCRIPTION_REFUSED = 43101
# Busy or rate-limited: worth trying again later.
ERR_TRANSIENT = (-1, 45009, 45011)


class WechatGatewayError(Exception):
    """A WeChat call that failed: ``errcode`` as WeChat sent it (None: no answer)."""

    def __init__(self, errcode, errmsg=""):
        super().__init__(f"WeChat error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg

    @property
    def transient(self):
        return self.errcode is None or self.errcode in ERR_TRANSIENT

    @property
    def refused(self):
        return self.errcode == ERR_SUBSCRIPTION_REFUSED


class EmcWechatGateway(models.AbstractModel):
    """WeChat server API for the notifications: stable access token, subscribe
    messages, content security check.

    Configuration (``ir.config_parameter``, shared with the REST API's
    ``emc.wechat.client``): ``emc_wechat.appid``, ``emc_wechat.secret``,
    ``emc_wechat.base_url``, ``emc_wechat.timeout``,
    ``emc_wechat.msg_sec_check`` (content check on or off),
    ``emc_wechat.miniprogram_state`` (formal / trial / developer).

    The access token comes from ``cgi-bin/stable_token`` and is cached in
    ``emc.wechat.token.cache`` with its expiry. A worker that finds it
    missing or about to expire refreshes it in a transaction of its own
    holding the row lock (``SELECT … FOR UPDATE`` under READ COMMITTED): a
    second worker waits for that lock, then reads the token the first stored
    and does not call WeChat. The refresh is committed at once, whatever
    becomes of the caller's transaction.
    """

    _name = "emc.wechat.gateway"
    _description = "WeChat gateway"

    @api.model
    def _config(self):
        # Server credentials, read whoever triggers a notification.
        icp = self.env["ir.config_parameter"].sudo()
        return {
            "appid": icp.get_param("emc_wechat.appid", ""),
            "secret": icp.get_param("emc_wechat.secret", ""),
            "base_url": (icp.get_param("emc_wechat.base_url") or DEFAULT_BASE_URL).rstrip("/"),
            "timeout": float(icp.get_param("emc_wechat.timeout", "10") or 10),
            "msg_sec_check": icp.get_param("emc_wechat.msg_sec_check", "False") == "True",
            "miniprogram_state": icp.get_param("emc_wechat.miniprogram_state", "formal"),
        }

    # ------------------------------------------------------------------
    # Access token
    # ------------------------------------------------------------------
    @api.model
    def _get_access_token(self, invalid=None, force=False):
        """A valid access token, from the cache or refreshed.

        ``invalid`` is a token WeChat has just refused (40001/42001): it is
        replaced unless another worker already did. ``force`` (the signature
        of ``emc.wechat.client``) refreshes the cached token whatever it is.
        """
        config = self._config()
        if not (config["appid"] and config["secret"]):
            raise UserError(self.env._("Set the mini-program AppID and AppSecret in the settings."))
        self.env["emc.wechat.token.cache"].flush_model()
        if not (invalid or force):
            self.env.cr.execute(
                "SELECT access_token, date_expire FROM emc_wechat_token_cache WHERE appid = %s",
                [config["appid"]],
            )
            row = self.env.cr.fetchone()
            if row and row[0] and row[1] and row[1] - TOKEN_MARGIN > fields.Datetime.now():
                return row[0]
        if force:
            self.env.cr.execute(
                "SELECT access_token FROM emc_wechat_token_cache WHERE appid = %s",
                [config["appid"]],
            )
            row = self.env.cr.fetchone()
            invalid = (row and row[0]) or invalid
        with self.env.registry.cursor() as cr:
            token = self._refresh_access_token(cr, config, invalid=invalid)
        self.env["emc.wechat.token.cache"].invalidate_model()
        return token

    @api.model
    def _refresh_access_token(self, cr, config, invalid=None):
        """Under the cache row's lock in ``cr``: the cached token if still good, else a new one.

        ``cr`` is a transaction of its own, committed by the caller.
        """
        if not isinstance(cr, TestCursor):
            # First statement of the transaction: after waiting for the lock,
            # the row read is the one the other worker committed.
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        cr.execute(
            """INSERT INTO emc_wechat_token_cache (appid, refresh_count, create_date, write_date)
               VALUES (%s, 0, now() at time zone 'UTC', now() at time zone 'UTC')
               ON CONFLICT (appid) DO NOTHING""",
            [config["appid"]],
        )
        cr.execute(
            """SELECT access_token, date_expire FROM emc_wechat_token_cache
               WHERE appid = %s FOR UPDATE""",
            [config["appid"]],
        )
        token, expire = cr.fetchone()
        now = fields.Datetime.now()
        if token and token != invalid and expire and expire - TOKEN_MARGIN > now:
            return token
        answer = self._request(
            config,
            "/cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": config["appid"],
                "secret": config["secret"],
                # Forced only when WeChat refused the very token we hold.
                "force_refresh": bool(invalid and token == invalid),
            },
        )
        token = answer.get("access_token")
        if not token:
            raise WechatGatewayError(None, "stable_token answered no access_token")
        expire = now + timedelta(seconds=int(answer.get("expires_in") or 7200))
        cr.execute(
            """UPDATE emc_wechat_token_cache
               SET access_token = %s, date_expire = %s, refresh_count = refresh_count + 1,
                   write_date = now() at time zone 'UTC'
               WHERE appid = %s""",
            [token, expire, config["appid"]],
        )
        _logger.info("WeChat access token refreshed for %s", config["appid"])
        return token

    # ------------------------------------------------------------------
    # Calls
    # ------------------------------------------------------------------
    @api.model
    def _request(self, config, path, json=None, params=None):
        """POST ``json`` to ``path``; the decoded answer, or WechatGatewayError."""
        try:
            response = requests.post(
                config["base_url"] + path, params=params, json=json, timeout=config["timeout"]
            )
            answer = response.json()
        except (requests.RequestException, ValueError) as e:
            raise WechatGatewayError(None, str(e)) from None
        errcode = answer.get("errcode") or 0
        if errcode:
            raise WechatGatewayError(errcode, answer.get("errmsg", ""))
        return answer

    @api.model
    def _post(self, path, payload):
        """POST ``payload`` to ``path`` with the access token; renewed and retried once
        when WeChat says it is invalid or expired (40001, 42001)."""
        config = self._config()
        token = self._get_access_token()
        try:
            return self._request(config, path, json=payload, params={"access_token": token})
        except WechatGatewayError as e:
            if e.errcode not in ERR_INVALID_TOKEN:
                _logger.warning("WeChat %s failed: %s %s", path, e.errcode, e.errmsg)
                raise
        token = self._get_access_token(invalid=token)
        try:
            return self._request(config, path, json=payload, params={"access_token": token})
        except WechatGatewayError as e:
            _logger.warning(
                "WeChat %s failed after a token refresh: %s %s", path, e.errcode, e.errmsg
            )
            raise

    @api.model
    def _send_subscribe_message(self, openid, template_id, data, page=None, lang="zh_CN"):
        """Send a subscribe message; WeChat's ``msgid``.

        ``data`` maps the template's keys (``thing1``…) to text. Raises
        :class:`WechatGatewayError` (``refused`` for 43101: the user did not
        accept this template's subscription).
        """
        payload = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
            "miniprogram_state": self._config()["miniprogram_state"],
            "lang": lang,
        }
        if page:
            payload["page"] = page
        return self._post("/cgi-bin/message/subscribe/send", payload).get("msgid")

    @api.model
    def _check_text(self, content, openid, scene=2):
        """Content security check (``wxa/msg_sec_check``, version 2) of a user's text.

        Returns True when the check is off in the settings, when the text is
        empty, or when WeChat suggests ``pass``; raises a UserError telling
        the user to rephrase when it suggests ``risky`` or ``review``.
        ``scene``: 1 profile, 2 comment, 3 forum, 4 social log.
        """
        if not (content or "").strip() or not self._config()["msg_sec_check"]:
            return True
        answer = self._post(
            "/wxa/msg_sec_check",
            {"content": content, "version": 2, "scene": scene, "openid": openid},
        )
        suggest = (answer.get("result") or {}).get("suggest", "pass")
        if suggest != "pass":
            raise UserError(
                self.env._(
                    "The text was refused by WeChat's content check (%(label)s): rephrase it.",
                    label=(answer.get("result") or {}).get("label", suggest),
                )
            )
        return True
