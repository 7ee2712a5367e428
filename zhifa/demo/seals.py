"""Fictional seal images for the demo agencies (issue 18 §2, §8): a red ring, a five-pointed star and the agency's
name along the upper arc, the usual shape of an official seal, drawn from the name alone. No real agency's seal is
copied; the word 演示 under the star marks each one as a demo seal.

The characters are outlines (<path>) taken from the bundled document font (zhifa/core/fonts), each placed and
turned on its own: the image needs no font where it is drawn, and the PDF renderer, which has no CJK font installed
for images, draws it as a browser does.
"""

import functools
import math
from pathlib import Path
from xml.sax.saxutils import escape

from django.core.files.base import ContentFile

import zhifa.core.fonts

RED = "#d0021b"
SIZE = 200
CENTRE = SIZE / 2


def _star(cx: float, cy: float, outer: float) -> str:
    inner = outer * math.sin(math.radians(18)) / math.sin(math.radians(126))
    points = []
    for k in range(10):
        r = outer if k % 2 == 0 else inner
        a = math.radians(-90 + k * 36)
        points.append(f"{cx + r * math.cos(a):.2f},{cy + r * math.sin(a):.2f}")
    return f'<polygon points="{" ".join(points)}" fill="{RED}"/>'


@functools.cache
def _font():
    from fontTools.ttLib import TTFont

    font = TTFont(Path(zhifa.core.fonts.__file__).parent / "ZhifaSerifSC-Regular.woff2")
    return font.getGlyphSet(), font.getBestCmap(), font["head"].unitsPerEm


@functools.cache
def _outline(ch: str) -> str:
    from fontTools.pens.svgPathPen import SVGPathPen

    glyphs, cmap, _em = _font()
    pen = SVGPathPen(glyphs)
    glyphs[cmap.get(ord(ch), cmap[ord("□")])].draw(pen)
    return pen.getCommands()


def _glyph(ch: str, x: float, y: float, angle: float, size: float) -> str:
    """`ch` centred on (x, y), turned `angle` degrees clockwise, `size` high."""
    em = _font()[2]
    k = size / em
    return (f'<path transform="translate({x:.2f} {y:.2f}) rotate({angle:.2f}) scale({k:.4f} {-k:.4f}) '
            f'translate({-em / 2:.0f} {-em * 0.38:.0f})" d="{_outline(ch)}"/>')


def seal_svg(name: str) -> str:
    """The seal of `name` as an SVG document (200 × 200, transparent)."""
    chars = list(name)
    n = len(chars)
    span = min(250.0, 22.0 * n + 20)  # degrees of the upper arc the name takes
    size = 22 if n <= 10 else max(13, round(22 * 10 / n))
    radius = CENTRE - 14 - size / 2
    glyphs = []
    for i, ch in enumerate(chars):
        angle = -span / 2 + span * (i + 0.5) / n  # clockwise from twelve o'clock
        a = math.radians(angle)
        glyphs.append(_glyph(ch, CENTRE + radius * math.sin(a), CENTRE - radius * math.cos(a), angle, size))
    mark = "".join(_glyph(ch, CENTRE - 8 + 16 * i, CENTRE + 50, 0, 15) for i, ch in enumerate("演示"))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">'
        f'<title>{escape(name)}（演示印章）</title>'
        f'<circle cx="{CENTRE}" cy="{CENTRE}" r="{CENTRE - 5}" fill="none" stroke="{RED}" stroke-width="6"/>'
        f'{_star(CENTRE, CENTRE, 30)}'
        f'<g fill="{RED}" stroke="{RED}" stroke-width="24">{"".join(glyphs)}{mark}</g></svg>'
    )


def attach_seals(agencies) -> None:
    """Draw each agency's seal and save it through Django's storage into `Agency.seal_image` (one file each)."""
    from zhifa.org.models import Agency

    changed = []
    for agency in agencies:
        if agency.seal_image:
            continue
        agency.seal_image.save(f"agency-{agency.pk}.svg", ContentFile(seal_svg(agency.name).encode()), save=False)
        changed.append(agency)
    Agency.objects.bulk_update(changed, ["seal_image"], batch_size=500)
