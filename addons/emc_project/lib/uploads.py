"""What an uploaded file is, told by its bytes (magic numbers), never by its name.

Every file a customer or a member of staff gives the EMC Suite — site photos
and videos, survey voice notes, schemes, contracts — goes through
:func:`check` before it is stored: from the portal, the back-office forms and
wizards, and the REST API of the mini-program alike. Pure Python (standard
library; Pillow, which Odoo requires, to decode images); unit-tested without
a database.

Formats recognised (:data:`FORMATS`), by signature:

====================  ==========  ==========================================
format                kind        signature
====================  ==========  ==========================================
jpeg                  image       ``FF D8 FF``
png                   image       ``89 50 4E 47 0D 0A 1A 0A``
gif                   image       ``GIF87a`` / ``GIF89a``
webp                  image       ``RIFF`` size ``WEBP``
mp4, mov, m4a         video/audio ISO base media: a first box ``ftyp`` whose
                                  major brand says which (``qt  `` = mov,
                                  ``M4A `` = m4a, anything else = mp4), then
                                  top-level boxes that tile the file
webm                  video       EBML header ``1A 45 DF A3`` with DocType webm
mp3                   audio       ``ID3`` tag, or an MPEG audio frame sync
amr                   audio       ``#!AMR\\n`` (WeChat voice notes)
wav                   audio       ``RIFF`` size ``WAVE``
pdf                   document    ``%PDF-`` within the first 1024 bytes
docx                  document    a ZIP whose entries include
                                  ``[Content_Types].xml`` and ``word/document.xml``
doc                   document    OLE2 compound file ``D0 CF 11 E0 A1 B1 1A E1``
====================  ==========  ==========================================

Invariants: the format comes from the content alone; the name only has to
agree with it (its extension must be one of the format's, see
:data:`EXTENSIONS`), so that a file is served back with the type it really
has. Images must decode completely (Pillow loads every pixel): a truncated
or forged image is refused like a disguised one.

:func:`check` raises :class:`UploadRefused` with a stable ``code`` and the
``params`` of the message the caller translates:

* ``"empty"`` — no bytes;
* ``"too_large"`` — more than ``max_bytes`` (params: ``limit_mb``);
* ``"unknown"`` — the content is none of the formats (params: ``seen``, a
  short description of what it looks like: ``html``, ``script``, ``zip``,
  ``text``, ``binary``);
* ``"not_allowed"`` — a known format of a kind not accepted here (params:
  ``format``, ``kinds``);
* ``"name_mismatch"`` — the extension says another format (params:
  ``format``, ``extension``);
* ``"corrupt"`` — the signature fits but the content is broken (an image
  that does not decode, a video whose boxes do not tile the file).
"""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass, field

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "KINDS",
    "MAX_BYTES",
    "Upload",
    "UploadRefused",
    "check",
    "sniff",
]

# format -> (kind, mimetype)
FORMATS = {
    "jpeg": ("image", "image/jpeg"),
    "png": ("image", "image/png"),
    "gif": ("image", "image/gif"),
    "webp": ("image", "image/webp"),
    "mp4": ("video", "video/mp4"),
    "mov": ("video", "video/quicktime"),
    "webm": ("video", "video/webm"),
    "m4a": ("audio", "audio/mp4"),
    "mp3": ("audio", "audio/mpeg"),
    "amr": ("audio", "audio/amr"),
    "wav": ("audio", "audio/wav"),
    "pdf": ("document", "application/pdf"),
    "docx": (
        "document",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "doc": ("document", "application/msword"),
}
KINDS = ("image", "video", "audio", "document")
# The extensions a file of each format may carry.
EXTENSIONS = {
    "jpeg": (".jpg", ".jpeg", ".jfif"),
    "png": (".png",),
    "gif": (".gif",),
    "webp": (".webp",),
    "mp4": (".mp4", ".m4v"),
    "mov": (".mov", ".qt"),
    "webm": (".webm",),
    "m4a": (".m4a", ".aac", ".mp4"),
    "mp3": (".mp3",),
    "amr": (".amr",),
    "wav": (".wav",),
    "pdf": (".pdf",),
    "docx": (".docx",),
    "doc": (".doc",),
}
# Same limit everywhere a file enters.
MAX_BYTES = 20 * 1024 * 1024

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Upload:
    """An accepted file: its format, kind and the mimetype to store it with."""

    name: str
    format: str
    kind: str
    mimetype: str
    size: int


@dataclass
class UploadRefused(ValueError):
    """A refused file; ``code`` and ``params`` give the reason (module docstring)."""

    name: str
    code: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.name}: {self.code} {self.params}"


