"""Bar charts drawn on the server as inline SVG: readable without JavaScript or a CDN.

Only SVG presentation attributes are used (the CSP forbids style attributes). Each chart has a
<title> and <desc> referenced by aria-labelledby; the page shows the same numbers in a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 210
BAR_WIDTH = 300
VALUE_WIDTH = 90
#: dark enough for 4.5:1 text contrast on white and 3:1 for the bars
PRIMARY = "#1f5f8b"
SECONDARY = "#9cc3dd"
TEXT = "#1a1a1a"


@dataclass
class Bar:
    label: str
    value: float
    #: a part of the value drawn darker inside the bar (e.g. completed out of enrolled)
    part: float | None = None
    #: text printed after the bar
    text: str = ""


def _truncate(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(chart_id: str, title: str, description: str, bars: list[Bar]) -> Markup:
    """A horizontal bar chart. With ``part`` set, the bar's dark segment shows the part."""
    top = max((bar.value for bar in bars), default=0) or 1
    height = max(1, len(bars)) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    out = [
        (f'<svg class="chart" id="{escape(chart_id)}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="sans-serif" font-size="13">'),
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = GAP + index * (BAR_HEIGHT + GAP)
        full = round(BAR_WIDTH * bar.value / top, 1)
        out.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.7:.1f}" text-anchor="end" '
            f'fill="{TEXT}">{escape(_truncate(bar.label))}</text>'
        )
        colour = SECONDARY if bar.part is not None else PRIMARY
        out.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{full}" height="{BAR_HEIGHT}" fill="{colour}"/>'
        )
        if bar.part is not None:
            part = round(BAR_WIDTH * min(bar.part, bar.value) / top, 1)
            out.append(
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{part}" height="{BAR_HEIGHT}" '
                f'fill="{PRIMARY}"/>'
            )
        out.append(
            f'<text x="{LABEL_WIDTH + full + 6}" y="{y + BAR_HEIGHT * 0.7:.1f}" '
            f'fill="{TEXT}">{escape(bar.text)}</text>'
        )
    if not bars:
        out.append(f'<text x="{LABEL_WIDTH}" y="{BAR_HEIGHT}" fill="{TEXT}">–</text>')
    out.append("</svg>")
    return Markup("".join(out))
