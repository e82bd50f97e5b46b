"""Text of uploaded files (bulk-enrolment CSVs, meeting reports): one decoder for every upload.

Accepted encodings, detected in this order:
- UTF-16 with a byte-order mark, or UTF-16-LE without one (Microsoft Teams reports);
- UTF-8, with or without a BOM ("CSV UTF-8" in Excel);
- Windows-1252 (what Excel's plain "CSV" saves in Western European offices), else Latin-1,
  but only when the file has no valid UTF-8 multi-byte sequence at all: a file that is UTF-8
  with a few broken bytes is mixed, and refused with the line of the first broken byte.

Binary files (spreadsheets other than the ones a caller reads itself, PDFs, archives, images)
are refused with a message instead of being read as garbage text.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

#: magic numbers of binary formats people upload by mistake, with a name for the message
BINARY_SIGNATURES = (
    (b"\xd0\xcf\x11\xe0", "Excel 97-2003 (.xls)"),
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP"),
    (b"\x1f\x8b", "gzip"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"{\\rtf", "RTF"),
)
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


class TextFileError(ValueError):
    """The upload is not a text file in an accepted encoding; the message says why and where."""


def binary_kind(data: bytes) -> str | None:
    """The name of a binary format recognised by its first bytes, else None."""
    for signature, name in BINARY_SIGNATURES:
        if data.startswith(signature):
            return name
    return None


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_upload(data: bytes, *, utf16: bool = True) -> tuple[str, str]:
    """(text, encoding name) of an uploaded text file. Raises TextFileError with a clear
    message (naming the line, never a byte offset) when the file is binary or undecodable."""
    kind = binary_kind(data)
    if kind is not None:
        raise TextFileError(_("This is a %(kind)s file, not a text (CSV) file.", kind=kind))
    if utf16 and (data.startswith((b"\xff\xfe", b"\xfe\xff"))
                  or (len(data) > 3 and data[1:2] == b"\x00" and data[3:4] == b"\x00")):
        encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-16-le"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise TextFileError(_(
                "The file looks like UTF-16 text but cannot be read near line %(line)s.",
                line=data[:exc.start].decode(encoding, errors="replace").count("\n") + 1,
            )) from None
        return _checked(text.lstrip("\ufeff"), encoding)
    try:
        return _checked(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(data):
            raise TextFileError(_(
                "Line %(line)s is not UTF-8 text although the rest of the file is. Save the "
                "file as \"CSV UTF-8\" and upload it again.", line=_line_of(data, exc.start),
            )) from None
    try:
        return _checked(data.decode("cp1252"), "windows-1252")
    except UnicodeDecodeError:
        return _checked(data.decode("latin-1"), "latin-1")


def _checked(text: str, encoding: str) -> tuple[str, str]:
    """Refuse text with NUL bytes or many control characters: a binary file read as text."""
    if "\x00" in text or len(_CONTROL.findall(text[:65536])) > max(8, len(text[:65536]) // 100):
        raise TextFileError(_("This looks like a binary file, not a text (CSV) file."))
    return text, encoding


def sniff_delimiter(text: str, *, lines: int = 50, others: tuple[str, ...] = ("\t", ";")) -> str:
    """The CSV delimiter of ``text``, judged on its first ``lines`` lines: the first of
    ``others`` that occurs more often than the comma there, else the comma (spreadsheets in
    locales with a decimal comma save ``;``; meeting tools export tab-separated text)."""
    sample = "\n".join(text[:20_000].splitlines()[:lines])
    commas = sample.count(",")
    return next((delimiter for delimiter in others if sample.count(delimiter) > commas), ",")
