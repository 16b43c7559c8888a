"""Unit tests of addons/emc_project/lib/uploads.py: files told by their bytes."""

import io
import struct
import unittest
import wave
import zipfile

from _load import load
from PIL import Image, WebPImagePlugin  # noqa: F401  (Odoo loads few Pillow plugins)

uploads = load("emc_project", "lib.uploads")
check = uploads.check
Refused = uploads.UploadRefused
PHOTOS = ("image", "video")


def image(fmt, size=(8, 6)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def box(kind, body=b""):
    return struct.pack(">I4s", 8 + len(body), kind) + body


def iso(brand):
    return (
        box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"isom")
        + box(b"moov", b"\x00" * 16)
        + box(b"mdat", b"\x11" * 40)
    )


def webm():
    doctype = b"\x42\x82\x84webm"
    header = b"\x42\x86\x81\x01" + doctype
    return (
        b"\x1a\x45\xdf\xa3"
        + bytes([0x80 | len(header)])
        + header
        + b"\x18\x53\x80\x67"
        + b"\x00" * 20
    )


def wav():
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * 800)
    return buffer.getvalue()


def docx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 + b"\xff\xfb\x90\x64" + b"\x00" * 100
AMR = b"#!AMR\n" + b"\x3c" + b"\x00" * 31


class TestKnownFormats(unittest.TestCase):
    def test_each_format_is_recognised(self):
        samples = {
            "a.jpg": (image("JPEG"), "jpeg", "image/jpeg"),
            "a.png": (image("PNG"), "png", "image/png"),
            "a.gif": (image("GIF"), "gif", "image/gif"),
            "a.webp": (image("WEBP"), "webp", "image/webp"),
            "a.mp4": (iso(b"isom"), "mp4", "video/mp4"),
            "a.mov": (iso(b"qt  "), "mov", "video/quicktime"),
            "a.webm": (webm(), "webm", "video/webm"),
            "a.m4a": (iso(b"M4A "), "m4a", "audio/mp4"),
            "a.mp3": (MP3, "mp3", "audio/mpeg"),
            "a.amr": (AMR, "amr", "audio/amr"),
            "a.wav": (wav(), "wav", "audio/wav"),
            "a.pdf": (PDF, "pdf", "application/pdf"),
            "a.docx": (docx(), "docx", uploads.FORMATS["docx"][1]),
            "a.doc": (
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
                "doc",
                "application/msword",
            ),
        }
        self.assertEqual({fmt for _raw, fmt, _m in samples.values()}, set(uploads.FORMATS))
        for name, (raw, fmt, mimetype) in samples.items():
            with self.subTest(name=name):
                self.assertEqual(uploads.sniff(raw), fmt)
                upload = check(name, raw, uploads.KINDS)
                self.assertEqual(
                    (upload.format, upload.mimetype, upload.size), (fmt, mimetype, len(raw))
                )

    def test_name_without_extension_is_fine(self):
        self.assertEqual(check("微信图片", image("JPEG"), PHOTOS).format, "jpeg")

    def test_path_in_the_name_is_dropped(self):
        self.assertEqual(check("C:/Users/x/../现场.png", image("PNG"), PHOTOS).name, "现场.png")


class TestRefusals(unittest.TestCase):
    def assertRefused(self, name, raw, kinds, code, **params):
        with self.assertRaises(Refused) as caught:
            check(name, raw, kinds)
        self.assertEqual(caught.exception.code, code)
        for key, value in params.items():
            self.assertEqual(caught.exception.params[key], value)
        return caught.exception

    def test_html_named_like_a_photo(self):
        html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
        refused = self.assertRefused("site.jpg", html, PHOTOS, "unknown", seen="html")
        self.assertEqual(refused.name, "site.jpg")

    def test_script_text_zip_and_binary_are_described(self):
        self.assertRefused("a.jpg", b"#!/bin/sh\nrm -rf /\n", PHOTOS, "unknown", seen="script")
        self.assertRefused("a.jpg", "只是一段文字".encode(), PHOTOS, "unknown", seen="text")
        zipped = io.BytesIO()
        with zipfile.ZipFile(zipped, "w") as archive:
            archive.writestr("x.txt", "x")
        self.assertRefused("a.mp4", zipped.getvalue(), PHOTOS, "unknown", seen="zip")
        self.assertRefused("a.png", bytes(range(256)) * 4, PHOTOS, "unknown", seen="binary")

    def test_other_kind(self):
        self.assertRefused("方案.pdf", PDF, PHOTOS, "not_allowed", format="pdf")
        self.assertRefused("合同.jpg", image("JPEG"), ("document",), "not_allowed", format="jpeg")

    def test_extension_of_another_format(self):
        self.assertRefused(
            "site.jpg", image("PNG"), PHOTOS, "name_mismatch", format="png", extension=".jpg"
        )

    def test_truncated_image(self):
        # Odoo makes Pillow load truncated images; the check must not rely on it.
        from PIL import ImageFile

        lenient = ImageFile.LOAD_TRUNCATED_IMAGES
        for setting in (False, True):
            ImageFile.LOAD_TRUNCATED_IMAGES = setting
            try:
                for fmt, name in (
                    ("JPEG", "a.jpg"),
                    ("PNG", "a.png"),
                    ("GIF", "a.gif"),
                    ("WEBP", "a.webp"),
                ):
                    raw = image(fmt, (64, 64))
                    for cut in (len(raw) // 2, len(raw) - 3):
                        with self.subTest(fmt=fmt, cut=cut, lenient=setting):
                            self.assertRefused(name, raw[:cut], PHOTOS, "corrupt")
                    self.assertEqual(check(name, raw, PHOTOS).size, len(raw))
            finally:
                ImageFile.LOAD_TRUNCATED_IMAGES = lenient

    def test_data_after_the_end_of_a_jpeg_is_allowed(self):
        # Some phones append their own data after the JPEG's end marker.
        self.assertEqual(check("a.jpg", image("JPEG") + b"SEFT" * 10, PHOTOS).format, "jpeg")

    def test_video_whose_boxes_do_not_tile_the_file(self):
        self.assertRefused("a.mp4", iso(b"isom")[:-5], PHOTOS, "corrupt")
        self.assertRefused("a.mp4", iso(b"isom") + b"<html>", PHOTOS, "corrupt")

    def test_broken_documents(self):
        self.assertRefused("a.pdf", PDF[:-8], ("document",), "corrupt")
        self.assertRefused("a.docx", docx()[:-20], ("document",), "corrupt")

    def test_empty_and_too_large(self):
        self.assertRefused("a.jpg", b"", PHOTOS, "empty")
        with self.assertRaises(Refused) as caught:
            check("a.jpg", image("JPEG"), PHOTOS, max_bytes=100)
        self.assertEqual(
            (caught.exception.code, caught.exception.params), ("too_large", {"limit_mb": 0})
        )
        big = b"\xff\xd8\xff" + b"\x00" * uploads.MAX_BYTES
        self.assertRefused("a.jpg", big, PHOTOS, "too_large", limit_mb=20)


if __name__ == "__main__":
    unittest.main()
