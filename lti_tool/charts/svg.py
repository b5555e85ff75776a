"""Bar and column charts as inline SVG, drawn on the server: no script, no external file.

Meaning never rests on colour alone: every bar has its number written next to it and its
category written on it or under it; series are told apart by a pattern as well as by a
colour from the Okabe-Ito palette (distinct for the common colour-vision deficiencies and
in greyscale), and every bar has a dark outline, so it stands out from the page by more
than 3:1 whatever its fill. The drawing is 340 units wide and scales to its box (viewBox),
so a 14-unit font stays about 12 px on a 360 px phone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 340
FONT = 14
CHAR = 0.55 * FONT  # a generous average glyph width (Latin and Greek), for wrapping and fitting text
PAD = 4
OUTLINE = "#1a1a1a"
# Okabe-Ito colours, each with its own pattern so that greyscale keeps them apart
STYLES: dict[str, tuple[str, str | None]] = {
    "blue": ("#0072B2", None),
    "orange": ("#E69F00", "hatch"),
    "sky": ("#56B4E9", "dots"),
    "vermillion": ("#D55E00", "cross"),
    "green": ("#009E73", "lines"),
}


@dataclass(frozen=True)
class Bar:
    label: str  # the category: under a column, above a bar
    value: float  # drawn length
    text: str  # the number written on it
    style: str = "blue"
    sublabel: str = ""  # a second line under a column (a year under its first week)


@dataclass(frozen=True)
class Marker:
    """A dashed line before column ``index`` with a note: "suitable: 4 or more"."""

    index: int
    text: str


class _Canvas:
    def __init__(self, chart_id: str, title: str, description: str):
        self.id, self.title, self.description = chart_id, title, description
        self.parts: list[str] = []
        self.patterns: dict[str, str] = {}

    def fill(self, style: str) -> str:
        colour, pattern = STYLES[style]
        if pattern is None:
            return colour
        pid = f"{self.id}-{style}"
        if pid not in self.patterns:
            self.patterns[pid] = _pattern(pid, colour, pattern)
        return f"url(#{pid})"

    def rect(self, x: float, y: float, w: float, h: float, style: str, css: str = "bar") -> None:
        self.parts.append(f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" '
                          f'fill="{self.fill(style)}" stroke="{OUTLINE}" stroke-width="1"/>')

    def text(self, x: float, y: float, words: str, anchor: str = "start", css: str = "label", bold: bool = False) -> None:
        weight = ' font-weight="700"' if bold else ""
        self.parts.append(f'<text class="{css}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{weight}>{escape(words)}</text>')

    def line(self, x1: float, y1: float, x2: float, y2: float, dashed: bool = False) -> None:
        dash = ' stroke-dasharray="5 3"' if dashed else ""
        self.parts.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="currentColor" stroke-width="1.5"{dash}/>')

    def svg(self, height: float) -> Markup:
        ids = f"{self.id}-title {self.id}-desc"
        defs = f"<defs>{''.join(self.patterns.values())}</defs>" if self.patterns else ""
        return Markup(
            f'<svg xmlns="http://www.w3.org/2000/svg" class="lti-chart__svg" viewBox="0 0 {WIDTH} {math.ceil(height)}" '
            f'role="img" aria-labelledby="{ids}" focusable="false" font-size="{FONT}" fill="currentColor">'
            f'<title id="{self.id}-title">{escape(self.title)}</title><desc id="{self.id}-desc">{escape(self.description)}</desc>'
            f"{defs}{''.join(self.parts)}</svg>"
        )


def _pattern(pid: str, colour: str, kind: str) -> str:
    marks = {
        "hatch": f'<path d="M0 6L6 0M-1 1L1 -1M5 7L7 5" stroke="{OUTLINE}" stroke-width="1.4"/>',
        "cross": f'<path d="M0 6L6 0M0 0L6 6" stroke="{OUTLINE}" stroke-width="1.1"/>',
        "dots": f'<circle cx="3" cy="3" r="1.3" fill="{OUTLINE}"/>',
        "lines": f'<path d="M0 3H6" stroke="{OUTLINE}" stroke-width="1.4"/>',
    }[kind]
    return (f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse">'
            f'<rect width="6" height="6" fill="{colour}"/>{marks}</pattern>')


def wrap(text: str, width: float, lines: int = 3) -> list[str]:
    """``text`` in at most ``lines`` lines of ``width`` units; the rest ends in an ellipsis
    (the data table under the chart has it in full)."""
    limit = max(4, int(width // CHAR))
    out: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > limit:  # a word longer than a line is cut
            word = word[: limit - 1] + "…"
        candidate = f"{current} {word}".strip()
        if len(candidate) <= limit:
            current = candidate
            continue
        out.append(current)
        current = word
        if len(out) == lines:
            break
    else:
        if current:
            out.append(current)
        return out or [""]
    last = out[-1]
    if len(last) >= limit:  # room for the ellipsis: drop the last word, or cut a lone long one
        last = last.rsplit(" ", 1)[0] if " " in last else last[: limit - 1]
    out[-1] = last + "…"
    return out


def columns(chart_id: str, title: str, description: str, bars: Sequence[Bar], *, marker: Marker | None = None,
            axis_label: str = "") -> Markup:
    """Vertical columns over a baseline, one per category, with the number above each when it
    fits (many narrow columns leave it to the table) and labels thinned out to fit."""
    c = _Canvas(chart_id, title, description)
    top = FONT * 1.6 + (FONT * 1.5 if marker else 0)
    plot_h = 130.0
    base = top + plot_h
    slot = (WIDTH - 2 * PAD) / max(1, len(bars))
    width = min(slot * 0.7, 44.0)
    peak = max((b.value for b in bars), default=0) or 1
    widest = max((len(b.label) for b in bars), default=1)
    step = max(1, math.ceil((widest * CHAR + 6) / slot))
    for i, b in enumerate(bars):
        centre = PAD + slot * (i + 0.5)
        h = plot_h * b.value / peak
        c.rect(centre - width / 2, base - h, width, h, b.style)
        if len(b.text) * CHAR <= slot + 2:
            c.text(centre, base - h - 5, b.text, "middle", "value", bold=True)
        if i % step == 0:
            c.text(centre, base + FONT * 1.3, b.label, "middle", "category")
        if b.sublabel:
            c.text(max(centre, len(b.sublabel) * CHAR / 2), base + FONT * 2.6, b.sublabel, "middle", "category")
    c.line(0, base, WIDTH, base)
    bottom = base + FONT * (2.8 if any(b.sublabel for b in bars) else 1.6)
    if axis_label:
        bottom += FONT * 1.4
        c.text(WIDTH / 2, bottom - FONT * 0.3, axis_label, "middle", "axis")
    if marker is not None:
        x = PAD + slot * marker.index
        c.line(x, FONT * 0.4, x, base, dashed=True)
        fits_right = x + 6 + len(marker.text) * CHAR <= WIDTH
        c.text(x + 6 if fits_right else x - 6, FONT * 1.3, marker.text, "start" if fits_right else "end", "marker", bold=True)
    return c.svg(bottom + PAD)


def bars(chart_id: str, title: str, description: str, rows: Sequence[Bar], *, scale: float | None = None,
         track: str | None = None, legend: Sequence[tuple[str, str]] = ()) -> Markup:
    """Horizontal bars, each under its label (wrapped to three lines), its number at its end.
    ``scale``: the value of a full-length bar (default: the largest); ``track``: a style that
    fills the rest of the full length (the "no" part of a share); ``legend``: (style, words)."""
    c = _Canvas(chart_id, title, description)
    room = max((len(r.text) for r in rows), default=1) * CHAR + 10
    full = WIDTH - PAD - room
    peak = scale or max((r.value for r in rows), default=0) or 1
    y = PAD
    for style, words in legend:
        c.rect(PAD, y, FONT, FONT, style, "swatch")
        c.text(PAD + FONT + 6, y + FONT * 0.85, words, css="legend")
        y += FONT * 1.5
    if legend:
        y += FONT * 0.4
    for r in rows:
        for line in wrap(r.label, WIDTH - PAD):
            y += FONT * 1.15
            c.text(PAD, y, line, css="category")
        y += FONT * 0.4
        length = full * r.value / peak
        if track is not None:
            c.rect(PAD + length, y, full - length, FONT * 1.3, track, "track")
        c.rect(PAD, y, length, FONT * 1.3, r.style)
        c.text(PAD + (full if track is not None else length) + 6, y + FONT * 1.0, r.text, css="value", bold=True)
        y += FONT * 1.3 + FONT * 0.6
    return c.svg(y + PAD)
