"""The certificate PDF: one A4 landscape page whose text comes back out in every script."""

import logging
import os
import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from elearn.certificates.fonts import MissingGlyphs, bold_face, fallback_paths
from elearn.certificates.pdf import CertificateData, Labels, render_certificate
from elearn.config import DEFAULTS

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


def data(name: str, **changes) -> CertificateData:
    values = {
        "learner_name": name,
        "course_title": "Customs and the chemicals and waste conventions",
        "audience_name": "Customs officer", "completed_on": date(2026, 11, 24),
        "issuing_body": "Secretariat of the Basel, Rotterdam and Stockholm conventions",
        "code": "k7m2q-x9tzp-a4bcd-efghj",
        "verification_url": "http://localhost/certificates/k7m2q-x9tzp-a4bcd-efghj",
    }
    values.update(changes)
    return CertificateData(**values)


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         check=True, text=True).stdout
    return unicodedata.normalize("NFKC", out)


def pdf_info(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True,
                          text=True).stdout


@pytest.mark.parametrize("name", [
    "Zoë Ångström-Núñez", "François Lefèvre-Ødegård", "Łukasz Żółć", "Nguyễn Thị Hương",
    "Дмитрий Ёжиков", "Олена Шевченко",
])
def test_latin_and_cyrillic_names_come_back(name, tmp_path):
    text = pdf_text(render_certificate(data(name)), tmp_path)
    assert unicodedata.normalize("NFKC", name) in text
    for expected in ("Certificate of completion", "Customs and the chemicals and waste",
                     "Customs officer", "2026-11-24", "k7m2q-x9tzp-a4bcd-efghj",
                     "Secretariat of the Basel, Rotterdam and Stockholm conventions",
                     "http://localhost/certificates/k7m2q-x9tzp-a4bcd-efghj"):
        assert expected in text


@pytest.mark.parametrize("name", ["فاطمة محمد", "محمد عبد الرحمن", "يوسف حسن"])
def test_arabic_names_are_shaped_and_come_back(name, tmp_path):
    pdf = render_certificate(data(name))
    text = pdf_text(pdf, tmp_path)
    # pdftotext gives logical order back; bidi marks may surround the run
    cleaned = "".join(ch for ch in text if ch not in "\u202a\u202b\u202c\u200e\u200f")
    assert name in cleaned


def test_arabic_is_shaped_into_joined_forms(monkeypatch):
    from elearn.certificates import fonts

    used: set[str] = set()
    real = fonts._FontCache.prepare_output

    def spy(self, pdf):
        for font in pdf.fonts.values():
            used.update(glyph.glyph_name for glyph, _ in font.subset.items() if glyph)
        return real(self, pdf)

    monkeypatch.setattr(fonts._FontCache, "prepare_output", spy)
    render_certificate(data("محمد"))
    # meem initial, hah medial, meem medial, dal final (Arabic presentation forms B)
    assert {"uniFEE3", "uniFEA4", "uniFEE4", "uniFEAA"} <= used
    assert "uni0645" not in used  # not the isolated, unjoined meem


def test_one_a4_landscape_page(tmp_path):
    info = pdf_info(render_certificate(data("Ana")), tmp_path)
    assert "Pages:           1" in info
    assert "841.89 x 595.28 pts (A4)" in info


def test_labels_are_used_and_a_revoked_certificate_says_so(tmp_path):
    labels = Labels(title="Attestation de réussite", date="Terminé le {date}",
                    date_text="24 novembre 2026")
    text = pdf_text(render_certificate(data("Ana", revoked=True), labels), tmp_path)
    assert "Attestation de réussite" in text and "Terminé le 24 novembre 2026" in text
    assert "REVOKED" in text


def test_long_names_and_titles_still_fit_on_the_page(tmp_path):
    long_name = "Maria del Carmen Inmaculada Concepción de los Santos Fernández-Villaverde y Ruiz"
    info = pdf_info(render_certificate(data(long_name, course_title="A " * 120)), tmp_path)
    assert "Pages:           1" in info


def test_characters_outside_the_fast_subsets_still_render(tmp_path):
    # Hebrew and Armenian are in DejaVu but not in the prepared blocks: fpdf2 subsets itself
    name = "Ani Հակոբյան"
    text = pdf_text(render_certificate(data(name)), tmp_path)
    assert "Հակոբյան" in text


def test_qr_code_encodes_the_verification_url():
    import segno

    from elearn.certificates import pdf as module

    calls = []
    real = segno.make

    def spy(content, **kwargs):
        calls.append(content)
        return real(content, **kwargs)

    module.segno.make = spy
    try:
        render_certificate(data("Ana"))
    finally:
        module.segno.make = real
    assert calls == ["http://localhost/certificates/k7m2q-x9tzp-a4bcd-efghj"]


# --------------------------------------------------------------------------- every script



FALLBACKS = fallback_paths(DEFAULTS["CERTIFICATE_FALLBACK_FONTS"])
# Skipped locally without the fonts; under CI=true they must be there, so the tests run (and fail).
needs_fonts = pytest.mark.skipif(
    not all(Path(path).is_file() for path in FALLBACKS) and os.environ.get("CI") != "true",
    reason="fallback fonts missing: apt-get install fonts-noto-cjk fonts-lohit-deva")
SCRIPT_NAMES = [
    "王小明",  # Chinese
    "山田 花子",  # Japanese (kanji and kana below)
    "さくら ユキ",
    "김민준",  # Korean
    "محمد عبد الرحمن",  # Arabic
    "Дмитрий Ёжиков",  # Cyrillic
    "Γιώργος Παπαδόπουλος",  # Greek
    "अनीता शर्मा",  # Devanagari
    "Ana 王 Ёж",  # mixed
]


