"""Where the log entries about the registry may be read (issue 15 §5; registered in OrgConfig.ready).

An agency, a person and a certificate (through its holder) are read within the agency; a jurisdiction within its
subtree (a jurisdiction grant: the justice bureau above it). A user account's entries are its role grants: read
where the grant applies. `org.import` is not registered: system-wide readers only."""

import json

from django.contrib.auth import get_user_model

from zhifa.core.bounds import parse_id

from .models import Agency, Certificate, Jurisdiction, Person, RoleGrant


def _agency(agency) -> dict:
    return {"agency": agency}


def agency_place(key: str, entry) -> dict | None:
    agency = Agency.objects.select_related("jurisdiction").filter(pk=parse_id(key)).first()
    return None if agency is None else _agency(agency)


def jurisdiction_place(key: str, entry) -> dict | None:
    node = Jurisdiction.objects.filter(pk=parse_id(key)).first()
    return None if node is None else {"jurisdiction": node}


def person_place(key: str, entry) -> dict | None:
    person = Person.objects.select_related("agency__jurisdiction").filter(pk=parse_id(key)).first()
    return None if person is None else _agency(person.agency)


def certificate_place(key: str, entry) -> dict | None:
    cert = Certificate.objects.select_related("person__agency__jurisdiction").filter(number=key).first()
    return None if cert is None else _agency(cert.person.agency)


def _grant_place(grant) -> dict | None:
    if grant.agency_id is not None:
        return _agency(grant.agency)
    return {"jurisdiction": grant.jurisdiction} if grant.jurisdiction_id is not None else None


def user_place(key: str, entry) -> dict | None:
    """A role granted or revoked: where the grant applies (the payload names it). An erased payload names nothing:
    then the account's own agency, else system-wide readers only."""
    user = get_user_model().objects.filter(pk=parse_id(key)).first()
    if user is None:
        return None
    try:
        payload = json.loads(entry.payload) if entry.payload else {}
    except ValueError:
        payload = {}
    if payload.get("grant"):
        grant = (RoleGrant.objects.select_related("agency__jurisdiction", "jurisdiction")
                 .filter(pk=parse_id(payload["grant"]), user=user).first())
        if grant is not None:
            return _grant_place(grant)
    if payload.get("agency"):
        agency = Agency.objects.select_related("jurisdiction").filter(pk=parse_id(payload["agency"])).first()
        if agency is not None:
            return _agency(agency)
    if payload.get("jurisdiction"):
        node = Jurisdiction.objects.filter(code=str(payload["jurisdiction"])).first()
        if node is not None:
            return {"jurisdiction": node}
    person = Person.objects.select_related("agency__jurisdiction").filter(user=user).first()
    return None if person is None else _agency(person.agency)


def register() -> None:
    from zhifa.ledger.selectors import register_subject_scope

    register_subject_scope("org.agency", agency_place)
    register_subject_scope("org.jurisdiction", jurisdiction_place)
    register_subject_scope("org.person", person_place)
    register_subject_scope("org.certificate", certificate_place)
    register_subject_scope("auth.user", user_place)
