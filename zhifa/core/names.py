"""How a user is named on pages: the one rule behind the `person_name` filter and the header.

The name of the person record linked to the account (org.Person.user, the registry of officers: authoritative),
else the account's full name, else the username. Core imports no domain app, so the person is read through the
reverse accessor org defines (`user.person`); a list that shows many users selects it (`select_related(
"actor__person")`) so the name costs no query per row.
"""


def display_name(user) -> str:
    if user is None or not getattr(user, "pk", None):
        return ""
    person = getattr(user, "person", None)  # RelatedObjectDoesNotExist is an AttributeError: no person
    if person is not None and (person.name or "").strip():
        return person.name.strip()
    return (user.get_full_name() or "").strip() or user.get_username()


UNNAMED = "未登记姓名的账号"


def person_label(user) -> str:
    """A user as other people read them: the person's or the account's name, never the login (issue 18 §3). An
    account nobody has named is "未登记姓名的账号" — a person acted, not the system; no user at all is "系统"."""
    if user is None or not getattr(user, "pk", None):
        return "系统"
    name = display_name(user)
    return UNNAMED if name == user.get_username() else name
