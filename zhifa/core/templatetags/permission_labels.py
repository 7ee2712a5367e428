"""`{{ event.permission|permission_label }}`: a permission by its Chinese name where a person reads it."""

from django import template

from ..permissions import PERMISSION_LABELS

register = template.Library()


@register.filter
def permission_label(permission: str) -> str:
    """The permission's name; a code no longer in PERMISSIONS (a row logged by an older release) as it was."""
    return PERMISSION_LABELS.get(permission, permission)
