"""RFC 3161 time-stamp tokens for the evidence log's anchors.

This module uses only the standard library, ``rfc3161_client`` and
``cryptography`` (on which rfc3161_client depends), and no ORM: the Odoo
models call it to anchor a chain head, and an auditor's verifier runs it
without Odoo.

What is stored
--------------
:attr:`Token.der` is the DER **TimeStampToken** (RFC 3161 §2.4.2: the CMS
``ContentInfo`` of a ``SignedData`` over a ``TSTInfo``), not the whole
``TimeStampResp``: the token is the signed object, the one ``openssl ts
-verify -token_in`` reads, and the response status around it is not signed.
rfc3161_client only parses responses, so this module wraps a stored token
in a minimal ``TimeStampResp`` with status "granted" before handing it over
(:func:`parse_token`, :func:`verify_token`); both also accept a whole
``TimeStampResp`` (the status must then be granted or grantedWithMods) and
return the token alone in :attr:`Token.der`.

The one change made to what the TSA sent: the certificates of the
``SignedData`` are put in DER order (a ``SET OF`` is sorted by encoding).
OpenSSL-based TSAs that add their chain to the token emit them unsorted,
which rfc3161_client refuses to parse; the certificate set is outside the
signature, so the token still verifies with any tool.

Requests
--------
:func:`request_token` sends a ``TimeStampReq`` (version 1, SHA-256 imprint of
the message, a random 64-bit nonce, ``certReq`` true, and the ``reqPolicy``
when a policy is asked for) by HTTP POST with ``Content-Type:
application/timestamp-query`` (RFC 3161 §3.4), through ``urllib.request``
(system proxy settings apply). The request comes from rfc3161_client's
TimestampRequestBuilder; the policy is spliced in by this module, as the
builder cannot set one.

Verification
------------
:func:`verify_token` runs these checks in order; the first that fails gives
the :attr:`TimestampError.reason`:

1. ``"malformed"``: not a DER token or response, or rfc3161_client cannot
   read it; ``"rejected"`` for a response whose status is not granted.
2. ``"untrusted"``: the signer's certificate does not chain to one of the
   certificates of ``ca_pem`` (with validity periods checked at the token's
   time, not now; revocation is not checked), lacks the critical
   ``timeStamping`` extended key usage, or is not in the token.
3. ``"bad_signature"``: the CMS signature over the TSTInfo does not verify,
   or the ESS signing-certificate attribute (RFC 2634 ``signingCertificate``
   with SHA-1, or RFC 5035 ``signingCertificateV2``) is missing or does not
   hash to the signer's certificate.
4. ``"policy_mismatch"``: a policy was required and the token has another.
5. ``"imprint_mismatch"``: the imprint is not SHA-256 of the message.

Bytes outside the signed content (the version numbers and algorithm lists of
the CMS envelope, the certificates other than the signer's and their order)
are not covered by the signature; changing them leaves a token that still verifies and asserts the
same things.

:func:`request_token` adds ``"unreachable"`` (no connection, timeout),
``"http_status"`` (an HTTP error status, 4xx or 5xx), ``"rejected"`` (status
rejection, waiting or revocation, with the TSA's text and failure bits),
``"nonce_mismatch"`` and its own ``"imprint_mismatch"`` and
``"policy_mismatch"`` checks, then, when ``ca_pem`` is given, all of
:func:`verify_token`. Arguments of the wrong type or form (an empty message,
a URL that is not http(s), a policy that is not a dotted OID, a ``ca_pem``
without a certificate) raise ValueError instead.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import http.client
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import rfc3161_client
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

__all__ = [
    "REASONS",
    "TimestampError",
    "Token",
    "load_ca_certificates",
    "parse_token",
    "request_token",
    "verify_token",
]

#: Every value of :attr:`TimestampError.reason`.
REASONS = (
    "unreachable",
    "http_status",
    "rejected",
    "malformed",
    "nonce_mismatch",
    "imprint_mismatch",
    "untrusted",
    "bad_signature",
    "policy_mismatch",
)

SHA256_OID = "2.16.840.1.101.3.4.2.1"
_ESS_V1_OID = "1.2.840.113549.1.9.16.2.12"  # id-aa-signingCertificate
_ESS_V2_OID = "1.2.840.113549.1.9.16.2.47"  # id-aa-signingCertificateV2
_HASH_OIDS = {
    "1.3.14.3.2.26": "sha1",
    SHA256_OID: "sha256",
    "2.16.840.1.101.3.4.2.2": "sha384",
    "2.16.840.1.101.3.4.2.3": "sha512",
}
# PKIFailureInfo bits (RFC 3161 §2.4.2).
_FAILURE_BITS = {
    0: "badAlg",
    2: "badRequest",
    5: "badDataFormat",
    14: "timeNotAvailable",
    15: "unacceptedPolicy",
    16: "unacceptedExtension",
    17: "addInfoNotAvailable",
    25: "systemFailure",
}
_STATUS_NAMES = {
    0: "granted",
    1: "grantedWithMods",
    2: "rejection",
    3: "waiting",
    4: "revocationWarning",
    5: "revocationNotification",
}
_MAX_RESPONSE = 1024 * 1024
_OID_TEXT = re.compile(r"[0-2](\.(0|[1-9][0-9]*))+")

_T = TypeVar("_T")


class TimestampError(Exception):
    """A time-stamp could not be had or does not verify.

    ``reason`` is one of :data:`REASONS` (stable, for translation);
    ``message`` the English explanation.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message

    def __repr__(self) -> str:
        return f"TimestampError({self.reason!r}, {self.message!r})"


