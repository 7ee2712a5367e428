"""`{{ delta|duration_text }}`: a timedelta as the pages say it (core.durations)."""

from django import template

from zhifa.core.durations import duration_text as _duration_text

register = template.Library()


@register.filter
def duration_text(delta) -> str:
    return _duration_text(delta)
