"""CSV and XLSX writers: pure functions from rows to byte chunks, streamed by the views.

Memory: the CSV writer holds one batch of rows (``batch`` rows) at a time, so its memory does
not grow with the export. The XLSX writer uses openpyxl's write-only mode, which serialises each
row to a temporary file on disk as it is appended (memory stays flat); the ZIP container is then
sent in 64 KiB chunks. The first XLSX byte therefore leaves after the last row was read, while
CSV bytes leave after the first batch. Every text cell goes through ``safe_cell`` against
formula injection.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator

from elearn.csvsafe import safe_value as safe_cell

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


def xlsx_chunks(header: Iterable[str], rows: Iterable[tuple], title: str = "Report") -> Iterator[bytes]:
    """An XLSX workbook of one sheet, written row by row in write-only mode."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_cell(value) for value in header])
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(CHUNK):
            yield chunk
