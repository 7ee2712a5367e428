"""Build the document fonts bundled in zhifa/core/fonts/ from Debian's font packages.

PDF documents must look the same on every server and must not depend on fonts installed there
(issue 13 §1), so the project ships two OFL fonts, cut down with fontTools:

- ZhifaSerifSC-Regular: Noto Serif CJK SC 2.001 (Debian fonts-noto-cjk), every character the
  Simplified Chinese face maps (all CJK Unified Ideographs to U+9FEA, all of Extension A, the
  compatibility ideographs, CJK punctuation, kana, fullwidth forms, Latin, Greek, Cyrillic and
  symbols), without Hangul and without the Japanese/Korean/Traditional variants and vertical forms
  that only OpenType `locl`/`vert` would reach.
- ZhifaHanExt-Regular: HanaMinB 2017-09-04 (Debian fonts-hanazono), the supplementary ideographic
  plane it covers — Extensions B to F, 60 317 characters — so rare characters in personal names
  (𠀀 U+20000, 𪚥 U+2A6A5) print instead of an empty box; and the space and ideographic space.

Both are renamed (OFL §3: a modified font must not carry a Reserved Font Name, and a distinct name
keeps a server's own Noto from being mistaken for ours) and stored as WOFF2 (Brotli, no transforms).
The serif's CID-keyed CFF gets CID n on glyph n (`identity_cids`), so PDFs show its text in every viewer.

Reproduce (any Debian 12 machine; nothing is installed system-wide):

    apt-get download fonts-noto-cjk fonts-hanazono
    dpkg-deb -x fonts-noto-cjk_*.deb /tmp/fonts && dpkg-deb -x fonts-hanazono_*.deb /tmp/fonts
    .venv/bin/python scripts/subset_fonts.py --root /tmp/fonts

It takes several minutes: the Noto collection holds 65 535 glyphs.
"""

import argparse
import hashlib
import io
import time
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont
from fontTools.ttLib.woff2 import WOFF2FlavorData

OUT = Path(__file__).resolve().parent.parent / "zhifa" / "core" / "fonts"
NOTO = "usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"
HANAZONO = "usr/share/fonts/truetype/hanazono/HanaMinB.ttf"

HANGUL = [(0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7AF), (0xD7B0, 0xD7FF)]
SUPPLEMENTARY_IDEOGRAPHS = (0x20000, 0x2FFFF)  # Extensions B–F (and the compatibility supplement)
# Pango sets a space in the font of the character before it, so the fallback needs the spaces too.
SPACES = [0x0020, 0x3000]

# Horizontal Chinese text only: no `locl` (it reaches the JP/KR/TC glyph variants) and no vertical forms.
FEATURES = ["ccmp", "rvrn", "liga", "clig", "calt", "rlig", "mark", "mkmk", "kern", "rclt",
            "frac", "numr", "dnom", "palt", "halt", "chws"]
NAME_IDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14]


def _options(*, hinting: bool) -> subset.Options:
    options = subset.Options()
    options.layout_features = FEATURES
    options.name_IDs = NAME_IDS
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = hinting
    options.drop_tables += ["vhea", "vmtx", "VORG"]  # WeasyPrint sets no vertical text
    return options


OFL = ("This Font Software is licensed under the SIL Open Font License, Version 1.1.", "https://openfontlicense.org")


def _rename(font: TTFont, *, family: str, postscript: str, source: str, notice: str = "") -> None:
    """New family and PostScript names in every language; the copyright and licence entries stay, and are
    added where the source font lacks them (OFL §2: every copy carries the notice and the licence)."""
    name = font["name"]
    if notice:
        name.setName(notice, 0, 3, 1, 0x409)
    if not name.getName(13, 3, 1, 0x409):
        name.setName(OFL[0], 13, 3, 1, 0x409)
        name.setName(OFL[1], 14, 3, 1, 0x409)
    for record in list(name.names):
        if record.nameID in (1, 3, 4, 6, 16, 17, 21, 22):
            name.removeNames(nameID=record.nameID)
    version = name.getDebugName(5) or ""
    name.setName(family, 1, 3, 1, 0x409)
    name.setName(f"{postscript};{version}", 3, 3, 1, 0x409)
    name.setName(f"{family} Regular", 4, 3, 1, 0x409)
    name.setName(postscript, 6, 3, 1, 0x409)
    name.setName(f"Subset of {source} made for zhifa with fontTools (scripts/subset_fonts.py).", 10, 3, 1, 0x409)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [postscript]
        top = cff.topDictIndex[0]
        top.FullName, top.FamilyName = f"{family} Regular", family


