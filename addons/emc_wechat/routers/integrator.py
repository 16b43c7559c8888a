"""The integrators' API: /api/v1/integrator.

A key acts as its user within its organisation (``integrator_env``): the
user's groups and the multi-company record rules decide what it reaches,
the key's scopes which routes it may call. Records of another organisation
are answered 404.
"""

import math
from datetime import datetime, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from pydantic import BaseModel, Field

from odoo.api import Environment
from odoo.tools import SQL

from odoo.addons.emc_workorder.models.emc_workorder import TEXT_LIMITS

from .common import (
    Page,
    Paging,
    RecordId,
    Strict,
    integrator_env,
    integrator_key,
    ip_rate_limit,
    page_of,
    paging,
    scope,
)
from .errors import ApiError, not_found

router = APIRouter(dependencies=[Depends(ip_rate_limit)])
Env = Annotated[Environment, Depends(integrator_env)]
Paged = Annotated[Paging, Depends(paging)]
MAX_READINGS = 5000


class PartnerRef(BaseModel):
    id: int
    name: str


class WorkorderOut(BaseModel):
    id: int
    name: str
    state: str
    organisation: str
    partner: PartnerRef | None
    type_code: str | None
    description: str
    contact_name: str | None
    phone: str | None
    street: str | None
    city: str | None
    assignee: str | None
    date_submitted: datetime | None
    date_closed: datetime | None
    missing_items: list[str]


class WorkorderIn(Strict):
    partner_id: int = Field(
        ge=1, le=2_147_483_647, description="The enterprise (res.partner) requesting"
    )
    description: str = Field(min_length=1, max_length=TEXT_LIMITS["description"])
    requested_type_code: str | None = Field(None, max_length=64)
    contact_name: str | None = Field(None, max_length=TEXT_LIMITS["contact_name"])
    phone: str | None = Field(None, max_length=TEXT_LIMITS["phone"])
    street: str | None = Field(None, max_length=TEXT_LIMITS["street"])
    city: str | None = Field(None, max_length=TEXT_LIMITS["city"])
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class ProjectOut(BaseModel):
    id: int
    code: str
    name: str
    state: str
    organisation: str
    partner: PartnerRef | None


class ChannelOut(BaseModel):
    code: str
    unit: str | None
    kind: str | None


class MeterOut(BaseModel):
    id: int
    code: str
    name: str
    site: str | None
    channels: list[ChannelOut]


class ReadingIn(Strict):
    meter_code: str = Field(min_length=1, max_length=64)
    channel: str = Field(min_length=1, max_length=64)
    ts: datetime = Field(description="ISO 8601; without a zone it is UTC")
    value: float | None


class ReadingsIn(Strict):
    readings: list[ReadingIn] = Field(min_length=1, max_length=MAX_READINGS)


class RowError(BaseModel):
    index: int
    code: str
    message: str


class ReadingsOut(BaseModel):
    received: int
    inserted: int
    duplicates: int
    rejected: int
    errors: list[RowError]


class ReadingOut(BaseModel):
    meter_code: str
    channel: str
    ts: datetime
    value: float | None
    quality: int


class ContractOut(BaseModel):
    id: int
    name: str
    title: str
    contract_type: str
    state: str
    organisation: str
    partner: PartnerRef | None
    date_start: str | None
    date_end: str | None


def _partner(partner):
    return {"id": partner.id, "name": partner.name} if partner else None


def _company_domain(env):
    return [("company_id", "=", env.company.id)]


def _one(env, model, record_id):
    record = env[model].search([("id", "=", record_id), *_company_domain(env)])
    if not record:
        raise not_found(env)
    return record


def _order_out(order):
    return {
        "id": order.id,
        "name": order.name,
        "state": order.state,
        "organisation": order.company_id.name,
        "partner": _partner(order.partner_id),
        "type_code": (order.type_id or order.requested_type_id).code or None,
        "description": order.description or "",
        "contact_name": order.contact_name or None,
        "phone": order.phone or None,
        "street": order.street or None,
        "city": order.city or None,
        "assignee": order.user_id.name or None,
        "date_submitted": order.date_submitted or None,
        "date_closed": order.date_closed or None,
        "missing_items": (order.missing_items or "").splitlines(),
    }


