"""The mini-program's API (customers): /api/v1/mp.

Each route validates its input with a strict schema, runs in the customer's
own environment (``mp_env``: portal rights and record rules) and calls the
model methods the service desk's portal calls. Another customer's record is
answered 404, as if it did not exist.
"""

import base64
import binascii
import os
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Response, UploadFile, status
from pydantic import BaseModel, Field

from odoo.api import Environment
from odoo.fields import Command
from odoo.tools.mimetypes import guess_mimetype

from odoo.addons.emc_project.lib import uploads as upload_checks
from odoo.addons.emc_workorder.controllers.portal import PHOTO_KINDS, UPLOAD_MAX_FILES
from odoo.addons.emc_workorder.models.emc_workorder import TEXT_LIMITS
from odoo.addons.emc_workorder.models.emc_workorder_type import OPEN_STAGES
from odoo.addons.fastapi.dependencies import odoo_env
from odoo.addons.phone_validation.tools import phone_validation

from ..models.emc_wechat_client import ERR_BUSY, ERR_INVALID_CODE, ERR_RATE, WechatError
from .common import Page, Paging, RecordId, Strict, ip_rate_limit, mp_env, mp_token, page_of, paging
from .errors import ApiError, not_found

router = APIRouter(dependencies=[Depends(ip_rate_limit)])
Env = Annotated[Environment, Depends(mp_env)]
Paged = Annotated[Paging, Depends(paging)]


# ----------------------------------------------------------------------
# Schemas
# ----------------------------------------------------------------------
class CodeIn(Strict):
    code: str = Field(min_length=1, max_length=128, description="wx.login / getPhoneNumber code")


class RefreshIn(Strict):
    refresh_token: str = Field(min_length=1, max_length=128)


class ProfileOut(BaseModel):
    id: int
    name: str
    enterprise: str | None
    phone: str | None
    email: str | None
    phone_bound: bool


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["Bearer"] = "Bearer"
    expires_in: int
    refresh_token: str
    profile: ProfileOut


class ProfileIn(Strict):
    name: str | None = Field(None, min_length=1, max_length=100)
    email: str | None = Field(None, max_length=120, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class FormFieldOut(BaseModel):
    name: str
    label: str
    required: bool
    max_length: int | None
    kind: Literal["text", "textarea", "phone", "number", "files"]


class WorkTypeOut(BaseModel):
    id: int
    code: str
    name: str
    description: str | None
    min_attachments: int
    fields: list[FormFieldOut]


class PrecheckOut(BaseModel):
    passed: bool
    missing: list[str]


class TimelineItem(BaseModel):
    event: str
    label: str
    value: str
    date: datetime


class WorkorderOut(BaseModel):
    id: int
    name: str
    state: str
    state_label: str
    type: str | None
    description: str
    contact_name: str | None
    phone: str | None
    street: str | None
    city: str | None
    date_submitted: datetime | None
    progress: float
    missing_items: list[str]
    scheme_available: bool
    signed_by: str | None
    date_signed: datetime | None
    rejection_reason: str | None
    attachment_count: int


class WorkorderDetail(WorkorderOut):
    timeline: list[TimelineItem]


class SubmitOut(WorkorderOut):
    precheck: PrecheckOut


class RequestForm(Strict):
    """A new request (multipart/form-data with the photos and videos)."""

    description: str = Field(min_length=1, max_length=TEXT_LIMITS["description"])
    requested_type_id: int | None = Field(None, ge=1, le=2_147_483_647)
    contact_name: str | None = Field(None, max_length=TEXT_LIMITS["contact_name"])
    phone: str | None = Field(None, max_length=TEXT_LIMITS["phone"])
    street: str | None = Field(None, max_length=TEXT_LIMITS["street"])
    city: str | None = Field(None, max_length=TEXT_LIMITS["city"])
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    photos: list[UploadFile] = Field(default=[], max_length=UPLOAD_MAX_FILES)


class InformationForm(Strict):
    """What a returned request lacked (multipart/form-data)."""

    description: str | None = Field(None, min_length=1, max_length=TEXT_LIMITS["description"])
    contact_name: str | None = Field(None, max_length=TEXT_LIMITS["contact_name"])
    phone: str | None = Field(None, max_length=TEXT_LIMITS["phone"])
    street: str | None = Field(None, max_length=TEXT_LIMITS["street"])
    city: str | None = Field(None, max_length=TEXT_LIMITS["city"])
    photos: list[UploadFile] = Field(default=[], max_length=UPLOAD_MAX_FILES)


class ConfirmIn(Strict):
    signed_by: str = Field(min_length=1, max_length=TEXT_LIMITS["signed_by"])
    signature: str = Field(
        min_length=8,
        max_length=4 * 1024 * 1024,
        description="The handwritten signature, a PNG or JPEG image in base64",
    )


class RejectIn(Strict):
    reason: str = Field(min_length=1, max_length=TEXT_LIMITS["rejection_reason"])


class RateIn(Strict):
    stars: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=TEXT_LIMITS["rating_comment"])


