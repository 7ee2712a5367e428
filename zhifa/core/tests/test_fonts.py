"""PDF documents are set in the fonts shipped with the code, never in the server's (issue 13 §1): the same
document prints the same everywhere, and rare characters in names (𠀀 U+20000, 𪚥 U+2A6A5) print."""

import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from pyhanko.pdf_utils.reader import PdfFileReader

from zhifa.core import fonts

SERIF, EXTENSION = "ZhifaSerifSC-Regular", "ZhifaHanExt-Regular"
RARE = "𠀀𪚥"  # U+20000 (Extension B, first), U+2A6A5 (Extension B, 𪚥 "four dragons")
NAME = f"{RARE[0]}{RARE[1]}明"
# Every kind of text a document holds: GB 2312, Extension A (䶮), GB 18030 characters outside GB 2312
# (𬱖 in Extension E; 喆), full-width punctuation, Latin and digits, circled numbers; the footer adds more.
TEXT = f"当事人{NAME}，王𬱖、李䶮、张喆；“引号”《书名号》——……ABC abc 0123①②。"


def drawn_glyphs(pdf: bytes) -> dict[str, list[tuple[str, bool]]]:
    """For every character the PDF draws: the PostScript name of the embedded font program it is drawn
    from, and whether the glyph drawn has an outline (False for .notdef and empty boxes)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    found: dict[str, list[tuple[str, bool]]] = {}
    for page in reader.root["/Pages"]["/Kids"]:
        resources = page.get_object()["/Resources"]["/Font"]
        for key in resources:
            font = resources[key]
            descriptor = font["/DescendantFonts"][0]["/FontDescriptor"]
            stream = (descriptor.get("/FontFile2") or descriptor.get("/FontFile3")).get_object()
            program = TTFont(io.BytesIO(stream.data))
            postscript = program["name"].getDebugName(6)
            glyphs, order = program.getGlyphSet(), program.getGlyphOrder()
            # WeasyPrint writes CID = glyph id (/CIDToGIDMap /Identity) and a bfchar line per glyph drawn, mapping
            # it to the text it stands for: one character, or several for a ligature such as "——".
            cmap = font["/ToUnicode"].data.decode()
            for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
                for cid, utf16 in re.findall(r"<([0-9a-f]+)> <([0-9a-f]+)>", block):
                    gid = int(cid, 16)
                    outline = False
                    if 0 < gid < len(order):
                        pen = BoundsPen(glyphs)
                        glyphs[order[gid]].draw(pen)
                        outline = pen.bounds is not None
                    for char in bytes.fromhex(utf16).decode("utf-16-be"):
                        found.setdefault(char, []).append((postscript, outline))
    return found


def render_hidden(tmp_path: Path, template: str, context: dict) -> bytes:
    """Render `template` to PDF in a fresh process whose fontconfig lists no font at all (an empty
    FONTCONFIG_FILE), as on a machine where nothing was installed."""
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
                    f"<fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>")
    out = tmp_path / "out.pdf"
    script = textwrap.dedent(f"""
        import json, sys
        import django
        django.setup()
        from django.template.loader import render_to_string
        from zhifa.core import fonts
        from weasyprint.text.ffi import ffi, fontconfig
        config = fontconfig.FcInitLoadConfigAndFonts()
        system = fontconfig.FcConfigGetFonts(config, 0)  # FcSetSystem
        print(json.dumps({{"system_fonts": 0 if system == ffi.NULL else system.nfont}}))
        pdf = fonts.write_pdf(render_to_string({template!r}, json.loads(sys.argv[1])))
        open({str(out)!r}, "wb").write(pdf)
    """)
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "DJANGO_SETTINGS_MODULE": "config.settings",
           "PYTHONPATH": str(settings.BASE_DIR)}
    result = subprocess.run([sys.executable, "-c", script, json.dumps(context)], cwd=settings.BASE_DIR, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(result.stdout.splitlines()[0]) == {"system_fonts": 0}, "system fonts were not hidden"
    return out.read_bytes()


@pytest.mark.req("REC-02")
def test_rare_name_characters_print_from_the_bundled_fonts_with_no_system_font(tmp_path):
    """With no font on the machine, a document prints every character, 𠀀 and 𪚥 included, each from the
    fonts shipped in zhifa/core/fonts: nothing is left to the server."""
    context = {"agency": "东岭县市场监督管理局", "title": "行政处罚决定书", "number": "东市监罚〔2026〕1号（第 1 版）",
               "rows": [{"label": "当事人", "value": TEXT}, {"label": "扩展 C–F", "value": "𪜀 𫝀 𫠠 𬺰"}],
               "issued": "东岭县市场监督管理局　2026年01月05日"}
    glyphs = drawn_glyphs(render_hidden(tmp_path, "cases/print/document.html", context))

    assert {name for sources in glyphs.values() for name, _ in sources} == {SERIF, EXTENSION}
    for char in RARE + "𪜀𫝀𫠠𬺰":  # Extensions B, C, D, E, F
        assert set(glyphs[char]) == {(EXTENSION, True)}, (char, glyphs.get(char))
    for char in set(TEXT + context["agency"] + "第页共") - set(" 　"):
        # The serif has every BMP character a document holds; beyond the BMP it has 2 306 of its own.
        allowed = {(SERIF, True)} if ord(char) < 0x10000 else {(SERIF, True), (EXTENSION, True)}
        assert glyphs.get(char) and set(glyphs[char]) <= allowed, (char, glyphs.get(char))


@pytest.mark.req("PUB-11")
def test_annual_report_pdf_uses_the_bundled_fonts_with_no_system_font(tmp_path):
    """The annual report is set in the same fonts as case documents."""
    report = {"agency": {"name": "东岭县司法局"}, "year": 2025, "narrative": f"协调{NAME}等人员完成培训。"}
    glyphs = drawn_glyphs(render_hidden(tmp_path, "publicity/report_pdf.html",
                                        {"report": report, "rows": [["立案数", 3], ["结案数", 2]]}))
    assert {name for sources in glyphs.values() for name, _ in sources} == {SERIF, EXTENSION}
    assert set(glyphs[RARE[1]]) == {(EXTENSION, True)} and set(glyphs["年"]) == {(SERIF, True)}


def test_bundled_fonts_are_whole_and_cover_gb18030_and_the_extensions():
    """The shipped files are what scripts/subset_fonts.py makes: the GB 18030 repertoire in the serif
    (every CJK Unified Ideograph to U+9FEA, all of Extension A) and Extensions B–F in the fallback."""
    assert fonts.problems() == []
    serif = TTFont(fonts.FACES[fonts.SERIF]).getBestCmap()
    extension = TTFont(fonts.FACES[fonts.EXTENSION]).getBestCmap()
    assert all(c in serif for c in range(0x4E00, 0x9FEB))
    assert all(c in serif for c in range(0x3400, 0x4DB6))
    assert all(c in serif for c in [*range(0x3000, 0x3040), *range(0xFF01, 0xFF5F), *range(0x20, 0x7F)])
    for first, last in [(0x20000, 0x2A6D6), (0x2A700, 0x2B734), (0x2B740, 0x2B81D), (0x2B820, 0x2CEA1),
                        (0x2CEB0, 0x2EBE0)]:  # Extensions B, C, D, E, F (Unicode 10)
        assert all(c in extension for c in range(first, last + 1)), hex(first)
    assert {0x20, 0x3000} <= set(extension)  # Pango sets a space after a rare character in its font
