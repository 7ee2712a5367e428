"""The fonts every PDF document is set in, shipped with the code (issue 13 §1).

A document must print the same on every server, and a server's fonts are not ours to rely on: a fresh
machine has no Chinese font at all, and one that has some lays the page out differently. So the PDF
templates name only these two families, loaded by `@font-face` from this folder (README.md here says
where they come from and how they were cut down):

- "Zhifa Serif SC": Noto Serif CJK SC — all CJK Unified Ideographs and Extension A, punctuation,
  fullwidth forms, Latin, Greek and Cyrillic (the GB 18030 repertoire);
- "Zhifa Han Ext": HanaMinB — CJK Extensions B to F, for rare characters in names (𠀀, 𪚥).

A PDF template puts `{% load pdf_fonts %}{% pdf_font_faces %}` in its stylesheet and sets
`font-family: "Zhifa Serif SC", "Zhifa Han Ext"` on its root element, nothing else. Callers render it
with `write_pdf(html)`, which reuses one WeasyPrint font configuration per process, so the fonts are
unpacked once and not for every document.
"""

import threading
import warnings
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent
SERIF = "Zhifa Serif SC"
EXTENSION = "Zhifa Han Ext"
FACES = {SERIF: FONT_DIR / "ZhifaSerifSC-Regular.woff2", EXTENSION: FONT_DIR / "ZhifaHanExt-Regular.woff2"}
# A WOFF2 file smaller than this is not ours (e.g. a Git LFS pointer or a truncated checkout).
_MIN_BYTES = 1_000_000

# WeasyPrint warns when it is imported on a machine without fonts. Our documents need none of the
# machine's, so on such a server the warning would only mislead whoever reads the log.
warnings.filterwarnings("ignore", message="No fonts configured in FontConfig", category=UserWarning)


def font_face_css() -> str:
    """`@font-face` rules for the bundled families, by absolute file URL (no base URL needed)."""
    return "".join(f'@font-face {{ font-family: "{family}"; src: url("{path.as_uri()}") format("woff2"); }}\n'
                   for family, path in FACES.items())


def problems() -> list[str]:
    """What is wrong with the bundled font files, in words for the error message; empty when all is well."""
    found = []
    for path in FACES.values():
        try:
            with path.open("rb") as fh:
                head = fh.read(4)
            size = path.stat().st_size
        except OSError:
            found.append(f"缺少 {path.name}")
            continue
        if head != b"wOF2" or size < _MIN_BYTES:
            found.append(f"{path.name} 不是完整的 WOFF2 字体文件")
    return found


_lock = threading.Lock()
_config = None


def write_pdf(html: str) -> bytes:
    """The PDF of `html`, a template that declares the bundled fonts (see the module docstring).

    Registering the font faces unpacks 23 MB of WOFF2 into 43 MB of fonts in a temporary folder and has
    fontconfig scan them: 3 s. One WeasyPrint FontConfiguration per process keeps that to the first
    document (then 0.1 s each); the lock keeps threads from sharing its Pango font map at the same time."""
    global _config
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    with _lock:
        if _config is None:
            _config = FontConfiguration()
        return HTML(string=html).write_pdf(font_config=_config)
