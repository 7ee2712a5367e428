"""`{% pdf_font_faces %}`: the @font-face rules of the fonts bundled for PDF documents (zhifa.core.fonts).

In the template itself, so every way of rendering it to PDF gets the same fonts."""

from django import template
from django.utils.safestring import mark_safe

from zhifa.core.fonts import font_face_css

register = template.Library()


@register.simple_tag
def pdf_font_faces() -> str:
    return mark_safe(font_face_css())  # file URLs of our own files, percent-encoded by Path.as_uri
