"""The certificate PDF: a pure function of its data, one A4 landscape page.

Fonts: DejaVu Sans (regular and bold, shipped in static/fonts; Bitstream Vera licence, DejaVu
changes public domain) covers Latin with accents, Greek, Cyrillic and Arabic. Text shaping by
HarfBuzz (``uharfbuzz``) through fpdf2 joins Arabic letters and lays them out right to left.
Scripts DejaVu lacks (CJK, Devanagari, ...) come from a fallback chain of font files
(``fallback_fonts``; the app passes the ELEARN_CERTIFICATE_FALLBACK_FONTS setting, by default
Noto Sans CJK and Lohit Devanagari from Debian's fonts-noto-cjk and fonts-lohit-deva). A
fallback font is parsed once per process, only when a certificate needs it, and embedded as a
subset of the glyphs that certificate uses (fpdf2 subsets at output). Bold text (the name, the
title) takes the bold face of a fallback font when one lies beside it (``fonts.bold_face``:
Debian's NotoSansCJK-Bold.ttc beside NotoSansCJK-Regular.ttc), subset the same way; a face no
text used is not embedded. A certificate whose text
has a character that no font covers is refused (``MissingGlyphs``, logged): a name is never
printed with a character silently missing.

Speed: parsing a TrueType font costs far more than drawing a page, so each font is parsed once
per process (``_FontCache``); each document gets a light copy with its own glyph subset and a
fresh fontTools object for subsetting (fpdf2 subsets the font object in place when it writes).
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass
from datetime import date

import segno
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import SubsetMap

from elearn.certificates.fonts import FAMILY, FONT_CACHE, MissingGlyphs

logging.getLogger("fpdf.output").setLevel(logging.ERROR)  # missing-glyph warnings: once, below
log = logging.getLogger("elearn.certificates")


@dataclass(frozen=True)
class CertificateData:
    learner_name: str
    course_title: str
    audience_name: str
    completed_on: date
    issuing_body: str
    code: str
    verification_url: str
    revoked: bool = False


@dataclass(frozen=True)
class Labels:
    """The certificate's words, translated by the caller."""

    title: str = "Certificate of completion"
    certifies: str = "This certifies that"
    completed: str = "has completed the course"
    audience: str = "Audience: {audience}"
    date: str = "Completed on {date}"
    issued_by: str = "Issued by"
    code: str = "Certificate code: {code}"
    verify: str = "Verify at"
    revoked: str = "REVOKED"
    date_text: str = ""  # the completion date as the reader writes it (empty: ISO date)
    rtl: bool = False  # the labels' language is written right to left (footer aligned right)


# A4 landscape, millimetres
WIDTH, HEIGHT = 297, 210
MARGIN = 14
INK = (27, 31, 35)
BRAND = (11, 90, 122)
MUTED = (80, 90, 100)


def _set_font(pdf: FPDF, style: str, size: float) -> None:
    """``pdf.set_font`` that always writes the font operator: after a run drawn in a fallback
    font, fpdf2 2.8 believes the main font is still set and draws text without a font."""
    pdf.set_font(FAMILY, style, size)
    pdf.current_font_is_set_on_page = False


def _fit_size(pdf: FPDF, text: str, style: str, size: float, width: float, minimum: float) -> float:
    """The largest font size <= ``size`` at which ``text`` fits on one line of ``width``."""
    while size > minimum:
        _set_font(pdf, style, size)
        if pdf.get_string_width(text) <= width:
            return size
        size -= 1
    return minimum


