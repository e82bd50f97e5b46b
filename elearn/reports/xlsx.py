"""A streaming XLSX (Office Open XML) writer for large tabular exports, at about CSV speed.

Why not a library: openpyxl (write-only) and XlsxWriter (constant memory) were measured on the
participants export and spend about ten times the CSV writer's time in per-cell Python work.
This writer keeps per-cell work to a few C-level string operations: for a known column layout it
generates one function that turns a row tuple into its ``<row>`` XML, dates arrive as Excel
serial numbers computed by the database, and the ZIP is written with fast deflate (level 1) to a
sink that hands bytes on as they come (memory stays flat; the first bytes leave after the first
rows).

What it writes: one or more sheets (a sheet holds at most 1,048,576 rows; later rows go to
"Title (2)" and so on), a bold frozen header row, column widths, real numbers, and dates with a
``yyyy-mm-dd hh:mm`` format. Text cells are inline strings (never formulas) and still get the
``'`` prefix of :mod:`elearn.csvsafe` for cells that look like formulas.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import chain
from xml.sax.saxutils import quoteattr

from elearn.csvsafe import FORMULA_PREFIXES

#: rows per sheet, header included (the format's limit)
MAX_ROWS = 1_048_576
#: bytes handed on at a time
CHUNK = 64 * 1024
#: rows written between two checks of the sink
BATCH = 500
KINDS = ("text", "number", "date")
EXCEL_EPOCH = datetime(1899, 12, 30)
#: characters XML 1.0 does not allow
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PREFIXES = frozenset(FORMULA_PREFIXES)
_FORBIDDEN_IN_TITLE = re.compile(r"[\[\]:*?/\\]")

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
#: cell styles: 0 plain, 1 bold (header), 2 date and time
STYLES = (
    HEAD + f'<styleSheet xmlns="{NS}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
    '</cellStyles></styleSheet>'
)


def text(value) -> str:
    """A string cell's XML-escaped text, with the formula guard of :mod:`elearn.csvsafe`."""
    if value.__class__ is not str:
        value = str(value)
    if value[:1] in _PREFIXES:
        value = "'" + value
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    if not value.isprintable():
        value = _INVALID.sub("", value)
    return value


def excel_serial(value: datetime | date) -> float:
    """Days since 1899-12-30 (Excel's serial date), for an instant in UTC or a day."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return (value - EXCEL_EPOCH).total_seconds() / 86400
    return float((value - EXCEL_EPOCH.date()).days)


_TEXT_OPEN = '<c t="inlineStr"><is><t xml:space="preserve">'
_TEXT_CLOSE = "</t></is></c>"


def _cell(value) -> str:
    """One cell of any Python value (the general path: small sheets, headers)."""
    if value is None:
        return "<c/>"
    if value.__class__ is str:
        return _TEXT_OPEN + text(value) + _TEXT_CLOSE
    if isinstance(value, bool):
        return f'<c t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f"<c><v>{value}</v></c>"
    if isinstance(value, datetime | date):
        return f'<c s="2"><v>{excel_serial(value)!r}</v></c>'
    return _TEXT_OPEN + text(value) + _TEXT_CLOSE


def _general_row(*values) -> str:
    return "<row>" + "".join([_cell(value) for value in values]) + "</row>"


def _generated(kinds: Sequence[str], text_cell: str, empty: str, number: tuple[str, str],
               date_cell: tuple[str, str], row: tuple[str, str]):
    names = [f"v{i}" for i in range(len(kinds))]
    parts = []
    for name, kind in zip(names, kinds, strict=True):
        if kind == "text":
            body = text_cell.format(name)
        else:
            opening, closing = number if kind == "number" else date_cell
            body = f"{opening!r} + str({name}) + {closing!r}"
        parts.append(f"({empty!r} if {name} is None else {body})")
    source = (f"def row({', '.join(names)}):\n"
              f"    return ''.join(({row[0]!r}, {', '.join(parts)}, {row[1]!r}))\n")
    namespace = {"text": text, "_TEXT_OPEN": _TEXT_OPEN, "_TEXT_CLOSE": _TEXT_CLOSE}
    exec(compile(source, "<xlsx row>", "exec"), namespace)  # noqa: S102 - built from KINDS only
    return namespace["row"]


def _tokens(markup: str) -> str:
    """Markup for the fast path: ``<`` and ``>`` as control characters (never valid in XML
    text, so never in a value that takes the fast path), turned back after escaping."""
    return markup.replace("<", "\x01").replace(">", "\x02")


_FORMULA_AFTER_TOKEN = re.compile(_tokens(_TEXT_OPEN) + "(?=[=+\\-@])")


def row_function(kinds: Sequence[str]):
    """A function of a row's values returning its ``<row>`` XML, for columns of ``kinds``."""
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown column kinds: {sorted(unknown)}")
    return _generated(kinds, "_TEXT_OPEN + text({0}) + _TEXT_CLOSE", "<c/>",
                      ("<c><v>", "</v></c>"), ('<c s="2"><v>', "</v></c>"), ("<row>", "</row>"))


