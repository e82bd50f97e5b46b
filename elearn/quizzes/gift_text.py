"""The GIFT text rules shared by the reader and its question forms (elearn.quizzes.gift): escapes,
the per-text format tags, the search for unescaped markers, answers split into marker, weight,
text and feedback, and the errors that carry an offset into the question's text."""

from __future__ import annotations

import re

SPECIALS = "~=#{}:"
FORMATS = {"markdown": "markdown", "html": "html", "plain": "plain", "moodle": "html"}
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


class GiftError(Exception):
    def __init__(self, message: str, offset: int = 0):
        super().__init__(message)
        self.offset = offset


class EssaySkipped(GiftError):
    """An essay question: skipped with a warning, not an error."""


class Description(Exception):
    """A text without an answer block: Moodle's description item."""

    def __init__(self, title: str, text: str, fmt: str):
        super().__init__(title)
        self.title, self.text, self.fmt = title, text, fmt


def format_tag(text: str, default: str | None = None) -> tuple[str | None, str]:
    """(format, text without the tag) for a text that starts with ``[html]``, ``[plain]``,
    ``[markdown]`` or ``[moodle]``; (default, text) otherwise."""
    stripped = text.lstrip()
    match = re.match(r"\[(\w+)\]", stripped)
    if match and match.group(1).lower() in FORMATS:
        return FORMATS[match.group(1).lower()], stripped[match.end():].lstrip()
    return default, text


def _unescape(text: str, keep_escapes: bool) -> str:
    """``\\n`` becomes a line break; GIFT's escapes are resolved, or kept when ``keep_escapes``."""
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            following = text[i + 1]
            if following in SPECIALS or following == "\\":
                out.append(text[i:i + 2] if keep_escapes else following)
                i += 2
                continue
            if following == "n":
                out.append("\n")
                i += 2
                continue
        out.append(char)
        i += 1
    return "".join(out)


def unescape(text: str) -> str:
    return _unescape(text, keep_escapes=False)


def unescape_markdown(text: str) -> str:
    """GIFT text bound for Markdown: ``\\n`` becomes a line break and GIFT's escapes stay as
    they are, for they are Markdown escapes too (CommonMark escapes any ASCII punctuation): an
    escaped ``\\#`` stays a literal "#" instead of starting a heading once unescaped."""
    return _unescape(text, keep_escapes=True)


def shown(raw: str, fmt: str) -> tuple[str | None, str]:
    """(format tag or None, text) of a text shown rendered (a choice, a feedback, a matching
    item) in a question of format ``fmt``: the tag removed, the escapes undone as its format
    needs them (``unescape_markdown`` for Markdown)."""
    tag, text = format_tag(raw.strip())
    text = text.strip()
    return tag, unescape_markdown(text) if (tag or fmt) == "markdown" else unescape(text)


def find(text: str, sub: str, start: int = 0) -> int:
    """Index of the first unescaped ``sub`` at or after ``start``, or -1."""
    i = start
    while i <= len(text) - len(sub):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(sub, i):
            return i
        i += 1
    return -1


def split_answers(block: str, base: int) -> list[tuple[str, str, int]]:
    """(marker, rest, offset) for each ``=``/``~`` answer of a block, in order."""
    marks = []
    i = 0
    while i < len(block):
        if block[i] == "\\":
            i += 2
            continue
        if block[i] in "=~":
            marks.append(i)
        i += 1
    leading = block[: marks[0]].strip() if marks else block.strip()
    if leading:
        raise GiftError(f"text {leading[:30]!r} before the first answer (answers start with = or ~)",
                        base)
    out = []
    for n, start in enumerate(marks):
        end = marks[n + 1] if n + 1 < len(marks) else len(block)
        out.append((block[start], block[start + 1:end], base + start))
    return out


def split_weight(rest: str, offset: int) -> tuple[float | None, str]:
    rest = rest.lstrip()
    if rest.startswith("%"):
        match = _WEIGHT.match(rest)
        if not match:
            raise GiftError(f"bad weight {rest.split()[0][:20]!r} (write it as %50% or %-100%)", offset)
        return float(match.group(1)), rest[match.end():]
    return None, rest


def split_feedback(rest: str) -> tuple[str, str]:
    at = find(rest, "#")
    if at < 0:
        return rest.strip(), ""
    return rest[:at].strip(), rest[at + 1:].strip()


def parse_number_text(text: str, offset: int) -> dict:
    """``1.5:0.1`` / ``1.5`` -> value and tolerance; ``1..2`` -> min and max."""
    raw = unescape(text).strip()
    try:
        if ".." in raw:
            low, high = raw.split("..", 1)
            return {"min": float(low), "max": float(high)}
        if ":" in raw:
            value, tolerance = raw.split(":", 1)
            return {"value": float(value), "tolerance": float(tolerance)}
        return {"value": float(raw), "tolerance": 0.0}
    except ValueError:
        raise GiftError(f"bad numeric answer {raw!r} (write 1.5, 1.5:0.1 or 1..2)", offset) from None
