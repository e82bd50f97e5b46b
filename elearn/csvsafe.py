"""Spreadsheet-safe cells for CSV and XLSX exports.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken
as a formula by Excel, LibreOffice and Google Sheets (CSV injection, OWASP). ``safe_cell``
prefixes such text with an apostrophe so it is shown as text. Numbers, dates and None pass
through unchanged (a negative number is a number, not a formula).
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` made safe to put in a spreadsheet cell."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
