"""Run ical.js (the iCalendar parser Thunderbird uses) with node on a calendar: the second,
independent reading of our feeds. Skips when node or ical.js is missing, fails under CI=true."""

from __future__ import annotations

from tests.nodejs import run_node_script


def icaljs_read(data: bytes) -> dict:
    """{"occurrences": [...], "overrides": [...]} with UTC ISO instants, as ical.js reads them."""
    return run_node_script("icaljs_occurrences.mjs", data, suffix=".ics", packages=("ical.js",),
                           what="ical.js checks")