def identity_cids(font: TTFont) -> TTFont:
    """The same font with CID n on glyph n, for a CID-keyed CFF font (returned unchanged otherwise).

    Subsetting keeps each glyph's CID from the source (the charset maps glyph 5 to, say, CID 12433),
    but WeasyPrint writes glyph ids into the PDF as CIDs (Identity-H, a FontFile3/OpenType program).
    Viewers built on FreeType's CID lookup (MuPDF: SumatraPDF, many phone readers) then ask for CIDs
    the font lacks and draw nothing, while PDFium uses the codes as glyph ids and draws the text. With
    CID = glyph id every viewer finds the same glyph. Only the charset changes: outlines, FDSelect and
    every other table stay byte for byte, since they address glyphs by number, not by CID."""
    if "CFF " not in font:
        return font
    buffer = io.BytesIO()
    font.save(buffer)  # reopened lazily: the other tables stay as compiled, keyed by glyph id
    font = TTFont(buffer, recalcTimestamp=False)
    top = font["CFF "].cff.topDictIndex[0]
    if not hasattr(top, "ROS"):
        return font
    names = [".notdef"] + [f"cid{gid:05d}" for gid in range(1, len(top.charset))]
    char_strings = top.CharStrings
    assert char_strings.charStringsAreIndexed
    char_strings.charStrings = {name: gid for gid, name in enumerate(names)}
    top.charset = names
    font.setGlyphOrder(names)
    return font


def _save(font: TTFont, path: Path) -> None:
    """WOFF2 with Brotli only. The glyf/loca transform would save 2 MB on the extension font, but
    fontTools, which WeasyPrint uses to read WOFF2, takes minutes to undo it for 60 000 glyphs."""
    font.flavor = "woff2"
    font.flavorData = WOFF2FlavorData(transformedTables=set())
    font.save(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    print(f"{path.name}: {len(font.getGlyphOrder())} glyphs, {path.stat().st_size:,} bytes, sha256 {digest}")


def build_serif(source: Path, out: Path) -> None:
    started = time.monotonic()
    collection = TTCollection(str(source), recalcTimestamp=False)  # the same input makes the same bytes
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == "Noto Serif CJK SC")
    keep = [c for c in font.getBestCmap() if not any(lo <= c <= hi for lo, hi in HANGUL)]
    subsetter = subset.Subsetter(_options(hinting=True))
    subsetter.populate(unicodes=keep)
    subsetter.subset(font)
    _rename(font, family="Zhifa Serif SC", postscript="ZhifaSerifSC-Regular", source="Noto Serif CJK SC 2.001")
    font = identity_cids(font)
    _save(font, out / "ZhifaSerifSC-Regular.woff2")
    print(f"  {len(keep)} characters in {time.monotonic() - started:.0f} s")


def build_extension(source: Path, out: Path) -> None:
    started = time.monotonic()
    font = TTFont(str(source), recalcTimestamp=False)
    lo, hi = SUPPLEMENTARY_IDEOGRAPHS
    keep = [c for c in font.getBestCmap() if lo <= c <= hi or c in SPACES]
    subsetter = subset.Subsetter(_options(hinting=False))
    subsetter.populate(unicodes=keep)
    subsetter.subset(font)
    _rename(font, family="Zhifa Han Ext", postscript="ZhifaHanExt-Regular", source="HanaMinB 2017-09-04",
            notice="Copyright (c) 2011, GlyphWiki Project (kamichi@fonts.jp), with Reserved Font Name "
                      "\"Hanazono Font\", \"HanaMinA\", \"HanaMinB\", \"花園フォント\", \"花園明朝A\", and \"花園明朝B\".")
    font["OS/2"].usWeightClass = 400  # HanaMinB says 500 (Medium); it is the regular weight of its family
    _save(font, out / "ZhifaHanExt-Regular.woff2")
    print(f"  {len(keep)} characters in {time.monotonic() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path("/"),
                        help="where the Debian packages are unpacked (default: installed system-wide)")
    parser.add_argument("--only", choices=["serif", "extension"])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write the fonts (default: {OUT})")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.only in (None, "serif"):
        build_serif(args.root / NOTO, args.out)
    if args.only in (None, "extension"):
        build_extension(args.root / HANAZONO, args.out)


if __name__ == "__main__":
    main()
