"""Meeting report files read into a table of cells: CSV in any of the usual encodings and
delimiters, .xlsx workbooks (every sheet: BigBlueButton's, or a report re-saved in Excel).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta

import openpyxl
from flask_babel import gettext as _

from elearn.textfiles import TextFileError, decode_upload, sniff_delimiter
from elearn.webinars.attendance_cells import MAX_ROWS, ReportError


def _unreadable_xlsx() -> ReportError:
    return ReportError(_("This spreadsheet cannot be read. Export the report again as CSV or "
                         "XLSX."))


def _xlsx_tables(data: bytes) -> list[list[list[str]]]:
    """Cells of each sheet of an .xlsx workbook (BigBlueButton, or a report re-saved in Excel)
    as text: dates as ISO 8601, durations as H:MM:SS, whole numbers without ".0". Recent
    BigBlueButton workbooks put a "Summary" sheet before the users' one."""
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 (zipfile, XML and openpyxl errors: all mean unreadable)
        raise _unreadable_xlsx() from None
    try:
        if not workbook.worksheets:
            raise _unreadable_xlsx()
        tables, rows = [], 0
        for sheet in workbook.worksheets[:20]:
            table = []
            for row in sheet.iter_rows(values_only=True):
                if rows >= MAX_ROWS:
                    break
                table.append([_xlsx_text(value) for value in row[:64]])
                rows += 1
            tables.append(table)
        return tables
    except ReportError:
        raise
    except Exception:  # noqa: BLE001
        raise _unreadable_xlsx() from None
    finally:
        workbook.close()


def _xlsx_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e9:
        return str(int(value))
    return str(value)[:100_000]


def decode(data: bytes) -> str:
    """Text of an uploaded report (elearn.textfiles says which encodings are accepted)."""
    try:
        return decode_upload(data)[0]
    except TextFileError as error:
        raise ReportError(_("%(problem)s Upload the report as CSV or XLSX, as the meeting tool "
                            "exports it.", problem=str(error))) from None


def _csv_table(data: bytes) -> list[list[str]]:
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    table: list[list[str]] = []
    try:
        for row in reader:
            if len(table) >= MAX_ROWS:
                break
            table.append(row)
    except csv.Error:
        raise ReportError(_("Line %(line)s of the report is not valid CSV.",
                            line=reader.line_num)) from None
    return table


def read_tables(data: bytes) -> list[list[list[str]]]:
    """The report as tables (one per sheet) of rows of cells: .xlsx workbooks by their content
    (a ZIP), text otherwise (one table)."""
    if data.startswith(b"PK\x03\x04"):
        return _xlsx_tables(data)
    return [_csv_table(data)]
