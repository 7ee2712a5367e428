"""Write a fontconfig configuration that hides every font of this machine, and print its path.

    FONTCONFIG_FILE=$(.venv/bin/python scripts/fontconfig_without_system_fonts.py /tmp/nofonts) make test

.ci/run runs `make demo-setup` and `make test` this way, so anything that needs a font the project does
not ship fails in CI instead of on a fresh machine (issue 13 §1). The configuration lists one folder,
holding unpacked copies of the fonts bundled in zhifa/core/fonts: Chromium, which drives the browser
tests, aborts when fontconfig offers no font at all and cannot read WOFF2. PDF documents do not rely
on that folder: they load the bundled WOFF2 files themselves with @font-face (zhifa/core/tests/
test_fonts.py renders them with no font configured at all).
"""

import sys
from pathlib import Path
from xml.sax.saxutils import escape

from fontTools.ttLib import TTFont, woff2

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from zhifa.core.fonts import FACES  # noqa: E402 — after the path is set


def main(folder: Path) -> Path:
    fonts = folder / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    for path in FACES.values():
        suffix = ".otf" if TTFont(str(path), lazy=True).sfntVersion == "OTTO" else ".ttf"
        target = fonts / path.with_suffix(suffix).name
        if not target.exists():
            woff2.decompress(str(path), str(target))
    conf = folder / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
                    f"<fontconfig><dir>{escape(str(fonts))}</dir><cachedir>{escape(str(folder / 'cache'))}</cachedir>"
                    "</fontconfig>\n")
    return conf


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    print(main(Path(sys.argv[1]).resolve()))
