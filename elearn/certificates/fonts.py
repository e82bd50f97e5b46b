"""Fonts of the certificate PDF: the DejaVu faces, the fallback chain (CJK, Devanagari...), per-
certificate subsetting and the check that every character has a glyph.
"""

from __future__ import annotations

import io
import logging
import os
import threading
import unicodedata
from collections import OrderedDict
from pathlib import Path

from fontTools import ttLib
from fpdf import FPDF
from fpdf.fonts import SubsetMap, TTFFont

log = logging.getLogger("elearn.certificates")



FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"


FONTS = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


FAMILY = "dejavu"


class MissingGlyphs(ValueError):
    """No font of the chain has a glyph for these characters: the certificate is refused."""

    def __init__(self, characters: str):
        super().__init__(f"no font has a glyph for {characters!r}")
        self.characters = characters


#: characters that are never drawn as glyphs of their own (spaces, joiners, direction marks)
_INVISIBLE = {"Zs", "Zl", "Zp", "Cc", "Cf"}


#: Unicode blocks prepared as ready-made font subsets (any combination is built once, on demand)
BLOCKS: dict[str, tuple[tuple[int, int], ...]] = {
    "latin": ((0x0020, 0x017F), (0x2010, 0x2027), (0x2030, 0x203A), (0x20AC, 0x20AC),
              (0xFB00, 0xFB06)),
    "latin-extended": ((0x0180, 0x024F), (0x0250, 0x02FF), (0x0300, 0x036F), (0x1E00, 0x1EFF),
                       (0x2000, 0x206F), (0x20A0, 0x20CF), (0x2100, 0x214F)),
    "greek": ((0x0370, 0x03FF), (0x1F00, 0x1FFF)),
    "cyrillic": ((0x0400, 0x052F), (0x2DE0, 0x2DFF), (0xA640, 0xA69F)),
    "arabic": ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF),
               (0xFE70, 0xFEFF)),
}


DROP_BEFORE_SUBSET = ("GSUB", "GPOS", "GDEF", "kern", "FFTM", "hdmx", "meta")


class _Prebuilt:
    """Stands in for a fontTools font at PDF output: a ready-made subset of the font."""

    def __init__(self, data: bytes, glyph_ids: dict[str, int]):
        self._data = data
        self._glyph_ids = glyph_ids

    def __contains__(self, tag) -> bool:
        return False  # not a CFF font; no table is read at output

    def getGlyphID(self, name: str) -> int:
        return self._glyph_ids[name]

    def save(self, file) -> None:
        file.write(self._data)

    def close(self) -> None:
        pass


class _PrebuiltCFF(_Prebuilt):
    """A ready-made subset of a CFF-based CID font (Noto Sans CJK): fpdf2 embeds the compiled
    "CFF " table of such fonts."""

    def __init__(self, data: bytes, glyph_ids: dict[str, int], cff: bytes | None):
        super().__init__(data, glyph_ids)
        self._cff = cff

    def __contains__(self, tag) -> bool:
        return tag == "CFF " and self._cff is not None

    def __getitem__(self, tag):
        cff = self._cff

        class _Table:
            def compile(self, _font):
                return cff

        return _Table()


class _SubsetterShim:
    """fpdf2 subsets each font at output; a prebuilt subset needs none (see _Prebuilt)."""

    def __init__(self, real):
        self._real = real
        self.Options = real.Options

    def Subsetter(self, options=None):
        real = self._real.Subsetter(options)

        class Subsetter:
            def populate(self, **kwargs):
                self._kwargs = kwargs

            def subset(self, font):
                if isinstance(font, _Prebuilt):
                    return None
                real.populate(**self._kwargs)
                return real.subset(font)

        return Subsetter()

    def __getattr__(self, name):
        return getattr(self._real, name)


def _install_subsetter_shim() -> bool:
    import fpdf.output

    current = getattr(fpdf.output, "ftsubset", None)
    if current is None:
        return False  # another fpdf2 layout: use the slow, always-correct path
    if not isinstance(current, _SubsetterShim):
        fpdf.output.ftsubset = _SubsetterShim(current)
    return True