class ContractOut(BaseModel):
    id: int
    name: str
    title: str
    contract_type: str
    state: str
    organisation: str
    date_start: str | None
    date_end: str | None


class SiteOut(BaseModel):
    id: int
    name: str
    street: str | None
    city: str | None


class ConsumptionOut(BaseModel):
    month: str
    carrier: str
    quantity: float
    unit: str | None


class SavingsOut(BaseModel):
    period: str
    date_start: str
    date_end: str
    adjusted_baseline_kwh: float
    actual_kwh: float
    savings_kwh: float
    savings_tce: float
    complete: bool


class NotificationOut(BaseModel):
    id: int
    date: datetime
    subject: str | None
    body: str
    model: str | None
    res_id: int | None


# ----------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------
def _profile(user):
    partner = user.partner_id
    commercial = partner.commercial_partner_id
    phone = partner.mobile or partner.phone or None
    return {
        "id": partner.id,
        "name": partner.name or "",
        "enterprise": commercial.name if commercial != partner else None,
        "phone": phone,
        "email": partner.email or None,
        "phone_bound": bool(partner.mobile),
    }


def _wechat_refused(env, error):
    """The API error of a refused WeChat call."""
    if error.errcode in ERR_INVALID_CODE:
        return ApiError(400, "wechat_code_invalid", env._("The WeChat code is invalid or used."))
    if error.errcode == ERR_RATE:
        return ApiError(429, "wechat_rate_limited", env._("WeChat is limiting calls; retry soon."))
    if error.errcode in (ERR_BUSY, None):
        return ApiError(503, "wechat_unavailable", env._("WeChat is busy; retry in a moment."))
    return ApiError(
        502, "wechat_error", env._("WeChat refused the call (%(code)s).", code=error.errcode)
    )


def _my_order(env, order_id):
    """The customer's order ``order_id`` (rules and the portal's domain), else 404."""
    partner = env.user.partner_id.commercial_partner_id
    order = env["emc.workorder"].search(
        [("id", "=", order_id), ("partner_id", "child_of", [partner.id])]
    )
    if not order:
        raise not_found(env)
    # The transitions write fields customers only read: sudo keeps the
    # customer's uid (events and messages name them); the search above,
    # under their record rules, is the access check.
    return order.sudo()


def _scheme_available(order):
    return bool(order.scheme_file and order.date_scheme_pushed and order.state != "scheme")


def _order_out(order):
    labels = dict(order._fields["state"]._description_selection(order.env))
    work_type = order.type_id or order.requested_type_id
    return {
        "id": order.id,
        "name": order.name,
        "state": order.state,
        "state_label": labels.get(order.state, order.state),
        "type": work_type.name or None,
        "description": order.description or "",
        "contact_name": order.contact_name or None,
        "phone": order.phone or None,
        "street": order.street or None,
        "city": order.city or None,
        "date_submitted": order.date_submitted or None,
        "progress": order.progress or 0.0,
        "missing_items": (order.missing_items or "").splitlines(),
        "scheme_available": _scheme_available(order),
        "signed_by": order.signed_by or None,
        "date_signed": order.date_signed or None,
        "rejection_reason": order.rejection_reason or None,
        "attachment_count": len(order.attachment_ids),
    }