# --------------------------------------------------------------------------
# Sniffing
# --------------------------------------------------------------------------


def _iso_boxes_tile(raw: bytes) -> bool:
    """True if the top-level ISO-BMFF boxes cover the file exactly (or up to a final 0-size box)."""
    offset, end = 0, len(raw)
    boxes = 0
    while offset < end:
        if end - offset < 8:
            return False
        size, box = struct.unpack(">I4s", raw[offset : offset + 8])
        if not box.isascii() or not box.decode("ascii", "replace").isprintable():
            return False
        if size == 1:
            if end - offset < 16:
                return False
            size = struct.unpack(">Q", raw[offset + 8 : offset + 16])[0]
        elif size == 0:  # the box runs to the end of the file
            size = end - offset
        if size < 8 or offset + size > end:
            return False
        offset += size
        boxes += 1
    return boxes >= 2


def _iso_format(raw: bytes) -> str | None:
    if len(raw) < 12 or raw[4:8] != b"ftyp":
        return None
    brand = raw[8:12]
    if brand == b"qt  ":
        return "mov"
    if brand in (b"M4A ", b"M4B "):
        return "m4a"
    return "mp4"


def _ebml_doctype(raw: bytes) -> bytes | None:
    # The DocType element (ID 0x4282) sits in the EBML header, near the start.
    position = raw.find(b"\x42\x82", 4, 64)
    if position < 0 or position + 3 > len(raw):
        return None
    length_byte = raw[position + 2]
    if not length_byte & 0x80:  # only one-byte lengths occur in real headers
        return None
    length = length_byte & 0x7F
    return raw[position + 3 : position + 3 + length]


def _mp3_frame(raw: bytes) -> bool:
    # Frame sync (11 bits), a valid version, layer III, bitrate and rate indices.
    if len(raw) < 4 or raw[0] != 0xFF or raw[1] & 0xE0 != 0xE0:
        return False
    version = (raw[1] >> 3) & 0x3
    layer = (raw[1] >> 1) & 0x3
    bitrate = raw[2] >> 4
    rate = (raw[2] >> 2) & 0x3
    return version != 1 and layer == 1 and bitrate not in (0, 15) and rate != 3


def _docx(raw: bytes) -> bool | None:
    """True for a Word document, False for a broken one, None for another ZIP."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" not in names or "word/document.xml" not in names:
                return None
            return archive.testzip() is None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return False


def _looks_like(raw: bytes) -> str:
    """Short description of unrecognised content, for the message."""
    head = raw[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<svg", b"<?xml")):
        return "html"
    if head.startswith((b"<script", b"#!", b"mz")):
        return "script"
    if raw.startswith(b"PK\x03\x04"):
        return "zip"
    try:
        raw[:4096].decode("utf-8")
    except UnicodeDecodeError:
        return "binary"
    return "text"


def sniff(raw: bytes) -> str | None:
    """The format of ``raw`` from its signature (a key of FORMATS), or None."""
    if raw.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if raw.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if raw.startswith(b"RIFF") and raw[8:12] == b"WEBP":
        return "webp"
    if raw.startswith(b"RIFF") and raw[8:12] == b"WAVE":
        return "wav"
    iso = _iso_format(raw)
    if iso:
        return iso
    if raw.startswith(b"\x1a\x45\xdf\xa3") and _ebml_doctype(raw) == b"webm":
        return "webm"
    if raw.startswith(b"#!AMR\n"):
        return "amr"
    if raw.startswith(b"ID3") or _mp3_frame(raw):
        return "mp3"
    if b"%PDF-" in raw[:1024]:
        return "pdf"
    if raw.startswith(_OLE2):
        return "doc"
    if raw.startswith(b"PK\x03\x04") and _docx(raw) is not None:
        return "docx"
    return None


# --------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------


def _jpeg_complete(raw: bytes) -> bool:
    """True if the JPEG's segments and scans run from SOI to an EOI marker.

    Walks the marker segments (each with its length), and through each scan's
    entropy-coded data to the next marker, until EOI; bytes after EOI (some
    phones append data there) are allowed.
    """
    position, end = 2, len(raw)
    while position + 2 <= end:
        if raw[position] != 0xFF:
            return False
        marker = raw[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker == 0xD9:
            return True
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 2
            continue
        if position + 4 > end:
            return False
        length = struct.unpack(">H", raw[position + 2 : position + 4])[0]
        position += 2 + length
        if marker != 0xDA:
            continue
        # Entropy-coded data: FF 00 is a stuffed byte, FF D0-D7 a restart marker.
        while True:
            position = raw.find(b"\xff", position)
            if position < 0 or position + 1 >= end:
                return False
            following = raw[position + 1]
            if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                position += 1 if following == 0xFF else 2
                continue
            break
    return False


def _png_complete(raw: bytes) -> bool:
    """True if the PNG's chunks, each with a good CRC, run to its IEND chunk."""
    position, end = 8, len(raw)
    while position + 12 <= end:
        length, kind = struct.unpack(">I4s", raw[position : position + 8])
        stop = position + 12 + length
        if stop > end:
            return False
        crc = struct.unpack(">I", raw[stop - 4 : stop])[0]
        if zlib.crc32(raw[position + 4 : stop - 4]) != crc:
            return False
        if kind == b"IEND":
            return True
        position = stop
    return False