# ----------------------------------------------------------------------
# Work orders
# ----------------------------------------------------------------------
@router.get(
    "/workorders",
    tags=["workorders"],
    response_model=Page[WorkorderOut],
    dependencies=[scope("workorders:read")],
)
def list_workorders(env: Env, paged: Paged):
    """The organisation's work orders, newest first."""
    return page_of(env["emc.workorder"], _company_domain(env), paged, "id desc", _order_out)


@router.get(
    "/workorders/{order_id}",
    tags=["workorders"],
    response_model=WorkorderOut,
    dependencies=[scope("workorders:read")],
)
def get_workorder(order_id: RecordId, env: Env):
    return _order_out(_one(env, "emc.workorder", order_id))


@router.post(
    "/workorders",
    tags=["workorders"],
    response_model=WorkorderOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[scope("workorders:write")],
)
def create_workorder(body: WorkorderIn, env: Env):
    """Enter a request for an enterprise; it is submitted and pre-checked at once."""
    partner = env["res.partner"].search([("id", "=", body.partner_id)])
    if not partner:
        raise ApiError(
            422, "invalid_input", env._("Unknown enterprise %(id)s.", id=body.partner_id)
        )
    work_type = env["emc.workorder.type"]
    if body.requested_type_code:
        work_type = work_type.search([("code", "=", body.requested_type_code)], limit=1)
        if not work_type:
            raise ApiError(
                422,
                "invalid_input",
                env._("Unknown work order type %(code)s.", code=body.requested_type_code),
            )
    values = body.model_dump(
        exclude={"partner_id", "requested_type_code", "latitude", "longitude"}, exclude_none=True
    )
    errors = env["emc.workorder"]._text_limit_errors(values)
    if errors:
        raise ApiError(422, "invalid_input", "\n".join(errors))
    # The key's user creates with its own rights (an AccessError answers 403).
    order = env["emc.workorder"].create(
        {
            **values,
            "partner_id": partner.id,
            "company_id": env.company.id,
            "channel": "backoffice",
            "requested_type_id": work_type.id or False,
            "latitude": body.latitude or 0.0,
            "longitude": body.longitude or 0.0,
        }
    )
    order.action_submit()
    return _order_out(order)


# ----------------------------------------------------------------------
# Projects
# ----------------------------------------------------------------------
def _project_out(project):
    return {
        "id": project.id,
        "code": project.code or "",
        "name": project.name,
        "state": project.state,
        "organisation": project.company_id.name,
        "partner": _partner(project.partner_id),
    }


@router.get(
    "/projects",
    tags=["projects"],
    response_model=Page[ProjectOut],
    dependencies=[scope("projects:read")],
)
def list_projects(env: Env, paged: Paged):
    return page_of(env["emc.project"], _company_domain(env), paged, "id desc", _project_out)


@router.get(
    "/projects/{project_id}",
    tags=["projects"],
    response_model=ProjectOut,
    dependencies=[scope("projects:read")],
)
def get_project(project_id: RecordId, env: Env):
    return _project_out(_one(env, "emc.project", project_id))


# ----------------------------------------------------------------------
# Meters and readings
# ----------------------------------------------------------------------
def _meter_out(meter):
    return {
        "id": meter.id,
        "code": meter.code or "",
        "name": meter.name or "",
        "site": meter.site_id.name or None,
        "channels": [
            {"code": c.code, "unit": c.unit or None, "kind": c.kind or None}
            for c in meter.channel_ids
        ],
    }


@router.get(
    "/meters", tags=["meters"], response_model=Page[MeterOut], dependencies=[scope("meters:read")]
)
def list_meters(env: Env, paged: Paged):
    return page_of(env["emc.meter"], _company_domain(env), paged, "code, id", _meter_out)