def _uploads(env, files):
    """Each file checked by its content (the service desk's checker); UserError if refused."""
    checker = env["emc.upload.mixin"]
    accepted = []
    for upload in files:
        if not upload.filename:
            continue
        raw = upload.file.read(upload_checks.MAX_BYTES + 1)
        checked = checker._emc_check_upload(os.path.basename(upload.filename), raw, PHOTO_KINDS)
        accepted.append((checked.name, raw, checked.mimetype))
    return accepted


def _attach(order_sudo, uploads):
    if not uploads:
        return
    # The order's access was checked (or it was just created for the customer).
    attachments = order_sudo.env["ir.attachment"].create(
        [
            {
                "name": name,
                "raw": raw,
                "mimetype": mimetype,
                "res_model": order_sudo._name,
                "res_id": order_sudo.id,
            }
            for name, raw, mimetype in uploads
        ]
    )
    order_sudo.attachment_ids = [Command.link(a.id) for a in attachments]


def _text_values(form, names):
    return {name: getattr(form, name) for name in names if getattr(form, name) is not None}


def _refuse_limits(env, values):
    errors = env["emc.workorder"]._text_limit_errors(values)
    if errors:
        raise ApiError(422, "invalid_input", "\n".join(errors))


# ----------------------------------------------------------------------
# Authentication
# ----------------------------------------------------------------------
@router.post("/auth/login", tags=["auth"], response_model=TokenOut)
def login(body: CodeIn, env: Annotated[Environment, Depends(odoo_env)]):
    """Exchange the code of ``wx.login`` for our access and refresh tokens."""
    try:
        token, access, refresh, ttl = env["emc.wechat.token"]._login_wechat(body.code)
    except WechatError as e:
        raise _wechat_refused(env, e) from None
    return {
        "access_token": access,
        "expires_in": ttl,
        "refresh_token": refresh,
        "profile": _profile(token.user_id),
    }


@router.post("/auth/refresh", tags=["auth"], response_model=TokenOut)
def refresh(body: RefreshIn, env: Annotated[Environment, Depends(odoo_env)]):
    """A new pair of tokens for a refresh token; the old pair stops working."""
    issued = env["emc.wechat.token"]._refresh(body.refresh_token)
    if not issued:
        raise ApiError(
            401, "refresh_invalid", env._("The refresh token is invalid, expired or revoked.")
        )
    token, access, refresh_token, ttl = issued
    return {
        "access_token": access,
        "expires_in": ttl,
        "refresh_token": refresh_token,
        "profile": _profile(token.user_id),
    }


@router.post("/auth/logout", tags=["auth"], status_code=status.HTTP_204_NO_CONTENT)
def logout(token: Annotated[object, Depends(mp_token)]):
    """End this session: the access and refresh tokens stop working."""
    token._revoke()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/phone", tags=["auth"], response_model=ProfileOut)
def bind_phone(body: CodeIn, env: Env):
    """Bind the phone number of ``getPhoneNumber``, normalised to E.164."""
    try:
        info = env["emc.wechat.client"]._get_phone_number(body.code)
    except WechatError as e:
        raise _wechat_refused(env, e) from None
    number = info.get("purePhoneNumber") or info.get("phoneNumber") or ""
    country_phone_code = str(info.get("countryCode") or "86")
    country = (
        env["res.country"].sudo().search([("phone_code", "=", int(country_phone_code))], limit=1)
    )
    try:
        e164 = phone_validation.phone_format(
            number, country.code or "CN", country_phone_code, force_format="E164"
        )
    except Exception:  # phonenumbers' parse errors come as UserError or its own types
        raise ApiError(400, "phone_invalid", env._("WeChat gave no valid phone number.")) from None
    # The customer's own contact, allow-listed field.
    env.user.partner_id.sudo().mobile = e164
    return _profile(env.user)


