"""CSV and XLSX writers: pure functions from rows to byte chunks, streamed by the views.

Memory: both writers hold one batch of rows at a time, so memory does not grow with the
export, and both send their first bytes after the first batch. Every text cell goes through
``safe_cell`` against formula injection (CSV) or is a typed string cell that a spreadsheet never
evaluates, still prefixed the same way (XLSX).

XLSX: the workbook (``xlsx.py``) is streamed as a ZIP whose sheet is written row by row with
one generated function per column layout. openpyxl's write-only mode and XlsxWriter's
constant-memory mode were measured first (bench/reports_dashboard.py): both spend ~10x the
time of the CSV writer in per-cell Python work, far from the CSV speed the exports need.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from elearn.csvsafe import safe_value as safe_cell
from elearn.reports import xlsx

CHUNK = 64 * 1024


def csv_chunks(header: Iterable[str], rows: Iterable[tuple], batch: int = 500) -> Iterator[bytes]:
    """UTF-8 CSV (with a BOM, so spreadsheet programs detect the encoding), ``batch`` rows a chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([safe_cell(value) for value in header])
    pending = 0
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        pending += 1
        if pending >= batch:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


def xlsx_chunks(header: Iterable[str], rows: Iterable[tuple], title: str = "Report",
                kinds: Sequence[str] | None = None, widths: Sequence[float] | None = None,
                ) -> Iterator[bytes]:
    """An XLSX workbook of one sheet (more past a sheet's row limit), streamed in chunks.

    ``kinds`` names each column's type (``text``, ``number``, ``date``: an Excel serial
    number, see ``services.excel_serial``) for the fast path; without it each cell's type is
    read from its Python value."""
    yield from xlsx.workbook_chunks(title, list(header), rows, kinds=kinds, widths=widths)
