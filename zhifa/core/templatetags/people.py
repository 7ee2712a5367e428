"""`{{ user|person_name }}`: a user as pages name them — the person's name (org.Person, the registry of officers),
else the account's full name, else "未登记姓名的账号"; "系统" for an act of the system (no user): never the login
name, which is not a name a person reads (issue 18 §3: stage logs showed "agency_head").
`{{ user|person_name:"username" }}` adds the username in brackets, where the account itself matters (the security
log, everyone's tokens)."""

from django import template

from zhifa.core.names import UNNAMED, person_label

register = template.Library()


@register.filter
def person_name(user, with_username: str = "") -> str:
    """`core.names.person_label` (the one rule); with "username", the login follows in brackets, or stands alone
    for an account nobody has named."""
    label = person_label(user)
    if not with_username or user is None or not getattr(user, "pk", None):
        return label
    return user.get_username() if label == UNNAMED else f"{label}（{user.get_username()}）"