# ----------------------------------------------------------------------
# Profile and notifications
# ----------------------------------------------------------------------
@router.get("/me", tags=["profile"], response_model=ProfileOut)
def me(env: Env):
    """The signed-in customer."""
    return _profile(env.user)


@router.patch("/me", tags=["profile"], response_model=ProfileOut)
def update_me(body: ProfileIn, env: Env):
    """Change one's name or e-mail (nothing else)."""
    values = body.model_dump(exclude_none=True)
    if values:
        # The customer's own contact; the schema is the field allow-list.
        env.user.partner_id.sudo().write(values)
    return _profile(env.user)


@router.get("/notifications", tags=["profile"], response_model=Page[NotificationOut])
def notifications(env: Env, paged: Paged):
    """Messages sent to the customer, newest first (the user centre)."""
    partner = env.user.partner_id
    orders = env["emc.workorder"].search(
        [("partner_id", "child_of", [partner.commercial_partner_id.id])]
    )
    domain = [
        "|",
        ("partner_ids", "in", [partner.id]),
        "&",
        "&",
        ("model", "=", "emc.workorder"),
        ("res_id", "in", orders.ids),
        ("subtype_id.internal", "=", False),
        ("message_type", "in", ("email", "comment", "notification", "auto_comment")),
    ]
    # Messages addressed to the customer or public on their own orders (searched above
    # with their rules): this domain is the access check.
    Message = env["mail.message"].sudo()
    return page_of(
        Message,
        domain,
        paged,
        "id desc",
        lambda m: {
            "id": m.id,
            "date": m.date,
            "subject": m.subject or m.record_name or None,
            "body": m.preview or "",
            "model": m.model or None,
            "res_id": m.res_id or None,
        },
    )


# ----------------------------------------------------------------------
# Service desk
# ----------------------------------------------------------------------
@router.get("/workorder-types", tags=["workorders"], response_model=list[WorkTypeOut])
def workorder_types(env: Env):
    """The services one may request, with the fields of the request form."""
    Workorder = env["emc.workorder"]

    def label(name):
        return Workorder._fields[name]._description_string(env)

    fields = [
        ("description", True, "textarea"),
        ("contact_name", False, "text"),
        ("phone", False, "phone"),
        ("street", False, "text"),
        ("city", False, "text"),
        ("latitude", False, "number"),
        ("longitude", False, "number"),
    ]
    form = [
        {
            "name": name,
            "label": label(name),
            "required": required,
            "max_length": TEXT_LIMITS.get(name),
            "kind": kind,
        }
        for name, required, kind in fields
    ]
    return [
        {
            "id": t.id,
            "code": t.code,
            "name": t.name,
            "description": t.description or None,
            "min_attachments": t.min_attachments,
            "fields": [
                *form,
                {
                    "name": "photos",
                    "label": label("attachment_ids"),
                    "required": t.min_attachments > 0,
                    "max_length": UPLOAD_MAX_FILES,
                    "kind": "files",
                },
            ],
        }
        for t in env["emc.workorder.type"].search([])
    ]


@router.get("/workorders", tags=["workorders"], response_model=Page[WorkorderOut])
def my_workorders(env: Env, paged: Paged, state: Literal["all", "open", "closed"] = "all"):
    """My requests, newest first."""
    partner = env.user.partner_id.commercial_partner_id
    domain = [("partner_id", "child_of", [partner.id])]
    if state == "open":
        domain.append(("state", "in", OPEN_STAGES))
    elif state == "closed":
        domain.append(("state", "in", ("closed", "cancelled")))
    return page_of(env["emc.workorder"], domain, paged, "id desc", _order_out)


