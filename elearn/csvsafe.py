"""CSV exports that spreadsheets cannot turn into formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (``=cmd|' /C calc'!A0``, ``=HYPERLINK(...)``):
a name typed by a learner could then run on a coordinator's machine. Every CSV this platform
produces goes through ``safe_cell`` (OWASP's advice: prefix such cells with a single quote).

Use ``csv_response(filename, header, rows)`` in views; ``csv_lines`` for streaming or for
building bytes without a request.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """The text of one cell, with a leading ``'`` when a spreadsheet would read a formula.

    Numbers (int, float) are written as they are: ``-3`` is a number, not a formula.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def safe_value(value):
    """Like ``safe_cell`` but keeps numbers, dates and None as they are (for XLSX cells)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Line:
    """A file-like object that keeps only the last line written (for streaming)."""

    def __init__(self) -> None:
        self.value = ""

    def write(self, text: str) -> None:
        self.value = text


def csv_lines(header: Iterable, rows: Iterable[Iterable], *, bom: bool = True) -> Iterator[str]:
    """The CSV text line by line: a UTF-8 BOM (Excel needs it to read UTF-8), the header, rows.

    Every cell goes through ``safe_cell``.
    """
    line = _Line()
    writer = csv.writer(line, lineterminator="\r\n")
    if bom:
        yield "\ufeff"
    writer.writerow([safe_cell(cell) for cell in header])
    yield line.value
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
        yield line.value


def csv_text(header: Iterable, rows: Iterable[Iterable], *, bom: bool = True) -> str:
    """The whole CSV as one string (small exports, tests)."""
    buffer = io.StringIO()
    for part in csv_lines(header, rows, bom=bom):
        buffer.write(part)
    return buffer.getvalue()


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable], *, stream: bool = True):
    """A Flask response with the CSV as an attachment (streamed when ``rows`` is a generator).

    ``filename`` should be plain ASCII (e.g. ``course-slug-enrolments.csv``).
    """
    from flask import Response, stream_with_context

    body = csv_lines(header, rows)
    if stream:
        body = stream_with_context(part.encode("utf-8") for part in body)
    else:
        body = "".join(body).encode("utf-8")
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
