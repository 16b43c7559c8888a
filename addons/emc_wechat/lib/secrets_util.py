"""Bearer secrets of the REST API: access and refresh tokens, integrator keys.

Format
    A secret is ``<prefix>_<body>``: ``prefix`` says what it is (``mpa`` an
    access token, ``mpr`` a refresh token, ``emck`` an integrator key) and
    ``body`` is :func:`secrets.token_urlsafe` of 32 random bytes (43 characters).

Invariants
    Only the SHA-256 of a secret is stored (hex, 64 characters); the secret
    itself is shown once, to its owner, when it is issued. A stored digest is
    looked up by equality: the digest of a random 256-bit value reveals
    nothing about another one, so an index lookup leaks no useful timing.

Refusals
    :func:`digest` refuses an empty or overlong value (``ValueError``): a
    header of several kilobytes is not worth hashing.
"""

import hashlib
import secrets

PREFIXES = ("mpa", "mpr", "emck")
# Longest secret accepted: prefix, underscore and a 43-character body, with room.
MAX_LENGTH = 128


def new_secret(prefix: str) -> str:
    """A fresh random secret ``<prefix>_<43 url-safe characters>``."""
    if prefix not in PREFIXES:
        raise ValueError(f"Unknown secret prefix {prefix!r}.")
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def digest(secret: str) -> str:
    """The hex SHA-256 of ``secret`` as stored; ValueError if empty or overlong."""
    if not secret or len(secret) > MAX_LENGTH:
        raise ValueError(f"A secret is between 1 and {MAX_LENGTH} characters.")
    return hashlib.sha256(secret.encode()).hexdigest()


def kind(secret: str) -> str | None:
    """The prefix of ``secret`` if it is a known one, else None."""
    head, sep, _body = (secret or "").partition("_")
    return head if sep and head in PREFIXES else None
