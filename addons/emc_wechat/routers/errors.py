"""The uniform error answer of the REST API: ``{"code": ..., "message": ...}``.

``code`` is stable (clients branch on it), ``message`` is for people, in the
caller's language (Chinese by default). Validation errors add ``errors``,
the list of the fields refused.
"""

import logging

from fastapi import HTTPException
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from werkzeug.exceptions import HTTPException as WerkzeugHTTPException

from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError

_logger = logging.getLogger(__name__)


class ApiError(HTTPException):
    """An answer refused with ``status``, a stable ``code`` and a translated ``message``."""

    def __init__(self, status, code, message, headers=None):
        super().__init__(status_code=status, detail=message, headers=headers)
        self.code = code
        self.message = message


def not_found(env):
    return ApiError(404, "not_found", env._("Not found, or not yours."))


def forbidden_scope(env, scope):
    return ApiError(
        403, "scope_missing", env._("This key may not do that (scope %(scope)s).", scope=scope)
    )


def error_answer(env, exc):
    """``(status, body, headers)`` of any exception raised while serving an API call."""
    headers = dict(getattr(exc, "headers", None) or {})
    if isinstance(exc, ApiError):
        return exc.status_code, {"code": exc.code, "message": exc.message}, headers
    if isinstance(exc, RequestValidationError):
        errors = [
            {
                "loc": [str(part) for part in err.get("loc", ())],
                "type": err.get("type"),
                "msg": err.get("msg"),
            }
            for err in exc.errors()
        ]
        fields = ", ".join(".".join(e["loc"][1:]) or e["loc"][0] for e in errors if e["loc"])
        body = {
            "code": "invalid_input",
            "message": env._("Invalid request: check %(fields)s.", fields=fields or "-"),
            "errors": jsonable_encoder(errors),
        }
        return 422, body, headers
    if isinstance(exc, StarletteHTTPException | WerkzeugHTTPException):
        status = getattr(exc, "status_code", None) or getattr(exc, "code", 500)
        codes = {
            404: ("not_found", env._("No such API path.")),
            405: ("method_not_allowed", env._("This method is not allowed here.")),
            413: ("too_large", env._("The request is too large.")),
            401: ("unauthorized", env._("Sign in first.")),
        }
        code, message = codes.get(status, ("http_error", env._("The request was refused.")))
        return status, {"code": code, "message": message}, headers
    if isinstance(exc, AccessDenied | AccessError):
        return 403, {"code": "forbidden", "message": env._("You may not do that.")}, {}
    if isinstance(exc, MissingError):
        return 404, {"code": "not_found", "message": env._("Not found, or not yours.")}, {}
    if isinstance(exc, UserError):
        # ValidationError included: the model's own message says what to change.
        return 400, {"code": "refused", "message": str(exc.args[0])}, {}
    _logger.error("REST API call failed", exc_info=exc)
    return 500, {"code": "server_error", "message": env._("Server error; try again later.")}, {}