def _centred(pdf: FPDF, text: str, style: str, size: float, color, *, max_size: float | None = None,
             line: float | None = None) -> None:
    width = WIDTH - 2 * MARGIN - 20
    text = unicodedata.normalize("NFC", text)
    if max_size:
        pdf.set_text_shaping(_needs_shaping(text))
        size = _fit_size(pdf, text, style, max_size, width, size)
    pdf.set_text_shaping(_needs_shaping(text))
    _set_font(pdf, style, size)
    pdf.set_text_color(*color)
    height = line or size * 0.5
    if pdf.get_string_width(text) <= width:
        pdf.set_x(MARGIN + 10)
        pdf.cell(width, height, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        pdf.set_x(MARGIN + 10)
        pdf.multi_cell(width, height, text, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _draw_qr(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (sharp at any zoom, no image to decode), one path.

    Written as raw PDF path operators: fpdf2's ``rect`` per module costs ten times more.
    """
    # a fixed mask: segno's mask scoring, in pure Python, costs more than the rest of the page
    qr = segno.make(url, error="m", mask=2, boost_error=False)
    rows = list(qr.matrix_iter(border=2))
    module = size / len(rows)
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(x, y, size, size, style="F")
    k, page_height = pdf.k, pdf.h
    ops = ["q 0 g"]
    for r, row in enumerate(rows):
        start = None
        top = (page_height - (y + r * module)) * k
        for c, dark in enumerate(list(row) + [0]):
            if dark and start is None:
                start = c
            elif not dark and start is not None:
                ops.append(f"{(x + start * module) * k:.2f} {top:.2f} "
                           f"{(c - start) * module * k:.2f} {-module * k:.2f} re")
                start = None
    ops.append("f Q")
    pdf._out("\n".join(ops))


def _needs_shaping(text: str) -> bool:
    """HarfBuzz is needed for Arabic (joining, right to left) and combining marks; plain
    Latin, Greek and Cyrillic text is laid out faster without it."""
    return any(ord(ch) >= 0x0590 or unicodedata.combining(ch) for ch in text)


def render_certificate(data: CertificateData, labels: Labels | None = None,
                       fallback_fonts: list[str] | None = None) -> bytes:
    """The certificate as PDF bytes. Raises MissingGlyphs (and logs it) when a character of
    the certificate has no glyph in DejaVu Sans nor in any of ``fallback_fonts``."""
    labels = labels or Labels()
    pdf = _new_document(data, labels, fallback_fonts)
    _draw_body(pdf, data, labels)
    _draw_footer(pdf, data, labels)
    if data.revoked:
        _draw_revoked(pdf, data, labels)
    return _output(pdf, data)


def _new_document(data: CertificateData, labels: Labels, fallback_fonts: list[str] | None) -> FPDF:
    """An A4 landscape page with the fonts the certificate's texts need."""
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_creator("elearn")
    pdf.set_title(f"{labels.title}: {data.learner_name}")
    pdf.set_author(data.issuing_body)
    pdf.set_subject(data.course_title)
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    FONT_CACHE.install(pdf)
    texts = " ".join([data.learner_name, data.course_title, data.audience_name,
                      data.issuing_body, *(str(v) for v in labels.__dict__.values())])
    try:
        fallbacks = FONT_CACHE.install_fallbacks(pdf, list(fallback_fonts or []),
                                                 unicodedata.normalize("NFC", texts))
    except MissingGlyphs as error:
        log.warning("certificate %s refused: no font has a glyph for %r (fallback fonts: %s)",
                    data.code, error.characters, ", ".join(fallback_fonts or []) or "none")
        raise
    if fallbacks:
        pdf.set_fallback_fonts(fallbacks, exact_match=False)
    pdf.add_page()
    return pdf


def _draw_body(pdf: FPDF, data: CertificateData, labels: Labels) -> None:
    """The frame and the centred lines: body, title, learner, course, audience, date."""
    # frame
    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, WIDTH - 16, HEIGHT - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, WIDTH - 22, HEIGHT - 22)

    pdf.set_y(26)
    _centred(pdf, data.issuing_body, "", 11, MUTED, line=6)
    pdf.ln(6)
    _centred(pdf, labels.title, "B", 30, BRAND, line=14)
    pdf.ln(6)
    _centred(pdf, labels.certifies, "", 13, INK, line=7)
    pdf.ln(3)
    _centred(pdf, data.learner_name, "B", 16, INK, max_size=30, line=14)
    pdf.ln(3)
    _centred(pdf, labels.completed, "", 13, INK, line=7)
    pdf.ln(2)
    _centred(pdf, data.course_title, "B", 12, BRAND, max_size=20, line=10)
    pdf.ln(4)
    _centred(pdf, labels.audience.format(audience=data.audience_name), "", 12, INK, line=7)
    when = labels.date_text or data.completed_on.isoformat()
    _centred(pdf, labels.date.format(date=when), "", 12, INK, line=7)


def _draw_footer(pdf: FPDF, data: CertificateData, labels: Labels) -> None:
    """Issuing body and code on the left, QR code of the verification URL on the right."""
    qr_size = 34
    qr_x, qr_y = WIDTH - MARGIN - 8 - qr_size, HEIGHT - MARGIN - 12 - qr_size
    _draw_qr(pdf, data.verification_url, qr_x, qr_y, qr_size)
    pdf.set_text_shaping(_needs_shaping(data.issuing_body))
    left = MARGIN + 10
    pdf.set_xy(left, qr_y + 4)
    text_width = qr_x - left - 10
    _set_font(pdf, "", 10)
    pdf.set_text_color(*MUTED)
    align = Align.R if labels.rtl else Align.L
    pdf.set_text_shaping(_needs_shaping(labels.issued_by))
    pdf.cell(text_width, 6, labels.issued_by, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_shaping(_needs_shaping(data.issuing_body))
    _set_font(pdf, "B", 11)
    pdf.set_text_color(*INK)
    pdf.set_x(left)
    pdf.multi_cell(text_width, 6, data.issuing_body, align=align, new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.ln(2)
    code_text = labels.code.format(code=data.code)
    pdf.set_text_shaping(_needs_shaping(code_text))
    _set_font(pdf, "", 10)
    pdf.set_x(left)
    pdf.cell(text_width, 6, code_text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*MUTED)
    pdf.set_x(left)
    verify_text = f"{labels.verify} {data.verification_url}"
    pdf.set_text_shaping(_needs_shaping(verify_text))
    pdf.cell(text_width, 6, verify_text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT,
             link=data.verification_url)


def _draw_revoked(pdf: FPDF, data: CertificateData, labels: Labels) -> None:
    """The revocation line and the diagonal stamp of a revoked certificate."""
    pdf.set_text_shaping(_needs_shaping(labels.revoked + labels.verify))
    pdf.set_xy(MARGIN + 10, HEIGHT - MARGIN - 8)
    _set_font(pdf, "B", 10)
    pdf.set_text_color(161, 38, 28)
    pdf.cell(WIDTH - 2 * MARGIN - 20, 5, f"{labels.revoked}: {labels.verify} "
             f"{data.verification_url}")
    with pdf.rotation(20, WIDTH / 2, HEIGHT / 2):
        _set_font(pdf, "B", 70)
        pdf.set_text_color(161, 38, 28)
        pdf.set_xy(0, HEIGHT / 2 - 15)
        pdf.cell(WIDTH, 30, labels.revoked, align=Align.C)


def _output(pdf: FPDF, data: CertificateData) -> bytes:
    """The PDF bytes; refused (MissingGlyphs, logged) when a character had no glyph."""
    FONT_CACHE.prepare_output(pdf)
    output = bytes(pdf.output())
    FONT_CACHE.keep_fallback_subsets(pdf)
    missing = {chr(c) for font in pdf.fonts.values() for c in getattr(font, "missing_glyphs", [])}
    SubsetMap.pick.cache_clear()  # fpdf2 caches per SubsetMap at class level; don't keep them
    SubsetMap.get_glyph.cache_clear()
    if missing:
        log.warning("certificate %s refused: characters without a glyph: %s", data.code,
                    "".join(sorted(missing)))
        raise MissingGlyphs("".join(sorted(missing)))
    return output
