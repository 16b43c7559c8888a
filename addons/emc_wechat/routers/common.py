"""Dependencies shared by the two apps: authentication, rate limits, paging."""

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Path, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

from odoo import fields
from odoo.api import Environment

from odoo.addons.fastapi.dependencies import odoo_env

from .errors import ApiError, forbidden_scope

T = TypeVar("T")
RATE_PERIOD = 60
DEFAULT_RATE_TOKEN = 120
DEFAULT_RATE_IP = 600
MAX_PAGE = 100

bearer_scheme = HTTPBearer(auto_error=False, description="Authorization: Bearer <token>")
api_key_scheme = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="The integrator key (emck_...)."
)


# Record ids in paths: PostgreSQL integers, so that a huge number is a 422, not a 500.
RecordId = Annotated[int, Path(ge=1, le=2_147_483_647)]


class Strict(BaseModel):
    """Every input model: unknown fields are refused (no mass assignment)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Page(BaseModel, Generic[T]):
    total: int
    offset: int
    limit: int
    items: list[T]


class Paging(BaseModel):
    offset: int
    limit: int


def paging(
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page")] = 20,
) -> Paging:
    return Paging(offset=offset, limit=limit)


def page_of(records_model, domain, paging, order, shape):
    """A :class:`Page` of ``records_model`` searched with the caller's rights."""
    total = records_model.search_count(domain)
    records = records_model.search(domain, order=order, offset=paging.offset, limit=paging.limit)
    return {
        "total": total,
        "offset": paging.offset,
        "limit": paging.limit,
        "items": [shape(record) for record in records],
    }


def _limit(env, name, default):
    value = env["ir.config_parameter"].sudo().get_param(f"emc_wechat.{name}")
    try:
        return int(value) if value else default
    except ValueError:
        return default


def check_rate(env, key, name, default):
    """Count a request of ``key``; 429 with Retry-After beyond the configured limit."""
    allowed, retry_after = env["emc.wechat.rate.limit"]._hit(
        key, _limit(env, name, default), RATE_PERIOD
    )
    if not allowed:
        raise ApiError(
            429,
            "rate_limited",
            env._("Too many requests; try again in %(seconds)s seconds.", seconds=retry_after),
            headers={"Retry-After": str(retry_after)},
        )


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def ip_rate_limit(request: Request, env: Annotated[Environment, Depends(odoo_env)]) -> None:
    """Every call counts against its IP address (proxy_mode gives the real one)."""
    check_rate(env, f"ip:{client_ip(request)}", "rate_ip", DEFAULT_RATE_IP)


def _unauthorized(env, message):
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


# ----------------------------------------------------------------------
# Customers (mini-program)
# ----------------------------------------------------------------------
def mp_token(
    env: Annotated[Environment, Depends(odoo_env)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
):
    """The caller's live token (sudo record); 401 if missing, unknown, expired or revoked."""
    if not credentials:
        raise _unauthorized(env, env._("Sign in first (Authorization: Bearer <token>)."))
    token = env["emc.wechat.token"]._authenticate(credentials.credentials)
    if not token:
        raise _unauthorized(env, env._("The access token is invalid, expired or revoked."))
    check_rate(env, f"token:{token.id}", "rate_token", DEFAULT_RATE_TOKEN)
    return token


def mp_env(
    env: Annotated[Environment, Depends(odoo_env)], token: Annotated[object, Depends(mp_token)]
) -> Environment:
    """The customer's own environment: their rights and record rules apply from here on."""
    user = token.user_id
    context = dict(
        env.context,
        allowed_company_ids=user.company_ids.ids,
        authenticated_partner_id=user.partner_id.id,
    )
    return env(user=user.id, context=context, su=False)


# ----------------------------------------------------------------------
# Integrators
# ----------------------------------------------------------------------
def integrator_key(
    env: Annotated[Environment, Depends(odoo_env)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
):
    """The integrator's active key (sudo); 401 if missing or unknown."""
    secret = api_key or (credentials.credentials if credentials else None)
    if not secret:
        raise _unauthorized(env, env._("Send the API key (X-API-Key or Authorization: Bearer)."))
    key = env["emc.wechat.api.key"]._authenticate(secret)
    if not key:
        raise _unauthorized(env, env._("The API key is invalid or disabled."))
    check_rate(env, f"key:{key.id}", "rate_token", DEFAULT_RATE_TOKEN)
    now = fields.Datetime.now()
    if not key.date_last_used or (now - key.date_last_used).total_seconds() > RATE_PERIOD:
        key.date_last_used = now
    return key


def integrator_env(
    env: Annotated[Environment, Depends(odoo_env)],
    key: Annotated[object, Depends(integrator_key)],
) -> Environment:
    """The key's user, restricted to the key's organisation: its rules apply from here on."""
    context = dict(env.context, allowed_company_ids=[key.company_id.id])
    return env(user=key.user_id.id, context=context, su=False)


def scope(name):
    """A dependency refusing a key without scope ``name`` (403 ``scope_missing``)."""

    def check(
        env: Annotated[Environment, Depends(odoo_env)],
        key: Annotated[object, Depends(integrator_key)],
    ):
        if name not in key._scope_set():
            raise forbidden_scope(env, name)
        return key

    return Depends(check)
