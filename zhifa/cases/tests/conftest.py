import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from zhifa.core.permissions import Role
from zhifa.org.models import UnitKind
from zhifa.org.tests.factories import CertificateFactory, PersonFactory, UnitFactory, UserFactory, grant


@pytest.fixture
def desk(tree, users):
    """甲一县's market agency with a handling unit, two certified officers, a head, and a fresh case helper."""
    agency = tree.agency_a1
    unit = UnitFactory(agency=agency, name="综合执法大队", kind=UnitKind.HANDLING)
    today = timezone.localdate()
    officers = []
    for name in ("李执法", "王执法"):
        person = PersonFactory(agency=agency, unit=unit, name=name)
        CertificateFactory(person=person, area=tree.a1, valid_from=today - dt.timedelta(days=100),
                           valid_to=today + dt.timedelta(days=300))
        officers.append(person)
    handling_head = grant(UserFactory(username="dz_a1"), Role.HANDLING_HEAD, agency=agency)
    return SimpleNamespace(agency=agency, unit=unit, officers=officers, officer=users.officer_a1, head=handling_head,
                           place=tree.a1)


def elements(desk, **extra):
    base = {"time": (timezone.now() - dt.timedelta(hours=2)).isoformat(), "place": "甲一县人民路8号",
            "officers": [p.pk for p in desk.officers], "target": "某某商店", "content": "检查经营场所",
            "process": "出示证件后进行检查", "certificate_shown": True, "rights_told": True}
    return base | extra