@router.post(
    "/workorders",
    tags=["workorders"],
    response_model=SubmitOut,
    status_code=status.HTTP_201_CREATED,
)
def submit_workorder(
    form: Annotated[RequestForm, Form(media_type="multipart/form-data")], env: Env
):
    """Submit a request with photos/videos; the pre-check runs at once and its result is answered."""
    values = _text_values(form, ("contact_name", "phone", "street", "city", "description"))
    _refuse_limits(env, values)
    work_type = env["emc.workorder.type"]
    if form.requested_type_id:
        work_type = work_type.search([("id", "=", form.requested_type_id)])
        if not work_type:
            raise ApiError(422, "invalid_input", env._("Choose a service among the proposed ones."))
    uploads = _uploads(env, form.photos)
    user = env.user
    vals = {
        "partner_id": user.partner_id.commercial_partner_id.id,
        "channel": "miniprogram",
        "company_id": env["emc.wechat.token"]._platform_company().id,
        "requested_type_id": work_type.id or False,
        "email": user.partner_id.email or False,
        "latitude": form.latitude or 0.0,
        "longitude": form.longitude or 0.0,
        **{k: v or False for k, v in values.items()},
    }
    # Portal users only read work orders: the validated request is created with
    # sudo, keeping the customer's uid as its author, for their own enterprise.
    order = env["emc.workorder"].sudo().create(vals)
    _attach(order, uploads)
    order.action_submit()
    answer = _order_out(order)
    answer["precheck"] = {
        "passed": order.state != "returned",
        "missing": (order.missing_items or "").splitlines(),
    }
    return answer


@router.get("/workorders/{order_id}", tags=["workorders"], response_model=WorkorderDetail)
def my_workorder(order_id: RecordId, env: Env):
    """One of my requests with its timeline (the events a customer sees)."""
    order = _my_order(env, order_id)
    answer = _order_out(order)
    answer["timeline"] = [
        {
            "event": item["event"].event_type,
            "label": item["label"],
            "value": item["value"] or "",
            "date": item["event"].date,
        }
        for item in order._timeline(customer=True)
    ]
    return answer


