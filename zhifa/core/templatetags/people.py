"""`{{ user|person_name }}`: a user as pages name them — the person's name, not the login name (core.names).
`{{ user|person_name:"username" }}` adds the username in brackets, where the account itself matters (the security
log, everyone's tokens)."""

from django import template

from zhifa.core.names import display_name

register = template.Library()


@register.filter
def person_name(user, with_username: str = "") -> str:
    name = display_name(user)
    if name and with_username and name != user.get_username():
        return f"{name}（{user.get_username()}）"
    return name
