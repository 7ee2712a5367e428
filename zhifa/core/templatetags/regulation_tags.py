"""`{{ text|regulation_names }}`: a stored note (a rule's source, a retention basis) with each regulation named, not
cited by the team's code (core.regulations.expand; issue 18 §3). The stored text is never edited."""

from django import template

from zhifa.core.regulations import expand

register = template.Library()


@register.filter
def regulation_names(text) -> str:
    return expand(str(text or ""))
