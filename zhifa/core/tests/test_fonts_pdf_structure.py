"""Issued PDFs must show their Chinese in every viewer, not only in Chromium (tryout 18, defect 4).

WeasyPrint embeds each font as a CIDFont with /Identity-H and /CIDToGIDMap /Identity: the codes in the
page are glyph ids. A TrueType program (FontFile2) is read that way by every viewer. A CFF program
(FontFile3/OpenType) that is CID-keyed is read through its charset instead by MuPDF (SumatraPDF, many
phone readers) and Acrobat: code n selects the glyph whose CID is n. So every code used must be the CID
of the glyph with that id, or those viewers draw nothing (MuPDF: "FT_Load_Glyph(...): invalid argument")
or another character. These tests read the PDF the way such a viewer does.
"""

import io

import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader

from zhifa.core import fonts

TEXT = "行政处罚决定书 东市监罚决〔2026〕1号 当事人：王小明，违反了《中华人民共和国行政处罚法》的规定。罚款贰仟元整"
RARE = "𠀀𪚥"


def used_codes(font) -> dict[int, str]:
    """The codes the page draws with this Type 0 font and the text each stands for (its ToUnicode map,
    which WeasyPrint writes for every glyph drawn), plus any code its /W widths name."""
    codes: dict[int, str] = {}
    cmap = font["/ToUnicode"].data.decode()
    for block in cmap.split("beginbfchar")[1:]:
        for line in block.split("endbfchar")[0].strip().splitlines():
            code, text = line.strip()[1:-1].split("> <")
            codes[int(code, 16)] = bytes.fromhex(text).decode("utf-16-be")
    widths = font["/DescendantFonts"][0].get("/W", [])
    for i in range(0, len(widths), 2):
        first = int(widths[i])
        for n in range(len(widths[i + 1])):
            codes.setdefault(first + n, "")
    return codes


def glyph_for_code(program: TTFont, code: int) -> str | None:
    """The glyph a CID-reading viewer draws for `code` (CID = code), or None if it finds none."""
    order = program.getGlyphOrder()
    if "CFF " in program:
        top = program["CFF "].cff.topDictIndex[0]
        if hasattr(top, "ROS"):  # CID-keyed: looked up by CID through the charset
            name = ".notdef" if code == 0 else f"cid{code:05d}"
            return name if name in top.CharStrings else None
    return order[code] if code < len(order) else None  # glyph index (TrueType, or a name-keyed CFF)


def structure_problems(pdf: bytes) -> list[str]:
    """What in `pdf`'s embedded fonts a CID-reading viewer cannot draw; empty when all is well."""
    problems = []
    reader = PdfFileReader(io.BytesIO(pdf))
    for page in reader.root["/Pages"]["/Kids"]:
        resources = page.get_object()["/Resources"]["/Font"]
        for key in resources:
            font = resources[key]
            descendant = font["/DescendantFonts"][0]
            base = str(font["/BaseFont"])
            descriptor = descendant["/FontDescriptor"]
            if "/FontFile2" in descriptor:
                program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().data))
                if "glyf" not in program or str(descendant["/Subtype"]) != "/CIDFontType2":
                    problems.append(f"{base}: FontFile2 without TrueType outlines")
            else:
                program = TTFont(io.BytesIO(descriptor["/FontFile3"].get_object().data))
            order, glyphs = program.getGlyphOrder(), program.getGlyphSet()
            for code, text in sorted(used_codes(font).items()):
                name = glyph_for_code(program, code)
                if name is None:
                    problems.append(f"{base}: code {code} ({text!r}) selects no glyph")
                elif code >= len(order) or order[code] != name:
                    problems.append(f"{base}: code {code} ({text!r}) selects glyph {name}, not glyph id {code}")
                elif text.strip():
                    pen = BoundsPen(glyphs)
                    glyphs[name].draw(pen)
                    if pen.bounds is None:
                        problems.append(f"{base}: code {code} ({text!r}) draws an empty glyph")
    return problems


@pytest.fixture(scope="module")
def chinese_pdf() -> bytes:
    css = fonts.font_face_css() + f'body {{ font-family: "{fonts.SERIF}", "{fonts.EXTENSION}"; }}'
    html = f"<html><head><style>{css}</style></head><body><h1>{TEXT}</h1><p>{TEXT} {RARE}</p></body></html>"
    return fonts.write_pdf(html)


@pytest.mark.req("REC-02")
def test_every_code_in_the_pdf_selects_its_glyph_in_a_cid_reading_viewer(chinese_pdf):
    """Both bundled fonts, regular and synthesised bold: each code drawn selects, by CID, the glyph with
    that id, and that glyph has an outline."""
    reader = PdfFileReader(io.BytesIO(chinese_pdf))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    names = {str(page["/Resources"]["/Font"][key]["/BaseFont"]).split("+")[1]
             for key in page["/Resources"]["/Font"]}
    assert {"Zhifa-Serif-SC", "Zhifa-Han-Ext"} <= names, names
    assert structure_problems(chinese_pdf) == []


def test_the_serif_font_file_has_cid_equal_to_glyph_id():
    """The bundled CFF font is CID-keyed with CID n on glyph n (scripts/subset_fonts.py, identity_cids),
    so any subset WeasyPrint keeps with the glyph ids (it does) stays readable by CID; the fallback is
    TrueType, whose glyphs viewers take by id."""
    serif = TTFont(fonts.FACES[fonts.SERIF])
    top = serif["CFF "].cff.topDictIndex[0]
    assert hasattr(top, "ROS")
    assert top.charset == [".notdef"] + [f"cid{gid:05d}" for gid in range(1, len(top.charset))]
    assert "glyf" in TTFont(fonts.FACES[fonts.EXTENSION])