@router.get(
    "/workorders/{order_id}/scheme",
    tags=["workorders"],
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def scheme(order_id: RecordId, env: Env):
    """Download the scheme pushed for confirmation."""
    order = _my_order(env, order_id)
    if not _scheme_available(order):
        raise ApiError(404, "no_scheme", env._("No scheme to read for this request yet."))
    raw = base64.b64decode(order.with_context(bin_size=False).scheme_file)
    filename = order.scheme_filename or f"{order.name}-scheme.pdf"
    return Response(
        content=raw,
        media_type=guess_mimetype(raw, default="application/octet-stream"),
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


@router.post("/workorders/{order_id}/confirm", tags=["workorders"], response_model=WorkorderOut)
def confirm(order_id: RecordId, body: ConfirmIn, env: Env):
    """Confirm the scheme with a handwritten signature (PNG or JPEG)."""
    order = _my_order(env, order_id)
    data = (
        body.signature.split(",", 1)[-1] if body.signature.startswith("data:") else body.signature
    )
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            422, "invalid_signature", env._("The signature is not base64 data.")
        ) from None
    env["emc.upload.mixin"]._emc_check_upload("signature.png", raw, ("image",))
    order.action_confirm_scheme(base64.b64encode(raw).decode(), body.signed_by)
    return _order_out(order)


@router.post("/workorders/{order_id}/reject", tags=["workorders"], response_model=WorkorderOut)
def reject(order_id: RecordId, body: RejectIn, env: Env):
    """Reject the scheme, saying why."""
    order = _my_order(env, order_id)
    order.action_reject_scheme(body.reason)
    return _order_out(order)


@router.post("/workorders/{order_id}/information", tags=["workorders"], response_model=SubmitOut)
def add_information(
    order_id: RecordId,
    form: Annotated[InformationForm, Form(media_type="multipart/form-data")],
    env: Env,
):
    """Complete a returned request (text and photos); the pre-check runs again."""
    order = _my_order(env, order_id)
    values = _text_values(form, ("contact_name", "phone", "street", "city", "description"))
    _refuse_limits(env, values)
    uploads = _uploads(env, form.photos)
    order.write({k: v or False for k, v in values.items()})
    _attach(order, uploads)
    order.action_resubmit()
    answer = _order_out(order)
    answer["precheck"] = {
        "passed": order.state != "returned",
        "missing": (order.missing_items or "").splitlines(),
    }
    return answer


@router.post("/workorders/{order_id}/rating", tags=["workorders"], response_model=WorkorderOut)
def rate(order_id: RecordId, body: RateIn, env: Env):
    """Rate a closed request (1-5 stars)."""
    order = _my_order(env, order_id)
    order.action_rate(body.stars, body.comment or None)
    return _order_out(order)


# ----------------------------------------------------------------------
# Contracts and sites
# ----------------------------------------------------------------------
def _contract_out(contract):
    return {
        "id": contract.id,
        "name": contract.name or "",
        "title": contract.title or "",
        "contract_type": contract.contract_type,
        "state": contract.state,
        "organisation": contract.company_id.name,
        "date_start": (contract.date_start and contract.date_start.isoformat()) or None,
        "date_end": (contract.date_end and contract.date_end.isoformat()) or None,
    }


@router.get("/contracts", tags=["contracts"], response_model=Page[ContractOut])
def my_contracts(env: Env, paged: Paged):
    """My enterprise's contracts (the portal's: not drafts)."""
    return page_of(env["emc.contract"], [], paged, "id desc", _contract_out)


@router.get("/contracts/{contract_id}", tags=["contracts"], response_model=ContractOut)
def my_contract(contract_id: RecordId, env: Env):
    contract = env["emc.contract"].search([("id", "=", contract_id)])
    if not contract:
        raise not_found(env)
    return _contract_out(contract)


def _my_site(env, site_id):
    # search, not browse: the portal's record rules decide.
    site = env["emc.site"].search([("id", "=", site_id)])
    if not site:
        raise not_found(env)
    return site


@router.get("/sites", tags=["sites"], response_model=Page[SiteOut])
def my_sites(env: Env, paged: Paged):
    """My enterprise's sites."""
    return page_of(
        env["emc.site"],
        [],
        paged,
        "name, id",
        lambda s: {"id": s.id, "name": s.name, "street": s.street or None, "city": s.city or None},
    )


@router.get("/sites/{site_id}/consumption", tags=["sites"], response_model=list[ConsumptionOut])
def site_consumption(
    site_id: RecordId,
    env: Env,
    months: Annotated[int, Query(ge=1, le=60)] = 24,
):
    """Monthly consumption of the site's main meters, newest month first."""
    site = _my_site(env, site_id)
    Rollup = env["emc.meter.rollup.monthly"]
    carriers = dict(Rollup._fields["carrier"]._description_selection(env))
    groups = Rollup._read_group(
        [("site_id", "=", site.id), ("is_main", "=", True), ("carrier", "!=", "ambient")],
        ["date:month", "carrier", "unit"],
        ["consumption:sum"],
        order="date:month desc, carrier",
    )
    kept = sorted({month for month, *_rest in groups}, reverse=True)[:months]
    return [
        {
            "month": month.strftime("%Y-%m") if hasattr(month, "strftime") else str(month),
            "carrier": carriers.get(carrier, carrier),
            "quantity": quantity or 0.0,
            "unit": unit or None,
        }
        for month, carrier, unit, quantity in groups
        if month in kept
    ]


@router.get("/sites/{site_id}/savings", tags=["sites"], response_model=list[SavingsOut])
def site_savings(site_id: RecordId, env: Env):
    """Measured savings per period (approved baselines only, as in the portal)."""
    site = _my_site(env, site_id)
    lines = env["emc.mv.savings.line"].search(
        [("site_id", "=", site.id)], order="baseline_id, date_start"
    )
    return [
        {
            "period": line.name,
            "date_start": line.date_start.isoformat(),
            "date_end": line.date_end.isoformat(),
            "adjusted_baseline_kwh": line.adjusted_baseline_kwh,
            "actual_kwh": line.actual_kwh,
            "savings_kwh": line.savings_kwh,
            "savings_tce": line.savings_tce,
            "complete": line.complete,
        }
        for line in lines
    ]
