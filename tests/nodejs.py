"""Run one of our node scripts (tests/js/*.mjs) on a file: the independent readers of what the
app writes. Skips when node or an npm package is missing, fails under CI=true (where
`make test` has installed them from package-lock.json)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _missing(what: str, reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} cannot run in CI: {reason}")
    pytest.skip(f"{what} skipped: {reason}")


def run_node_script(script: str, data: bytes, *, suffix: str, packages: tuple[str, ...],
                    what: str, timeout: int = 60) -> dict:
    """Write ``data`` to a temporary file, run ``tests/js/<script>`` on it, return its JSON."""
    node = shutil.which("node")
    if node is None:
        _missing(what, "node is not installed")
    for package in packages:
        if not (ROOT / "node_modules" / package).is_dir():
            _missing(what, f"{package} is not installed (make test runs npm ci)")
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as handle:
        handle.write(data)
        path = handle.name
    try:
        result = subprocess.run([node, str(ROOT / "tests" / "js" / script), path],
                                capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                                check=False)
    finally:
        os.unlink(path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)
