"""The bell in the menu: how many notifications the person has not opened yet (one query per page)."""

from django import template

from ..selectors import UNREAD_CAP, unread_count

register = template.Library()


@register.inclusion_tag("worklist/_bell.html", takes_context=True)
def notification_bell(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    count = unread_count(user) if user is not None else 0
    return {"count": count, "label": f"{UNREAD_CAP}+" if count > UNREAD_CAP else str(count)}