@router.get(
    "/readings",
    tags=["meters"],
    response_model=Page[ReadingOut],
    dependencies=[scope("meters:read")],
)
def list_readings(
    env: Env,
    paged: Paged,
    meter_code: Annotated[str, Query(min_length=1, max_length=64)],
    date_from: datetime | None = None,
    date_to: datetime | None = None,
):
    """Stored readings of one meter of the organisation, oldest first."""
    meter = env["emc.meter"].search([("code", "=", meter_code), *_company_domain(env)], limit=1)
    if not meter:
        raise not_found(env)
    channels = {c.id: c.code for c in meter.with_context(active_test=False).channel_ids}
    if not channels:
        return {"total": 0, "offset": paged.offset, "limit": paged.limit, "items": []}
    where = SQL("channel_id = ANY(%s)", list(channels))
    if date_from:
        where = SQL("%s AND ts >= %s", where, _utc(date_from))
    if date_to:
        where = SQL("%s AND ts < %s", where, _utc(date_to))
    # The meter was found under the key's rules; its readings are read in SQL.
    env.cr.execute(SQL("SELECT count(*) FROM emc_meter_reading WHERE %s", where))
    total = env.cr.fetchone()[0]
    env.cr.execute(
        SQL(
            "SELECT channel_id, ts, value, quality FROM emc_meter_reading WHERE %s"
            " ORDER BY ts, channel_id LIMIT %s OFFSET %s",
            where,
            paged.limit,
            paged.offset,
        )
    )
    items = [
        {
            "meter_code": meter.code,
            "channel": channels[channel_id],
            "ts": ts.replace(tzinfo=timezone.utc),
            "value": value,
            "quality": quality,
        }
        for channel_id, ts, value, quality in env.cr.fetchall()
    ]
    return {"total": total, "offset": paged.offset, "limit": paged.limit, "items": items}


def _utc(ts):
    return ts.astimezone(timezone.utc).replace(tzinfo=None) if ts.tzinfo else ts


@router.post(
    "/readings",
    tags=["meters"],
    response_model=ReadingsOut,
    dependencies=[scope("readings:write")],
)
def push_readings(body: ReadingsIn, env: Env):
    """Store readings of a third-party collector; rows sent again are ignored (idempotent).

    Each row is checked alone: refused rows are listed with their index and
    the others stored through the metering ingestion path.
    """
    codes = sorted({row.meter_code for row in body.readings})
    meters = {
        m.code: m for m in env["emc.meter"].search([("code", "in", codes), *_company_domain(env)])
    }
    errors, rows, channels = [], [], {}
    for index, row in enumerate(body.readings):
        meter = meters.get(row.meter_code)
        if not meter:
            errors.append(
                {
                    "index": index,
                    "code": "unknown_meter",
                    "message": env._("No meter %(code)s here.", code=row.meter_code),
                }
            )
            continue
        if row.value is not None and not math.isfinite(row.value):
            errors.append(
                {
                    "index": index,
                    "code": "invalid_value",
                    "message": env._("The value is not a number."),
                }
            )
            continue
        key = (meter.id, row.channel)
        if key not in channels:
            # The meter was found under the key's rules; its channels (created
            # for meters without a register map) belong to the metering engine.
            channels[key] = meter.sudo()._channel_by_code(row.channel)
        channel = channels[key]
        if not channel:
            errors.append(
                {
                    "index": index,
                    "code": "unknown_channel",
                    "message": env._(
                        "Meter %(meter)s has no channel %(channel)s.",
                        meter=row.meter_code,
                        channel=row.channel,
                    ),
                }
            )
            continue
        rows.append((channel.id, row.ts, row.value, 0))
    result = env["emc.meter.reading"].sudo()._ingest(rows)
    return {
        "received": len(body.readings),
        "inserted": result.inserted,
        "duplicates": result.duplicates,
        "rejected": len(errors),
        "errors": errors,
    }


# ----------------------------------------------------------------------
# Contracts
# ----------------------------------------------------------------------
def _contract_out(contract):
    return {
        "id": contract.id,
        "name": contract.name or "",
        "title": contract.title or "",
        "contract_type": contract.contract_type,
        "state": contract.state,
        "organisation": contract.company_id.name,
        "partner": _partner(contract.partner_id),
        "date_start": (contract.date_start and contract.date_start.isoformat()) or None,
        "date_end": (contract.date_end and contract.date_end.isoformat()) or None,
    }


@router.get(
    "/contracts",
    tags=["contracts"],
    response_model=Page[ContractOut],
    dependencies=[scope("contracts:read")],
)
def list_contracts(env: Env, paged: Paged):
    return page_of(env["emc.contract"], _company_domain(env), paged, "id desc", _contract_out)


@router.get(
    "/contracts/{contract_id}",
    tags=["contracts"],
    response_model=ContractOut,
    dependencies=[scope("contracts:read")],
)
def get_contract(contract_id: RecordId, env: Env):
    return _contract_out(_one(env, "emc.contract", contract_id))


@router.get("/whoami", tags=["auth"])
def whoami(key: Annotated[object, Depends(integrator_key)]):
    """The key's name, organisation and scopes (to check a configuration)."""
    return {
        "key": key.name,
        "organisation": key.company_id.name,
        "scopes": sorted(key._scope_set()),
    }
