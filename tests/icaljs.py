"""Run ical.js (the iCalendar parser Thunderbird uses) with node on a calendar: the second,
independent reading of our feeds. Skips when node or ical.js is missing, fails under CI=true."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tests" / "js" / "icaljs_occurrences.mjs"


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"ical.js checks cannot run in CI: {reason}")
    pytest.skip(f"ical.js checks skipped: {reason}")


def icaljs_read(data: bytes) -> dict:
    """{"occurrences": [...], "overrides": [...]} with UTC ISO instants, as ical.js reads them."""
    node = shutil.which("node")
    if node is None:
        _missing("node is not installed")
    if not (ROOT / "node_modules" / "ical.js").is_dir():
        _missing("ical.js is not installed (npm install --no-save ical.js)")
    with tempfile.NamedTemporaryFile(suffix=".ics", delete=False) as handle:
        handle.write(data)
        path = handle.name
    try:
        result = subprocess.run([node, str(SCRIPT), path], capture_output=True, text=True,
                                timeout=60, cwd=ROOT, check=False)
    finally:
        os.unlink(path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