def without_marks(text: str) -> str:
    return "".join(ch for ch in text if ch not in "\u202a\u202b\u202c\u200e\u200f")


@needs_fonts
@pytest.mark.parametrize("name", SCRIPT_NAMES)
def test_names_in_every_script_come_back_through_pdftotext(name, tmp_path):
    text = without_marks(pdf_text(render_certificate(data(name), fallback_fonts=FALLBACKS),
                                  tmp_path))
    assert unicodedata.normalize("NFKC", name) in text
    assert "Customs and the chemicals and waste" in text  # the Latin text after the name too


@needs_fonts
def test_mixed_scripts_with_devanagari_and_arabic_render(tmp_path):
    name = "Ana अनीता فاطمة"
    text = without_marks(pdf_text(render_certificate(data(name), fallback_fonts=FALLBACKS),
                                  tmp_path))
    for part in ("Ana", "अनीता", "فاطمة"):
        assert part in text


def ink_in_name_band(pdf: bytes, tmp_path) -> int:
    """Dark pixels in the band of the page where the name is printed (rendered by pdftoppm)."""
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(path), str(tmp_path / "page")],
                   check=True)
    image = next(tmp_path.glob("page*.pgm")).read_bytes()
    # binary PGM: "P5\n<w> <h>\n255\n" then one byte per pixel
    header, _, rest = image.partition(b"\n255\n")
    width, height = (int(v) for v in header.split()[1:3])
    top, bottom = int(height * 0.31), int(height * 0.40)  # the name line (y 65-84 mm of 210)
    band = rest[top * width:bottom * width]
    return sum(1 for value in band if value < 128)


@needs_fonts
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils missing")
@pytest.mark.parametrize("name", ["王小明", "김민준", "अनीता शर्मा"])
def test_names_are_drawn_not_just_text(name, tmp_path):
    with_name = ink_in_name_band(render_certificate(data(name), fallback_fonts=FALLBACKS),
                                 tmp_path / "named")
    empty = ink_in_name_band(render_certificate(data(" "), fallback_fonts=FALLBACKS),
                             tmp_path / "empty")
    assert with_name > empty + 100


def test_a_character_no_font_has_is_refused_and_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="elearn.certificates"), \
            pytest.raises(MissingGlyphs) as error:
        render_certificate(data("王小明"), fallback_fonts=[])
    assert "王" in error.value.characters
    assert "k7m2q-x9tzp-a4bcd-efghj" in caplog.text and "refused" in caplog.text


def test_a_missing_fallback_file_is_skipped_then_refused(caplog):
    with pytest.raises(MissingGlyphs):
        render_certificate(data("王"), fallback_fonts=["/nonexistent/font.ttc"])
    # names DejaVu covers never load a fallback font
    assert render_certificate(data("Zoë"), fallback_fonts=["/nonexistent/font.ttc"])


@needs_fonts
def test_a_second_certificate_with_the_same_glyphs_reuses_the_subset_and_still_reads(tmp_path):
    first = render_certificate(data("林美玲", code="first"), fallback_fonts=FALLBACKS)
    second = render_certificate(data("林美玲", code="second"), fallback_fonts=FALLBACKS)
    assert "林美玲" in without_marks(pdf_text(first, tmp_path))
    assert "林美玲" in without_marks(pdf_text(second, tmp_path))
    assert ink_in_name_band(second, tmp_path / "second") == ink_in_name_band(first, tmp_path / "first")


def pdf_fonts(pdf: bytes, tmp_path) -> list[str]:
    """The base font names pdffonts lists (subset prefix removed)."""
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True,
                         text=True).stdout
    return [line.split()[0].partition("+")[2] for line in out.splitlines()[2:] if line.strip()]


CJK_BOLD = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"


@needs_fonts
@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils missing")
@pytest.mark.skipif(not Path(CJK_BOLD).is_file() and os.environ.get("CI") != "true",
                    reason="fonts-noto-cjk without its bold face")
@pytest.mark.parametrize("name", ["王小明", "山田 花子", "김민준"])
def test_a_cjk_name_in_the_bold_line_uses_the_bold_cjk_face(name, tmp_path):
    pdf = render_certificate(data(name), fallback_fonts=FALLBACKS)
    fonts = pdf_fonts(pdf, tmp_path)
    cjk = [font for font in fonts if "CJK" in font]
    # the name is the only CJK text and it is bold: only the bold face is embedded
    assert cjk and all("Bold" in font for font in cjk), fonts
    assert name in without_marks(pdf_text(pdf, tmp_path))
    # CJK text on a regular line (the audience) is drawn in the regular face
    both = render_certificate(data(name, audience_name="海关官员"), fallback_fonts=FALLBACKS)
    cjk = [font for font in pdf_fonts(both, tmp_path / "both") if "CJK" in font]
    assert any("Bold" in font for font in cjk) and any("Bold" not in font for font in cjk), cjk
    assert "海关官员" in without_marks(pdf_text(both, tmp_path))


@needs_fonts
def test_without_a_bold_file_beside_it_the_regular_cjk_face_draws_bold_text(tmp_path):
    assert bold_face(FALLBACKS[0]) == (CJK_BOLD if Path(CJK_BOLD).is_file() else None)
    alone = tmp_path / "fonts" / "NotoSansCJK-Regular.ttc"
    alone.parent.mkdir()
    alone.symlink_to(FALLBACKS[0])
    assert bold_face(str(alone)) is None
    pdf = render_certificate(data("王小明"), fallback_fonts=[str(alone)])
    assert [font for font in pdf_fonts(pdf, tmp_path) if "CJK" in font] != []
    assert "王小明" in without_marks(pdf_text(pdf, tmp_path))