class BatchWriter:
    """Rows to XML a batch at a time. Fast path: cells are joined around control-character
    tokens and the whole batch is escaped and detokenised with a few C-level passes; a batch
    whose values contain any control character takes the per-cell path (``row_function``)."""

    def __init__(self, kinds: Sequence[str] | None) -> None:
        if kinds is None:
            self.fast = None
            self.slow = _general_row
            return
        self.slow = row_function(kinds)
        self.fast = _generated(
            kinds, f"{_tokens(_TEXT_OPEN)!r} + {{0}} + {_tokens(_TEXT_CLOSE)!r}", _tokens("<c/>"),
            (_tokens("<c><v>"), _tokens("</v></c>")), (_tokens('<c s="2"><v>'), _tokens("</v></c>")),
            (_tokens("<row>"), _tokens("</row>")),
        )

    def xml(self, rows: list) -> str:
        fast = self.fast
        if fast is not None:
            try:
                raw = "\n".join([fast(*row) for row in rows])
            except TypeError:  # a text column holding a non-string: per cell
                raw = None
            # any control character in a value (a token look-alike): per cell, exactly
            if raw is not None and not _CONTROL.search(
                    "\n".join(map(str, chain.from_iterable(rows)))):
                if "&" in raw:
                    raw = raw.replace("&", "&amp;")
                if "<" in raw:
                    raw = raw.replace("<", "&lt;")
                if ">" in raw:
                    raw = raw.replace(">", "&gt;")
                raw = _FORMULA_AFTER_TOKEN.sub(lambda match: match.group() + "'", raw)
                # (str.translate is slow on non-ASCII text: two replaces instead)
                return raw.replace("\x01", "<").replace("\x02", ">")
        return "".join([self.slow(*row) for row in rows])


#: characters that send a batch to the per-cell path (the tokens among them, and \t \r)
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\ufffe\uffff]")


class _Sink:
    """A write-only file that keeps what was written until it is taken."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts, self.size = [], 0
        return data


def sheet_title(title: str, number: int = 1) -> str:
    clean = _FORBIDDEN_IN_TITLE.sub(" ", title).strip() or "Sheet"
    suffix = "" if number == 1 else f" ({number})"
    return clean[: 31 - len(suffix)] + suffix


def _sheet_head(header: list, widths: Sequence[float] | None) -> str:
    columns = ""
    if widths:
        columns = "<cols>" + "".join(
            f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
            for i, width in enumerate(widths, start=1)
        ) + "</cols>"
    header_row = "<row>" + "".join(
        f'<c t="inlineStr" s="1"><is><t xml:space="preserve">{text(name)}</t></is></c>'
        for name in header
    ) + "</row>"
    return (
        HEAD + f'<worksheet xmlns="{NS}" xmlns:r="{REL_NS}">'
        '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
        'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
        f"{columns}<sheetData>{header_row}"
    )


_SHEET_TAIL = "</sheetData></worksheet>"


def _package_parts(titles: list[str]) -> dict[str, str]:
    sheets = "".join(
        f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
        for n, title in enumerate(titles, start=1)
    )
    relations = "".join(
        f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(titles) + 1)
    )
    styles_id = len(titles) + 1
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, len(titles) + 1)
    )
    return {
        "xl/workbook.xml": HEAD + f'<workbook xmlns="{NS}" xmlns:r="{REL_NS}"><sheets>{sheets}'
                                  "</sheets></workbook>",
        "xl/_rels/workbook.xml.rels": HEAD + f'<Relationships xmlns="{PKG_REL_NS}">{relations}'
        f'<Relationship Id="rId{styles_id}" Type="{REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>",
        "xl/styles.xml": STYLES,
        "_rels/.rels": HEAD + f'<Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
        f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "[Content_Types].xml": HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/'
        '2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>",
    }


def workbook_chunks(title: str, header: list, rows: Iterable[Sequence], *,
                    kinds: Sequence[str] | None = None,
                    widths: Sequence[float] | None = None) -> Iterator[bytes]:
    """The XLSX bytes of ``header`` and ``rows``, in chunks of about :data:`CHUNK` bytes."""
    writer = BatchWriter(kinds)
    sink = _Sink()
    package = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    titles: list[str] = []

    def new_sheet():
        titles.append(sheet_title(title, len(titles) + 1))
        # a sheet's XML stays under 2 GiB (1,048,576 rows), so no ZIP64 entry is needed
        sheet = package.open(f"xl/worksheets/sheet{len(titles)}.xml", "w")
        sheet.write(_sheet_head(header, widths).encode())
        return sheet

    sheet, in_sheet, batch = new_sheet(), 1, []
    for row in rows:
        if in_sheet >= MAX_ROWS:
            sheet.write((writer.xml(batch) + _SHEET_TAIL).encode())
            sheet.close()
            sheet, in_sheet, batch = new_sheet(), 1, []
        batch.append(row)
        in_sheet += 1
        if len(batch) >= BATCH:
            sheet.write(writer.xml(batch).encode())
            batch = []
            if sink.size >= CHUNK:
                yield sink.take()
    sheet.write((writer.xml(batch) + _SHEET_TAIL).encode())
    sheet.close()
    for name, content in _package_parts(titles).items():
        package.writestr(name, content)
    package.close()
    yield sink.take()