@dataclass(frozen=True)
class Token:
    """A time-stamp token and what it asserts.

    ``der``: the DER TimeStampToken (see the module docstring); ``gen_time``:
    the TSA's time, an aware UTC datetime; ``serial``: the TSA's serial
    number of the token; ``policy``: the dotted OID of the TSA policy;
    ``tsa_name``: the TSA name of the TSTInfo (RFC 4514 text for a directory
    name), or None; ``imprint``: the hashed message (SHA-256 for tokens
    this module requests).
    """

    der: bytes
    gen_time: _dt.datetime
    serial: int
    policy: str
    tsa_name: str | None
    imprint: bytes


# --------------------------------------------------------------------------
# DER, as little as needed: walk a structure, re-encode one level
# --------------------------------------------------------------------------


class _DerError(ValueError):
    pass


def _tlv(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """``(tag, content_start, content_end)`` of the element at ``pos``."""
    if pos + 2 > end:
        raise _DerError("truncated element")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise _DerError("multi-byte tags are not used by RFC 3161")
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise _DerError("indefinite or oversized length (not DER)")
        if pos + count > end:
            raise _DerError("truncated length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    if pos + length > end:
        raise _DerError("element longer than its container")
    return tag, pos, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """Elements inside ``data[start:end]`` as ``(tag, start, content_start, end)``."""
    items = []
    pos = start
    while pos < end:
        tag, content, stop = _tlv(data, pos, end)
        items.append((tag, pos, content, stop))
        pos = stop
    return items


def _single(data: bytes) -> tuple[int, int, int]:
    """The one element ``data`` consists of; _DerError if anything trails."""
    tag, content, end = _tlv(data, 0, len(data))
    if end != len(data):
        raise _DerError("trailing bytes after the element")
    return tag, content, end


def _expect(item: tuple[int, int, int, int], tag: int, what: str) -> tuple[int, int]:
    if item[0] != tag:
        raise _DerError(f"{what}: unexpected tag 0x{item[0]:02x}")
    return item[2], item[3]


def _encode(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + content


def _oid_der(dotted: str) -> bytes:
    """DER OBJECT IDENTIFIER of a dotted OID already checked by :data:`_OID_TEXT`."""
    arcs = [int(arc) for arc in dotted.split(".")]
    first = arcs[0] * 40 + arcs[1]
    out = bytearray()
    for arc in [first, *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return _encode(0x06, bytes(out))


def _oid_text(content: bytes) -> str:
    arcs = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    if not arcs or content[-1] & 0x80:
        raise _DerError("bad object identifier")
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(arc) for arc in head + arcs[1:])


def _check_policy(policy: str | None) -> str | None:
    if policy is None:
        return None
    if not isinstance(policy, str) or not _OID_TEXT.fullmatch(policy):
        raise ValueError(f"policy must be a dotted OID such as '1.2.3.4', got {policy!r}.")
    first, second = (int(arc) for arc in policy.split(".")[:2])
    if first < 2 and second >= 40:
        raise ValueError(f"policy {policy!r} is not a valid OID (second arc >= 40).")
    return policy


# --------------------------------------------------------------------------
# Responses and tokens
# --------------------------------------------------------------------------


def _status_info(data: bytes, start: int, end: int) -> tuple[int, str]:
    """Status and a readable text of a PKIStatusInfo's content."""
    items = _children(data, start, end)
    if not items or items[0][0] != 0x02:
        raise _DerError("PKIStatusInfo without a status")
    status = int.from_bytes(data[items[0][2] : items[0][3]], "big", signed=True)
    texts = []
    for tag, _pos, content, stop in items[1:]:
        if tag == 0x30:  # PKIFreeText: SEQUENCE OF UTF8String
            for _t, _p, text_start, text_end in _children(data, content, stop):
                texts.append(data[text_start:text_end].decode("utf-8", "replace"))
        elif tag == 0x03 and stop > content:  # PKIFailureInfo BIT STRING
            bits = data[content + 1 : stop]
            names = [
                name
                for bit, name in _FAILURE_BITS.items()
                if bit // 8 < len(bits) and bits[bit // 8] & (0x80 >> (bit % 8))
            ]
            if names:
                texts.append("failure: " + ", ".join(names))
    return status, "; ".join(texts)


def _split(der: bytes) -> tuple[bytes, int, str]:
    """``(token, status, status text)`` of a DER TimeStampToken or TimeStampResp."""
    if isinstance(der, (bytearray, memoryview)):
        der = bytes(der)
    if not isinstance(der, bytes):
        raise ValueError(f"der must be bytes, got {type(der).__name__}.")
    tag, start, end = _single(der)
    if tag != 0x30:
        raise _DerError("not a SEQUENCE")
    items = _children(der, start, end)
    if not items:
        raise _DerError("empty SEQUENCE")
    if items[0][0] == 0x06:  # ContentInfo: contentType first: a bare token
        return der, 0, ""
    status, text = _status_info(der, *_expect(items[0], 0x30, "PKIStatusInfo"))
    if len(items) < 2:
        return b"", status, text
    _tag, token_start, _content, token_end = items[1]
    return der[token_start:token_end], status, text


def _signed_data(token: bytes) -> list[tuple[int, int, int, int]]:
    """The elements of the SignedData inside a token (ContentInfo)."""
    _tag, start, end = _single(token)
    items = _children(token, start, end)
    if len(items) != 2 or items[0][0] != 0x06 or items[1][0] != 0xA0:
        raise _DerError("not a CMS ContentInfo")
    inner = _children(token, items[1][2], items[1][3])
    if len(inner) != 1:
        raise _DerError("ContentInfo content is not one SignedData")
    return _children(token, *_expect(inner[0], 0x30, "SignedData"))


def _normalise(token: bytes) -> bytes:
    """``token`` with the SignedData certificates in DER (sorted) order."""
    for tag, _pos, start, end in _signed_data(token):
        if tag == 0xA0:  # certificates [0] IMPLICIT SET OF
            certs = [token[pos:stop] for _t, pos, _c, stop in _children(token, start, end)]
            ordered = b"".join(sorted(certs))
            return token[:start] + ordered + token[end:]
    return token


def _guard(what: str, func: Callable[[], _T]) -> _T:
    """Run a call into rfc3161_client; any failure is a malformed token.

    Its Rust core panics (pyo3 PanicException, a BaseException) on some
    malformed inputs instead of raising ValueError.
    """
    try:
        return func()
    except TimestampError:
        raise
    except Exception as exc:
        raise TimestampError("malformed", f"The time-stamp {what} is malformed: {exc}") from exc
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        raise TimestampError("malformed", f"The time-stamp {what} is malformed.") from None


def _decode(der: bytes) -> tuple[bytes, object, Token]:
    """``(token, rfc3161_client response, Token)`` of stored bytes, unverified."""
    try:
        token, status, text = _split(der)
        if status in (0, 1) and token:
            token = _normalise(token)
    except _DerError as exc:
        raise TimestampError("malformed", f"The time-stamp data is not valid DER: {exc}.") from None
    if status not in (0, 1):
        name = _STATUS_NAMES.get(status, str(status))
        detail = f" ({text})" if text else ""
        raise TimestampError("rejected", f"The time-stamping authority answered “{name}”{detail}.")
    if not token:
        raise TimestampError("malformed", "The time-stamp response holds no token.")
    # A TimeStampResp with status "granted" around the token, for rfc3161_client.
    response = _guard(
        "token", lambda: _decode_response(_encode(0x30, b"\x30\x03\x02\x01\x00" + token))
    )
    return token, response, _guard("token", lambda: _token(token, response))


def _decode_response(der: bytes):
    response = rfc3161_client.decode_timestamp_response(der)
    response.tst_info  # noqa: B018 (parse now: the getter panics on a bad TSTInfo)
    return response


def _token(token: bytes, response) -> Token:
    info = response.tst_info
    gen_time = info.gen_time
    if gen_time.tzinfo is None:
        gen_time = gen_time.replace(tzinfo=_dt.timezone.utc)
    gen_time = gen_time.astimezone(_dt.timezone.utc)
    try:
        name = info.name
    except ValueError:  # the optional TSA name is absent
        tsa_name = None
    else:
        value = name.value
        tsa_name = value.rfc4514_string() if isinstance(value, x509.Name) else str(value)
    return Token(
        der=token,
        gen_time=gen_time,
        serial=info.serial_number,
        policy=info.policy.dotted_string,
        tsa_name=tsa_name,
        imprint=info.message_imprint.message,
    )


def parse_token(der: bytes) -> Token:
    """Read a stored token (or a TimeStampResp) without verifying it, for display.

    Raises TimestampError ``"malformed"`` or ``"rejected"``.
    """
    return _decode(der)[2]


# --------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------


def load_ca_certificates(ca_pem: bytes | str) -> list[x509.Certificate]:
    """The certificates of a PEM bundle; ValueError if it holds none or is not PEM."""
    if isinstance(ca_pem, str):
        ca_pem = ca_pem.encode("ascii", "replace")
    if not isinstance(ca_pem, (bytes, bytearray, memoryview)):
        raise ValueError(f"ca_pem must be PEM text, got {type(ca_pem).__name__}.")
    try:
        certificates = x509.load_pem_x509_certificates(bytes(ca_pem))
    except ValueError as exc:
        raise ValueError(f"ca_pem is not a PEM certificate bundle: {exc}") from None
    if not certificates:
        raise ValueError("ca_pem holds no certificate.")
    return certificates


def _signer_certificate(response) -> x509.Certificate:
    """The certificate of the token's only signer, found by issuer and serial."""
    signers = list(response.signed_data.signer_infos)
    if len(signers) != 1:
        raise TimestampError("malformed", f"The token has {len(signers)} signers, not one.")
    signer = signers[0]
    for der in response.signed_data.certificates:
        certificate = x509.load_der_x509_certificate(der)
        if (
            certificate.serial_number == signer.serial_number
            and certificate.issuer == signer.issuer
        ):
            return certificate
    raise TimestampError("untrusted", "The token does not carry its signer's certificate.")


def _ess_hashes(token: bytes) -> list[tuple[str, bytes]]:
    """``(hash name, certHash)`` of the first ESSCertID of each signing-certificate attribute."""
    items = _signed_data(token)
    signer_infos = _children(token, *_expect(items[-1], 0x31, "signerInfos"))
    if len(signer_infos) != 1:
        raise _DerError("not exactly one SignerInfo")
    found = []
    for tag, _pos, start, end in _children(token, *_expect(signer_infos[0], 0x30, "SignerInfo")):
        if tag != 0xA0:  # signedAttrs [0] IMPLICIT SET OF Attribute
            continue
        for attribute in _children(token, start, end):
            parts = _children(token, *_expect(attribute, 0x30, "Attribute"))
            oid = _oid_text(token[slice(*_expect(parts[0], 0x06, "attrType"))])
            if oid not in (_ESS_V1_OID, _ESS_V2_OID):
                continue
            values = _children(token, *_expect(parts[1], 0x31, "attrValues"))
            signing_cert = _children(token, *_expect(values[0], 0x30, "SigningCertificate"))
            cert_ids = _children(token, *_expect(signing_cert[0], 0x30, "certs"))
            fields = _children(token, *_expect(cert_ids[0], 0x30, "ESSCertID"))
            algorithm = "sha1" if oid == _ESS_V1_OID else "sha256"
            if oid == _ESS_V2_OID and fields[0][0] == 0x30:  # hashAlgorithm present
                alg_id = _children(token, fields[0][2], fields[0][3])
                alg_oid = _oid_text(token[slice(*_expect(alg_id[0], 0x06, "hashAlgorithm"))])
                algorithm = _HASH_OIDS.get(alg_oid, alg_oid)
                fields = fields[1:]
            found.append((algorithm, token[slice(*_expect(fields[0], 0x04, "certHash"))]))
    return found


def _check_ess(token: bytes, signer: x509.Certificate) -> None:
    try:
        hashes = _ess_hashes(token)
    except (_DerError, IndexError):
        raise TimestampError(
            "malformed", "The token's signing-certificate attribute is malformed."
        ) from None
    if not hashes:
        raise TimestampError(
            "bad_signature", "The token has no signing-certificate (ESS) attribute."
        )
    signer_der = signer.public_bytes(Encoding.DER)
    for algorithm, cert_hash in hashes:
        if algorithm not in _HASH_OIDS.values():
            raise TimestampError(
                "bad_signature",
                f"The token's signing-certificate attribute uses an unknown hash {algorithm}.",
            )
        if hashlib.new(algorithm, signer_der).digest() != cert_hash:
            raise TimestampError(
                "bad_signature",
                "The token's signing-certificate attribute does not match the signer's certificate.",
            )


def _openssl_reason(text: str) -> str:
    """``text`` with an OpenSSL error stack cut down to its reasons and details."""
    found = re.findall(r'reason: "([^"]*)"(?:[^}]*?data: "([^"]*)")?', text)
    if not found:
        return text
    head = text.split("ErrorStack", 1)[0].rstrip(": ")
    details = "; ".join(f"{reason} ({data})" if data else reason for reason, data in found)
    return f"{head}: {details}"


def _verify_signature(response, roots: list[x509.Certificate]) -> None:
    """Chain to ``roots``, the TSA key usage and the CMS signature (rfc3161_client)."""
    builder = rfc3161_client.VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    verifier = builder.build()
    imprint = response.tst_info.message_imprint.message
    try:
        # Given the token's own imprint, the verifier checks everything but
        # the message, which verify_token compares itself.
        verifier.verify(response, imprint)
    except rfc3161_client.VerificationError as exc:
        # rfc3161_client has one exception class: tell the causes apart by
        # the OpenSSL reason it quotes.
        text = _openssl_reason(str(exc))
        if "Unable to parse sig" in text or "exactly one SignerInfo" in text:
            raise TimestampError("malformed", f"The token is malformed: {text}") from None
        if "Error while verifying" in text and not (
            "certificate verify error" in text or "signer certificate not found" in text
        ):
            raise TimestampError(
                "bad_signature", f"The token's signature is invalid: {text}"
            ) from None
        # An unknown issuer, a certificate expired at the token's time, a
        # missing signer certificate or timeStamping usage: not a TSA that
        # this CA vouches for.
        raise TimestampError(
            "untrusted", f"The token's signer is not trusted by the given CA: {text}"
        ) from None


def verify_token(der: bytes, message: bytes, ca_pem: bytes, *, policy: str | None = None) -> Token:
    """Fully verify a stored token (or TimeStampResp) over ``message``.

    ``ca_pem`` holds the trusted CA certificate(s) of the TSA. Returns the
    :class:`Token`; raises TimestampError with the reason of the first failed
    check (see the module docstring), ValueError for malformed arguments.
    """
    message = _message_arg(message)
    policy = _check_policy(policy)
    roots = load_ca_certificates(ca_pem)
    token, response, parsed = _decode(der)
    _guard("token", lambda: _verify_signature(response, roots))
    _check_ess(token, _guard("token", lambda: _signer_certificate(response)))
    if policy is not None and parsed.policy != policy:
        raise TimestampError(
            "policy_mismatch",
            f"The token was issued under policy {parsed.policy}, not the required {policy}.",
        )
    _check_imprint(response, parsed, message)
    return parsed


def _check_imprint(response, parsed: Token, message: bytes) -> None:
    algorithm = response.tst_info.message_imprint.hash_algorithm.dotted_string
    if algorithm != SHA256_OID:
        raise TimestampError(
            "imprint_mismatch", f"The token's imprint is not SHA-256 (algorithm {algorithm})."
        )
    if parsed.imprint != hashlib.sha256(message).digest():
        raise TimestampError(
            "imprint_mismatch", "The token does not time-stamp this message (imprint differs)."
        )


def _message_arg(message: bytes) -> bytes:
    if isinstance(message, (bytearray, memoryview)):
        message = bytes(message)
    if not isinstance(message, bytes):
        raise ValueError(f"message must be bytes, got {type(message).__name__}.")
    if not message:
        raise ValueError("message must not be empty.")
    return message


# --------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------


def _request_der(message: bytes, policy: str | None) -> tuple[bytes, int]:
    """DER TimeStampReq for ``message`` and its nonce."""
    request = (
        rfc3161_client.TimestampRequestBuilder()
        .data(message)
        .hash_algorithm(rfc3161_client.HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    der = request.as_bytes()
    if policy is not None:
        # TimeStampReq ::= SEQUENCE { version, messageImprint, reqPolicy
        # OPTIONAL, nonce OPTIONAL, certReq DEFAULT FALSE, ... }
        _tag, start, end = _single(der)
        items = _children(der, start, end)
        head = der[items[0][1] : items[1][3]]
        der = _encode(0x30, head + _oid_der(policy) + der[items[1][3] : end])
    return der, request.nonce


def _post(url: str, body: bytes, timeout: float) -> bytes:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/timestamp-query",
            "Accept": "application/timestamp-reply",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            data = answer.read(_MAX_RESPONSE + 1)
    except urllib.error.HTTPError as exc:
        raise TimestampError(
            "http_status",
            f"The time-stamping authority at {url} answered HTTP {exc.code} {exc.reason}.",
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TimestampError(
            "unreachable", f"The time-stamping authority at {url} cannot be reached: {reason}."
        ) from None
    if len(data) > _MAX_RESPONSE:
        raise TimestampError("malformed", "The time-stamping authority's answer is too large.")
    return data


def request_token(
    url: str,
    message: bytes,
    *,
    policy: str | None = None,
    timeout: float = 10.0,
    ca_pem: bytes | None = None,
) -> Token:
    """Get a time-stamp token over SHA-256(``message``) from the TSA at ``url``.

    ``policy`` (a dotted OID) is requested and then required in the token;
    ``timeout`` (seconds) bounds the connection and each read; with
    ``ca_pem`` the token is also fully verified (:func:`verify_token`).
    Raises TimestampError (see the module docstring), ValueError for
    malformed arguments.
    """
    message = _message_arg(message)
    policy = _check_policy(policy)
    if not isinstance(url, str) or urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"url must be an http:// or https:// URL, got {url!r}.")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    if ca_pem is not None:
        load_ca_certificates(ca_pem)  # a bad bundle fails before the request is sent
    query, nonce = _request_der(message, policy)
    _token_der, response, token = _decode(_post(url, query, timeout))
    if _guard("token", lambda: response.tst_info.nonce) != nonce:
        raise TimestampError(
            "nonce_mismatch", "The token's nonce is not the one sent (a replayed answer?)."
        )
    if policy is not None and token.policy != policy:
        raise TimestampError(
            "policy_mismatch",
            f"The TSA issued the token under policy {token.policy}, not the requested {policy}.",
        )
    _check_imprint(response, token, message)
    if ca_pem is not None:
        return verify_token(token.der, message, ca_pem, policy=policy)
    return token
