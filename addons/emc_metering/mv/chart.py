"""The baseline-versus-actual chart of the M&V report, as an SVG document in pure Python.

:func:`baseline_chart_svg` draws, for a series of periods (months), the
measured consumption as bars and the baseline model's consumption as a line
(over the baseline period: the fit; over the reporting period: the adjusted
baseline, so that the gap between the line and the bars is the savings). A
dashed vertical rule marks where the reporting period starts. wkhtmltopdf
renders inline SVG, so the QWeb report embeds the string as it is; nothing
is rasterised and no plotting library is needed.

Geometry: the plot area is ``[left, width - right] × [top, height -
bottom]``; period ``i`` of ``n`` is centred on ``x_i = left + (i + 0.5) ·
w / n`` with ``w`` the plot width; a value ``v`` is drawn at ``y(v) = top +
h · (1 - v / y_max)`` with ``h`` the plot height and ``y_max`` the last tick
of :func:`nice_ticks` (the axis starts at 0: consumption is not negative).
A missing value (None or NaN) draws no bar and breaks the line. Texts are
passed in by the caller, already translated, and are XML-escaped here. The
same drawing serves any bars-against-a-line pair, such as the forecast
savings against the savings target.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

__all__ = ["ChartLabels", "baseline_chart_svg", "nice_ticks"]

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', 'WenQuanYi Micro Hei', sans-serif"
ACTUAL_COLOUR = "#4e79a7"
BASELINE_COLOUR = "#e15759"
GRID_COLOUR = "#d9d9d9"
MARGIN = {"left": 64, "right": 16, "top": 36, "bottom": 56}


@dataclass(frozen=True)
class ChartLabels:
    """The texts of the chart, translated by the caller."""

    title: str = ""
    unit: str = "kWh"
    actual: str = "Actual"
    baseline: str = "Baseline"
    reporting: str = ""


def nice_ticks(maximum: float, count: int = 5) -> list[float]:
    """Axis ticks from 0 to at least ``maximum``, about ``count`` of them, at 1, 2 or 5 × 10^k.

    ``nice_ticks(1234)`` is ``[0, 500, 1000, 1500]``; a maximum of 0 (or no
    data) gives ``[0, 1]``.
    """
    if not maximum > 0 or not math.isfinite(maximum):
        return [0.0, 1.0]
    raw = maximum / max(count - 1, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    ticks, value = [0.0], 0.0
    while value < maximum * (1 - 1e-12):
        value = round(value + step, 12)
        ticks.append(value)
    return ticks


def _value(v) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def _tick_label(value: float) -> str:
    if value >= 1e6:
        text = f"{value / 1e6:g}M"
    elif value >= 1e4:
        text = f"{value / 1e3:g}k"
    else:
        text = f"{value:g}"
    return text


def _num(value: float) -> str:
    return f"{value:.2f}"


def baseline_chart_svg(
    periods: Sequence[str],
    actual: Sequence,
    baseline: Sequence,
    labels: ChartLabels | None = None,
    *,
    reporting_start: int | None = None,
    width: int = 720,
    height: int = 300,
) -> str:
    """An SVG document of ``actual`` (bars) against ``baseline`` (line) per period.

    ``periods`` are the x labels (``"2025-01"``); ``actual`` and
    ``baseline`` hold one value (kWh) or None per period; ``reporting_start``
    is the index of the first reporting period (the rule and its label), None
    when the chart shows the baseline period only.
    """
    labels = labels or ChartLabels()
    n = len(periods)
    if len(actual) != n or len(baseline) != n:
        raise ValueError("periods, actual and baseline must have the same length")
    left, right, top, bottom = (MARGIN[k] for k in ("left", "right", "top", "bottom"))
    plot_w, plot_h = width - left - right, height - top - bottom
    actual_v = [_value(v) for v in actual]
    baseline_v = [_value(v) for v in baseline]
    present = [v for v in actual_v + baseline_v if v is not None]
    ticks = nice_ticks(max(present) if present else 0.0)
    y_max = ticks[-1]

    def x_of(i: float) -> float:
        return left + (i + 0.5) * plot_w / n

    def y_of(v: float) -> float:
        return top + plot_h * (1.0 - max(v, 0.0) / y_max)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family={quoteattr(FONT)} font-size="11">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    if labels.title:
        out.append(
            f'<text x="{width / 2:.2f}" y="18" text-anchor="middle" font-size="14" '
            f'font-weight="bold">{escape(labels.title)}</text>'
        )
    # grid and y axis
    for tick in ticks:
        y = _num(y_of(tick))
        out.append(
            f'<line class="grid" x1="{left}" y1="{y}" x2="{width - right}" y2="{y}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
        )
        out.append(
            f'<text class="tick" x="{left - 6}" y="{y}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(_tick_label(tick))}</text>'
        )
    out.append(
        f'<text x="14" y="{top + plot_h / 2:.2f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {top + plot_h / 2:.2f})">{escape(labels.unit)}</text>'
    )
    # bars of the measured consumption
    if n:
        bar_w = 0.6 * plot_w / n
        for i, v in enumerate(actual_v):
            if v is None:
                continue
            y = y_of(v)
            out.append(
                f'<rect class="actual" x="{_num(x_of(i) - bar_w / 2)}" y="{_num(y)}" '
                f'width="{_num(bar_w)}" height="{_num(top + plot_h - y)}" '
                f'fill="{ACTUAL_COLOUR}"/>'
            )
    # the baseline line, broken where a value is missing
    run: list[str] = []
    runs: list[list[str]] = []
    for i, v in enumerate(baseline_v):
        if v is None:
            if run:
                runs.append(run)
            run = []
            continue
        run.append(f"{_num(x_of(i))},{_num(y_of(v))}")
    if run:
        runs.append(run)
    for points in runs:
        if len(points) == 1:
            x, y = points[0].split(",")
            out.append(
                f'<circle class="baseline" cx="{x}" cy="{y}" r="2.5" fill="{BASELINE_COLOUR}"/>'
            )
        else:
            out.append(
                f'<polyline class="baseline" points="{" ".join(points)}" fill="none" '
                f'stroke="{BASELINE_COLOUR}" stroke-width="2"/>'
            )
    # x labels: at most about 12, so that they do not overlap
    every = max(1, math.ceil(n / 12))
    for i, period in enumerate(periods):
        if i % every:
            continue
        out.append(
            f'<text class="period" x="{_num(x_of(i))}" y="{top + plot_h + 16}" '
            f'text-anchor="middle">{escape(str(period))}</text>'
        )
    out.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="#000000" stroke-width="1"/>'
    )
    if reporting_start is not None and 0 <= reporting_start < n:
        x = _num(left + reporting_start * plot_w / n)
        out.append(
            f'<line class="reporting" x1="{x}" y1="{top}" x2="{x}" y2="{top + plot_h}" '
            f'stroke="#555555" stroke-width="1" stroke-dasharray="4 3"/>'
        )
        if labels.reporting:
            out.append(
                f'<text x="{x}" y="{top - 4}" text-anchor="start" fill="#555555">'
                f"{escape(labels.reporting)}</text>"
            )
    # legend
    legend_y = height - 14
    out.append(
        f'<rect x="{left}" y="{legend_y - 9}" width="12" height="10" fill="{ACTUAL_COLOUR}"/>'
        f'<text x="{left + 18}" y="{legend_y}">{escape(labels.actual)}</text>'
        f'<line x1="{left + 150}" y1="{legend_y - 4}" x2="{left + 170}" y2="{legend_y - 4}" '
        f'stroke="{BASELINE_COLOUR}" stroke-width="2"/>'
        f'<text x="{left + 176}" y="{legend_y}">{escape(labels.baseline)}</text>'
    )
    out.append("</svg>")
    return "\n".join(out)
