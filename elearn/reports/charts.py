"""Bar charts drawn on the server as inline SVG: readable without JavaScript or a CDN.

Only SVG presentation attributes are used (the CSP forbids style attributes). Each chart has a
<title> and <desc> referenced by aria-labelledby; the page shows the same numbers in a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

BAR_HEIGHT = 20
GAP = 10
#: each label sits on its own lines above its bar, never cut: the chart stays narrow enough to
#: be read on a 320 px screen (WCAG 1.4.10)
LINE_HEIGHT = 18
LABEL_CHARS = 44
BAR_WIDTH = 290
VALUE_WIDTH = 80
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
    #: where the bar leads (the participants it counts); the label, bar and text are the link
    href: str | None = None


def _wrap(text: str, limit: int = LABEL_CHARS) -> list[str]:
    """The label in lines of at most ``limit`` characters, broken between words when possible."""
    import textwrap

    return textwrap.wrap(text, limit, break_long_words=True, break_on_hyphens=False) or [""]


def bar_chart(chart_id: str, title: str, description: str, bars: list[Bar]) -> Markup:
    """A horizontal bar chart. With ``part`` set, the bar's dark segment shows the part."""
    top = max((bar.value for bar in bars), default=0) or 1
    labels = [_wrap(bar.label) for bar in bars]
    height = GAP + sum(len(lines) * LINE_HEIGHT + BAR_HEIGHT + GAP for lines in labels)
    height = max(height, BAR_HEIGHT + 2 * GAP)
    width = BAR_WIDTH + VALUE_WIDTH
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    # an image has no focusable parts: with links the chart is a group of them
    role = "group" if any(bar.href for bar in bars) else "img"
    out = [
        (f'<svg class="chart" id="{escape(chart_id)}" role="{role}" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" xmlns="http://www.w3.org/2000/svg" '
        f'font-family="sans-serif" font-size="15">'),
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    y = GAP
    for bar, lines in zip(bars, labels):
        if bar.href:
            out.append(f'<a href="{escape(bar.href)}">')
        for line in lines:
            y += LINE_HEIGHT
            out.append(f'<text x="0" y="{y - 4}" fill="{TEXT}">{escape(line)}</text>')
        full = round(BAR_WIDTH * bar.value / top, 1)
        colour = SECONDARY if bar.part is not None else PRIMARY
        out.append(f'<rect x="0" y="{y}" width="{full}" height="{BAR_HEIGHT}" fill="{colour}"/>')
        if bar.part is not None:
            part = round(BAR_WIDTH * min(bar.part, bar.value) / top, 1)
            out.append(f'<rect x="0" y="{y}" width="{part}" height="{BAR_HEIGHT}" fill="{PRIMARY}"/>')
        out.append(
            f'<text x="{full + 6}" y="{y + BAR_HEIGHT * 0.75:.1f}" fill="{TEXT}">{escape(bar.text)}</text>'
        )
        if bar.href:
            out.append("</a>")
        y += BAR_HEIGHT + GAP
    if not bars:
        out.append(f'<text x="0" y="{BAR_HEIGHT}" fill="{TEXT}">–</text>')
    out.append("</svg>")
    return Markup("".join(out))
