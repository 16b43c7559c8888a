#!/usr/bin/env python3
"""Draw the logos of the demo organisations (PNG, transparent background).

    .venv/bin/python scripts/demo_logos.py

Writes one 500×100 PNG per organisation: a rounded badge with a simple mark
(bolt, leaf, flame) and the name, as large as it fits, in Noto Sans CJK
(fonts-noto-cjk, installed by scripts/setup.sh). The demo data loads them as the companies' logos, which
the portal header, the back office and the PDF reports show. The files are
committed; run this again only to change them.
"""

import os

from PIL import Image, ImageDraw, ImageFont

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
FONT_INDEX_SC = 2  # Simplified Chinese face of the collection
# 5:1, the shape of the 180 × 36 logo of the portal's header
WIDTH, HEIGHT = 500, 100
SCALE = 4  # drawn large, then reduced, for smooth edges


def bolt(image, box, color, badge):
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    points = [(0.58, 0.08), (0.22, 0.56), (0.47, 0.56), (0.38, 0.92), (0.78, 0.40), (0.52, 0.40)]
    ImageDraw.Draw(image).polygon([(x0 + w * px, y0 + h * py) for px, py in points], fill=color)


def _leaf_shape(image, box, color):
    """A leaf leaning right: an ellipse turned by 45 degrees."""
    x0, y0, x1, y1 = (int(v) for v in box)
    w, h = x1 - x0, y1 - y0
    layer = Image.new("L", (w, h), 0)
    ImageDraw.Draw(layer).ellipse((w * 0.30, h * 0.02, w * 0.70, h * 0.98), fill=255)
    image.paste(color, (x0, y0), layer.rotate(-45, resample=Image.BICUBIC))


def leaf(image, box, color, badge):
    _leaf_shape(image, box, color)
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    ImageDraw.Draw(image).line(
        (x0 + w * 0.22, y0 + h * 0.78, x0 + w * 0.62, y0 + h * 0.38),
        fill=badge,
        width=max(2, int(w) // 22),
    )


def flame(image, box, color, badge):
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    draw = ImageDraw.Draw(image)
    draw.ellipse((x0 + w * 0.24, y0 + h * 0.38, x0 + w * 0.76, y0 + h * 0.88), fill=color)
    draw.polygon(
        [
            (x0 + w * 0.5, y0 + h * 0.08),
            (x0 + w * 0.74, y0 + h * 0.56),
            (x0 + w * 0.26, y0 + h * 0.56),
        ],
        fill=color,
    )


def bolt_leaf(image, box, color, badge):
    """Energy savings: a bolt cut out of a leaf."""
    _leaf_shape(image, box, color)
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    bolt(image, (x0 + w * 0.28, y0 + h * 0.24, x1 - w * 0.28, y1 - h * 0.24), badge, badge)


LOGOS = [
    # (file, badge colour, mark, lines of the name)
    (
        "emc_project/static/img/logo_platform.png",
        "#1f7a4d",
        bolt_leaf,
        ["巴中市企业", "能效服务平台"],
    ),
    ("emc_project/static/img/logo_esco.png", "#2e9e5b", leaf, ["绿源节能"]),
    ("emc_workorder/static/img/logo_power_bureau.png", "#1d5fa8", bolt, ["巴中供电"]),
    ("emc_workorder/static/img/logo_public_energy.png", "#d9822b", flame, ["巴中公用能源"]),
]


def _fit(draw, lines, width, height):
    """The largest font that sets the lines inside width × height."""
    size = height // len(lines)
    while size > 8:
        font = ImageFont.truetype(FONT, size, index=FONT_INDEX_SC)
        if max(draw.textlength(line, font=font) for line in lines) <= width:
            return font
        size -= 2
    return ImageFont.truetype(FONT, size, index=FONT_INDEX_SC)


def draw_logo(path, color, mark, lines):
    big = Image.new("RGBA", (WIDTH * SCALE, HEIGHT * SCALE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(big)
    pad = 4 * SCALE
    side = HEIGHT * SCALE - 2 * pad
    draw.rounded_rectangle((pad, pad, pad + side, pad + side), radius=18 * SCALE, fill=color)
    inner = 14 * SCALE
    mark(big, (pad + inner, pad + inner, pad + side - inner, pad + side - inner), "white", color)
    text_x = pad + side + 14 * SCALE
    box_height = HEIGHT * SCALE - 2 * pad
    font = _fit(draw, lines, WIDTH * SCALE - text_x - pad, int(box_height * 0.86))
    line_height = box_height / len(lines)
    for index, line in enumerate(lines):
        top, bottom = draw.textbbox((0, 0), line, font=font)[1::2]
        y = pad + line_height * index + (line_height - (bottom - top)) / 2 - top
        draw.text((text_x, y), line, font=font, fill="#1f2d3d")
    logo = big.resize((WIDTH, HEIGHT), Image.LANCZOS)
    target = os.path.join(ROOT, "addons", path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    logo.save(target, optimize=True)
    print(target)


def main():
    for spec in LOGOS:
        draw_logo(*spec)


if __name__ == "__main__":
    main()