class _FontCache:
    """TrueType fonts parsed once per process, handed out as per-document copies.

    At output, fpdf2 would subset each font (tens of milliseconds per font and document).
    Instead the glyphs a document uses are matched to Unicode blocks (Latin, Greek, Cyrillic,
    Arabic, with every shaped form reachable from them) and a subset of those blocks, built
    once per process and keeping the original glyph IDs, is embedded. A document using a glyph
    outside these blocks falls back to fpdf2's own subsetting.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fonts: dict[str, TTFFont] = {}
        self._bytes: dict[str, bytes] = {}
        self._block_gids: dict[tuple[str, str], frozenset[int]] = {}
        self._subsets: dict[tuple[str, frozenset[str]], bytes] = {}
        self._fast = _install_subsetter_shim()
        self._fallbacks: dict[tuple[str, str], TTFFont | None] = {}
        #: fallback-font subsets already made, by (file, glyph names): subsetting Noto Sans CJK
        #: costs about 2 s, so a certificate downloaded again reuses its subset
        self._fallback_subsets: OrderedDict[tuple[str, frozenset[str]], tuple] = OrderedDict()

    def fallback(self, path: str, style: str = "") -> TTFFont | None:
        """The parsed font at ``path`` (first face of a collection) as a face of ``style`` ("" or
        "B"), or None when the file is missing or unreadable (logged once)."""
        key = (path, style)
        if key in self._fallbacks:
            return self._fallbacks[key]
        with self._lock:
            if key not in self._fallbacks:
                font = None
                if Path(path).is_file():
                    try:
                        loader = FPDF()
                        loader.add_font("fallback", style, path, collection_font_number=0)
                        font = loader.fonts[f"fallback{style}"]
                        font.ttfont.getGlyphOrder()
                        font.ttfont.getReverseGlyphMap()
                        font.hbfont  # noqa: B018
                    except Exception:  # any unreadable font file: skip it
                        log.exception("certificate fallback font %s cannot be read", path)
                        font = None
                else:
                    log.warning("certificate fallback font %s does not exist", path)
                self._fallbacks[key] = font
            return self._fallbacks[key]

    def coverage(self, style: str = "") -> set[int]:
        return set(self._load(style).cmap)

    def install_fallbacks(self, pdf: FPDF, paths: list[str], text: str) -> list[str]:
        """Add to ``pdf`` the fallback fonts that ``text`` needs, in chain order; the
        characters no font covers raise MissingGlyphs. Returns the fallback font families
        (each with its bold face, key ``<family>B``, when ``bold_face`` finds one)."""
        needed = {ord(ch) for ch in text if unicodedata.category(ch) not in _INVISIBLE}
        needed -= self.coverage("") & self.coverage("B")
        keys: list[str] = []
        for number, path in enumerate(paths):
            if not needed:
                break
            template = self.fallback(path)
            if template is None or not needed & set(template.cmap):
                continue
            needed -= set(template.cmap)
            faces = [(f"fallback{number}", path, template)]
            bold_path = bold_face(path)
            bold = self.fallback(bold_path, "B") if bold_path else None
            if bold is not None:  # bold text (name, title) in the bold face, not the regular
                faces.append((f"fallback{number}B", bold_path, bold))
            for key, face_path, face in faces:
                font = self._copy(face, len(pdf.fonts) + 1)
                font.fontkey = key
                pdf.fonts[key] = font
                self._paths_of(pdf)[key] = face_path
            keys.append(f"fallback{number}")  # fpdf2 adds the family's "B" face itself
        if needed:
            raise MissingGlyphs("".join(sorted(chr(c) for c in needed)))
        return keys

    def keep_fallback_subsets(self, pdf: FPDF) -> None:
        """After ``pdf.output()``: remember the fallback subsets fpdf2 made (LRU, 256)."""
        for key, path in self._paths_of(pdf).items():
            font = pdf.fonts[key]
            if isinstance(font.ttfont, _Prebuilt):
                continue
            buffer = io.BytesIO()
            font.ttfont.save(buffer)
            cff = font.ttfont["CFF "].compile(font.ttfont) if "CFF " in font.ttfont else None
            entry = (buffer.getvalue(), dict(font.ttfont.getReverseGlyphMap()), cff)
            with self._lock:
                self._fallback_subsets[(path, frozenset(font.subset.get_all_glyph_names()))] = entry
                while len(self._fallback_subsets) > 256:
                    self._fallback_subsets.popitem(last=False)

    @staticmethod
    def _paths_of(pdf: FPDF) -> dict[str, str]:
        """The file of each fallback font installed in ``pdf`` (TTFFont has __slots__)."""
        if not hasattr(pdf, "_elearn_fallback_paths"):
            pdf._elearn_fallback_paths = {}
        return pdf._elearn_fallback_paths

    @staticmethod
    def _copy(template: TTFFont, number: int) -> TTFFont:
        font = TTFFont.__new__(TTFFont)
        for slot in TTFFont.__slots__:
            if hasattr(template, slot):
                setattr(font, slot, getattr(template, slot))
        font.i = number
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font.subset = SubsetMap(font)
        return font

    def _load(self, style: str) -> TTFFont:
        font = self._fonts.get(style)
        if font is not None:
            return font
        with self._lock:
            if style not in self._fonts:
                path = FONT_DIR / FONTS[style]
                self._bytes[style] = path.read_bytes()
                loader = FPDF()
                loader.add_font(FAMILY, style, str(path))
                font = loader.fonts[f"{FAMILY}{style}"]
                # read everything layout needs now: the parsed font is then only read
                font.ttfont.getGlyphOrder()
                font.ttfont.getReverseGlyphMap()
                font.hbfont  # noqa: B018  (the HarfBuzz face, built once)
                self._fonts[style] = font
            return self._fonts[style]

    def install(self, pdf: FPDF) -> None:
        """Give ``pdf`` its own copy of every font, sharing the parsed metrics."""
        for style in FONTS:
            pdf.fonts[f"{FAMILY}{style}"] = self._copy(self._load(style), len(pdf.fonts) + 1)

    def prepare_output(self, pdf: FPDF) -> None:
        """Before ``pdf.output()``: give each font what its subsetting step will write; a
        fallback face no text used (the regular CJK face of a certificate whose CJK text is all
        bold) is left out."""
        paths = self._paths_of(pdf)
        for key in list(paths):
            if all(char_id in (0x00, 0x20) for _glyph, char_id in pdf.fonts[key].subset.items()):
                # only the entries every subset starts with (.notdef, space): never drawn
                del pdf.fonts[key], paths[key]
        for key, path in paths.items():
            font = pdf.fonts[key]
            built = self._fallback_subsets.get((path, frozenset(font.subset.get_all_glyph_names())))
            if built is not None and self._fast:
                font.ttfont = _PrebuiltCFF(*built)
            else:  # fpdf2 subsets a private copy in place, to the glyphs used
                font.ttfont = ttLib.TTFont(path, fontNumber=0, recalcTimestamp=False, lazy=True)
        for style in FONTS:
            font = pdf.fonts.get(f"{FAMILY}{style}")
            if font is None:
                continue
            used = {glyph.glyph_id for glyph, _ in font.subset.items() if glyph is not None}
            blocks = self._blocks_for(style, used) if self._fast else None
            if blocks is None:
                # the slow path: fpdf2 subsets a private copy in place
                font.ttfont = ttLib.TTFont(io.BytesIO(self._bytes[style]), recalcTimestamp=False,
                                           lazy=True)
            else:
                font.ttfont = _Prebuilt(*self._subset(style, blocks))

    def _gids(self, style: str, block: str) -> frozenset[int]:
        """The glyphs of a block: those the font maps its characters to (shaped Arabic forms
        are the presentation-form glyphs, also in the block)."""
        key = (style, block)
        gids = self._block_gids.get(key)
        if gids is None:
            source = self._fonts[style].ttfont
            cmap = self._fonts[style].cmap
            gids = frozenset(source.getGlyphID(cmap[cp]) for lo, hi in BLOCKS[block]
                             for cp in range(lo, hi + 1) if cp in cmap)
            self._block_gids[key] = gids
        return gids

    def _blocks_for(self, style: str, used: set[int]) -> frozenset[str] | None:
        chosen: set[str] = {"latin"}  # labels, digits and codes are Latin
        for gid in used:
            if gid == 0:
                continue
            for block in BLOCKS:
                if gid in self._gids(style, block):
                    chosen.add(block)
                    break
            else:
                return None
        return frozenset(chosen)

    def _subset(self, style: str, blocks: frozenset[str]) -> tuple[bytes, dict[str, int]]:
        key = (style, blocks)
        built = self._subsets.get(key)
        if built is not None:
            return built
        from fontTools import subset as ftsubset

        with self._lock:
            if key in self._subsets:
                return self._subsets[key]
            source = self._fonts[style].ttfont
            order = source.getGlyphOrder()
            names = [".notdef"] + [order[gid] for block in sorted(blocks)
                                   for gid in sorted(self._gids(style, block))]
            font = ttLib.TTFont(io.BytesIO(self._bytes[style]), recalcTimestamp=False)
            for tag in DROP_BEFORE_SUBSET:  # shaping is done; layout tables are not embedded
                if tag in font:
                    del font[tag]
            options = ftsubset.Options(notdef_outline=True, recommended_glyphs=True,
                                       layout_features=[], glyph_names=True, hinting=False,
                                       name_IDs=["*"], name_languages=["*"])
            subsetter = ftsubset.Subsetter(options)
            subsetter.populate(glyphs=names)
            subsetter.subset(font)
            buffer = io.BytesIO()
            font.save(buffer)
            built = (buffer.getvalue(), dict(font.getReverseGlyphMap()))
            self._subsets[key] = built
            return built


FONT_CACHE = _FontCache()


def bold_face(path: str) -> str | None:
    """The bold face of a fallback font file: the file of the same name with "Bold" for
    "Regular" beside it (Debian's NotoSansCJK-Bold.ttc for NotoSansCJK-Regular.ttc), when it
    exists. Without one, bold text in that script is drawn in the regular face."""
    source = Path(path)
    if "Regular" not in source.name:
        return None
    bold = source.with_name(source.name.replace("Regular", "Bold"))
    return str(bold) if bold.is_file() else None


def fallback_paths(setting: str | None) -> list[str]:
    """The font files of an ELEARN_CERTIFICATE_FALLBACK_FONTS value, in order."""
    return [part.strip() for part in (setting or "").split(os.pathsep) if part.strip()]
