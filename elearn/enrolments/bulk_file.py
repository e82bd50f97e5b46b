"""The file of a bulk enrolment: decoding, the rows of its columns, and the signed copy carried
from the preview to the confirmation (see elearn.enrolments.bulk for the format).
"""

from __future__ import annotations

import csv
import io

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from elearn.textfiles import TextFileError, decode_upload, sniff_delimiter

REQUIRED_COLUMNS = ("email", "name", "audience", "country")


OPTIONAL_COLUMNS = ("centre",)


MAX_ROWS = 20_000


#: how long a previewed file may wait for confirmation
CONFIRM_MAX_AGE = 60 * 60


class BulkFileError(Exception):
    """The file as a whole cannot be read (encoding, header, size)."""


def decode(data: bytes) -> str:
    """The file's text: UTF-8, or Windows-1252/Latin-1 as Excel's plain "CSV" saves it
    (elearn.textfiles); a clear error naming the line when it cannot be read."""
    try:
        return decode_upload(data)[0]
    except TextFileError as error:
        raise BulkFileError(str(error)) from None


def read_rows(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) for each non-blank row, after checking the header."""
    text = text.lstrip("\ufeff")
    # judged on the header line alone, which names the columns
    delimiter = sniff_delimiter(text, lines=1, others=(";",))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise BulkFileError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise BulkFileError(_("The file is not valid CSV: %(error)s", error=str(exc))) from None
    columns = [name.strip().lower().lstrip("\ufeff") for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise BulkFileError(_(
            "The first line must be the header %(header)s (centre is optional); missing: "
            "%(missing)s.",
            header="email,name,audience,country,centre", missing=", ".join(missing),
        ))
    index = {name: columns.index(name) for name in REQUIRED_COLUMNS + OPTIONAL_COLUMNS
             if name in columns}
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            if len(rows) >= MAX_ROWS:
                raise BulkFileError(_("The file has more than %(max)s rows; split it.",
                                      max=MAX_ROWS))
            rows.append((reader.line_num, {
                name: (values[i].strip() if i < len(values) else "") for name, i in index.items()
            }))
    except csv.Error as exc:
        raise BulkFileError(_("Line %(line)s is not valid CSV: %(error)s",
                              line=reader.line_num, error=str(exc))) from None
    if not rows:
        raise BulkFileError(_("The file has a header but no rows."))
    return rows


def parse(data: bytes) -> list[tuple[int, dict[str, str]]]:
    return read_rows(decode(data))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="bulk-enrol")


def sign_file(text: str, course_id: int, actor_id: int) -> str:
    """A signed, compressed token of the file for the confirm form (nothing stored server-side)."""
    return _serializer().dumps({"c": course_id, "u": actor_id, "csv": text})


def unsign_file(token: str, course_id: int, actor_id: int) -> str | None:
    """The file's text if the token is genuine, recent and for this course and person."""
    try:
        payload = _serializer().loads(token, max_age=CONFIRM_MAX_AGE)
    except BadSignature:  # includes SignatureExpired
        return None
    if payload.get("c") != course_id or payload.get("u") != actor_id:
        return None
    return payload.get("csv")
