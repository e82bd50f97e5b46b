"""Style sheets use logical properties so that dir="rtl" (Arabic) mirrors every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = sorted((Path(__file__).resolve().parents[2] / "static" / "css").glob("*.css"))
PHYSICAL = re.compile(
    r"(?<![\w-])(margin|padding|border)-(left|right)\b"
    r"|(?<![\w-])(left|right)\s*:"
    r"|(?<![\w-])(text-align|float|clear)\s*:\s*(left|right)\b"
)
#: named by content authors for a side, not a reading direction
ALLOWED = {".module-body .align-right { text-align: right; }"}


@pytest.mark.parametrize("path", CSS, ids=lambda p: p.name)
def test_no_physical_left_right_properties(path):
    offending = [
        f"{path.name}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PHYSICAL.search(line) and not any(line.strip().startswith(ok) for ok in ALLOWED)
    ]
    assert not offending, "\n".join(offending)
