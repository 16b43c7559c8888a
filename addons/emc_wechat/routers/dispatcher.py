import json
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
        Lang = self.request.env["res.lang"].sudo()
        header = httprequest.headers.get("Accept-Language")
        if header:
            try:
                Lang._get_lang_from_accept_language(header)
            except ValueError:
                # An unreadable header is ignored: the parser would fail the call.
                httprequest.environ.pop("HTTP_ACCEPT_LANGUAGE", None)
                header = None
        langs = Lang.get_installed()
        if not header and any(code == "zh_CN" for code, _name in langs):
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
        if httprequest.mimetype == "application/json":
            raw = httprequest.get_data(cache=True)
            try:
                if raw.strip():
                    json.loads(raw)
            except ValueError:
                # Refused here: a body FastAPI cannot decode sometimes left the
                # WSGI bridge without an answer (found by schemathesis).
                raise ApiError(
                    422, "invalid_input", self.request.env._("The body is not valid JSON.")
                ) from None
        return super().dispatch(endpoint, args)

    def handle_error(self, exc):
        status, body, headers = error_answer(request.env, exc)
        if status < 500:
            # A refused call is the client's business, not a server error to log as such.
            exc.loglevel = logging.INFO
        return self.request.make_json_response(body, status=status, headers=headers)
