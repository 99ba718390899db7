"""Charts as inline SVG text: line charts and histograms, drawn in Python with no library.

A report must open anywhere, offline, years later: no script, no stylesheet or font fetched
from elsewhere, so every chart is plain SVG markup (no `xmlns` either, which inline SVG in
HTML does not need). Floats here are display figures only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

__all__ = ["PALETTE", "Series", "histogram", "line_chart", "nice_ticks"]

PALETTE = ("#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#4b5563")

_W, _H = 720, 260
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 36, 30, 40

Formatter = Callable[[float], str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """One line: (x, y) points in x order, a name for the legend, a colour."""

    name: str
    points: Sequence[tuple[float, float]]
    color: str = PALETTE[0]
    width: float = 2.0


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round tick values covering [low, high] (steps of 1, 2 or 5 × 10^k)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0]
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    if round(first, 12) > low:  # low / step underflowed to -0.0, or the rounding lifted it
        first -= step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 12))
    return ticks


def _number(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:.3g}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.3g}k"
    return f"{value:.3g}"


def _time_axis(low: float, high: float) -> tuple[float, Formatter, str]:
    """For epoch seconds in [low, high]: the origin to subtract, the tick format and the
    caption. A short run reads as seconds since its start; a longer one as clock time (UTC),
    with the date past two days."""
    start = datetime.fromtimestamp(low, UTC)
    if high - low < 120:
        return low, lambda v: f"{v:.3g} s", f"seconds since {start:%Y-%m-%d %H:%M:%S} UTC"
    pattern = "%H:%M:%S" if high - low < 2 * 86_400 else "%m-%d %H:%M"
    return 0.0, lambda v: datetime.fromtimestamp(v, UTC).strftime(pattern), "time (UTC)"


class _Frame:
    """Maps data coordinates into the plot area of a `_W`×`_H` chart."""

    def __init__(self, x_ticks: Sequence[float], y_ticks: Sequence[float]) -> None:
        self.x0, self.x1 = x_ticks[0], x_ticks[-1]
        self.y0, self.y1 = y_ticks[0], y_ticks[-1]

    def x(self, value: float) -> float:
        span = (self.x1 - self.x0) or 1.0
        return _LEFT + (value - self.x0) / span * (_W - _LEFT - _RIGHT)

    def y(self, value: float) -> float:
        span = (self.y1 - self.y0) or 1.0
        return _H - _BOTTOM - (value - self.y0) / span * (_H - _TOP - _BOTTOM)


def _axes(
    frame: _Frame,
    x_ticks: Sequence[float],
    y_ticks: Sequence[float],
    x_format: Formatter,
    y_format: Formatter,
) -> list[str]:
    parts = []
    for tick in y_ticks:
        y = frame.y(tick)
        parts.append(
            f'<line x1="{_LEFT}" y1="{y:.1f}" x2="{_W - _RIGHT}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(y_format(tick))}</text>"
        )
    for tick in x_ticks:
        x = frame.x(tick)
        parts.append(
            f'<text x="{x:.1f}" y="{_H - _BOTTOM + 16}" text-anchor="middle">'
            f"{escape(x_format(tick))}</text>"
        )
    parts.append(
        f'<line x1="{_LEFT}" y1="{_H - _BOTTOM}" x2="{_W - _RIGHT}" y2="{_H - _BOTTOM}" '
        'class="axis"/>'
    )
    return parts


def _svg(title: str, body: Sequence[str], caption: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {_W} {_H}" width="{_W}" height="{_H}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        + "".join(body)
        + f'<text x="{_W / 2:.0f}" y="{_H - 6}" text-anchor="middle" class="caption">'
        f"{escape(caption)}</text></svg>"
    )


def _empty(title: str) -> str:
    return _svg(
        title,
        [f'<text x="{_W / 2:.0f}" y="{_H / 2:.0f}" text-anchor="middle">no data</text>'],
        "",
    )


def line_chart(
    title: str,
    series: Sequence[Series],
    *,
    x_label: str,
    time_x: bool = True,
    y_format: Formatter = _number,
    y_range: tuple[float, float] | None = None,
) -> str:
    """Lines over a shared x axis (epoch seconds when `time_x`), with a legend; `x_label`
    is the caption unless the time axis writes its own."""
    points = [p for s in series for p in s.points]
    if not points:
        return _empty(title)
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    origin, caption = 0.0, x_label
    x_format: Formatter = _number
    if time_x:
        origin, x_format, caption = _time_axis(min(xs), max(xs))
    x_ticks = nice_ticks(min(xs) - origin, max(xs) - origin, 6)
    low, high = y_range if y_range is not None else (min(0.0, *ys), max(0.0, *ys))
    y_ticks = nice_ticks(low, high, 5)
    frame = _Frame(x_ticks, y_ticks)
    body = _axes(frame, x_ticks, y_ticks, x_format, y_format)
    legend_x = float(_LEFT)
    for line in series:
        if not line.points:
            continue
        path = " ".join(f"{frame.x(x - origin):.1f},{frame.y(y):.1f}" for x, y in line.points)
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{line.color}" '
            f'stroke-width="{line.width}"/>'
        )
        if len(line.points) == 1:
            x, y = line.points[0]
            body.append(
                f'<circle cx="{frame.x(x):.1f}" cy="{frame.y(y):.1f}" r="3" fill="{line.color}"/>'
            )
        # The legend runs along the top margin, clear of the data.
        body.append(
            f'<rect x="{legend_x:.0f}" y="6" width="10" height="10" fill="{line.color}"/>'
            f'<text x="{legend_x + 14:.0f}" y="15">{escape(line.name)}</text>'
        )
        legend_x += 24 + 6.5 * len(line.name)
    return _svg(title, body, caption)


def histogram(
    title: str,
    values: Sequence[float],
    *,
    x_label: str,
    bins: int = 20,
    color: str = PALETTE[0],
) -> str:
    """Counts of `values` in `bins` equal-width bins over their range."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return _empty(title)
    low, high = min(finite), max(finite)
    if high == low:
        low, high = low - 0.5, high + 0.5
    width = (high - low) / bins
    counts = [0] * bins
    for value in finite:
        counts[min(bins - 1, int((value - low) / width))] += 1
    x_ticks = nice_ticks(low, high, 6)
    y_ticks = nice_ticks(0, max(counts), 4)
    frame = _Frame(x_ticks, y_ticks)
    body = _axes(frame, x_ticks, y_ticks, _number, lambda v: f"{v:g}")
    for index, count in enumerate(counts):
        if not count:
            continue
        left = frame.x(low + index * width)
        right = frame.x(low + (index + 1) * width)
        top = frame.y(count)
        body.append(
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{max(1.0, right - left - 1):.1f}" '
            f'height="{frame.y(0) - top:.1f}" fill="{color}"><title>{count} in '
            f"[{_number(low + index * width)}, {_number(low + (index + 1) * width)})"
            "</title></rect>"
        )
    return _svg(title, body, f"{x_label} · {len(finite)} values")