def _riff_complete(raw: bytes) -> bool:
    return len(raw) >= 12 and struct.unpack("<I", raw[4:8])[0] + 8 <= len(raw)


def _intact(fmt: str, raw: bytes) -> bool:
    """Whether the content of a sniffed format is whole.

    The structure is walked by this module, not left to Pillow: Odoo makes
    Pillow accept truncated images (``ImageFile.LOAD_TRUNCATED_IMAGES``), so
    an image that Pillow decodes may still have lost its end. Pillow then
    decodes every pixel, which catches damage inside the data.
    """
    if fmt == "jpeg" and not _jpeg_complete(raw):
        return False
    if fmt == "png" and not _png_complete(raw):
        return False
    if fmt in ("webp", "wav") and not _riff_complete(raw):
        return False
    if fmt == "gif" and not raw.rstrip(b"\x00").endswith(b";"):
        return False
    if FORMATS[fmt][0] == "image":
        try:
            # Odoo initialises Pillow with a few plugins only; WebP is accepted here.
            from PIL import (
                Image,
                WebPImagePlugin,  # noqa: F401
            )
        except ImportError:  # pragma: no cover - Odoo requires Pillow
            return True
        try:
            with Image.open(io.BytesIO(raw)) as image:
                image.load()
        except (OSError, ValueError, SyntaxError, struct.error, Image.DecompressionBombError):
            return False
        return True
    if fmt in ("mp4", "mov", "m4a"):
        return _iso_boxes_tile(raw)
    if fmt == "docx":
        return bool(_docx(raw))
    if fmt == "pdf":
        return b"%%EOF" in raw[-2048:]
    return True


def check(name: str, raw: bytes, kinds, max_bytes: int = MAX_BYTES) -> Upload:
    """Accept ``raw`` (named ``name``) if it is a whole file of one of ``kinds``.

    Raises :class:`UploadRefused` otherwise (codes in the module docstring).
    """
    name = os.path.basename(name or "") or "?"
    if not raw:
        raise UploadRefused(name, "empty")
    if len(raw) > max_bytes:
        raise UploadRefused(name, "too_large", {"limit_mb": max_bytes // (1024 * 1024)})
    fmt = sniff(raw)
    if fmt is None:
        raise UploadRefused(name, "unknown", {"seen": _looks_like(raw)})
    kind, mimetype = FORMATS[fmt]
    if kind not in kinds:
        raise UploadRefused(name, "not_allowed", {"format": fmt, "kinds": tuple(kinds)})
    extension = os.path.splitext(name)[1].lower()
    if extension and extension not in EXTENSIONS[fmt]:
        raise UploadRefused(name, "name_mismatch", {"format": fmt, "extension": extension})
    if not _intact(fmt, raw):
        raise UploadRefused(name, "corrupt", {"format": fmt})
    return Upload(name, fmt, kind, mimetype, len(raw))
