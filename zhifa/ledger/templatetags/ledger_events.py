"""`{{ entry.kind|event_label }}`: a log event by the Chinese name its app registered (events.KINDS), never its
kind code."""

from django import template

from .. import events

register = template.Library()


@register.filter
def event_label(kind: str) -> str:
    """The kind's registered name; every kind in the log has one, since record_event refuses unregistered kinds."""
    return events.KINDS.get(kind, kind)


@register.simple_tag
def finding_kinds():
    """Every kind of integrity finding as (code, name), for the page that explains each."""
    from ..models import FindingKind

    return FindingKind.choices
