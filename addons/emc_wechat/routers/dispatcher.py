import logging

from odoo.http import request

from odoo.addons.fastapi.fastapi_dispatcher import FastApiDispatcher

from .errors import ApiError, error_answer

DEFAULT_MAX_REQUEST_MB = 50


class EmcFastApiDispatcher(FastApiDispatcher):
    """The dispatcher of the EMC apps: size limit first, errors as ``{code, message}``.

    Errors still propagate to Odoo first (the transaction is rolled back, a
    concurrency error retried); only the answer's shape is ours.
    """

    routing_type = "emc_fastapi"

    def dispatch(self, endpoint, args):
        httprequest = self.request.httprequest
        langs = self.request.env["res.lang"].sudo().get_installed()
        if not httprequest.headers.get("Accept-Language") and any(
            code == "zh_CN" for code, _name in langs
        ):
            # The mini-program speaks Chinese unless the caller asks otherwise.
            self.request.update_context(lang="zh_CN")
        icp = self.request.env["ir.config_parameter"].sudo()
        try:
            limit_mb = int(icp.get_param("emc_wechat.max_request_mb") or DEFAULT_MAX_REQUEST_MB)
        except ValueError:
            limit_mb = DEFAULT_MAX_REQUEST_MB
        length = httprequest.content_length
        if length is not None and length > limit_mb * 1024 * 1024:
            env = self.request.env
            raise ApiError(
                413,
                "too_large",
                env._("The request is larger than %(mb)s MB.", mb=limit_mb),
            )
        return super().dispatch(endpoint, args)

    def handle_error(self, exc):
        status, body, headers = error_answer(request.env, exc)
        if status < 500:
            # A refused call is the client's business, not a server error to log as such.
            exc.loglevel = logging.INFO
        return self.request.make_json_response(body, status=status, headers=headers)
