"""A campaign world on the shared tree: the justice bureaus of the region, city A and city B; the market agencies of
counties A1 and A2 (in A) and B1 (in B) with cases filed over the last weeks; the heads who sign for A1 and A2."""

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from django.utils import timezone

from zhifa.cases.models import Case
from zhifa.core.permissions import Role
from zhifa.org.tests.factories import AgencyFactory, UnitFactory, UserFactory, grant

_numbers = itertools.count(1)


@pytest.fixture
def world(tree, users):
    bureau_a = AgencyFactory(name="甲市司法局", jurisdiction=tree.city_a, is_justice_bureau=True, abbreviation="甲司",
                             field="justice")
    bureau_r = AgencyFactory(name="测试自治区司法厅", jurisdiction=tree.region, is_justice_bureau=True,
                             abbreviation="测司", field="justice")
    bureau_b = AgencyFactory(name="乙市司法局", jurisdiction=tree.city_b, is_justice_bureau=True, abbreviation="乙司",
                             field="justice")
    sup_b = grant(UserFactory(username="sup_b"), Role.SUPERVISOR, jurisdiction=tree.city_b)
    legal_a1 = grant(UserFactory(username="legal_a1"), Role.LEGAL_HEAD, agency=tree.agency_a1)
    head_a2 = grant(UserFactory(username="head_a2"), Role.AGENCY_HEAD, agency=tree.agency_a2)
    head_b1 = grant(UserFactory(username="head_b1"), Role.AGENCY_HEAD, agency=tree.agency_b1)
    units = {a.pk: UnitFactory(agency=a) for a in (tree.agency_a1, tree.agency_a2, tree.agency_b1, tree.agency_city_a)}
    return SimpleNamespace(tree=tree, users=users, bureau_a=bureau_a, bureau_r=bureau_r, bureau_b=bureau_b,
                           sup=users.city_a_supervisor, sup_r=users.region_supervisor, sup_a1=users.county_a1_supervisor,
                           sup_b=sup_b, head=users.head_a1, legal=legal_a1, head_a2=head_a2, head_b1=head_b1,
                           officer=users.officer_a1, units=units)


def make_case(world, agency, *, action_type="penalty", days_ago=10, title="测试案件"):
    """A case of `agency` filed `days_ago` days ago (only its filing date and action type matter to a campaign)."""
    case = Case.objects.create(agency=agency, handling_unit=world.units[agency.pk], number=f"C-{next(_numbers):05d}",
                               title=title, action_type=action_type, procedure="ordinary", place=agency.jurisdiction,
                               legal_basis="《行政处罚法》", opened_by=world.officer)
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - dt.timedelta(days=days_ago))
    return case


def cases(world, agency, n, **kw):
    return [make_case(world, agency, **kw) for _ in range(n)]


def create(world, *, actor=None, bureau=None, agencies=None, sample_size=2, checklist=None, **extra):
    from zhifa.campaigns import services

    today = timezone.localdate()
    fields = {"title": "2026年行政处罚案件“三项制度”专项监督检查", "basis": "IM-P：适时组织“三项制度”专项监督检查，建立通报机制。",
              "action_types": ["penalty"], "period_from": today - dt.timedelta(days=60), "period_to": today}
    fields.update(extra)
    return services.campaign_create(
        actor=actor or world.sup, bureau=bureau or world.bureau_a,
        agency_ids=[a.pk for a in (agencies or [world.tree.agency_a1, world.tree.agency_a2])],
        sample_size=sample_size, checklist=checklist or ["公示是否及时准确", "全过程记录是否完整", "重大决定是否经法制审核"], **fields)


def drawn(world, **kw):
    """A campaign with 3 cases in A1 and 3 in A2 in its population, 2 drawn from each."""
    from zhifa.campaigns import services

    cases(world, world.tree.agency_a1, 3)
    cases(world, world.tree.agency_a2, 3)
    return services.campaign_draw(campaign=create(world, **kw), actor=world.sup)


def all_ok(world, campaign, *, actor=None):
    from zhifa.campaigns import services

    for s in campaign.sampled.all():
        services.findings_record(campaign=campaign, actor=actor or world.sup, sampled_id=s.pk,
                                 results=[{"item": n, "result": "ok", "text": ""} for n in range(len(campaign.checklist))])
    campaign.refresh_from_db()
    return campaign


def reported(world, **kw):
    from zhifa.campaigns import services

    c = all_ok(world, drawn(world, **kw))
    return services.campaign_report(campaign=c, actor=world.sup, summary="抽查案件总体规范。")


def published(world, text="经检查，各机关总体规范。", **kw):
    from zhifa.campaigns import services

    return services.campaign_publish(campaign=reported(world, **kw), actor=world.sup, text=text)
