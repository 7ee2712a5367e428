"""Factories for the organisation registry (factory_boy)."""

import datetime as dt
import itertools

import factory
from django.contrib.auth import get_user_model

from zhifa.org.models import (
    Adviser,
    AdviserKind,
    Agency,
    AgencyKind,
    AgencyStatus,
    Certificate,
    Field,
    Jurisdiction,
    Level,
    Person,
    RoleGrant,
    Unit,
    UnitKind,
)

_codes = itertools.count(1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    # Unusable by default: Argon2 is deliberately slow; tests that log in set a password themselves.
    password = factory.LazyFunction(lambda: "!unusable")


def jurisdiction(name: str, level: str = Level.REGION, parent: Jurisdiction | None = None, code: str | None = None):
    """Create a node with its materialised path, as the service does."""
    node = Jurisdiction.objects.create(name=name, level=level, parent=parent, code=code or f"T{next(_codes):05d}",
                                       path=f"tmp-{next(_codes)}")
    node.path = f"{parent.path if parent else '/'}{node.pk}/"
    node.save(update_fields=["path"])
    return node


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"测试执法局{n}")
    kind = AgencyKind.ORGAN
    field = Field.MARKET
    status = AgencyStatus.CONFIRMED
    jurisdiction = factory.LazyFunction(lambda: jurisdiction("测试区"))
    enforcement_types = factory.LazyFunction(lambda: ["penalty"])
    # What the standard documents print (issue 18 §2): an agency without them cannot issue a decision.
    abbreviation = factory.Sequence(lambda n: f"测{n}市监")
    fine_collector = "中国工商银行测试支行"
    reconsideration_organ = "测试区人民政府"
    litigation_court = "测试区人民法院"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    agency = factory.SubFactory(AgencyFactory)
    name = factory.Sequence(lambda n: f"执法大队{n}")
    kind = UnitKind.HANDLING


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"测试员{n}")
    agency = factory.SubFactory(AgencyFactory)


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    person = factory.SubFactory(PersonFactory)
    number = factory.Sequence(lambda n: f"TC{n:08d}")
    category = factory.LazyAttribute(lambda o: o.person.agency.field)
    area = factory.LazyAttribute(lambda o: o.person.agency.jurisdiction)
    valid_from = dt.date(2024, 1, 1)
    valid_to = dt.date(2029, 12, 31)


class AdviserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Adviser

    name = factory.Sequence(lambda n: f"律师{n}")
    kind = AdviserKind.PUBLIC_LAWYER
    field = Field.MARKET
    legal_qualification_number = factory.Sequence(lambda n: f"A2015{n:08d}")


def grant(user, role, *, agency=None, jurisdiction=None):
    RoleGrant.objects.create(user=user, role=role, agency=agency, jurisdiction=jurisdiction)
    if hasattr(user, "_zhifa_grants"):
        del user._zhifa_grants
    return user
